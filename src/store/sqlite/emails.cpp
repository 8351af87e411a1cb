// Emails, threads and the change order of an address (store/emails.hpp).
// The email, email_gone, mailbox_gone and blob_msgid tables are kept by the
// triggers of schema 12; this file only reads them.
#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

namespace {

constexpr std::uint32_t kUnreadMask = flag_seen | flag_draft;

// Needs: FROM email e JOIN blob b ON b.id = e.blob_id JOIN message m ON
// m.blob_id = e.blob_id JOIN mailbox x ON x.id = m.mailbox_id AND
// x.address_id = e.address_id
constexpr const char* kEmailColumns =
    "e.id, e.thread_id, e.blob_id, b.hash, b.size, e.modseq, b.subject, b.from_name, b.from_address, b.recipients, "
    "b.date, b.has_attachments, m.mailbox_id, m.uid, m.flags, m.keywords, m.internal_date";

// Rows of kEmailColumns, ordered by email id, into emails.
Status read_emails(Statement& st, std::vector<Email>& out) {
  while (TRY(st.step())) {
    Id id = st.int64(0);
    if (out.empty() || out.back().id != id) {
      Email e;
      e.id = id;
      e.thread_id = st.int64(1);
      e.blob_id = st.int64(2);
      e.blob_hash = st.text(3);
      e.size = static_cast<std::uint64_t>(st.int64(4));
      e.modseq = static_cast<std::uint64_t>(st.int64(5));
      e.subject = st.text(6);
      e.from_name = st.text(7);
      e.from_address = st.text(8);
      e.to = st.text(9);
      e.sent_at = st.int64(10);
      e.has_attachments = st.int64(11) != 0;
      out.push_back(std::move(e));
    }
    EmailCopy c;
    c.mailbox_id = st.int64(12);
    c.uid = static_cast<std::uint32_t>(st.int64(13));
    c.flags = static_cast<std::uint32_t>(st.int64(14));
    c.keywords = split_keywords(st.text(15));
    c.internal_date = st.int64(16);
    out.back().copies.push_back(std::move(c));
  }
  return {};
}

// One change: an object id at a MODSEQ, alive or gone.
struct Change {
  std::uint64_t modseq = 0;
  Id id = 0;
  enum Kind { created, updated, destroyed } kind = updated;
  bool counts_only = false;
};

bool after(const Change& c, ChangeCursor since) {
  return c.modseq > since.modseq || (c.modseq == since.modseq && since.id != ChangeCursor::kAll && c.id > since.id);
}

// Orders the changes after `since`, takes at most `max`, and says where
// the next call starts.
Changes page(std::vector<Change> changes, ChangeCursor since, std::size_t max, std::uint64_t state) {
  std::erase_if(changes, [&](const Change& c) { return !after(c, since); });
  std::sort(changes.begin(), changes.end(),
            [](const Change& a, const Change& b) { return std::tie(a.modseq, a.id) < std::tie(b.modseq, b.id); });
  Changes out;
  out.counts_only = true;
  out.next = {state, ChangeCursor::kAll};
  if (max > 0 && changes.size() > max) {
    changes.resize(max);
    out.has_more = true;
    out.next = {changes.back().modseq, changes.back().id, since.from()};
  }
  for (auto& c : changes) {
    switch (c.kind) {
      case Change::created: out.created.push_back(c.id); break;
      case Change::updated:
        out.updated.push_back(c.id);
        out.counts_only = out.counts_only && c.counts_only;
        break;
      case Change::destroyed: out.destroyed.push_back(c.id); break;
    }
  }
  if (out.updated.empty()) out.counts_only = false;
  return out;
}

Result<std::uint64_t> state_of(Database& db, Id address_id) {
  auto st = TRY(db.prepare("SELECT modseq FROM address WHERE id = ?"));
  st.bind_all(address_id);
  if (!TRY(st.step())) return fail(ErrorKind::not_found, "no such address");
  return static_cast<std::uint64_t>(st.int64(0));
}

Status check_since(ChangeCursor since, std::uint64_t state) {
  if (since.modseq > state) return fail(ErrorKind::invalid, "that state was never given out");
  return {};
}

// Changes of a table whose rows carry created_modseq, modseq and a
// destroyed mark (identities, submissions).
Result<Changes> tombstone_changes(Database& db, const char* table, Id address_id, ChangeCursor since, std::size_t max) {
  auto state = TRY(state_of(db, address_id));
  TRY(check_since(since, state));
  std::vector<Change> changes;
  auto st = TRY(db.prepare(
      fmt::format("SELECT id, created_modseq, modseq, destroyed FROM {} WHERE address_id = ? AND modseq >= ?", table)));
  st.bind_all(address_id, static_cast<std::int64_t>(since.modseq));
  while (TRY(st.step())) {
    Change c{static_cast<std::uint64_t>(st.int64(2)), st.int64(0)};
    c.kind = st.int64(3) != 0                                         ? Change::destroyed
             : static_cast<std::uint64_t>(st.int64(1)) > since.from() ? Change::created
                                                                      : Change::updated;
    changes.push_back(c);
  }
  return page(std::move(changes), since, max, state);
}

}  // namespace

Result<std::uint64_t> SqliteStore::mail_state(Id address_id) {
  auto db = read();
  return state_of(*db, address_id);
}

Result<std::vector<Email>> SqliteStore::emails(Id address_id, const std::vector<Id>& ids) {
  auto db = read();
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM email e JOIN blob b ON b.id = e.blob_id JOIN message m ON m.blob_id = e.blob_id "
                  "JOIN mailbox x ON x.id = m.mailbox_id AND x.address_id = e.address_id "
                  "WHERE e.address_id = ? AND e.id = ? ORDER BY m.mailbox_id, m.uid",
                  kEmailColumns)));
  std::vector<Email> out;
  for (Id id : ids) {
    st.bind_all(address_id, id);
    TRY(read_emails(st, out));
    st.reset();
  }
  return out;
}

Result<std::vector<Email>> SqliteStore::list_emails(Id address_id, std::optional<Id> mailbox) {
  auto db = read();
  // The emails with a copy in the mailbox, each with all its copies: an
  // Email's keywords and mailboxIds are those of every copy, whichever
  // folder it was found through.
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM email e JOIN blob b ON b.id = e.blob_id JOIN message m ON m.blob_id = e.blob_id "
                  "JOIN mailbox x ON x.id = m.mailbox_id AND x.address_id = e.address_id "
                  "WHERE e.address_id = ?1 AND (?2 IS NULL OR e.blob_id IN "
                  "(SELECT blob_id FROM message WHERE mailbox_id = ?2)) ORDER BY e.id, m.mailbox_id",
                  kEmailColumns)));
  st.bind(1, address_id).bind(2, mailbox);
  std::vector<Email> out;
  TRY(read_emails(st, out));
  return out;
}

Result<Emails::Page> SqliteStore::newest_in_mailbox(Id address_id, Id mailbox_id, bool collapse, std::size_t position,
                                                    std::size_t limit, bool count) {
  auto db = read();
  // message_date (schema 12) gives the folder's messages newest first
  // without sorting; the loop stops once the page is full unless a total
  // is asked for.
  auto st = TRY(
      db->prepare("SELECT e.id, e.thread_id FROM message m JOIN mailbox x ON x.id = m.mailbox_id AND x.address_id = ?1 "
                  "JOIN email e ON e.address_id = ?1 AND e.blob_id = m.blob_id "
                  "WHERE m.mailbox_id = ?2 ORDER BY m.internal_date DESC, e.id DESC"));
  st.bind_all(address_id, mailbox_id);
  Page out;
  std::set<Id> emails, threads;
  std::size_t seen = 0;
  while (TRY(st.step())) {
    Id id = st.int64(0), thread = st.int64(1);
    if (!emails.insert(id).second) continue;
    if (collapse && !threads.insert(thread).second) continue;
    if (seen++ >= position && out.emails.size() < limit) out.emails.emplace_back(id, thread);
    if (out.emails.size() >= limit) break;
  }
  if (count) {
    // The total in one aggregate, not by walking on: the walk stops at the
    // page, which costs what the position asks, not what the folder holds.
    auto total =
        TRY(db->prepare("SELECT count(DISTINCT e.id), count(DISTINCT e.thread_id) FROM message m "
                        "JOIN mailbox x ON x.id = m.mailbox_id AND x.address_id = ?1 "
                        "JOIN email e ON e.address_id = ?1 AND e.blob_id = m.blob_id WHERE m.mailbox_id = ?2"));
    total.bind_all(address_id, mailbox_id);
    if (TRY(total.step())) out.total = static_cast<std::size_t>(total.int64(collapse ? 1 : 0));
  }
  return out;
}

Result<std::vector<std::pair<Id, std::vector<Id>>>> SqliteStore::threads(Id address_id, const std::vector<Id>& ids) {
  auto db = read();
  auto st = TRY(
      db->prepare("SELECT e.id, min(m.internal_date) AS received FROM email e JOIN message m ON m.blob_id = e.blob_id "
                  "JOIN mailbox x ON x.id = m.mailbox_id AND x.address_id = e.address_id "
                  "WHERE e.address_id = ? AND e.thread_id = ? GROUP BY e.id ORDER BY received, e.id"));
  std::vector<std::pair<Id, std::vector<Id>>> out;
  for (Id id : ids) {
    st.bind_all(address_id, id);
    std::vector<Id> members;
    while (TRY(st.step())) members.push_back(st.int64(0));
    st.reset();
    if (!members.empty()) out.emplace_back(id, std::move(members));
  }
  return out;
}

Result<std::optional<Id>> SqliteStore::email_by_blob(Id address_id, const std::string& blob_hash) {
  auto db = read();
  auto st = TRY(
      db->prepare("SELECT e.id FROM email e JOIN blob b ON b.id = e.blob_id WHERE e.address_id = ? AND b.hash = ?"));
  st.bind_all(address_id, blob_hash);
  if (!TRY(st.step())) return std::optional<Id>();
  return std::optional<Id>(st.int64(0));
}

Result<std::vector<MailboxSummary>> SqliteStore::mailbox_summaries(Id address_id) {
  auto db = read();
  auto list =
      TRY(db->prepare(fmt::format("SELECT {} FROM mailbox WHERE address_id = ? ORDER BY name", kMailboxColumns)));
  list.bind_all(address_id);
  auto boxes = TRY(all<Mailbox>(std::move(list), read_mailbox));
  // Counted by Email, read or not as its keywords say (RFC 8621 §2): the
  // union of its copies' flags, the rule Email/get and Email/query follow;
  // an email with copies in two folders counts once in each.
  auto counts = TRY(db->prepare(
      fmt::format("WITH k AS (SELECT e.id, e.thread_id, e.blob_id, max((m.flags & {0}) != 0) AS read "
                  "FROM email e JOIN message m ON m.blob_id = e.blob_id "
                  "JOIN mailbox x ON x.id = m.mailbox_id AND x.address_id = e.address_id "
                  "WHERE e.address_id = ?1 GROUP BY e.id) "
                  "SELECT m.mailbox_id, count(DISTINCT k.id), count(DISTINCT CASE WHEN NOT k.read THEN k.id END), "
                  "count(DISTINCT k.thread_id), count(DISTINCT CASE WHEN NOT k.read THEN k.thread_id END) "
                  "FROM message m JOIN mailbox x ON x.id = m.mailbox_id JOIN k ON k.blob_id = m.blob_id "
                  "WHERE x.address_id = ?1 GROUP BY m.mailbox_id",
                  kUnreadMask)));
  counts.bind_all(address_id);
  std::map<Id, std::array<std::uint32_t, 4>> by_box;
  while (TRY(counts.step()))
    by_box[counts.int64(0)] = {static_cast<std::uint32_t>(counts.int64(1)), static_cast<std::uint32_t>(counts.int64(2)),
                               static_cast<std::uint32_t>(counts.int64(3)),
                               static_cast<std::uint32_t>(counts.int64(4))};
  auto subs = TRY(db->prepare("SELECT name FROM subscription WHERE address_id = ?"));
  subs.bind_all(address_id);
  std::set<std::string> subscribed;
  while (TRY(subs.step())) subscribed.insert(subs.text(0));
  std::vector<MailboxSummary> out;
  for (auto& b : boxes) {
    MailboxSummary s;
    auto c = by_box[b.id];
    s.total_emails = c[0];
    s.unread_emails = c[1];
    s.total_threads = c[2];
    s.unread_threads = c[3];
    s.subscribed = subscribed.contains(b.name);
    s.mailbox = std::move(b);
    out.push_back(std::move(s));
  }
  return out;
}

Status SqliteStore::add_upload(const Upload& u) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      "INSERT INTO upload (address_id, hash, type, size, created, expires) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (address_id, hash) DO UPDATE SET type = excluded.type, expires = max(expires, excluded.expires)"));
  auto r = st.bind_all(u.address_id, u.hash, u.type, static_cast<std::int64_t>(u.size), u.created, u.expires).run();
  if (!r && r.error().kind == ErrorKind::invalid) return fail(ErrorKind::not_found, "no such address");
  return r;
}

Result<std::optional<Upload>> SqliteStore::find_upload(Id address_id, const std::string& hash) {
  auto db = read();
  auto st = TRY(
      db->prepare("SELECT type, size, created, expires FROM upload WHERE address_id = ? AND hash = ? AND expires > ?"));
  st.bind_all(address_id, hash, unix_now());
  if (!TRY(st.step())) return std::optional<Upload>();
  return std::optional<Upload>(Upload{.address_id = address_id,
                                      .hash = hash,
                                      .type = st.text(0),
                                      .size = static_cast<std::uint64_t>(st.int64(1)),
                                      .created = st.int64(2),
                                      .expires = st.int64(3)});
}

Result<std::vector<std::string>> SqliteStore::expire_uploads(Time now) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto sel = TRY(m_db->prepare("SELECT DISTINCT hash FROM upload WHERE expires <= ?"));
  sel.bind_all(now);
  auto hashes = TRY(all<std::string>(std::move(sel), [](const Statement& s) { return s.text(0); }));
  auto del = TRY(m_db->prepare("DELETE FROM upload WHERE expires <= ?"));
  TRY(del.bind_all(now).run());
  auto used = TRY(m_db->prepare(
      "SELECT EXISTS (SELECT 1 FROM upload WHERE hash = ?1) OR EXISTS (SELECT 1 FROM blob WHERE hash = ?1)"));
  std::vector<std::string> out;
  for (auto& h : hashes) {
    used.bind_all(h);
    TRY(used.step());
    if (used.int64(0) == 0) out.push_back(h);
    used.reset();
  }
  TRY(tx.commit());
  return out;
}

namespace {

constexpr const char* kIdentityColumns = "id, address_id, name, email, reply_to, bcc, text_signature, html_signature";
Identity read_identity(const Statement& s) {
  return {s.int64(0), s.int64(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7)};
}

// Takes the address's next MODSEQ (schema 12).
Result<std::uint64_t> bump(Database& db, Id address_id) {
  auto st = TRY(db.prepare("UPDATE address SET modseq = modseq + 1 WHERE id = ? RETURNING modseq"));
  st.bind_all(address_id);
  if (!TRY(st.step())) return fail(ErrorKind::not_found, "no such address");
  auto m = static_cast<std::uint64_t>(st.int64(0));
  TRY(st.run());
  return m;
}

}  // namespace

Result<std::vector<Identity>> SqliteStore::identities(Id address_id) {
  auto db = read();
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM identity WHERE address_id = ? AND destroyed = 0 ORDER BY id", kIdentityColumns)));
  st.bind_all(address_id);
  return all<Identity>(std::move(st), read_identity);
}

Result<Identity> SqliteStore::create_identity(const Identity& i) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto modseq = static_cast<std::int64_t>(TRY(bump(*m_db, i.address_id)));
  auto st = TRY(m_db->prepare(
      "INSERT INTO identity (address_id, name, email, reply_to, bcc, text_signature, html_signature, created_modseq, "
      "modseq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  TRY(st.bind_all(i.address_id, i.name, i.email, i.reply_to, i.bcc, i.text_signature, i.html_signature, modseq, modseq)
          .run());
  Identity out = i;
  out.id = m_db->last_insert_id();
  TRY(tx.commit());
  return out;
}

Status SqliteStore::update_identity(const Identity& i) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto modseq = static_cast<std::int64_t>(TRY(bump(*m_db, i.address_id)));
  auto st = TRY(m_db->prepare(
      "UPDATE identity SET name = ?, reply_to = ?, bcc = ?, text_signature = ?, html_signature = ?, modseq = ? "
      "WHERE id = ? AND address_id = ? AND destroyed = 0"));
  TRY(st.bind_all(i.name, i.reply_to, i.bcc, i.text_signature, i.html_signature, modseq, i.id, i.address_id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such identity");
  return tx.commit();
}

Status SqliteStore::destroy_identity(Id address_id, Id id) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto modseq = static_cast<std::int64_t>(TRY(bump(*m_db, address_id)));
  auto st = TRY(
      m_db->prepare("UPDATE identity SET destroyed = 1, modseq = ? WHERE id = ? AND address_id = ? AND destroyed = 0"));
  TRY(st.bind_all(modseq, id, address_id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such identity");
  return tx.commit();
}

Result<Changes> SqliteStore::identity_changes(Id address_id, ChangeCursor since, std::size_t max) {
  auto db = read();
  return tombstone_changes(*db, "identity", address_id, since, max);
}

namespace {

constexpr const char* kSubmissionColumns =
    "id, address_id, user_id, identity_id, email_id, thread_id, blob_hash, envelope, send_at, undo_status, queue_id, "
    "refusal";
const char* undo_text(UndoStatus u) {
  switch (u) {
    case UndoStatus::pending: return "pending";
    case UndoStatus::final: return "final";
    case UndoStatus::canceled: return "canceled";
  }
  return "final";
}
Submission read_submission(const Statement& s) {
  auto u = s.text(9);
  return {.id = s.int64(0),
          .address_id = s.int64(1),
          .user_id = s.int64(2),
          .identity_id = s.int64(3),
          .email_id = s.int64(4),
          .thread_id = s.int64(5),
          .blob_hash = s.text(6),
          .envelope = s.text(7),
          .send_at = s.int64(8),
          .undo_status = u == "pending"    ? UndoStatus::pending
                         : u == "canceled" ? UndoStatus::canceled
                                           : UndoStatus::final,
          .queue_id = s.text(10),
          .refusal = s.text(11)};
}

}  // namespace

Result<std::vector<Submission>> SqliteStore::submissions(Id address_id) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format(
      "SELECT {} FROM email_submission WHERE address_id = ? AND destroyed = 0 ORDER BY id", kSubmissionColumns)));
  st.bind_all(address_id);
  return all<Submission>(std::move(st), read_submission);
}

Result<Submission> SqliteStore::create_submission(const Submission& s) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto modseq = static_cast<std::int64_t>(TRY(bump(*m_db, s.address_id)));
  auto st = TRY(m_db->prepare(
      "INSERT INTO email_submission (address_id, user_id, identity_id, email_id, thread_id, blob_hash, envelope, "
      "send_at, undo_status, queue_id, refusal, created_modseq, modseq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?)"));
  TRY(st.bind_all(s.address_id, s.user_id, s.identity_id, s.email_id, s.thread_id, s.blob_hash, s.envelope, s.send_at,
                  std::string(undo_text(s.undo_status)), s.queue_id, s.refusal, modseq, modseq)
          .run());
  Submission out = s;
  out.id = m_db->last_insert_id();
  TRY(tx.commit());
  return out;
}

Status SqliteStore::update_submission(const Submission& s, bool only_if_pending) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto modseq = static_cast<std::int64_t>(TRY(bump(*m_db, s.address_id)));
  auto st =
      TRY(m_db->prepare("UPDATE email_submission SET undo_status = ?, queue_id = ?, refusal = ?, modseq = ? "
                        "WHERE id = ? AND address_id = ? AND destroyed = 0 AND (? = 0 OR undo_status = 'pending')"));
  TRY(st.bind_all(std::string(undo_text(s.undo_status)), s.queue_id, s.refusal, modseq, s.id, s.address_id,
                  std::int64_t{only_if_pending})
          .run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such submission, or no longer pending");
  return tx.commit();
}

Status SqliteStore::destroy_submission(Id address_id, Id id) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto modseq = static_cast<std::int64_t>(TRY(bump(*m_db, address_id)));
  auto st = TRY(m_db->prepare(
      "UPDATE email_submission SET destroyed = 1, modseq = ? WHERE id = ? AND address_id = ? AND destroyed = 0"));
  TRY(st.bind_all(modseq, id, address_id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such submission");
  return tx.commit();
}

Result<Changes> SqliteStore::submission_changes(Id address_id, ChangeCursor since, std::size_t max) {
  auto db = read();
  return tombstone_changes(*db, "email_submission", address_id, since, max);
}

Result<std::vector<Submission>> SqliteStore::due_submissions(Time now, std::size_t limit) {
  auto db = read();
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM email_submission WHERE undo_status = 'pending' AND send_at <= ? AND destroyed = 0 "
                  "ORDER BY send_at, id LIMIT ?",
                  kSubmissionColumns)));
  st.bind_all(now, static_cast<std::int64_t>(limit));
  return all<Submission>(std::move(st), read_submission);
}

Result<std::vector<TraceEntry>> SqliteStore::trace_of(Id address_id, const std::string& queue_id) {
  auto db = read();
  auto st = TRY(db->prepare(
      "SELECT id, address_id, queue_id, direction, sender, recipient, status, remote_host, reply, time FROM trace "
      "WHERE queue_id = ? AND address_id = ? ORDER BY id"));
  st.bind_all(queue_id, address_id);
  return all<TraceEntry>(std::move(st), read_trace);
}

Result<Vacation> SqliteStore::vacation(Id address_id) {
  auto db = read();
  TRY(state_of(*db, address_id));  // not_found for an address that does not exist
  auto st = TRY(db->prepare(
      "SELECT enabled, from_date, to_date, subject, text_body, html_body FROM vacation WHERE address_id = ?"));
  st.bind_all(address_id);
  if (!TRY(st.step())) return Vacation{};
  return Vacation{.enabled = st.int64(0) != 0,
                  .from = st.opt_int64(1),
                  .to = st.opt_int64(2),
                  .subject = st.text(3),
                  .text_body = st.text(4),
                  .html_body = st.text(5)};
}

Status SqliteStore::set_vacation(Id address_id, const Vacation& v) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  TRY(bump(*m_db, address_id));
  auto st = TRY(m_db->prepare(
      "INSERT OR REPLACE INTO vacation (address_id, enabled, from_date, to_date, subject, text_body, html_body) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)"));
  st.bind(1, address_id).bind(2, std::int64_t{v.enabled}).bind(3, v.from).bind(4, v.to);
  st.bind(5, v.subject).bind(6, v.text_body).bind(7, v.html_body);
  TRY(st.run());
  auto forget = TRY(m_db->prepare("DELETE FROM vacation_reply WHERE address_id = ?"));
  TRY(forget.bind_all(address_id).run());
  return tx.commit();
}

Result<bool> SqliteStore::note_vacation_reply(Id address_id, const std::string& sender, Time now, Time since) {
  std::lock_guard lock(m_mutex);
  auto st =
      TRY(m_db->prepare("INSERT INTO vacation_reply (address_id, sender, time) VALUES (?1, ?2, ?3) "
                        "ON CONFLICT (address_id, sender) DO UPDATE SET time = ?3 WHERE time <= ?4"));
  TRY(st.bind_all(address_id, sender, now, since).run());
  return m_db->changes() > 0;
}

Result<Changes> SqliteStore::email_changes(Id address_id, ChangeCursor since, std::size_t max) {
  auto db = read();
  auto state = TRY(state_of(*db, address_id));
  TRY(check_since(since, state));
  std::vector<Change> changes;
  auto alive = TRY(db->prepare("SELECT id, created_modseq, modseq FROM email WHERE address_id = ? AND modseq >= ?"));
  alive.bind_all(address_id, static_cast<std::int64_t>(since.modseq));
  while (TRY(alive.step())) {
    Change c{static_cast<std::uint64_t>(alive.int64(2)), alive.int64(0)};
    auto created = static_cast<std::uint64_t>(alive.int64(1));
    c.kind = created > since.from() ? Change::created : Change::updated;
    changes.push_back(c);
  }
  auto gone = TRY(db->prepare("SELECT email_id, modseq FROM email_gone WHERE address_id = ? AND modseq >= ?"));
  gone.bind_all(address_id, static_cast<std::int64_t>(since.modseq));
  while (TRY(gone.step()))
    changes.push_back({static_cast<std::uint64_t>(gone.int64(1)), gone.int64(0), Change::destroyed});
  return page(std::move(changes), since, max, state);
}

Result<Changes> SqliteStore::mailbox_changes(Id address_id, ChangeCursor since, std::size_t max) {
  auto db = read();
  auto state = TRY(state_of(*db, address_id));
  TRY(check_since(since, state));
  std::vector<Change> changes;
  auto alive =
      TRY(db->prepare("SELECT id, created_modseq, max(meta_modseq, highestmodseq), meta_modseq FROM mailbox "
                      "WHERE address_id = ?1 AND max(meta_modseq, highestmodseq) >= ?2"));
  alive.bind_all(address_id, static_cast<std::int64_t>(since.modseq));
  while (TRY(alive.step())) {
    Change c{static_cast<std::uint64_t>(alive.int64(2)), alive.int64(0)};
    c.kind = static_cast<std::uint64_t>(alive.int64(1)) > since.from() ? Change::created : Change::updated;
    c.counts_only = static_cast<std::uint64_t>(alive.int64(3)) <= since.modseq;
    changes.push_back(c);
  }
  auto gone = TRY(db->prepare("SELECT mailbox_id, modseq FROM mailbox_gone WHERE address_id = ? AND modseq >= ?"));
  gone.bind_all(address_id, static_cast<std::int64_t>(since.modseq));
  while (TRY(gone.step()))
    changes.push_back({static_cast<std::uint64_t>(gone.int64(1)), gone.int64(0), Change::destroyed});
  return page(std::move(changes), since, max, state);
}

Result<Changes> SqliteStore::thread_changes(Id address_id, ChangeCursor since, std::size_t max) {
  auto db = read();
  auto state = TRY(state_of(*db, address_id));
  TRY(check_since(since, state));
  // A thread changes when an email joins or leaves it; its last such MODSEQ.
  std::map<Id, std::uint64_t> touched;
  auto note = [&](Id thread, std::uint64_t modseq) {
    auto& m = touched[thread];
    m = std::max(m, modseq);
  };
  auto joined =
      TRY(db->prepare("SELECT thread_id, max(created_modseq) FROM email WHERE address_id = ? AND created_modseq >= ? "
                      "GROUP BY thread_id"));
  joined.bind_all(address_id, static_cast<std::int64_t>(since.modseq));
  while (TRY(joined.step())) note(joined.int64(0), static_cast<std::uint64_t>(joined.int64(1)));
  auto left = TRY(db->prepare(
      "SELECT thread_id, max(modseq) FROM email_gone WHERE address_id = ? AND modseq >= ? GROUP BY thread_id"));
  left.bind_all(address_id, static_cast<std::int64_t>(since.modseq));
  while (TRY(left.step())) note(left.int64(0), static_cast<std::uint64_t>(left.int64(1)));

  auto alive =
      TRY(db->prepare("SELECT (SELECT created_modseq FROM email WHERE id = ?2 AND address_id = ?1), "
                      "EXISTS (SELECT 1 FROM email WHERE address_id = ?1 AND thread_id = ?2)"));
  std::vector<Change> changes;
  for (auto [thread, modseq] : touched) {
    alive.bind_all(address_id, thread);
    TRY(alive.step());
    Change c{modseq, thread};
    if (alive.int64(1) == 0)
      c.kind = Change::destroyed;
    else if (!alive.is_null(0) && static_cast<std::uint64_t>(alive.int64(0)) > since.from())
      c.kind = Change::created;
    alive.reset();
    changes.push_back(c);
  }
  return page(std::move(changes), since, max, state);
}

}  // namespace estafeta::store::sqlite
