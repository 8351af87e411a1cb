#include "store/sqlite/wal_writes.hpp"

#include <atomic>
#include <cstddef>
#include <mutex>
#include <new>
#include <string>

namespace estafeta::store::sqlite {

namespace {

// A file control of our own (SQLite's end below 100): turns gathering on or off.
constexpr int kGatherOpcode = 0x45535401;
// The most gathered before it is written: the unix VFS writes at most
// 128 KiB - 1 in one call (os_unix.c seekAndWriteFd masks the size to 17
// bits; SQLite itself never asks for more). 31 frames of 4 KiB pages.
constexpr std::size_t kMaxGathered = (128 << 10) - 1;

std::atomic<std::uint64_t> g_asked{0};
std::atomic<std::uint64_t> g_issued{0};

// What SQLite allocates for each open file (szOsFile): this, then the
// default VFS's own file. Standard layout, so SQLite's sqlite3_file* is ours.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  bool wal;
  bool gather;           // a database file: its log gathers writes
  File* log;             // a database file: its WAL file while open
  File* database;        // a WAL file: its database file
  std::string* pending;  // a WAL file: the bytes gathered, to be written at pending_at
  sqlite3_int64 pending_at;
};

constexpr std::size_t kFileSize =
    (sizeof(File) + alignof(std::max_align_t) - 1) / alignof(std::max_align_t) * alignof(std::max_align_t);

File* self(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
const sqlite3_io_methods* real_methods(File* f) { return f->real->pMethods; }

// Writes what is gathered, in one call.
int flush(File* f) {
  if (!f->pending || f->pending->empty()) return SQLITE_OK;
  auto& p = *f->pending;
  g_issued.fetch_add(1, std::memory_order_relaxed);
  int rc = real_methods(f)->xWrite(f->real, p.data(), static_cast<int>(p.size()), f->pending_at);
  // Written or not, it is SQLite's to handle now: a failed write fails the
  // sync or the commit that follows, as it would have without gathering.
  p.clear();
  return rc;
}

int flush_log_of(File* f) { return f->wal ? flush(f) : SQLITE_OK; }
void flush_log_of_database(File* f) {
  // The barrier cannot report an error. With gathering on, SQLite has
  // synced the log (and reported any error) before it gets here; see the header.
  if (f->log) (void)flush(f->log);
}

int x_close(sqlite3_file* file) {
  auto* f = self(file);
  int flushed = flush_log_of(f);
  if (f->wal && f->database) f->database->log = nullptr;
  if (f->log) f->log->database = nullptr;
  int rc = real_methods(f)->xClose(f->real);
  delete f->pending;
  f->pending = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

// A method of the default VFS's file, called as it is.
template <auto Method, typename... Args>
auto passed(sqlite3_file* file, Args... args) {
  auto* f = self(file);
  return (real_methods(f)->*Method)(f->real, args...);
}

// The same, once what is gathered is in the file: everything but a write
// reaches a WAL file after the writes SQLite made before it.
template <auto Method, typename... Args>
int flushed(sqlite3_file* file, Args... args) {
  auto* f = self(file);
  if (int rc = flush_log_of(f); rc != SQLITE_OK) return rc;
  return (real_methods(f)->*Method)(f->real, args...);
}

int x_write(sqlite3_file* file, const void* buf, int amount, sqlite3_int64 offset) {
  auto* f = self(file);
  if (!f->wal) return real_methods(f)->xWrite(f->real, buf, amount, offset);
  g_asked.fetch_add(1, std::memory_order_relaxed);
  auto n = static_cast<std::size_t>(amount);
  bool gathering = f->database && f->database->gather && n <= kMaxGathered;
  if (gathering && f->pending && !f->pending->empty() &&
      offset == f->pending_at + static_cast<sqlite3_int64>(f->pending->size()) &&
      f->pending->size() + n <= kMaxGathered) {
    f->pending->append(static_cast<const char*>(buf), n);
    return SQLITE_OK;
  }
  // Not next to what is gathered (a frame written again, the log's header
  // after a restart), too much, or gathering off: what is gathered goes
  // first, so the file sees the writes in SQLite's order.
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  if (!gathering) {
    g_issued.fetch_add(1, std::memory_order_relaxed);
    return real_methods(f)->xWrite(f->real, buf, amount, offset);
  }
  try {
    if (!f->pending) {
      f->pending = new std::string;
      f->pending->reserve(kMaxGathered);
    }
    f->pending->assign(static_cast<const char*>(buf), n);
  } catch (const std::bad_alloc&) {
    return SQLITE_IOERR_NOMEM;
  }
  f->pending_at = offset;
  return SQLITE_OK;
}

int x_file_control(sqlite3_file* file, int op, void* arg) {
  auto* f = self(file);
  if (op == kGatherOpcode && !f->wal) {
    f->gather = *static_cast<int*>(arg) != 0;
    return f->gather || !f->log ? SQLITE_OK : flush(f->log);
  }
  if (int rc = flush_log_of(f); rc != SQLITE_OK) return rc;
  return real_methods(f)->xFileControl(f->real, op, arg);
}

// The WAL index's locks and barrier are where a commit becomes visible to
// other connections: its frames are in the file by then.
int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  auto* f = self(file);
  flush_log_of_database(f);
  return real_methods(f)->xShmLock(f->real, offset, n, flags);
}

void x_shm_barrier(sqlite3_file* file) {
  auto* f = self(file);
  flush_log_of_database(f);
  real_methods(f)->xShmBarrier(f->real);
}

// The same methods at each version the default VFS's files may have: one
// of ours never offers a method its file lacks.
sqlite3_io_methods make_methods(int version) {
  using M = sqlite3_io_methods;
  M m{};
  m.iVersion = version;
  m.xClose = x_close;
  m.xRead = flushed<&M::xRead, void*, int, sqlite3_int64>;
  m.xWrite = x_write;
  m.xTruncate = flushed<&M::xTruncate, sqlite3_int64>;
  m.xSync = flushed<&M::xSync, int>;
  m.xFileSize = flushed<&M::xFileSize, sqlite3_int64*>;
  m.xLock = flushed<&M::xLock, int>;
  m.xUnlock = flushed<&M::xUnlock, int>;
  m.xCheckReservedLock = flushed<&M::xCheckReservedLock, int*>;
  m.xFileControl = x_file_control;
  m.xSectorSize = passed<&M::xSectorSize>;
  m.xDeviceCharacteristics = passed<&M::xDeviceCharacteristics>;
  if (version >= 2) {
    m.xShmMap = passed<&M::xShmMap, int, int, int, void volatile**>;
    m.xShmLock = x_shm_lock;
    m.xShmBarrier = x_shm_barrier;
    m.xShmUnmap = passed<&M::xShmUnmap, int>;
  }
  if (version >= 3) {
    m.xFetch = flushed<&M::xFetch, sqlite3_int64, int, void**>;
    m.xUnfetch = passed<&M::xUnfetch, sqlite3_int64, void*>;
  }
  return m;
}

const sqlite3_io_methods kMethods[3] = {make_methods(1), make_methods(2), make_methods(3)};

bool ours(const sqlite3_io_methods* m) { return m >= &kMethods[0] && m <= &kMethods[2]; }

sqlite3_vfs* real_vfs(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

int x_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  auto* f = new (file) File{};
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kFileSize);
  int rc = real_vfs(vfs)->xOpen(real_vfs(vfs), name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || !f->real->pMethods) {
    if (f->real->pMethods) f->real->pMethods->xClose(f->real);
    file->pMethods = nullptr;  // SQLite then never calls xClose
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  if (f->wal && name) {
    // SQLite's way for a VFS to find the database a WAL file belongs to.
    auto* db = sqlite3_database_file_object(name);
    if (db && ours(db->pMethods)) {
      f->database = self(db);
      f->database->log = f;
    }
  }
  int version = f->real->pMethods->iVersion;
  file->pMethods = &kMethods[(version < 1 ? 1 : version > 3 ? 3 : version) - 1];
  return SQLITE_OK;
}

// Everything else is the default VFS's.
int x_delete(sqlite3_vfs* v, const char* name, int sync_dir) {
  return real_vfs(v)->xDelete(real_vfs(v), name, sync_dir);
}
int x_access(sqlite3_vfs* v, const char* name, int flags, int* out) {
  return real_vfs(v)->xAccess(real_vfs(v), name, flags, out);
}
int x_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
  return real_vfs(v)->xFullPathname(real_vfs(v), name, n, out);
}
void* x_dl_open(sqlite3_vfs* v, const char* name) { return real_vfs(v)->xDlOpen(real_vfs(v), name); }
void x_dl_error(sqlite3_vfs* v, int n, char* out) { real_vfs(v)->xDlError(real_vfs(v), n, out); }
void (*x_dl_sym(sqlite3_vfs* v, void* h, const char* sym))(void) { return real_vfs(v)->xDlSym(real_vfs(v), h, sym); }
void x_dl_close(sqlite3_vfs* v, void* h) { real_vfs(v)->xDlClose(real_vfs(v), h); }
int x_randomness(sqlite3_vfs* v, int n, char* out) { return real_vfs(v)->xRandomness(real_vfs(v), n, out); }
int x_sleep(sqlite3_vfs* v, int us) { return real_vfs(v)->xSleep(real_vfs(v), us); }
int x_current_time(sqlite3_vfs* v, double* out) { return real_vfs(v)->xCurrentTime(real_vfs(v), out); }
int x_get_last_error(sqlite3_vfs* v, int n, char* out) { return real_vfs(v)->xGetLastError(real_vfs(v), n, out); }
int x_current_time_int64(sqlite3_vfs* v, sqlite3_int64* out) {
  return real_vfs(v)->xCurrentTimeInt64(real_vfs(v), out);
}

sqlite3_vfs g_vfs{};

}  // namespace

const char* wal_writes_vfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto* base = sqlite3_vfs_find(nullptr);
    g_vfs.iVersion = base->iVersion < 2 ? base->iVersion : 2;  // the system-call overrides are not forwarded
    g_vfs.szOsFile = static_cast<int>(kFileSize) + base->szOsFile;
    g_vfs.mxPathname = base->mxPathname;
    g_vfs.zName = "estafeta-wal";
    g_vfs.pAppData = base;
    g_vfs.xOpen = x_open;
    g_vfs.xDelete = x_delete;
    g_vfs.xAccess = x_access;
    g_vfs.xFullPathname = x_full_pathname;
    g_vfs.xDlOpen = x_dl_open;
    g_vfs.xDlError = x_dl_error;
    g_vfs.xDlSym = x_dl_sym;
    g_vfs.xDlClose = x_dl_close;
    g_vfs.xRandomness = x_randomness;
    g_vfs.xSleep = x_sleep;
    g_vfs.xCurrentTime = x_current_time;
    g_vfs.xGetLastError = x_get_last_error;
    if (g_vfs.iVersion >= 2) g_vfs.xCurrentTimeInt64 = x_current_time_int64;
    sqlite3_vfs_register(&g_vfs, 0);
  });
  return g_vfs.zName;
}

int gather_wal_writes(sqlite3* db, bool on) {
  int flag = on ? 1 : 0;
  return sqlite3_file_control(db, "main", kGatherOpcode, &flag);
}

WalWriteCounts wal_write_counts() {
  return {g_asked.load(std::memory_order_relaxed), g_issued.load(std::memory_order_relaxed)};
}

}  // namespace estafeta::store::sqlite
