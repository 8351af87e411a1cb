// The full-text index: FTS5 with the trigram tokenizer over each blob's
// headers, body and attachment names (blob_text) and over its decoded
// subject alone (subject_text), one row per blob (rowid = blob.id), which
// gives IMAP SEARCH its case-insensitive substring matching.
//
// Accepting mail only writes the text into blob_text_pending; rows move into
// the index in batches (index_pending_text, run by a background thread), and
// a search reads whatever of its folder is still waiting beside asking the
// index, matching it as the index would (text_match.hpp) — so the answer is
// the same as if every message had been indexed on arrival.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/utf8.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/text_match.hpp"

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

// The words of the waiting texts `ids` (a JSON array) into the word
// index's vocabulary: each new word of three characters or more in
// text_term and its trigram index; the blobs with a word longer than the
// vocabulary keeps, in text_long_term.
Status add_words(Database& db, const std::string& ids) {
  auto splitter = TRY(WordSplitter::create(db));
  std::unordered_set<std::string> words;
  std::vector<Id> long_words;
  auto texts =
      TRY(db.prepare("SELECT blob_id, headers, body, attachments FROM blob_text_pending "
                     "WHERE blob_id IN (SELECT value FROM json_each(?))"));
  texts.bind_all(ids);
  while (TRY(texts.step())) {
    bool too_long = false;
    for (int column = 1; column <= 3; ++column)
      TRY(splitter.split(texts.text(column), [&](std::string_view word) {
        if (word.size() > kMaxTermBytes)
          too_long = true;
        else if (utf8_length(word) >= 3)
          words.emplace(word);
      }));
    if (too_long) long_words.push_back(texts.int64(0));
  }
  auto add = TRY(db.prepare("INSERT INTO text_term (term) VALUES (?) ON CONFLICT DO NOTHING RETURNING id"));
  auto index = TRY(db.prepare("INSERT INTO text_term_index (rowid, term) VALUES (?, ?)"));
  for (auto& word : words) {
    add.bind_all(word);
    bool added = TRY(add.step());
    Id id = added ? add.int64(0) : 0;
    add.reset();
    if (!added) continue;
    TRY(index.bind_all(id, word).run());
    index.reset();
  }
  if (long_words.empty()) return {};
  auto holders = TRY(db.prepare("INSERT OR IGNORE INTO text_long_term (blob_id) SELECT value FROM json_each(?)"));
  return holders.bind_all(json_array(long_words)).run();
}

}  // namespace

Result<std::size_t> SqliteStore::index_pending_text(std::size_t limit) {
  {
    // Most calls find nothing waiting: ask a reader, leave the writer alone.
    auto db = read();
    prepare_words_answer(*db);  // the first call, at the indexer's start, builds it
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
  auto ids = TRY(all<Id>(std::move(oldest), [](const Statement& s) { return s.int64(0); }));
  auto moved = TRY(index_blobs_locked(ids));
  if (ids.size() < limit) {
    // Nothing waits any more, whoever added it: the counts are exact again.
    m_pending_bytes = 0;
    m_pending_messages = 0;
  }
  return moved;
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
  auto words = TRY(m_db->prepare(
      "INSERT INTO blob_words (rowid, headers, body, attachments) "
      "SELECT blob_id, before_nul(headers), before_nul(body), before_nul(attachments) FROM blob_text_pending "
      "WHERE blob_id IN (SELECT value FROM json_each(?))"));
  TRY(words.bind_all(ids).run());
  TRY(add_words(*m_db, ids));
  auto subjects =
      TRY(m_db->prepare("INSERT INTO subject_text (rowid, subject) "
                        "SELECT id, subject FROM blob WHERE id IN (SELECT value FROM json_each(?))"));
  TRY(subjects.bind_all(ids).run());
  auto drop = TRY(
      m_db->prepare("DELETE FROM blob_text_pending WHERE blob_id IN (SELECT value FROM json_each(?)) RETURNING bytes"));
  drop.bind_all(ids);
  std::uint64_t bytes = 0;
  std::size_t rows = 0;
  for (; TRY(drop.step()); ++rows) bytes += static_cast<std::uint64_t>(drop.int64(0));
  forget_pending_text(rows, bytes);
  return moved;
}

void SqliteStore::forget_pending_text(std::size_t messages, std::uint64_t bytes) {
  auto left = m_pending_bytes.load();
  m_pending_bytes = left > bytes ? left - bytes : 0;
  auto waiting = m_pending_messages.load();
  m_pending_messages = waiting > messages ? waiting - messages : 0;
}

Status SqliteStore::text_waits_locked(std::uint64_t bytes) {
  // Past the ceiling, this delivery pays for two waiting texts
  // (SqliteOptions::max_pending_text_bytes).
  ++m_pending_messages;
  if ((m_pending_bytes += bytes) > m_max_pending_bytes) TRY(index_oldest_locked(2));
  return {};
}

Result<Maintenance::TextBacklog> SqliteStore::text_backlog() {
  auto db = read();
  auto st = TRY(db->prepare("SELECT count(*), coalesce(sum(bytes), 0) FROM blob_text_pending"));
  TRY(st.step());
  TextBacklog out{static_cast<std::size_t>(st.int64(0)), static_cast<std::uint64_t>(st.int64(1))};
  m_pending_bytes = out.bytes;
  m_pending_messages = out.messages;
  return out;
}

Maintenance::TextBacklog SqliteStore::known_text_backlog() const {
  return {m_pending_messages.load(), m_pending_bytes.load()};
}

namespace {

// How a needle is asked. Trigrams answer needles of three characters or
// more (an FTS5 MATCH pattern); shorter ones need a scan of the indexed text
// with LIKE (case-insensitive for ASCII, as trigrams are). Text still
// waiting for the index (blob_text_pending; the subject from the blob) is
// read as it is: text_has (text_match.hpp) for what trigrams would answer,
// the same LIKE for the rest.
//
// A needle that the word index answers exactly (words_answer), and that
// is part of a few words of the vocabulary, is asked of the word index
// instead (indexed_matches): one list per word instead of one per trigram.
struct TextQuery {
  const char* index;    // the FTS5 table, rowid = blob id
  const char* waiting;  // where a waiting blob's text is read, rowid = blob id
  bool fts = false;
  bool words = false;   // asked of blob_words: ?1 is the phrase for the vocabulary
  std::string pattern;  // ?1: the FTS5 phrase, or the LIKE pattern
  std::string test;     // a row's condition over t: LIKE (either table), or text_has (waiting text)
  int needle_param = 0;
};

// At most this many words of the vocabulary hold the needle for the word
// index to be asked (more: a short needle, which few trigrams answer).
constexpr int kMostWords = 100;

std::string any_column(std::span<const char* const> columns, std::string_view test) {
  std::string out;
  for (auto* c : columns) {
    if (!out.empty()) out += " OR ";
    out += fmt::format(fmt::runtime(test), c);
  }
  return out;
}

// Whether the word index is asked for `needle`: it answers it, and between
// one and kMostWords words of the vocabulary hold it (none: the trigrams
// find that at once).
Result<bool> ask_words(Database& db, const std::string& needle, TextScope scope) {
  if (scope == TextScope::subject || !words_answer(db, needle)) return false;
  auto count = TRY(db.prepare(fmt::format(
      "SELECT count(*) FROM (SELECT 1 FROM text_term_index WHERE text_term_index MATCH ? LIMIT {})", kMostWords + 1)));
  count.bind_all(fts_phrase(needle));
  TRY(count.step());
  auto n = count.int64(0);
  return n >= 1 && n <= kMostWords;
}

// Nothing when the needle holds NUL: the index reads text up to a NUL, so
// no indexed text holds one (and FTS5's query syntax ends there).
Result<std::optional<TextQuery>> text_query(Database& db, const std::string& needle, TextScope scope,
                                            int needle_param) {
  if (needle.find('\0') != std::string::npos) return std::nullopt;
  static constexpr const char* kWhole[] = {"headers", "body", "attachments"};
  static constexpr const char* kBody[] = {"body"};
  static constexpr const char* kSubject[] = {"subject"};
  using Columns = std::span<const char* const>;
  auto columns = scope == TextScope::whole     ? Columns(kWhole)
                 : scope == TextScope::subject ? Columns(kSubject)
                                               : Columns(kBody);
  TextQuery q{scope == TextScope::subject ? "subject_text" : "blob_text",
              scope == TextScope::subject ? "blob" : "blob_text_pending"};
  q.fts = utf8_length(needle) >= 3;  // the trigram tokenizer counts characters
  if (q.fts) {
    q.words = TRY(ask_words(db, needle, scope));
    q.pattern = (scope == TextScope::body && !q.words ? "{body} : " : "") + fts_phrase(needle);
    q.test = any_column(columns, fmt::format("text_has(t.{{}}, ?{})", needle_param));
    q.needle_param = needle_param;
  } else {
    q.pattern = like_pattern(needle);
    q.test = any_column(columns, "t.{} LIKE ?1 ESCAPE '\\'");
  }
  return q;
}

// The blob ids whose indexed text holds the needle, as `blob_id`: from the
// trigram index (?1 its pattern), or, for q.words, from the word index —
// the blobs with any word of the vocabulary that holds the needle (?1 its
// phrase for the vocabulary's trigrams), in the scope's columns; with the
// blobs of words too long for the vocabulary, whose text is read (a blob
// may come from both: the caller keeps each once). One statement reads
// the vocabulary and both indexes: one snapshot.
std::string indexed_matches(const TextQuery& q, TextScope scope) {
  if (!q.words) return fmt::format("SELECT rowid AS blob_id FROM {0} WHERE {0} MATCH ?1", q.index);
  return fmt::format(
      "SELECT rowid AS blob_id FROM blob_words WHERE blob_words MATCH "
      "(SELECT '{0}(' || group_concat('\"' || term || '\"', ' OR ') || ')' FROM text_term "
      "WHERE id IN (SELECT rowid FROM text_term_index WHERE text_term_index MATCH ?1)) "
      "UNION ALL SELECT t.rowid FROM text_long_term l CROSS JOIN blob_text t ON t.rowid = l.blob_id WHERE {1}",
      scope == TextScope::body ? "{body} : " : "", q.test);
}

// Ascending blob ids, asked once per message of a folder: a bit per id
// between the first and the last when that takes no more memory than the
// ids themselves (matches are usually dense: blob ids are given in
// arrival order), a binary search otherwise.
class BlobSet {
 public:
  explicit BlobSet(const std::vector<Id>& ascending) : m_ids(ascending) {
    if (m_ids.empty()) return;
    m_first = m_ids.front();
    auto span = static_cast<std::uint64_t>(m_ids.back() - m_first) + 1;
    if (span / 64 > m_ids.size()) return;
    m_bits.assign(span / 64 + 1, 0);
    for (auto id : m_ids) {
      auto at = static_cast<std::uint64_t>(id - m_first);
      m_bits[at / 64] |= std::uint64_t{1} << (at % 64);
    }
  }
  bool contains(Id id) const {
    if (m_bits.empty()) return std::binary_search(m_ids.begin(), m_ids.end(), id);
    if (id < m_first) return false;
    auto at = static_cast<std::uint64_t>(id - m_first);
    return at / 64 < m_bits.size() && (m_bits[at / 64] >> (at % 64) & 1);
  }

 private:
  const std::vector<Id>& m_ids;
  Id m_first = 0;
  std::vector<std::uint64_t> m_bits;
};

// The statement's text arguments: the pattern, and the needle for text_has.
void bind_text(Statement& st, const TextQuery& q, const std::string& needle) {
  st.bind(1, q.pattern);
  if (q.needle_param) st.bind(q.needle_param, needle);
}

}  // namespace

Result<std::vector<Id>> SqliteStore::search_emails(Id address_id, const std::string& needle, TextScope scope) {
  auto db = read();
  auto q = TRY(text_query(*db, needle, scope, 3));
  if (!q) return std::vector<Id>{};
  // As in search_text: the index first, once, then the address's emails by
  // their content (the email table's (address_id, blob_id) key); and the
  // address's waiting text, read.
  auto indexed = q->fts ? fmt::format("SELECT e.id FROM email e WHERE e.address_id = ?2 AND e.blob_id IN ({})",
                                      indexed_matches(*q, scope))
                        : fmt::format(
                              "SELECT e.id FROM email e JOIN {} t ON t.rowid = e.blob_id "
                              "WHERE e.address_id = ?2 AND ({})",
                              q->index, q->test);
  auto sql = fmt::format(
      "WITH waiting AS MATERIALIZED (SELECT p.blob_id FROM blob_text_pending p WHERE EXISTS "
      "(SELECT 1 FROM email e WHERE e.address_id = ?2 AND e.blob_id = p.blob_id)) "
      "{} UNION ALL "
      "SELECT e.id FROM waiting w CROSS JOIN {} t ON t.rowid = w.blob_id "
      "CROSS JOIN email e ON e.address_id = ?2 AND e.blob_id = w.blob_id WHERE ({}) ORDER BY 1",
      indexed, q->waiting, q->test);
  auto st = TRY(db->prepare(sql));
  bind_text(st, *q, needle);
  st.bind(2, address_id);
  return all<Id>(std::move(st), [](const Statement& s) { return s.int64(0); });
}

Result<std::vector<std::uint32_t>> SqliteStore::search_text(MailboxRef mailbox, const std::string& needle,
                                                            TextScope scope) {
  auto db = read();
  // Several statements, one snapshot: each blob's text is either indexed
  // or waiting in it, never both or neither.
  auto snapshot = TRY(ReadSnapshot::begin(*db));
  std::int64_t uidnext = 0, modseq = 0;
  {
    auto owned = TRY(db->prepare("SELECT uidnext, highestmodseq FROM mailbox WHERE id = ? AND address_id = ?"));
    owned.bind_all(mailbox.id, mailbox.address_id);
    if (!TRY(owned.step())) return fail(ErrorKind::not_found, "no such folder");
    uidnext = owned.int64(0);
    modseq = owned.int64(1);
  }
  auto q = TRY(text_query(*db, needle, scope, 4));
  if (!q) return std::vector<std::uint32_t>{};
  constexpr const char* kFolder = "(SELECT x.id FROM mailbox x WHERE x.id = ?2 AND x.address_id = ?3)";
  auto bind = [&](Statement& st) {
    bind_text(st, *q, needle);
    st.bind(2, mailbox.id).bind(3, mailbox.address_id);
  };
  auto uid_of = [](const Statement& st) { return static_cast<std::uint32_t>(st.int64(0)); };
  // The folder's text still waiting for the index (the blobs of `waiting`,
  // chosen before any text is read) is read and matched as the index would.
  auto waiting_sql = fmt::format(
      "WITH waiting AS MATERIALIZED (SELECT DISTINCT p.blob_id FROM blob_text_pending p "
      "CROSS JOIN message m ON m.blob_id = p.blob_id WHERE +m.mailbox_id = {0}) "
      "SELECT m.uid FROM waiting w CROSS JOIN {1} t ON t.rowid = w.blob_id "
      "CROSS JOIN message m ON m.blob_id = w.blob_id WHERE +m.mailbox_id = {0} AND ({2})",
      kFolder, q->waiting, q->test);
  auto waiting = TRY(db->prepare(waiting_sql));
  bind(waiting);
  auto out = TRY(all<std::uint32_t>(std::move(waiting), uid_of));
  if (!q->fts) {
    auto scan = TRY(db->prepare(
        fmt::format("SELECT m.uid FROM message m JOIN {} t ON t.rowid = m.blob_id WHERE m.mailbox_id = {} AND ({})",
                    q->index, kFolder, q->test)));
    bind(scan);
    auto found = TRY(all<std::uint32_t>(std::move(scan), uid_of));
    out.insert(out.end(), found.begin(), found.end());
  } else {
    // The index is asked first, once, for the blobs that match (in every
    // folder: the index is not by folder), then the folder is asked which
    // of its messages hold them. A few matches are looked up one by one by
    // content (message_blob), with "+" keeping the planner off the
    // folder's indexes, which it would otherwise scan once per match. Many
    // (a quarter of the UIDs the folder has given, or more) cost less
    // tested along the folder's own list of (uid, blob): 100,000 matches
    // in a folder of as many, 10 ms read in order from message_folder_blob
    // against 30-50 ms of lookups; that list is kept for large folders
    // (FolderBlobs) and brought up to date with what changed since.
    auto matches = TRY(db->prepare(indexed_matches(*q, scope)));
    matches.bind(1, q->pattern);
    if (q->words) matches.bind(q->needle_param, needle);  // the long words' text_has
    auto blobs = TRY(all<Id>(std::move(matches), [](const Statement& st) { return st.int64(0); }));
    // FTS5 answers in rowid order; the long words' blobs come after (and
    // may repeat one found by its other words).
    if (!std::is_sorted(blobs.begin(), blobs.end())) std::sort(blobs.begin(), blobs.end());
    blobs.erase(std::unique(blobs.begin(), blobs.end()), blobs.end());
    std::vector<std::uint32_t> found;
    if (static_cast<std::int64_t>(blobs.size()) * 4 < uidnext) {
      auto each =
          TRY(db->prepare("SELECT m.uid FROM json_each(?1) j CROSS JOIN message m ON m.blob_id = j.value "
                          "WHERE +m.mailbox_id = ?2"));
      each.bind_all(json_array(blobs), mailbox.id);
      found = TRY(all<std::uint32_t>(std::move(each), uid_of));
    } else {
      auto folder = TRY(m_folder_blobs.get(*db, mailbox.id, modseq, uidnext));
      found.reserve(blobs.size());
      BlobSet matching(blobs);
      for (std::size_t i = 0; i < folder->uids.size(); ++i)
        if (matching.contains(folder->blobs[i])) found.push_back(folder->uids[i]);
    }
    out.insert(out.end(), found.begin(), found.end());
  }
  TRY(snapshot.end());
  if (!std::is_sorted(out.begin(), out.end())) std::sort(out.begin(), out.end());
  return out;
}

}  // namespace estafeta::store::sqlite
