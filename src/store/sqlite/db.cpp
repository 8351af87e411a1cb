#include "store/sqlite/db.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "store/sqlite/wal_writes.hpp"

namespace estafeta::store::sqlite {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string detail = fmt::format("{}: {} ({})", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc), rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return Error{ErrorKind::temporary, "the store is busy, try again", detail};
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        return Error{ErrorKind::exists, "already exists", detail};
      return Error{ErrorKind::invalid, "rejected by a store constraint", detail};
    case SQLITE_FULL: return Error{ErrorKind::over_quota, "the disk is full", detail};
    case SQLITE_IOERR: return Error{ErrorKind::temporary, "storage error", detail};
    default: return Error{ErrorKind::internal, "store error", detail};
  }
}

Statement& Statement::check(int rc) {
  if (rc != SQLITE_OK && m_bind_error == SQLITE_OK) m_bind_error = rc;
  return *this;
}

Statement& Statement::bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(m_stmt, i, v)); }
Statement& Statement::bind(int i, std::string_view v) {
  return check(sqlite3_bind_text64(m_stmt, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}
Statement& Statement::bind_blob(int i, std::string_view v) {
  return check(sqlite3_bind_blob64(m_stmt, i, v.data(), v.size(), SQLITE_TRANSIENT));
}
Statement& Statement::bind_null(int i) { return check(sqlite3_bind_null(m_stmt, i)); }

Result<bool> Statement::step() {
  if (m_bind_error != SQLITE_OK) return std::unexpected(sqlite_error(m_db, m_bind_error, "bind"));
  int rc = sqlite3_step(m_stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  int ext = sqlite3_extended_errcode(m_db);
  return std::unexpected(sqlite_error(m_db, ext ? ext : rc, sqlite3_sql(m_stmt)));
}

Status Statement::run() {
  for (;;) {
    auto more = step();
    if (!more) return std::unexpected(more.error());
    if (!*more) return {};
  }
}

std::string Statement::text(int col) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_blob(m_stmt, col));
  int n = sqlite3_column_bytes(m_stmt, col);
  return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path, bool create) {
  if (create) {
    // The database is the owner's alone: made here 0600 before SQLite would
    // make it 0644, and SQLite gives the -wal and -shm files the database
    // file's mode (os_unix.c findCreateFileMode).
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
      ::close(fd);
    else if (errno != EEXIST)
      return fail(ErrorKind::temporary, "storage error", fmt::format("create {}: {}", path, std::strerror(errno)));
  }
  sqlite3* db = nullptr;
  // No mutex of SQLite's own: each connection is used under the store's
  // lock for it (the writer's, or a reader's lease), never by two threads
  // at once, and SQLite's lock would cost two calls per row read.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, wal_writes_vfs());
  if (rc != SQLITE_OK) {
    auto err = sqlite_error(db, rc, "open " + path);
    sqlite3_close(db);
    if (!create && rc == SQLITE_CANTOPEN) err.kind = ErrorKind::not_found;
    return std::unexpected(err);
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<Database>(new Database(db));
}

Status Database::set_synced_commits(bool synced) {
  auto gather = [this](bool on) -> Status {
    if (int rc = gather_wal_writes(m_db, on); rc != SQLITE_OK)
      return std::unexpected(sqlite_error(m_db, rc, "gather WAL writes"));
    return {};
  };
  // Gathering off before the sync goes, on only once it is back.
  if (!synced) {
    TRY(gather(false));
    return exec("PRAGMA synchronous = NORMAL");
  }
  TRY(exec("PRAGMA synchronous = FULL"));
  return gather(true);
}

Database::~Database() {
  for (auto& [sql, stmt] : m_cache) sqlite3_finalize(stmt);
  sqlite3_close_v2(m_db);
}

Error Database::error(const char* what) const { return sqlite_error(m_db, sqlite3_extended_errcode(m_db), what); }

namespace {
constexpr std::size_t kMaxCachedStatements = 512;
}  // namespace

Statement::~Statement() {
  if (!m_stmt) return;
  if (m_cache)
    m_cache->give_back(std::move(m_sql), m_stmt);
  else
    sqlite3_finalize(m_stmt);
}

void Database::give_back(std::string sql, sqlite3_stmt* stmt) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (m_cache.size() >= kMaxCachedStatements) {
    sqlite3_finalize(stmt);
    return;
  }
  m_cache.emplace(std::move(sql), stmt);
}

Result<Statement> Database::prepare(std::string_view sql) {
  std::string key(sql);
  if (auto it = m_cache.find(key); it != m_cache.end()) {
    auto* stmt = it->second;
    m_cache.erase(it);
    return Statement(m_db, stmt, this, std::move(key));
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(m_db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(m_db, rc, sql));
  return Statement(m_db, stmt, this, std::move(key));
}

Status Database::exec(const char* sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string detail = msg ? msg : "";
    sqlite3_free(msg);
    auto err = sqlite_error(m_db, sqlite3_extended_errcode(m_db), detail);
    return std::unexpected(err);
  }
  return {};
}

Result<Transaction> Transaction::begin(Database& db) {
  TRY(db.exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (m_db) (void)m_db->exec("ROLLBACK");
}

Status Transaction::commit() {
  if (!m_db) return fail(ErrorKind::internal, "store error", "commit of a finished transaction");
  auto st = m_db->exec("COMMIT");
  if (st) m_db = nullptr;
  return st;
}

Result<ReadSnapshot> ReadSnapshot::begin(Database& db) {
  TRY(db.exec("BEGIN"));
  return ReadSnapshot(&db);
}

ReadSnapshot::~ReadSnapshot() {
  if (m_db) (void)m_db->exec("COMMIT");
}

Status ReadSnapshot::end() {
  if (!m_db) return fail(ErrorKind::internal, "store error", "end of a finished read");
  return std::exchange(m_db, nullptr)->exec("COMMIT");
}

}  // namespace estafeta::store::sqlite
