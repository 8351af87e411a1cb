// Opening the SQLite store, its readers, and integrity checks.
#include "store/sqlite/sqlite_store.hpp"

#include <fmt/format.h>

#include "store/sqlite/rows.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/text_match.hpp"

namespace estafeta::store {

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  auto store = TRY(sqlite::SqliteStore::open(options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace estafeta::store

namespace estafeta::store::sqlite {

namespace {
constexpr int kReaders = 3;  // reads in parallel beside the writer (2 cores: more would wait for the CPU)
}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  auto db = TRY(Database::open(options.path.string(), options.create));
  // WAL: readers never block the writer. synchronous=FULL: a commit is
  // durable when it returns (DESIGN §5); its frames written with one call.
  TRY(db->exec("PRAGMA journal_mode = WAL"));
  TRY(db->set_synced_commits(true));
  TRY(db->exec("PRAGMA foreign_keys = ON"));
  TRY(db->exec("PRAGMA secure_delete = OFF"));
  TRY(db->exec("PRAGMA cache_size = -32768"));  // 32 MiB of pages
  TRY(db->exec("PRAGMA temp_store = MEMORY"));
  TRY(add_text_match(*db));  // before_nul, which a migration uses
  TRY(migrate(*db));
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(db)));
  store->m_max_pending_bytes = options.max_pending_text_bytes;
  for (int i = 0; i < kReaders; ++i) {
    auto reader = std::make_unique<Reader>();
    reader->db = TRY(Database::open(options.path.string(), false));
    TRY(reader->db->exec("PRAGMA query_only = ON"));
    TRY(reader->db->exec("PRAGMA cache_size = -16384"));
    TRY(add_text_match(*reader->db));
    store->m_readers.push_back(std::move(reader));
  }
  TRY(store->text_backlog());
  return store;
}

SqliteStore::ReadLease SqliteStore::read() {
  if (m_readers.empty()) return ReadLease{std::unique_lock<std::mutex>(m_mutex), m_db.get()};
  auto n = m_readers.size();
  auto start = m_next_reader.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    auto& r = *m_readers[(start + i) % n];
    std::unique_lock<std::mutex> lock(r.mutex, std::try_to_lock);
    if (lock.owns_lock()) return ReadLease{std::move(lock), r.db.get()};
  }
  auto& r = *m_readers[start % n];
  return ReadLease{std::unique_lock<std::mutex>(r.mutex), r.db.get()};
}

Result<std::string> SqliteStore::integrity_check() {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("PRAGMA integrity_check"));
  std::string problems;
  while (TRY(st.step())) {
    auto line = st.text(0);
    if (line != "ok") problems += line + "\n";
  }
  auto fk = TRY(m_db->prepare("PRAGMA foreign_key_check"));
  while (TRY(fk.step())) problems += fmt::format("foreign key violation in {} row {}\n", fk.text(0), fk.int64(1));
  return problems;
}

}  // namespace estafeta::store::sqlite
