// The event log and the audit log (store/logs.hpp).
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

Result<std::int64_t> SqliteStore::append_event(const Event& e) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      "INSERT INTO event_log (kind, address_id, mailbox_id, service_id, access_id, device_password_id, uid, modseq, "
      "time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  TRY(st.bind_all(static_cast<std::int64_t>(e.kind), e.address_id, e.mailbox_id, e.service_id, e.access_id,
                  e.device_password_id, std::int64_t{e.uid}, static_cast<std::int64_t>(e.modseq), unix_now())
          .run());
  return m_db->last_insert_id();
}

Result<std::vector<std::pair<std::int64_t, Event>>> SqliteStore::events_after(std::int64_t id, std::size_t limit) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(
      m_db->prepare("SELECT id, kind, address_id, mailbox_id, service_id, access_id, device_password_id, uid, modseq "
                    "FROM event_log WHERE id > ? ORDER BY id LIMIT ?"));
  st.bind_all(id, static_cast<std::int64_t>(limit));
  return all<std::pair<std::int64_t, Event>>(std::move(st), [](const Statement& s) {
    Event e{static_cast<EventKind>(s.int64(1))};
    e.address_id = s.int64(2);
    e.mailbox_id = s.int64(3);
    e.service_id = s.int64(4);
    e.access_id = s.int64(5);
    e.device_password_id = s.int64(6);
    e.uid = static_cast<std::uint32_t>(s.int64(7));
    e.modseq = static_cast<std::uint64_t>(s.int64(8));
    return std::pair{s.int64(0), e};
  });
}

Result<std::int64_t> SqliteStore::last_event_id() {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("SELECT coalesce(max(id), 0) FROM event_log"));
  TRY(st.step());
  return st.int64(0);
}

Status SqliteStore::prune_events(Time before) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM event_log WHERE time < ?"));
  return st.bind_all(before).run();
}

Status SqliteStore::append_audit(const AuditEntry& e) {
  std::lock_guard lock(m_mutex);
  auto st =
      TRY(m_db->prepare("INSERT INTO audit (org_id, actor_user_id, actor, action, target, product, ip, detail, time) "
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
  // The page's cursor is an entry the caller may see (its organisation,
  // its own entries for a member): another's id pages nothing and says
  // nothing of when it was written.
  if (q.before_id)
    sql +=
        " AND (time, id) < (SELECT time, id FROM audit WHERE id = ?8 AND (?1 IS NULL OR org_id = ?1)"
        " AND (?2 IS NULL OR actor_user_id = ?2))";
  if (!q.text.empty())
    sql +=
        " AND (instr(lower(actor), lower(?9)) OR instr(lower(action), lower(?9)) OR instr(lower(target), lower(?9))"
        " OR instr(lower(detail), lower(?9)))";
  sql += " ORDER BY time DESC, id DESC LIMIT ?7";
  auto st = TRY(m_db->prepare(sql));
  if (q.org_id) st.bind(1, *q.org_id);
  if (q.actor_user_id) st.bind(2, *q.actor_user_id);
  if (q.since) st.bind(3, *q.since);
  if (q.until) st.bind(4, *q.until);
  if (!q.product.empty()) st.bind(5, q.product);
  if (!q.action_prefix.empty()) st.bind(6, q.action_prefix);
  st.bind(7, static_cast<std::int64_t>(q.limit));
  if (q.before_id) st.bind(8, q.before_id);
  if (!q.text.empty()) st.bind(9, q.text);
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

}  // namespace estafeta::store::sqlite
