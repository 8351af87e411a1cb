// Mailboxes and messages. (The full-text index: text_index.cpp.)
//
// Invariants kept here (RFC 9051 §2.3.1.1, RFC 7162 §3.1): a mailbox's UIDs
// strictly ascend and are never reused within its UIDVALIDITY (uidnext only
// grows); every change takes a fresh MODSEQ from highestmodseq.
#include <fmt/format.h>

#include "mime/msg_ids.hpp"
#include "mime/structure_json.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

namespace {
// Of a message's References, the ones a thread is looked up by: a reply
// chain longer than this still shares its first ids with the thread.
constexpr std::size_t kMaxThreadIds = 50;
}  // namespace

Result<Mailbox> SqliteStore::create_mailbox_locked(Id address_id, const std::string& name, SpecialUse use, Time now) {
  // UIDVALIDITY: the creation time, bumped past any value handed out before,
  // so a mailbox deleted and created again never repeats one.
  auto uv =
      TRY(m_db->prepare("UPDATE counter SET value = max(value + 1, ?) WHERE name = 'uidvalidity' RETURNING value"));
  uv.bind_all(now);
  if (!TRY(uv.step())) return fail(ErrorKind::internal, "store error", "uidvalidity counter missing");
  auto uidvalidity = uv.int64(0) & 0xffffffff;
  TRY(uv.run());
  auto st = TRY(m_db->prepare(
      "INSERT INTO mailbox (address_id, name, special_use, uidvalidity, created) VALUES (?, ?, ?, ?, ?)"));
  auto r = st.bind_all(address_id, name, std::string(to_string(use)), uidvalidity, now).run();
  if (!r && r.error().kind == ErrorKind::exists)
    return fail(ErrorKind::exists, fmt::format("a folder named '{}' already exists", name));
  if (!r && r.error().kind == ErrorKind::invalid)
    return fail(ErrorKind::not_found, "no such address", r.error().detail);
  TRY(r);
  auto id = m_db->last_insert_id();
  TRY(subscribe_locked(address_id, name));
  Mailbox m;
  m.id = id;
  m.address_id = address_id;
  m.name = name;
  m.special_use = use;
  m.uidvalidity = static_cast<std::uint32_t>(uidvalidity);
  m.created = now;
  return m;
}

Result<Mailbox> SqliteStore::create_mailbox(Id address_id, const std::string& name, SpecialUse use) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto m = TRY(create_mailbox_locked(address_id, name, use, unix_now()));
  TRY(tx.commit());
  return m;
}

Result<Mailbox> SqliteStore::mailbox(MailboxRef ref) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format("SELECT {} FROM mailbox WHERE id = ? AND address_id = ?", kMailboxColumns)));
  st.bind_all(ref.id, ref.address_id);
  return one<Mailbox>(std::move(st), read_mailbox, "no such folder");
}

Result<Mailbox> SqliteStore::find_mailbox(Id address_id, const std::string& name) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format("SELECT {} FROM mailbox WHERE address_id = ? AND name = ?", kMailboxColumns)));
  st.bind_all(address_id, name);
  return one<Mailbox>(std::move(st), read_mailbox, "no such folder");
}

Result<Mailbox> SqliteStore::find_special_mailbox(Id address_id, SpecialUse use) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format(
      "SELECT {} FROM mailbox WHERE address_id = ? AND special_use = ? ORDER BY id LIMIT 1", kMailboxColumns)));
  st.bind_all(address_id, std::string(to_string(use)));
  return one<Mailbox>(std::move(st), read_mailbox, "no folder has that role");
}

Result<std::vector<Mailbox>> SqliteStore::list_mailboxes(Id address_id) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format("SELECT {} FROM mailbox WHERE address_id = ? ORDER BY name", kMailboxColumns)));
  st.bind_all(address_id);
  return all<Mailbox>(std::move(st), read_mailbox);
}

Result<Id> SqliteStore::insert_blob(const BlobInfo& b) {
  auto ins = TRY(m_db->prepare(
      "INSERT INTO blob (hash, size, envelope, bodystructure, subject, from_name, from_address, recipients, date, "
      "message_id, has_attachments, preview, crlf_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (hash) DO NOTHING"));
  // The structure is kept in its JSON form (mime/structure_json.hpp).
  const std::string envelope = mime::envelope_to_json(b.structure.envelope);
  const std::string root = mime::part_to_json(b.structure.root);
  TRY(ins.bind_all(b.hash, static_cast<std::int64_t>(b.size), envelope, root, b.subject, b.from_name, b.from_address,
                   b.to, b.date, b.message_id, std::int64_t{b.has_attachments}, b.preview,
                   b.crlf_size ? std::optional<std::int64_t>(static_cast<std::int64_t>(*b.crlf_size)) : std::nullopt)
          .run());
  bool new_blob = m_db->changes() > 0;
  auto sel = TRY(m_db->prepare("SELECT id FROM blob WHERE hash = ?"));
  sel.bind_all(b.hash);
  if (!TRY(sel.step())) return fail(ErrorKind::internal, "store error", "blob row vanished");
  Id blob_id = sel.int64(0);
  if (new_blob && !b.inline_bytes.empty()) {
    auto data = TRY(m_db->prepare("INSERT INTO blob_data (blob_id, data) VALUES (?, ?)"));
    TRY(data.bind(1, blob_id).bind_blob(2, b.inline_bytes).run());
  }
  if (new_blob) {
    // The message ids a thread may join it by (the email_threaded trigger).
    std::vector<std::string> ids = mime::parse_msg_ids("<" + b.message_id + ">");
    for (auto& id : mime::parse_msg_ids(b.in_reply_to.empty() ? "" : "<" + b.in_reply_to + ">")) ids.push_back(id);
    for (auto& id : mime::parse_msg_ids(b.references)) ids.push_back(id);
    if (ids.size() > kMaxThreadIds) ids.resize(kMaxThreadIds);
    auto key = TRY(m_db->prepare("INSERT OR IGNORE INTO blob_msgid (blob_id, msgid) VALUES (?, ?)"));
    for (auto& id : ids) {
      TRY(key.bind_all(blob_id, id).run());
      key.reset();
    }
    // Indexed later, in batches (index_pending_text): an FTS insert per
    // message would cost more than the rest of the delivery together.
    auto bytes = static_cast<std::int64_t>(b.text_headers.size() + b.text_body.size() + b.text_attachments.size());
    auto text = TRY(m_db->prepare(
        "INSERT INTO blob_text_pending (blob_id, bytes, headers, body, attachments) VALUES (?, ?, ?, ?, ?)"));
    TRY(text.bind_all(blob_id, bytes, b.text_headers, b.text_body, b.text_attachments).run());
    TRY(text_waits_locked(static_cast<std::uint64_t>(bytes)));
  }
  return blob_id;
}

Result<std::vector<Appended>> SqliteStore::append_locked(Id blob_id, std::uint64_t size,
                                                         const std::vector<AppendTarget>& targets) {
  std::vector<Appended> out;
  out.reserve(targets.size());
  auto bump = TRY(m_db->prepare(
      "UPDATE mailbox SET uidnext = uidnext + 1, highestmodseq = (SELECT modseq + 1 FROM address WHERE id = "
      "mailbox.address_id) WHERE id = ? AND address_id = ? "
      "RETURNING uidnext - 1, highestmodseq, uidvalidity, address_id"));
  auto msg =
      TRY(m_db->prepare("INSERT INTO message (mailbox_id, uid, blob_id, flags, keywords, internal_date, size, modseq) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  for (auto& t : targets) {
    bump.bind_all(t.mailbox.id, t.mailbox.address_id);
    if (!TRY(bump.step())) return fail(ErrorKind::not_found, "no such folder");
    Appended a;
    a.mailbox_id = t.mailbox.id;
    a.uid = static_cast<std::uint32_t>(bump.int64(0));
    a.modseq = static_cast<std::uint64_t>(bump.int64(1));
    a.uidvalidity = static_cast<std::uint32_t>(bump.int64(2));
    a.address_id = bump.int64(3);
    TRY(bump.run());
    if (a.uid == 0xffffffffu) return fail(ErrorKind::limit, "the folder has run out of UIDs");
    msg.bind_all(t.mailbox.id, std::int64_t{a.uid}, blob_id, std::int64_t{t.flags}, join_keywords(t.keywords),
                 t.internal_date, static_cast<std::int64_t>(size), static_cast<std::int64_t>(a.modseq));
    TRY(msg.run());
    a.message_id = m_db->last_insert_id();
    out.push_back(a);
    bump.reset();
    msg.reset();
  }
  return out;
}

Result<std::vector<Appended>> SqliteStore::append_messages(const BlobInfo& b,
                                                           const std::vector<AppendTarget>& targets) {
  if (targets.empty()) return std::vector<Appended>{};
  auto accepted = TRY(accept_message(b, targets, std::nullopt, {}));
  return std::move(accepted.local);
}

Result<std::vector<Message>> SqliteStore::list_messages(MailboxRef mailbox) {
  auto db = read();
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = {} ORDER BY m.uid",
                  kMessageColumns, kOwnedMailbox)));
  st.bind_all(mailbox.id, mailbox.address_id);
  return all<Message>(std::move(st), read_message);
}

Result<std::vector<Message>> SqliteStore::list_messages_brief(MailboxRef mailbox) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format(
      "SELECT m.id, m.mailbox_id, m.uid, m.blob_id, '', m.flags, m.keywords, m.internal_date, m.size, m.modseq, NULL "
      "FROM message m WHERE m.mailbox_id = {} ORDER BY m.uid",
      kOwnedMailbox)));
  st.bind_all(mailbox.id, mailbox.address_id);
  return all<Message>(std::move(st), read_message);
}

Result<std::vector<Message>> SqliteStore::list_messages_with_uids(MailboxRef mailbox,
                                                                  const std::vector<std::uint32_t>& uids) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format(
      "SELECT m.id, m.mailbox_id, m.uid, m.blob_id, '', m.flags, m.keywords, m.internal_date, m.size, m.modseq, NULL "
      "FROM message m WHERE m.mailbox_id = {} AND m.uid IN (SELECT value FROM json_each(?)) ORDER BY m.uid",
      kOwnedMailbox)));
  st.bind_all(mailbox.id, mailbox.address_id, json_array(uids));
  return all<Message>(std::move(st), read_message);
}

Result<std::vector<Message>> SqliteStore::list_messages_between(MailboxRef mailbox, std::uint32_t first_uid,
                                                                std::uint32_t last_uid) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format(
      "SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = {} AND m.uid BETWEEN ? AND ? "
      "ORDER BY m.uid",
      kMessageColumns, kOwnedMailbox)));
  st.bind_all(mailbox.id, mailbox.address_id, std::int64_t{first_uid}, std::int64_t{last_uid});
  return all<Message>(std::move(st), read_message);
}

Result<Message> SqliteStore::message(MailboxRef mailbox, std::uint32_t uid) {
  auto db = read();
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = {} AND m.uid = ?",
                  kMessageColumns, kOwnedMailbox)));
  st.bind_all(mailbox.id, mailbox.address_id, std::int64_t{uid});
  return one<Message>(std::move(st), read_message, "no such message");
}

Result<BlobInfo> SqliteStore::blob_info(Id blob_id) {
  auto db = read();
  auto st = TRY(db->prepare(
      "SELECT hash, size, envelope, bodystructure, subject, from_name, from_address, recipients, date, message_id, "
      "has_attachments, preview FROM blob WHERE id = ?"));
  st.bind_all(blob_id);
  return one<BlobInfo>(
      std::move(st),
      [blob_id](const Statement& s) -> Result<BlobInfo> {
        BlobInfo b;
        b.hash = s.text(0);
        b.size = static_cast<std::uint64_t>(s.int64(1));
        auto envelope = mime::envelope_from_json(s.text(2));
        auto root = mime::part_from_json(s.text(3));
        if (!envelope || !root)
          return fail(ErrorKind::internal, "damaged message record",
                      fmt::format("blob {}: unreadable structure", blob_id));
        b.structure = {std::move(*envelope), std::move(*root)};
        b.subject = s.text(4);
        b.from_name = s.text(5);
        b.from_address = s.text(6);
        b.to = s.text(7);
        b.date = s.int64(8);
        b.message_id = s.text(9);
        b.has_attachments = s.int64(10) != 0;
        b.preview = s.text(11);
        return b;
      },
      "no such message content");
}

namespace {

constexpr const char* kHeadlineColumns =
    "m.uid, b.hash, b.subject, b.from_name, b.from_address, b.recipients, b.message_id, b.date";

Headline read_headline(const Statement& s) {
  return Headline{.uid = static_cast<std::uint32_t>(s.int64(0)),
                  .blob_hash = s.text(1),
                  .subject = s.text(2),
                  .from_name = s.text(3),
                  .from_address = s.text(4),
                  .to = s.text(5),
                  .message_id = s.text(6),
                  .date = s.int64(7)};
}

}  // namespace

Result<std::vector<Headline>> SqliteStore::list_headlines(MailboxRef mailbox) {
  auto db = read();
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = {} ORDER BY m.uid",
                  kHeadlineColumns, kOwnedMailbox)));
  st.bind_all(mailbox.id, mailbox.address_id);
  return all<Headline>(std::move(st), read_headline);
}

Result<std::vector<Headline>> SqliteStore::list_headlines_with_uids(MailboxRef mailbox,
                                                                    const std::vector<std::uint32_t>& uids) {
  auto db = read();
  auto st =
      TRY(db->prepare(fmt::format("SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = {} "
                                  "AND m.uid IN (SELECT value FROM json_each(?)) ORDER BY m.uid",
                                  kHeadlineColumns, kOwnedMailbox)));
  st.bind_all(mailbox.id, mailbox.address_id, json_array(uids));
  return all<Headline>(std::move(st), read_headline);
}

Result<std::optional<std::string>> SqliteStore::blob_data(const std::string& hash) {
  auto db = read();
  auto st = TRY(db->prepare("SELECT d.data FROM blob b JOIN blob_data d ON d.blob_id = b.id WHERE b.hash = ?"));
  st.bind_all(hash);
  if (!TRY(st.step())) return std::optional<std::string>{};
  return std::optional<std::string>{st.text(0)};
}

Result<std::vector<Message>> SqliteStore::find_messages_by_message_id(MailboxRef mailbox,
                                                                      const std::string& message_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format(
      "SELECT {} FROM message m JOIN blob b ON b.id = m.blob_id WHERE m.mailbox_id = {} AND b.message_id = ? "
      "ORDER BY m.uid",
      kMessageColumns, kOwnedMailbox)));
  st.bind_all(mailbox.id, mailbox.address_id, message_id);
  return all<Message>(std::move(st), read_message);
}

}  // namespace estafeta::store::sqlite
