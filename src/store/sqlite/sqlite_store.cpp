// Opening the SQLite store, the audit log and integrity checks.
#include "store/sqlite/sqlite_store.hpp"

#include <fmt/format.h>

#include "store/sqlite/rows.hpp"
#include "store/sqlite/schema.hpp"

namespace estafeta::store {

Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options) {
  auto store = TRY(sqlite::SqliteStore::open(options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace estafeta::store

namespace estafeta::store::sqlite {

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  auto db = TRY(Database::open(options.path.string(), options.create));
  // WAL: readers never block the writer. synchronous=FULL: a commit is
  // durable when it returns (DESIGN §5).
  TRY(db->exec("PRAGMA journal_mode = WAL"));
  TRY(db->exec("PRAGMA synchronous = FULL"));
  TRY(db->exec("PRAGMA foreign_keys = ON"));
  TRY(db->exec("PRAGMA secure_delete = OFF"));
  TRY(migrate(*db));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(db)));
}

Status SqliteStore::append_audit(const AuditEntry& e) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      "INSERT INTO audit (org_id, actor_user_id, actor, action, target, product, ip, detail, time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.bind_all(e.org_id, e.actor_user_id, e.actor, e.action, e.target, e.product, e.ip, e.detail,
              e.time ? e.time : unix_now());
  return st.run();
}

Result<std::vector<AuditEntry>> SqliteStore::query_audit(const AuditQuery& q) {
  std::lock_guard lock(m_mutex);
  std::string sql =
      "SELECT id, org_id, actor_user_id, actor, action, target, product, ip, detail, time FROM audit WHERE 1";
  if (q.org_id) sql += " AND org_id = ?1";
  if (q.actor_user_id) sql += " AND actor_user_id = ?2";
  if (q.since) sql += " AND time >= ?3";
  if (q.until) sql += " AND time < ?4";
  if (!q.product.empty()) sql += " AND product = ?5";
  if (!q.action_prefix.empty()) sql += " AND substr(action, 1, length(?6)) = ?6";
  sql += " ORDER BY time DESC, id DESC LIMIT ?7";
  auto st = TRY(m_db->prepare(sql));
  if (q.org_id) st.bind(1, *q.org_id);
  if (q.actor_user_id) st.bind(2, *q.actor_user_id);
  if (q.since) st.bind(3, *q.since);
  if (q.until) st.bind(4, *q.until);
  if (!q.product.empty()) st.bind(5, q.product);
  if (!q.action_prefix.empty()) st.bind(6, q.action_prefix);
  st.bind(7, static_cast<std::int64_t>(q.limit));
  std::vector<AuditEntry> out;
  while (TRY(st.step())) {
    AuditEntry e;
    e.id = st.int64(0);
    e.org_id = st.int64(1);
    e.actor_user_id = st.opt_int64(2);
    e.actor = st.text(3);
    e.action = st.text(4);
    e.target = st.text(5);
    e.product = st.text(6);
    e.ip = st.text(7);
    e.detail = st.text(8);
    e.time = st.int64(9);
    out.push_back(std::move(e));
  }
  return out;
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
