// The delivery worker's view of the outbound queue, and the message trace.
// (Accepting mail into the queue: accept.cpp.)
#include <fmt/format.h>

#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

namespace {

constexpr const char* kQueuedColumns =
    "r.id, r.queue_id, r.recipient, r.domain, r.orcpt, r.notify, r.state, r.attempts, r.next_attempt, "
    "r.last_reply, r.remote_host, q.sender, q.envid, q.ret_full, q.sender_address_id, b.hash, b.size, q.created, "
    "q.public_id, "
    "r.delay_warned";

QueuedRecipient read_queued(const Statement& s) {
  QueuedRecipient r;
  r.id = s.int64(0);
  r.queue_id = s.int64(1);
  r.recipient = s.text(2);
  r.domain = s.text(3);
  r.orcpt = s.text(4);
  auto notify = s.int64(5);
  r.notify_success = notify & kNotifySuccess;
  r.notify_failure = notify & kNotifyFailure;
  r.notify_delay = notify & kNotifyDelay;
  r.notify_never = notify & kNotifyNever;
  r.state = static_cast<RecipientState>(s.int64(6));
  r.attempts = static_cast<int>(s.int64(7));
  r.next_attempt = s.int64(8);
  r.last_reply = s.text(9);
  r.remote_host = s.text(10);
  r.sender = s.text(11);
  r.envid = s.text(12);
  r.ret_full = s.int64(13) != 0;
  r.sender_address_id = s.int64(14);
  r.blob_hash = s.text(15);
  r.size = static_cast<std::uint64_t>(s.int64(16));
  r.created = s.int64(17);
  r.public_id = s.text(18);
  r.delay_warned = s.int64(19) != 0;
  return r;
}

}  // namespace

Status SqliteStore::trace_locked(const TraceEntry& e) {
  auto st = TRY(m_db->prepare(
      "INSERT INTO trace (address_id, queue_id, direction, sender, recipient, status, remote_host, reply, time) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  return st
      .bind_all(e.address_id, e.queue_id, std::string_view(to_string(e.direction)), e.sender, e.recipient,
                std::string_view(to_string(e.status)), e.remote_host, e.reply, e.time ? e.time : unix_now())
      .run();
}

Result<std::vector<QueuedRecipient>> SqliteStore::due_recipients(Time now, std::size_t limit) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      fmt::format("SELECT {} FROM queue_rcpt r JOIN queue q ON q.id = r.queue_id JOIN blob b ON b.id = q.blob_id "
                  "WHERE r.state = 0 AND r.next_attempt <= ? ORDER BY r.next_attempt, r.id LIMIT ?",
                  kQueuedColumns)));
  st.bind_all(now, static_cast<std::int64_t>(limit));
  return all<QueuedRecipient>(std::move(st), read_queued);
}

Result<std::optional<Time>> SqliteStore::next_due() {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("SELECT min(next_attempt) FROM queue_rcpt WHERE state = 0"));
  TRY(st.step());
  return st.opt_int64(0);
}

Result<std::vector<QueuedRecipient>> SqliteStore::queued(std::size_t limit) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      fmt::format("SELECT {} FROM queue_rcpt r JOIN queue q ON q.id = r.queue_id JOIN blob b ON b.id = q.blob_id "
                  "ORDER BY r.queue_id, r.id LIMIT ?",
                  kQueuedColumns)));
  st.bind_all(static_cast<std::int64_t>(limit));
  return all<QueuedRecipient>(std::move(st), read_queued);
}

Result<std::pair<std::size_t, Time>> SqliteStore::queue_size() {
  auto db = read();
  auto st = TRY(
      db->prepare("SELECT count(*), coalesce(min(q.created), 0) FROM queue_rcpt r JOIN queue q ON q.id = r.queue_id "
                  "WHERE r.state = 0"));
  TRY(st.step());
  return std::pair{static_cast<std::size_t>(st.int64(0)), st.int64(1)};
}

Status SqliteStore::mark_delay_warned(Id recipient_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE queue_rcpt SET delay_warned = 1 WHERE id = ?"));
  return st.bind_all(recipient_id).run();
}

Status SqliteStore::record_attempt(Id recipient_id, RecipientState state, Time next_attempt, const std::string& reply,
                                   const std::string& remote_host) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto up = TRY(m_db->prepare(
      "UPDATE queue_rcpt SET state = ?, attempts = attempts + 1, next_attempt = ?, last_reply = ?, remote_host = ? "
      "WHERE id = ? RETURNING queue_id"));
  up.bind_all(static_cast<std::int64_t>(state), next_attempt, reply, remote_host, recipient_id);
  if (!TRY(up.step())) return fail(ErrorKind::not_found, "no such queued recipient");
  auto queue_id = up.int64(0);
  TRY(up.run());
  // A message with nobody left to try leaves the queue.
  auto left = TRY(m_db->prepare("SELECT count(*) FROM queue_rcpt WHERE queue_id = ? AND state = 0"));
  left.bind_all(queue_id);
  TRY(left.step());
  if (left.int64(0) == 0) {
    auto del = TRY(m_db->prepare("DELETE FROM queue WHERE id = ?"));
    TRY(del.bind_all(queue_id).run());
  }
  return tx.commit();
}

Status SqliteStore::append_trace(const TraceEntry& entry) {
  std::lock_guard lock(m_mutex);
  return trace_locked(entry);
}

Result<std::vector<TraceEntry>> SqliteStore::trace(Id address_id, Time since, std::size_t limit) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      "SELECT id, address_id, queue_id, direction, sender, recipient, status, remote_host, reply, time FROM trace "
      "WHERE address_id = ? AND time >= ? ORDER BY time, id LIMIT ?"));
  st.bind_all(address_id, since, static_cast<std::int64_t>(limit));
  return all<TraceEntry>(std::move(st), read_trace);
}

}  // namespace estafeta::store::sqlite
