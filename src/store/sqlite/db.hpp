// A thin RAII layer over the SQLite C API: a connection, prepared statements,
// transactions. Errors come back as values; SQLITE_BUSY maps to temporary,
// constraint violations to exists.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/result.hpp"

namespace estafeta::store::sqlite {

class Database;

// A prepared statement. One that came from Database::prepare goes back to
// the database's cache when destroyed (reset, bindings cleared), so the same
// SQL is compiled once per connection.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt, Database* cache = nullptr, std::string sql = {})
      : m_db(db), m_stmt(stmt), m_cache(cache), m_sql(std::move(sql)) {}
  Statement(Statement&& o) noexcept
      : m_db(o.m_db), m_stmt(std::exchange(o.m_stmt, nullptr)), m_cache(o.m_cache), m_sql(std::move(o.m_sql)) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding, 1-based like SQLite. Text/blob are copied (SQLITE_TRANSIENT).
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, std::string_view v);
  Statement& bind_blob(int i, std::string_view v);
  Statement& bind_null(int i);
  Statement& bind(int i, std::optional<std::int64_t> v) { return v ? bind(i, *v) : bind_null(i); }

  // Binds all arguments in order, starting at 1.
  template <class... A>
  Statement& bind_all(const A&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  // Makes the statement ready to run again with new bindings.
  void reset() {
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
    m_bind_error = SQLITE_OK;
  }

  // Steps once: true if a row is available, false when done.
  Result<bool> step();
  // Steps to completion (for statements that return no rows).
  Status run();

  std::int64_t int64(int col) const { return sqlite3_column_int64(m_stmt, col); }
  std::string text(int col) const;  // TEXT or BLOB, embedded NULs kept
  bool is_null(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }
  std::optional<std::int64_t> opt_int64(int col) const {
    return is_null(col) ? std::nullopt : std::optional<std::int64_t>(int64(col));
  }

 private:
  Statement& check(int rc);
  sqlite3* m_db;
  sqlite3_stmt* m_stmt;
  Database* m_cache;
  std::string m_sql;
  int m_bind_error = SQLITE_OK;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::string& path, bool create);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  Result<Statement> prepare(std::string_view sql);
  Status exec(const char* sql);  // one or more statements, no results
  // Whether a commit waits for the disk (synchronous=FULL) or not
  // (NORMAL); a synced commit's WAL frames are written with one call
  // (wal_writes.hpp), which needs the sync, so the two are set together.
  Status set_synced_commits(bool synced);
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(m_db); }
  int changes() const { return sqlite3_changes(m_db); }
  sqlite3* handle() const { return m_db; }

  Error error(const char* what) const;

 private:
  friend class Statement;
  explicit Database(sqlite3* db) : m_db(db) {}
  void give_back(std::string sql, sqlite3_stmt* stmt);

  sqlite3* m_db;
  // Compiled statements ready for reuse, by SQL text. Like the connection,
  // used by one thread at a time (the store's mutex).
  std::unordered_multimap<std::string, sqlite3_stmt*> m_cache;
};

// Maps an SQLite result code to an Error.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

// BEGIN IMMEDIATE … COMMIT; rolls back when destroyed uncommitted.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& o) noexcept : m_db(std::exchange(o.m_db, nullptr)) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database* db) : m_db(db) {}
  Database* m_db;
};

// BEGIN … COMMIT on a read connection: the statements between them read
// one snapshot of the database. A read has nothing to keep, so the
// destructor ends it too.
class ReadSnapshot {
 public:
  static Result<ReadSnapshot> begin(Database& db);
  ReadSnapshot(ReadSnapshot&& o) noexcept : m_db(std::exchange(o.m_db, nullptr)) {}
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot();
  Status end();

 private:
  explicit ReadSnapshot(Database* db) : m_db(db) {}
  Database* m_db;
};

}  // namespace estafeta::store::sqlite
