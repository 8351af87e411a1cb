// The full-text index: FTS5 with the trigram tokenizer over each blob's
// headers, body and attachment names (blob_text) and over its decoded
// subject alone (subject_text), one row per blob (rowid = blob.id), which
// gives IMAP SEARCH its case-insensitive substring matching.
//
// Accepting mail only writes the text into blob_text_pending; rows move into
// the index in batches (index_pending_text, run by a background thread), and
// a search first indexes whatever of its folder is still waiting — so the
// answer is the same as if every message had been indexed on arrival.
#include <fmt/format.h>

#include "core/utf8.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

namespace {

// A LIKE pattern that matches `needle` literally anywhere ('\' escapes).
std::string like_pattern(const std::string& needle) {
  std::string out = "%";
  for (char c : needle) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

// An FTS5 phrase: the needle in double quotes, inner quotes doubled.
std::string fts_phrase(const std::string& needle) {
  std::string out = "\"";
  for (char c : needle) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

Result<std::size_t> SqliteStore::index_pending_text(std::size_t limit) {
  {
    // Most calls find nothing waiting: ask a reader, leave the writer alone.
    auto db = read();
    auto any = TRY(db->prepare("SELECT 1 FROM blob_text_pending LIMIT 1"));
    if (!TRY(any.step())) return 0;
  }
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto moved = TRY(index_oldest_locked(limit));
  TRY(tx.commit());
  return moved;
}

Result<std::size_t> SqliteStore::index_oldest_locked(std::size_t limit) {
  auto oldest = TRY(m_db->prepare("SELECT blob_id FROM blob_text_pending ORDER BY blob_id LIMIT ?"));
  oldest.bind_all(static_cast<std::int64_t>(limit));
  return index_blobs_locked(TRY(all<Id>(std::move(oldest), [](const Statement& s) { return s.int64(0); })));
}

Result<std::size_t> SqliteStore::index_blobs_locked(const std::vector<Id>& blob_ids) {
  if (blob_ids.empty()) return 0;
  auto ids = json_array(blob_ids);
  auto move =
      TRY(m_db->prepare("INSERT INTO blob_text (rowid, headers, body, attachments) "
                        "SELECT blob_id, headers, body, attachments FROM blob_text_pending "
                        "WHERE blob_id IN (SELECT value FROM json_each(?))"));
  TRY(move.bind_all(ids).run());
  auto moved = static_cast<std::size_t>(m_db->changes());
  auto subjects =
      TRY(m_db->prepare("INSERT INTO subject_text (rowid, subject) "
                        "SELECT id, subject FROM blob WHERE id IN (SELECT value FROM json_each(?))"));
  TRY(subjects.bind_all(ids).run());
  auto drop = TRY(m_db->prepare("DELETE FROM blob_text_pending WHERE blob_id IN (SELECT value FROM json_each(?))"));
  TRY(drop.bind_all(ids).run());
  indexed_pending(moved);
  return moved;
}

void SqliteStore::indexed_pending(std::size_t moved) {
  auto left = m_pending_text.load();
  m_pending_text = left > moved ? left - moved : 0;
}

Result<std::size_t> SqliteStore::pending_text_count() {
  auto db = read();
  auto st = TRY(db->prepare("SELECT count(*) FROM blob_text_pending"));
  TRY(st.step());
  auto n = static_cast<std::size_t>(st.int64(0));
  m_pending_text = n;
  return n;
}

Status SqliteStore::index_pending_text_of(MailboxRef mailbox) {
  auto mailbox_id = mailbox.id;  // owned: search_text checked it
  // Each waiting text is looked up by its blob (message_blob); "+" keeps
  // the planner off the folder's index, which would scan the whole folder
  // once per waiting text (100,000 messages × 1,000 waiting: 25 s).
  {
    auto db = read();
    auto any =
        TRY(db->prepare("SELECT 1 FROM blob_text_pending p WHERE EXISTS "
                        "(SELECT 1 FROM message m WHERE m.blob_id = p.blob_id AND +m.mailbox_id = ?) LIMIT 1"));
    any.bind_all(mailbox_id);
    if (!TRY(any.step())) return {};
  }
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto waiting = TRY(
      m_db->prepare("SELECT p.blob_id FROM blob_text_pending p WHERE EXISTS "
                    "(SELECT 1 FROM message m WHERE m.blob_id = p.blob_id AND +m.mailbox_id = ?) ORDER BY p.blob_id"));
  waiting.bind_all(mailbox_id);
  TRY(index_blobs_locked(TRY(all<Id>(std::move(waiting), [](const Statement& s) { return s.int64(0); }))));
  return tx.commit();
}

namespace {

// How a needle is asked of the index. Trigrams answer needles of three
// characters or more (an FTS5 MATCH pattern, `fts`); shorter ones need a
// scan of the indexed text with LIKE (`like`: the condition over the
// table as t; LIKE is case-insensitive for ASCII, as trigrams are).
struct TextCondition {
  const char* table = "blob_text";
  bool fts = false;
  std::string pattern;  // ?1
  std::string like;
};

TextCondition text_condition(const std::string& needle, TextScope scope) {
  if (utf8_length(needle) >= 3) {  // the trigram tokenizer counts characters
    switch (scope) {
      case TextScope::body: return {"blob_text", true, "{body} : " + fts_phrase(needle), ""};
      case TextScope::subject: return {"subject_text", true, fts_phrase(needle), ""};
      case TextScope::whole: return {"blob_text", true, fts_phrase(needle), ""};
    }
  }
  switch (scope) {
    case TextScope::body: return {"blob_text", false, like_pattern(needle), "t.body LIKE ?1 ESCAPE '\\'"};
    case TextScope::subject: return {"subject_text", false, like_pattern(needle), "t.subject LIKE ?1 ESCAPE '\\'"};
    case TextScope::whole: break;
  }
  return {"blob_text", false, like_pattern(needle),
          "t.headers LIKE ?1 ESCAPE '\\' OR t.body LIKE ?1 ESCAPE '\\' OR t.attachments LIKE ?1 ESCAPE '\\'"};
}

}  // namespace

Result<std::vector<Id>> SqliteStore::search_emails(Id address_id, const std::string& needle, TextScope scope) {
  std::vector<Id> boxes;
  {
    auto db = read();
    auto st = TRY(db->prepare("SELECT id FROM mailbox WHERE address_id = ?"));
    st.bind_all(address_id);
    boxes = TRY(all<Id>(std::move(st), [](const Statement& s) { return s.int64(0); }));
  }
  for (Id box : boxes) TRY(index_pending_text_of({address_id, box}));
  auto db = read();
  // As in search_text: the index first, once, then the address's emails by
  // their content (the email table's (address_id, blob_id) key).
  auto text = text_condition(needle, scope);
  auto sql = text.fts ? fmt::format(
                            "SELECT e.id FROM email e WHERE e.address_id = ?2 AND e.blob_id IN "
                            "(SELECT rowid FROM {0} WHERE {0} MATCH ?1) ORDER BY e.id",
                            text.table)
                      : fmt::format(
                            "SELECT e.id FROM email e JOIN {} t ON t.rowid = e.blob_id "
                            "WHERE e.address_id = ?2 AND ({}) ORDER BY e.id",
                            text.table, text.like);
  auto st = TRY(db->prepare(sql));
  st.bind_all(text.pattern, address_id);
  return all<Id>(std::move(st), [](const Statement& s) { return s.int64(0); });
}

Result<std::vector<std::uint32_t>> SqliteStore::search_text(MailboxRef mailbox, const std::string& needle,
                                                            TextScope scope) {
  {
    auto db = read();
    auto owned = TRY(db->prepare(fmt::format("SELECT 1 WHERE {} IS NOT NULL", kOwnedMailbox)));
    owned.bind_all(mailbox.id, mailbox.address_id);
    if (!TRY(owned.step())) return fail(ErrorKind::not_found, "no such folder");
  }
  TRY(index_pending_text_of(mailbox));
  auto db = read();
  // The index is asked first, once, and each match is then looked up in
  // the folder by its content (message_blob); CROSS JOIN keeps that order,
  // and "+" keeps the planner off the folder's indexes, which it would
  // otherwise scan once per match. Driven by the folder's messages instead,
  // the join would run one MATCH per message (100,000 messages: 20-50 s),
  // and even an IN list probed once per message costs what the folder
  // holds (70-90 ms at 100,000) where this costs what the word matches.
  auto text = text_condition(needle, scope);
  auto sql = text.fts
                 ? fmt::format(
                       "SELECT m.uid FROM (SELECT rowid AS blob_id FROM {0} WHERE {0} MATCH ?1) h "
                       "CROSS JOIN message m ON m.blob_id = h.blob_id WHERE +m.mailbox_id = "
                       "(SELECT x.id FROM mailbox x WHERE x.id = ?2 AND x.address_id = ?3) ORDER BY m.uid",
                       text.table)
                 : fmt::format(
                       "SELECT m.uid FROM message m JOIN {} t ON t.rowid = m.blob_id WHERE m.mailbox_id = "
                       "(SELECT x.id FROM mailbox x WHERE x.id = ?2 AND x.address_id = ?3) AND ({}) ORDER BY m.uid",
                       text.table, text.like);
  auto st = TRY(db->prepare(sql));
  st.bind_all(text.pattern, mailbox.id, mailbox.address_id);
  return all<std::uint32_t>(std::move(st), [](const Statement& s) { return static_cast<std::uint32_t>(s.int64(0)); });
}

}  // namespace estafeta::store::sqlite
