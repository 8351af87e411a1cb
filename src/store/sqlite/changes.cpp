// Mailbox changes: flags, expunge, copy and move, rename, delete, roles, and
// the garbage collection of unreferenced blobs.
//
// RFC 7162 §3.1: every change takes a fresh MODSEQ from the mailbox's
// highestmodseq; one call bumps it once and every message it changes shares
// the new value. RFC 9051 §2.3.1.1: UIDs strictly ascend and are never
// reused (uidnext only grows; expunged UIDs are remembered for QRESYNC's
// VANISHED, RFC 7162 §3.2.5.1). Each call runs in one transaction.
//
// Keywords compare case-insensitively (RFC 9051 §2.3.2): a message keeps the
// first spelling it got and never holds the same keyword twice.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/ascii.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

namespace {

// The last UID a message may get (append_messages refuses 0xffffffff too).
constexpr std::uint64_t kMaxUid = 0xfffffffe;

bool is_inbox(std::string_view name) { return ascii_iequals(name, "INBOX"); }

// --- keywords

bool has_keyword(const std::vector<std::string>& set, std::string_view keyword) {
  return std::any_of(set.begin(), set.end(), [&](const std::string& k) { return ascii_iequals(k, keyword); });
}

// Drops case-insensitive duplicates, keeping the first spelling.
std::vector<std::string> unique_keywords(const std::vector<std::string>& keywords) {
  std::vector<std::string> out;
  for (auto& k : keywords)
    if (!has_keyword(out, k)) out.push_back(k);
  return out;
}

// Both without duplicates: the same keywords, in any order and spelling.
bool same_keywords(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.size() == b.size() &&
         std::all_of(a.begin(), a.end(), [&](const std::string& k) { return has_keyword(b, k); });
}

// The keyword column separates with spaces, so a keyword cannot hold one.
Status check_keywords(const std::vector<std::string>& keywords) {
  for (auto& k : keywords) {
    bool bad = k.empty() || std::any_of(k.begin(), k.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
    if (bad) return fail(ErrorKind::invalid, fmt::format("'{}' is not a valid keyword", k));
  }
  return {};
}

// `current` and `given` without duplicates. A keyword the message already
// has keeps its spelling, whatever the op.
std::vector<std::string> apply_keywords(const std::vector<std::string>& current, FlagOp op,
                                        const std::vector<std::string>& given) {
  std::vector<std::string> out;
  switch (op) {
    case FlagOp::add:
      out = current;
      for (auto& k : given)
        if (!has_keyword(out, k)) out.push_back(k);
      break;
    case FlagOp::remove:
      for (auto& k : current)
        if (!has_keyword(given, k)) out.push_back(k);
      break;
    case FlagOp::replace:
      for (auto& k : given) {
        auto it =
            std::find_if(current.begin(), current.end(), [&](const std::string& c) { return ascii_iequals(c, k); });
        out.push_back(it != current.end() ? *it : k);
      }
      break;
  }
  return out;
}

std::uint32_t apply_flags(std::uint32_t current, FlagOp op, std::uint32_t flags) {
  switch (op) {
    case FlagOp::add: return current | flags;
    case FlagOp::remove: return current & ~flags;
    case FlagOp::replace: return flags;
  }
  return current;
}

// --- rows

std::uint32_t read_uid(const Statement& s) { return static_cast<std::uint32_t>(s.int64(0)); }

// The folder, if the address owns it (not_found otherwise). In a write
// transaction, the calls that follow may then use its id alone.
Result<Mailbox> load_mailbox(Database& db, MailboxRef ref) {
  auto st = TRY(db.prepare(fmt::format("SELECT {} FROM mailbox WHERE id = ? AND address_id = ?", kMailboxColumns)));
  st.bind_all(ref.id, ref.address_id);
  return one<Mailbox>(std::move(st), read_mailbox, "no such folder");
}

// The mailbox's messages with the given UIDs (all of them with nullptr),
// ascending by UID; absent UIDs are skipped.
// The mailbox's messages, or those among `uids`. Two statements, not one
// with "?2 IS NULL OR uid IN (…)": that OR makes SQLite scan the whole
// folder where the list needs one index lookup per UID.
Result<std::vector<Message>> load_messages(Database& db, Id mailbox_id, const std::vector<std::uint32_t>* uids) {
  if (!uids) {
    auto st = TRY(db.prepare(
        fmt::format("SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = ? ORDER BY m.uid",
                    kMessageColumns)));
    st.bind(1, mailbox_id);
    return all<Message>(std::move(st), read_message);
  }
  auto st =
      TRY(db.prepare(fmt::format("SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = "
                                 "? AND m.uid IN (SELECT value FROM json_each(?)) ORDER BY m.uid",
                                 kMessageColumns)));
  st.bind_all(mailbox_id, json_array(*uids));
  return all<Message>(std::move(st), read_message);
}

// The messages flagged \Deleted with a UID up to `last_uid`, or among `uids`.
Result<std::vector<Message>> load_deleted(Database& db, Id mailbox_id, std::uint32_t last_uid,
                                          const std::vector<std::uint32_t>* uids) {
  auto deleted = std::int64_t{flag_deleted};
  if (!uids) {
    auto st = TRY(db.prepare(
        fmt::format("SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = ? AND m.uid <= ? "
                    "AND (m.flags & ?) != 0 ORDER BY m.uid",
                    kMessageColumns)));
    st.bind_all(mailbox_id, std::int64_t{last_uid}, deleted);
    return all<Message>(std::move(st), read_message);
  }
  auto st =
      TRY(db.prepare(fmt::format("SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = ? AND "
                                 "m.uid IN (SELECT value FROM json_each(?)) AND m.uid <= ? AND (m.flags & ?) != 0 "
                                 "ORDER BY m.uid",
                                 kMessageColumns)));
  st.bind_all(mailbox_id, json_array(*uids), std::int64_t{last_uid}, deleted);
  return all<Message>(std::move(st), read_message);
}

// Steps a statement whose RETURNING clause yields one row; `read` sees it.
template <class Reader>
Status returning(Statement& st, Reader read, const char* what) {
  if (!TRY(st.step())) return fail(ErrorKind::not_found, what);
  read(st);
  return st.run();
}

// Takes the mailbox's next MODSEQ.
Result<std::uint64_t> next_modseq(Database& db, Id mailbox_id) {
  auto st = TRY(
      db.prepare("UPDATE mailbox SET highestmodseq = (SELECT modseq + 1 FROM address WHERE id = mailbox.address_id) "
                 "WHERE id = ? RETURNING highestmodseq"));
  st.bind_all(mailbox_id);
  std::uint64_t modseq = 0;
  TRY(returning(
      st, [&](const Statement& s) { modseq = static_cast<std::uint64_t>(s.int64(0)); }, "no such folder"));
  return modseq;
}

// Deletes the messages and remembers their UIDs as expunged at `modseq`.
Status remove_messages(Database& db, Id mailbox_id, const std::vector<Message>& messages, std::uint64_t modseq) {
  auto del = TRY(db.prepare("DELETE FROM message WHERE id = ?"));
  auto rec = TRY(db.prepare("INSERT INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)"));
  for (auto& m : messages) {
    TRY(del.bind_all(m.id).run());
    TRY(rec.bind_all(mailbox_id, std::int64_t{m.uid}, static_cast<std::int64_t>(modseq)).run());
    del.reset();
    rec.reset();
  }
  return {};
}

// Removes the messages under one new modseq (none when there are none).
Result<Expunged> expunge_messages(Database& db, Id mailbox_id, const std::vector<Message>& messages) {
  Expunged out;
  if (messages.empty()) return out;
  out.modseq = TRY(next_modseq(db, mailbox_id));
  TRY(remove_messages(db, mailbox_id, messages, out.modseq));
  for (auto& m : messages) out.uids.push_back(m.uid);
  return out;
}

// Copies `messages` (ascending by UID, all in `from`) into `to` with new
// UIDs; with `move`, removes them from `from`. `from` and `to` may be the
// same mailbox: then both sides share one new MODSEQ.
Result<CopyResult> transfer(Database& db, const Mailbox& from, const std::vector<Message>& messages, const Mailbox& to,
                            bool move) {
  CopyResult out;
  out.uidvalidity = to.uidvalidity;
  if (messages.empty()) return out;
  auto n = static_cast<std::int64_t>(messages.size());
  auto bump = TRY(db.prepare(
      "UPDATE mailbox SET uidnext = uidnext + ?1, highestmodseq = (SELECT modseq + 1 FROM address WHERE id = "
      "mailbox.address_id) WHERE id = ?2 "
      "RETURNING uidnext - ?1, highestmodseq"));
  bump.bind_all(n, to.id);
  std::uint64_t first = 0;
  TRY(returning(
      bump,
      [&](const Statement& s) {
        first = static_cast<std::uint64_t>(s.int64(0));
        out.target_modseq = static_cast<std::uint64_t>(s.int64(1));
      },
      "no such folder"));
  if (first + messages.size() - 1 > kMaxUid) return fail(ErrorKind::limit, "the folder has run out of UIDs");

  auto ins =
      TRY(db.prepare("INSERT INTO message (mailbox_id, uid, blob_id, flags, keywords, internal_date, size, modseq) "
                     "SELECT ?, ?, blob_id, flags, keywords, internal_date, size, ? FROM message WHERE id = ?"));
  out.uids.reserve(messages.size());
  auto uid = static_cast<std::uint32_t>(first);
  for (auto& m : messages) {
    TRY(ins.bind_all(to.id, std::int64_t{uid}, static_cast<std::int64_t>(out.target_modseq), m.id).run());
    ins.reset();
    out.uids.emplace_back(m.uid, uid++);
  }
  if (move) {
    out.source_modseq = from.id == to.id ? out.target_modseq : TRY(next_modseq(db, from.id));
    TRY(remove_messages(db, from.id, messages, out.source_modseq));
    for (auto& m : messages) out.removed.push_back(m.uid);
  }
  return out;
}

using IdAndText = std::pair<Id, std::string>;

std::string taken(const std::string& name) { return fmt::format("a folder named '{}' already exists", name); }

}  // namespace

Result<FlagChange> SqliteStore::store_flags(MailboxRef mailbox, const std::vector<std::uint32_t>& uids, FlagOp op,
                                            std::uint32_t flags, const std::vector<std::string>& keywords,
                                            std::optional<std::uint64_t> unchanged_since) {
  TRY(check_keywords(keywords));
  auto given = unique_keywords(keywords);
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto box = TRY(load_mailbox(*m_db, mailbox));
  auto messages = TRY(load_messages(*m_db, box.id, &uids));

  FlagChange out;
  for (auto& m : messages) {
    // RFC 7162 §3.1.3: refused whether or not the store would change it.
    if (unchanged_since && m.modseq > *unchanged_since) {
      out.failed.push_back(m.uid);
      continue;
    }
    auto current = unique_keywords(m.keywords);
    auto new_flags = apply_flags(m.flags, op, flags);
    auto new_keywords = apply_keywords(current, op, given);
    if (new_flags == m.flags && same_keywords(current, new_keywords)) continue;
    if (new_keywords.size() > kMaxKeywordsPerMessage && new_keywords.size() > current.size())
      return fail(ErrorKind::limit, fmt::format("a message may have at most {} keywords", kMaxKeywordsPerMessage));
    m.flags = new_flags;
    m.keywords = std::move(new_keywords);
    out.changed.push_back(std::move(m));
  }

  out.highestmodseq = box.highestmodseq;
  if (!out.changed.empty()) {
    out.highestmodseq = TRY(next_modseq(*m_db, box.id));
    auto upd = TRY(m_db->prepare("UPDATE message SET flags = ?, keywords = ?, modseq = ? WHERE id = ?"));
    for (auto& m : out.changed) {
      m.modseq = out.highestmodseq;
      TRY(upd.bind_all(std::int64_t{m.flags}, join_keywords(m.keywords), static_cast<std::int64_t>(m.modseq), m.id)
              .run());
      upd.reset();
    }
  }
  TRY(tx.commit());
  return out;
}

Result<Expunged> SqliteStore::expunge(MailboxRef mailbox, const std::vector<std::uint32_t>& uids) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto box = TRY(load_mailbox(*m_db, mailbox));
  auto messages = TRY(load_messages(*m_db, box.id, &uids));
  auto out = TRY(expunge_messages(*m_db, box.id, messages));
  TRY(tx.commit());
  return out;
}

Result<Expunged> SqliteStore::expunge_deleted(MailboxRef mailbox, std::uint32_t last_uid,
                                              const std::vector<std::uint32_t>* uids) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto box = TRY(load_mailbox(*m_db, mailbox));
  auto messages = TRY(load_deleted(*m_db, box.id, last_uid, uids));
  auto out = TRY(expunge_messages(*m_db, box.id, messages));
  TRY(tx.commit());
  return out;
}

Result<std::vector<std::uint32_t>> SqliteStore::expunged_since(MailboxRef mailbox, std::uint64_t modseq) {
  auto db = read();
  TRY(load_mailbox(*db, mailbox));
  auto st = TRY(db->prepare(
      fmt::format("SELECT uid FROM expunged WHERE mailbox_id = {} AND modseq > ? ORDER BY uid", kOwnedMailbox)));
  st.bind_all(mailbox.id, mailbox.address_id, static_cast<std::int64_t>(modseq));
  return all<std::uint32_t>(std::move(st), read_uid);
}

Result<std::vector<Message>> SqliteStore::changed_since(MailboxRef mailbox, std::uint64_t modseq) {
  auto db = read();
  TRY(load_mailbox(*db, mailbox));
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = {} AND m.modseq > ? "
                  "ORDER BY m.uid",
                  kMessageColumns, kOwnedMailbox)));
  st.bind_all(mailbox.id, mailbox.address_id, static_cast<std::int64_t>(modseq));
  return all<Message>(std::move(st), read_message);
}

Result<CopyResult> SqliteStore::copy_messages(MailboxRef from_mailbox, const std::vector<std::uint32_t>& uids,
                                              MailboxRef to_mailbox, bool move) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto from = TRY(load_mailbox(*m_db, from_mailbox));
  auto to = TRY(load_mailbox(*m_db, to_mailbox));
  auto messages = TRY(load_messages(*m_db, from.id, &uids));
  auto out = TRY(transfer(*m_db, from, messages, to, move));
  TRY(tx.commit());
  return out;
}

Result<MailboxCounts> SqliteStore::mailbox_counts(MailboxRef mailbox) {
  auto db = read();
  // Grouped by the mailbox, so an absent one yields no row at all.
  auto st = TRY(
      db->prepare("SELECT count(m.id), coalesce(sum((m.flags & ?2) = 0), 0), coalesce(sum((m.flags & ?3) != 0), 0), "
                  "coalesce(sum(m.size), 0), coalesce(sum(CASE WHEN (m.flags & ?3) != 0 THEN m.size ELSE 0 END), 0), "
                  "coalesce(sum(m.uid > x.recent_uid), 0) "
                  "FROM mailbox x LEFT JOIN message m ON m.mailbox_id = x.id WHERE x.id = ?1 AND x.address_id = ?4 "
                  "GROUP BY x.id"));
  st.bind_all(mailbox.id, std::int64_t{flag_seen}, std::int64_t{flag_deleted}, mailbox.address_id);
  return one<MailboxCounts>(
      std::move(st),
      [](const Statement& s) {
        return MailboxCounts{.messages = static_cast<std::uint32_t>(s.int64(0)),
                             .unseen = static_cast<std::uint32_t>(s.int64(1)),
                             .deleted = static_cast<std::uint32_t>(s.int64(2)),
                             .size = static_cast<std::uint64_t>(s.int64(3)),
                             .deleted_size = static_cast<std::uint64_t>(s.int64(4)),
                             .recent = static_cast<std::uint32_t>(s.int64(5))};
      },
      "no such folder");
}

Result<std::pair<std::uint32_t, std::uint32_t>> SqliteStore::claim_recent(MailboxRef mailbox) {
  {
    // Usually nothing is new: a reader says so without the writer.
    auto db = read();
    auto box = TRY(load_mailbox(*db, mailbox));
    if (box.uidnext - 1 <= box.recent_uid) return std::pair{box.recent_uid, box.recent_uid};
  }
  std::lock_guard lock(m_mutex);
  // A claim need not survive a crash (the mail would be recent once more,
  // RFC 3501 §2.3.2 allows it): committed atomically but without waiting
  // for the disk, which the next durable commit syncs anyway (WAL).
  struct Durable {
    Database& db;
    ~Durable() { (void)db.set_synced_commits(true); }
  } durable{*m_db};
  TRY(m_db->set_synced_commits(false));
  auto tx = TRY(Transaction::begin(*m_db));
  auto box = TRY(load_mailbox(*m_db, mailbox));
  std::uint32_t last = box.uidnext - 1;
  if (last <= box.recent_uid) return std::pair{box.recent_uid, box.recent_uid};
  auto st = TRY(m_db->prepare("UPDATE mailbox SET recent_uid = ? WHERE id = ? AND address_id = ?"));
  TRY(st.bind_all(std::int64_t{last}, mailbox.id, mailbox.address_id).run());
  TRY(tx.commit());
  return std::pair{box.recent_uid, last};
}

Status SqliteStore::rename_mailbox(MailboxRef mailbox, const std::string& new_name) {
  if (new_name.empty()) return fail(ErrorKind::invalid, "a folder needs a name");
  // INBOX always exists, in any spelling (RFC 9051 §5.1).
  if (is_inbox(new_name)) return fail(ErrorKind::exists, taken(new_name));
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto box = TRY(load_mailbox(*m_db, mailbox));

  if (is_inbox(box.name)) {
    // RFC 9051 §6.3.6: the messages move to a new folder, INBOX stays
    // (empty), and its children are not renamed.
    auto target = TRY(create_mailbox_locked(box.address_id, new_name, SpecialUse::none, unix_now()));
    auto messages = TRY(load_messages(*m_db, box.id, nullptr));
    TRY(transfer(*m_db, box, messages, target, true));
    TRY(tx.commit());
    return {};
  }

  if (new_name.starts_with(box.name + "/")) return fail(ErrorKind::invalid, "a folder cannot be moved into itself");
  // The folder and everything under it, by the '/' hierarchy separator.
  auto sel =
      TRY(m_db->prepare("SELECT id, name FROM mailbox WHERE address_id = ?1 AND (name = ?2 OR substr(name, 1, "
                        "length(?2) + 1) = ?2 || '/')"));
  sel.bind_all(box.address_id, box.name);
  auto renames = TRY(all<IdAndText>(std::move(sel), [&](const Statement& s) {
    return IdAndText(s.int64(0), new_name + s.text(1).substr(box.name.size()));
  }));
  // Every new name must be free, even one only the rename itself would
  // vacate: then the updates below never collide on the way.
  auto exists = TRY(m_db->prepare("SELECT 1 FROM mailbox WHERE address_id = ? AND name = ?"));
  for (auto& [id, name] : renames) {
    if (TRY(exists.bind_all(box.address_id, name).step())) return fail(ErrorKind::exists, taken(name));
    exists.reset();
  }
  auto upd = TRY(m_db->prepare("UPDATE mailbox SET name = ? WHERE id = ?"));
  for (auto& [id, name] : renames) {
    TRY(upd.bind_all(name, id).run());
    upd.reset();
  }
  // The subscriptions of the names moved go along (a name subscribed under
  // the new one already stays subscribed once).
  auto sub =
      TRY(m_db->prepare("UPDATE OR REPLACE subscription SET name = ?3 || substr(name, length(?2) + 1) "
                        "WHERE address_id = ?1 AND (name = ?2 OR substr(name, 1, length(?2) + 1) = ?2 || '/')"));
  TRY(sub.bind_all(box.address_id, box.name, new_name).run());
  TRY(tx.commit());
  return {};
}

Status SqliteStore::delete_mailbox(MailboxRef mailbox) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto box = TRY(load_mailbox(*m_db, mailbox));
  if (is_inbox(box.name)) return fail(ErrorKind::invalid, "INBOX cannot be deleted");
  // The messages go first, under a MODSEQ of their own, so that the
  // triggers that keep the address's emails see them leave (schema 12);
  // expunged UIDs go by ON DELETE CASCADE; the message_unref trigger drops
  // the blob references.
  TRY(next_modseq(*m_db, box.id));
  auto msgs = TRY(m_db->prepare("DELETE FROM message WHERE mailbox_id = ?"));
  TRY(msgs.bind_all(box.id).run());
  auto del = TRY(m_db->prepare("DELETE FROM mailbox WHERE id = ?"));
  TRY(del.bind_all(box.id).run());
  TRY(tx.commit());
  return {};
}

Result<std::vector<std::string>> SqliteStore::subscriptions(Id address_id) {
  auto db = read();
  auto st = TRY(db->prepare("SELECT name FROM subscription WHERE address_id = ? ORDER BY name"));
  st.bind_all(address_id);
  return all<std::string>(std::move(st), [](const Statement& s) { return s.text(0); });
}

Status SqliteStore::set_subscribed(Id address_id, const std::string& name, bool subscribed) {
  if (name.empty()) return fail(ErrorKind::invalid, "a folder needs a name");
  std::lock_guard lock(m_mutex);
  if (!subscribed) {
    auto st = TRY(m_db->prepare("DELETE FROM subscription WHERE address_id = ? AND name = ?"));
    return st.bind_all(address_id, name).run();
  }
  auto tx = TRY(Transaction::begin(*m_db));
  auto r = subscribe_locked(address_id, name);
  if (!r && r.error().kind == ErrorKind::invalid)
    return fail(ErrorKind::not_found, "no such address", r.error().detail);
  if (!TRY(r)) {
    auto has = TRY(m_db->prepare("SELECT 1 FROM subscription WHERE address_id = ? AND name = ?"));
    if (!TRY(has.bind_all(address_id, name).step()))
      return fail(ErrorKind::limit, fmt::format("too many subscriptions (at most {})", kMaxSubscriptions));
  }
  TRY(tx.commit());
  return {};
}

Result<bool> SqliteStore::subscribe_locked(Id address_id, const std::string& name) {
  auto st =
      TRY(m_db->prepare("INSERT OR IGNORE INTO subscription (address_id, name) SELECT ?1, ?2 "
                        "WHERE (SELECT count(*) FROM subscription WHERE address_id = ?1) < ?3"));
  TRY(st.bind_all(address_id, name, static_cast<std::int64_t>(kMaxSubscriptions)).run());
  return m_db->changes() > 0;
}

Status SqliteStore::set_sort_order(MailboxRef mailbox, std::optional<std::uint32_t> order) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("UPDATE mailbox SET sort_order = ? WHERE id = {}", kOwnedMailbox)));
  std::optional<std::int64_t> value;
  if (order) value = *order;
  st.bind(1, value).bind(2, mailbox.id).bind(3, mailbox.address_id);
  TRY(st.run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such folder");
  return {};
}

Status SqliteStore::set_special_use(MailboxRef mailbox, SpecialUse use) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto box = TRY(load_mailbox(*m_db, mailbox));
  std::string role = to_string(use);
  if (use != SpecialUse::none) {
    auto take =
        TRY(m_db->prepare("UPDATE mailbox SET special_use = '' WHERE address_id = ? AND special_use = ? AND id != ?"));
    TRY(take.bind_all(box.address_id, role, box.id).run());
  }
  auto give = TRY(m_db->prepare("UPDATE mailbox SET special_use = ? WHERE id = ?"));
  TRY(give.bind_all(role, box.id).run());
  TRY(tx.commit());
  return {};
}

Result<std::vector<std::string>> SqliteStore::collect_unreferenced_blobs(std::size_t limit) {
  auto capped = static_cast<std::int64_t>(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  // refs is kept by triggers; the NOT EXISTS guards against a miscount, which
  // would otherwise delete a blob still in use.
  auto sel = TRY(m_db->prepare(
      "SELECT id, hash FROM blob WHERE refs = 0 AND NOT EXISTS (SELECT 1 FROM message WHERE blob_id = blob.id) "
      "ORDER BY id LIMIT ?"));
  sel.bind_all(capped);
  auto blobs = TRY(all<IdAndText>(std::move(sel), [](const Statement& s) { return IdAndText(s.int64(0), s.text(1)); }));
  // The word index keeps no text: it is told what it was given (blob_text's
  // text, up to each NUL) to take the blob out, before that text goes.
  auto words =
      TRY(m_db->prepare("INSERT INTO blob_words (blob_words, rowid, headers, body, attachments) "
                        "SELECT 'delete', rowid, before_nul(headers), before_nul(body), before_nul(attachments) "
                        "FROM blob_text WHERE rowid = ?"));
  auto long_words = TRY(m_db->prepare("DELETE FROM text_long_term WHERE blob_id = ?"));
  auto text = TRY(m_db->prepare("DELETE FROM blob_text WHERE rowid = ?"));
  auto subject = TRY(m_db->prepare("DELETE FROM subject_text WHERE rowid = ?"));
  auto pending = TRY(m_db->prepare("DELETE FROM blob_text_pending WHERE blob_id = ? RETURNING bytes"));
  auto data = TRY(m_db->prepare("DELETE FROM blob_data WHERE blob_id = ?"));
  auto row = TRY(m_db->prepare("DELETE FROM blob WHERE id = ?"));
  std::vector<std::string> hashes;
  hashes.reserve(blobs.size());
  for (auto& [id, hash] : blobs) {
    TRY(words.bind_all(id).run());
    words.reset();
    TRY(long_words.bind_all(id).run());
    long_words.reset();
    TRY(text.bind_all(id).run());
    TRY(subject.bind_all(id).run());
    subject.reset();
    pending.bind_all(id);
    if (TRY(pending.step())) {
      forget_pending_text(1, static_cast<std::uint64_t>(pending.int64(0)));
      TRY(pending.run());  // to its end
    }
    pending.reset();
    TRY(data.bind_all(id).run());
    data.reset();
    TRY(row.bind_all(id).run());
    text.reset();
    row.reset();
    hashes.push_back(std::move(hash));
  }
  TRY(tx.commit());
  return hashes;
}

}  // namespace estafeta::store::sqlite
