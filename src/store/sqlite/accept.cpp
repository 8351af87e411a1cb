// Accepting mail: local copies, the outbound queue entry and the trace lines
// of one message in one durable transaction — with group commit.
//
// Each commit with synchronous=FULL costs an fsync of the WAL (≈ 0.4 ms on
// this kind of disk), and the writer holds the connection across it. When
// several deliveries arrive together, the first becomes the leader: it takes
// every request waiting at that moment, runs each inside its own SAVEPOINT
// (one that fails is rolled back alone and gets its own error), and commits
// them all with one fsync. The others sleep until the leader marks them done;
// requests that arrive meanwhile form the next group, led by one of them.
// Every caller still returns only once its own rows are durable (DESIGN §5).
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

struct SqliteStore::PendingAccept {
  const BlobInfo& blob;
  const std::vector<AppendTarget>& local;
  const std::optional<OutboundMessage>& outbound;
  const std::vector<TraceEntry>& trace;
  std::optional<Result<Accepted>> result;
  bool done = false;
};

Result<Accepted> SqliteStore::accept_message(const BlobInfo& blob, const std::vector<AppendTarget>& local,
                                             const std::optional<OutboundMessage>& outbound,
                                             const std::vector<TraceEntry>& trace) {
  PendingAccept mine{blob, local, outbound, trace, std::nullopt};
  std::unique_lock group(m_group_mutex);
  m_group.push_back(&mine);
  while (!mine.done) {
    if (m_group_leader) {
      m_group_cv.wait(group);
      continue;
    }
    // Lead: everything queued now, this request included, is one group.
    m_group_leader = true;
    auto batch = std::exchange(m_group, {});
    group.unlock();
    try {
      commit_group(batch);
    } catch (const std::exception& e) {
      // Out of memory, most likely. Whatever got done is rolled back (the
      // transaction's destructor); every request of the group fails, and
      // leadership passes on as usual.
      for (auto* p : batch) p->result = fail(ErrorKind::internal, "store error", e.what());
    }
    group.lock();
    m_group_leader = false;
    for (auto* p : batch) p->done = true;
    m_group_cv.notify_all();
  }
  return std::move(*mine.result);
}

void SqliteStore::commit_group(const std::vector<PendingAccept*>& batch) {
  std::lock_guard lock(m_mutex);
  auto fail_all = [&](const Error& e) {
    for (auto* p : batch) p->result = std::unexpected(e);
  };
  auto tx = Transaction::begin(*m_db);
  if (!tx) return fail_all(tx.error());
  for (auto* p : batch) {
    if (auto st = m_db->exec("SAVEPOINT accept"); !st) return fail_all(st.error());
    p->result = accept_locked(p->blob, p->local, p->outbound, p->trace);
    if (!*p->result) {
      if (auto st = m_db->exec("ROLLBACK TO accept"); !st) return fail_all(st.error());
    }
    if (auto st = m_db->exec("RELEASE accept"); !st) return fail_all(st.error());
  }
  if (auto st = tx->commit(); !st) {
    for (auto* p : batch)
      if (*p->result) p->result = std::unexpected(st.error());
  }
}

Result<Accepted> SqliteStore::accept_locked(const BlobInfo& blob, const std::vector<AppendTarget>& local,
                                            const std::optional<OutboundMessage>& outbound,
                                            const std::vector<TraceEntry>& trace) {
  auto blob_id = TRY(insert_blob(blob));
  Accepted out;
  out.local = TRY(append_locked(blob_id, blob.size, local));
  if (outbound && !outbound->recipients.empty()) {
    auto now = unix_now();
    auto q =
        TRY(m_db->prepare("INSERT INTO queue (public_id, blob_id, sender, envid, ret_full, sender_address_id, created) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?)"));
    TRY(q.bind_all(outbound->public_id, blob_id, outbound->sender, outbound->envid, std::int64_t{outbound->ret_full},
                   outbound->sender_address_id, now)
            .run());
    out.queue_id = m_db->last_insert_id();
    auto r = TRY(m_db->prepare(
        "INSERT INTO queue_rcpt (queue_id, recipient, domain, orcpt, notify, next_attempt) VALUES (?, ?, ?, ?, ?, ?)"));
    for (auto& rc : outbound->recipients) {
      std::int64_t notify = (rc.notify_success ? kNotifySuccess : 0) | (rc.notify_failure ? kNotifyFailure : 0) |
                            (rc.notify_delay ? kNotifyDelay : 0) | (rc.notify_never ? kNotifyNever : 0);
      TRY(r.bind_all(out.queue_id, rc.address, rc.domain, rc.orcpt, notify, now).run());
      r.reset();
    }
  }
  for (auto& t : trace) TRY(trace_locked(t));
  return out;
}

}  // namespace estafeta::store::sqlite
