#include "store/sqlite/text_match.hpp"

#include <string.h>  // memmem

#include <algorithm>
#include <climits>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ascii.hpp"
#include "core/utf8.hpp"

namespace estafeta::store::sqlite {

namespace {

// FTS5's extension interface as https://sqlite.org/fts5.html ("Extending
// FTS5") documents it. Debian's libsqlite3-dev ships no fts5.h, so the
// structures used here are declared from that page: the tokenizer's
// methods, and the API's first members (xCreateFunction follows, unused).
struct Fts5Tokenizer;
using Fts5TokenCallback = int (*)(void* ctx, int tflags, const char* token, int n, int start, int end);
struct Fts5TokenizerMethods {
  int (*xCreate)(void* user, const char** args, int nargs, Fts5Tokenizer** out);
  void (*xDelete)(Fts5Tokenizer*);
  int (*xTokenize)(Fts5Tokenizer*, void* ctx, int flags, const char* text, int n, Fts5TokenCallback on_token);
};
struct Fts5Api {
  int iVersion;
  int (*xCreateTokenizer)(Fts5Api*, const char* name, void* user, Fts5TokenizerMethods*, void (*destroy)(void*));
  int (*xFindTokenizer)(Fts5Api*, const char* name, void** user, Fts5TokenizerMethods*);
};
constexpr int kTokenizeDocument = 0x0004;  // FTS5_TOKENIZE_DOCUMENT

// `text` with A-Z lowered, into `out`, in one pass that the compiler
// vectorises (no early exit); false when a byte beyond ASCII was met.
bool fold_ascii(std::string_view text, std::string& out) {
  out.resize(text.size());
  auto* o = out.data();
  unsigned char any = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    any |= static_cast<unsigned char>(text[i]);
    o[i] = ascii_lower(text[i]);
  }
  return any < 0x80;
}

// Strict UTF-8: the code point at `s[i]` and its length, or 0 for a
// malformed, overlong or surrogate sequence.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& c) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char lead = b(0);
  if (lead < 0x80) {
    c = lead;
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF && cont(1)) {
    c = (char32_t(lead & 0x1F) << 6) | (b(1) & 0x3F);
    return 2;
  }
  if (lead >= 0xE0 && lead <= 0xEF && cont(1) && cont(2)) {
    c = (char32_t(lead & 0x0F) << 12) | (char32_t(b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    return c >= 0x800 && (c < 0xD800 || c > 0xDFFF) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    c = (char32_t(lead & 0x07) << 18) | (char32_t(b(1) & 0x3F) << 12) | (char32_t(b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    return c >= 0x10000 && c <= 0x10FFFF ? 4 : 0;
  }
  return 0;
}

// Writes `c` as UTF-8 at `o`; returns the end.
char* write_utf8(char* o, char32_t c) {
  if (c < 0x80) {
    *o++ = static_cast<char>(c);
  } else if (c < 0x800) {
    *o++ = static_cast<char>(0xC0 | (c >> 6));
    *o++ = static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    *o++ = static_cast<char>(0xE0 | (c >> 12));
    *o++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *o++ = static_cast<char>(0x80 | (c & 0x3F));
  } else {
    *o++ = static_cast<char>(0xF0 | (c >> 18));
    *o++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    *o++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *o++ = static_cast<char>(0x80 | (c & 0x3F));
  }
  return o;
}

void append_utf8(std::string& out, char32_t c) {
  char buf[4];
  out.append(buf, static_cast<std::size_t>(write_utf8(buf, c) - buf));
}

// The tokenizer's folding of each character below kFoldTableSize (the
// scripts of nearly all mail, emoji included), asked of the tokenizer once
// per process: every character in one text, whose trigrams then spell each
// one folded. A lookup per character instead of a call per trigram.
constexpr char32_t kFoldTableSize = 0x20000;

// Whether a character is in the table: not NUL (the tokenizer stops there),
// not a surrogate (never in strict UTF-8), not U+FFFE/U+FFFF (which the
// tokenizer reads as U+FFFD).
bool in_fold_table(char32_t c) { return c != 0 && c < kFoldTableSize && c != 0xFFFE && c != 0xFFFF; }

class FoldTable {
 public:
  // Built from the first `spell` given (the text folded by the tokenizer);
  // nullptr when the tokenizer's answer was not one character per character.
  template <class Spell>
  static const FoldTable* get(Spell&& spell) {
    static const std::unique_ptr<FoldTable> table = [&] {
      std::string all;
      std::vector<char32_t> chars;
      for (char32_t c = 1; c < kFoldTableSize; ++c) {
        if (!in_fold_table(c) || (c >= 0xD800 && c <= 0xDFFF)) continue;
        append_utf8(all, c);
        chars.push_back(c);
      }
      std::string folded;
      if (!spell(all, folded)) return std::unique_ptr<FoldTable>();
      auto t = std::make_unique<FoldTable>();
      t->m_folded.resize(kFoldTableSize);
      std::size_t at = 0;
      for (char32_t c : chars) {
        char32_t f = 0;
        auto n = at < folded.size() ? decode_utf8(folded, at, f) : 0;
        char buf[4];
        auto size = [&](char32_t x) { return write_utf8(buf, x) - buf; };
        if (n == 0 || 2 * size(f) > 3 * size(c)) return std::unique_ptr<FoldTable>();  // see fold()
        t->m_folded[c] = f;
        at += n;
      }
      if (at != folded.size()) return std::unique_ptr<FoldTable>();
      return t;
    }();
    return table.get();
  }

  // `c` (in the table) as the tokenizer folds it.
  char32_t folded(char32_t c) const { return m_folded[c]; }

  // `text` folded into `out`; false when it holds a character the table
  // does not (or is not strict UTF-8): the tokenizer folds that one.
  bool fold(std::string_view text, std::string& out) const {
    // A folded character takes at most half as many bytes again (U+023A,
    // two bytes, folds to U+2C65, three).
    out.resize(text.size() + text.size() / 2 + 4);
    char* o = out.data();
    for (std::size_t i = 0; i < text.size();) {
      auto b = static_cast<unsigned char>(text[i]);
      if (b < 0x80 && b != 0) {
        *o++ = ascii_lower(text[i++]);
        continue;
      }
      char32_t c;
      auto n = decode_utf8(text, i, c);
      if (n == 0 || !in_fold_table(c)) return false;
      o = write_utf8(o, m_folded[c]);
      i += n;
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
    return true;
  }

 private:
  std::vector<char32_t> m_folded;  // by code point
};

// An FTS5 tokenizer of one connection, by name and arguments (the
// tables' own), released with this object.
class Tokenizer {
 public:
  static Result<Tokenizer> create(sqlite3* db, const char* name, std::vector<const char*> args = {}) {
    Fts5Api* api = nullptr;
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_bind_pointer(st, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
      rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (!api || api->iVersion < 2) return fail(ErrorKind::internal, "store error", "SQLite has no FTS5 API");
    Tokenizer t;
    void* user = nullptr;
    rc = api->xFindTokenizer(api, name, &user, &t.m_methods);
    if (rc != SQLITE_OK)
      return fail(ErrorKind::internal, "store error", std::string("SQLite's FTS5 has no tokenizer ") + name);
    rc = t.m_methods.xCreate(user, args.data(), static_cast<int>(args.size()), &t.m_tokenizer);
    if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db, rc, name));
    return t;
  }
  Tokenizer(Tokenizer&& o) noexcept : m_methods(o.m_methods), m_tokenizer(std::exchange(o.m_tokenizer, nullptr)) {}
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;
  ~Tokenizer() {
    if (m_tokenizer) m_methods.xDelete(m_tokenizer);
  }

  // Calls on_token(ctx, flags, token, size, start, end) for each token of
  // `text`, as FTS5 does when it indexes a document.
  bool tokenize(std::string_view text, void* ctx, Fts5TokenCallback on_token) {
    if (text.size() > INT_MAX) return false;
    return m_methods.xTokenize(m_tokenizer, ctx, kTokenizeDocument, text.data(), static_cast<int>(text.size()),
                               on_token) == SQLITE_OK;
  }

 private:
  Tokenizer() = default;
  Fts5TokenizerMethods m_methods{};
  Fts5Tokenizer* m_tokenizer = nullptr;
};

// One connection's trigram tokenizer (the tables' own: `tokenize = 'trigram'`,
// no arguments, so case-insensitive), and a buffer for folded text. Used by
// one thread at a time, like the connection.
class Folder {
 public:
  static Result<std::unique_ptr<Folder>> create(sqlite3* db) {
    return std::unique_ptr<Folder>(new Folder(TRY(Tokenizer::create(db, "trigram"))));
  }

  // The fold table, built by this folder's tokenizer the first time; null
  // when the tokenizer's answer could not be read as one.
  const FoldTable* table() {
    return FoldTable::get([this](std::string_view all, std::string& folded) { return spell(all, folded); });
  }

  // `text` case-folded as the index folds it, into `out`: ASCII directly,
  // other text by the table when it can, by the tokenizer otherwise.
  bool fold(std::string_view text, std::string& out) {
    if (fold_ascii(text, out)) return true;
    auto* fold_table = table();
    if (fold_table && fold_table->fold(text, out)) return true;
    return spell(text, out);
  }

  std::string haystack;  // the folded text of the row in hand

 private:
  explicit Folder(Tokenizer trigram) : m_trigram(std::move(trigram)) {}

  // `text` folded by the tokenizer itself: its trigrams stand at every
  // character, so the first character of each, then the last two of the
  // last one, spell the folded text (text of fewer than three characters
  // has no trigram and folds to "", which no needle matches).
  bool spell(std::string_view text, std::string& out) {
    out.clear();
    struct Spelling {
      std::string* out;
      std::string last;  // the tokenizer reuses its buffer: the last trigram is copied
    } spelling{&out, {}};
    auto on_token = [](void* ctx, int, const char* token, int n, int, int) -> int {
      auto& s = *static_cast<Spelling*>(ctx);
      std::string_view trigram(token, static_cast<std::size_t>(n));
      s.out->append(trigram.substr(0, first_char_length(trigram)));
      s.last.assign(trigram);
      return SQLITE_OK;
    };
    if (!m_trigram.tokenize(text, &spelling, on_token)) return false;
    if (!spelling.last.empty()) out.append(std::string_view(spelling.last).substr(first_char_length(spelling.last)));
    return true;
  }
  static std::size_t first_char_length(std::string_view s) {
    std::size_t n = s.empty() ? 0 : 1;
    while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) ++n;
    return n;
  }

  Tokenizer m_trigram;
};

// A value's text up to its first NUL, where the tokenizer stops reading.
std::string_view text_of(sqlite3_value* v) {
  auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  if (!p) return {};
  std::string_view text(p, static_cast<std::size_t>(sqlite3_value_bytes(v)));
  return text.substr(0, text.find('\0'));
}

void text_has(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto& folder = *static_cast<Folder*>(sqlite3_user_data(ctx));
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  // The needle is folded once per statement (SQLite keeps it with the
  // bound argument); a fresh fold is handed over only after its use, as
  // SQLite may discard it at once.
  std::unique_ptr<std::string> fresh;
  auto* needle = static_cast<const std::string*>(sqlite3_get_auxdata(ctx, 1));
  if (!needle) {
    fresh = std::make_unique<std::string>();
    auto raw = text_of(argv[1]);
    if (!folder.fold(raw, *fresh)) {
      sqlite3_result_error(ctx, "text_has: the needle cannot be folded", -1);
      return;
    }
    if (utf8_length(*fresh) < 3) fresh->clear();  // no trigram: the index would not answer it either
    needle = fresh.get();
  }
  bool found = false;
  if (!needle->empty()) {
    if (!folder.fold(text_of(argv[0]), folder.haystack)) {
      sqlite3_result_error(ctx, "text_has: the text cannot be folded", -1);
      return;
    }
    found = ::memmem(folder.haystack.data(), folder.haystack.size(), needle->data(), needle->size()) != nullptr;
  }
  if (folder.haystack.capacity() > (1u << 20)) std::string().swap(folder.haystack);  // keep no large buffer
  sqlite3_result_int(ctx, found ? 1 : 0);
  if (fresh) sqlite3_set_auxdata(ctx, 1, fresh.release(), [](void* p) { delete static_cast<std::string*>(p); });
}

// before_nul(text): the text up to its first NUL, where the trigram
// tokenizer stops reading; the word index is given that much, so both
// indexes hold the same text.
void before_nul(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  auto text = text_of(argv[0]);
  sqlite3_result_text64(ctx, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

// blob_words' tokenizer, with the table's own arguments.
Result<Tokenizer> word_tokenizer(sqlite3* db) { return Tokenizer::create(db, "unicode61", {"remove_diacritics", "0"}); }

// Which characters a needle made of them can be asked of the words,
// built once per process from both tokenizers (see words_answer):
// character c qualifies when every character that the trigram tokenizer
// folds as it folds c is a word character to unicode61, folded alike, and
// the folding is the same again when applied to its own result.
class WordTable {
 public:
  static const WordTable* get(sqlite3* db) {
    static const std::unique_ptr<WordTable> table = [db] { return build(db); }();
    return table.get();
  }

  bool answers(char32_t c) const { return in_fold_table(c) && m_answers[c]; }

 private:
  static std::unique_ptr<WordTable> build(sqlite3* db) {
    auto folder = Folder::create(db);
    auto words = word_tokenizer(db);
    const FoldTable* fold = folder ? (*folder)->table() : nullptr;
    if (!fold || !words) return nullptr;
    // unicode61's view of each character alone: each followed by a space,
    // so each word character is a word of its own, found by its offset.
    std::string all;
    std::vector<std::pair<int, char32_t>> at;
    for (char32_t c = 1; c < kFoldTableSize; ++c) {
      if (!in_fold_table(c) || (c >= 0xD800 && c <= 0xDFFF)) continue;
      at.emplace_back(static_cast<int>(all.size()), c);
      append_utf8(all, c);
      all += ' ';
    }
    struct Seen {
      const std::vector<std::pair<int, char32_t>>* at;
      std::vector<char32_t> word_fold;  // by code point; 0: not a word character alone
    } seen{&at, std::vector<char32_t>(kFoldTableSize, 0)};
    auto on_token = [](void* ctx, int, const char* token, int n, int start, int) -> int {
      auto& s = *static_cast<Seen*>(ctx);
      auto it = std::lower_bound(s.at->begin(), s.at->end(), std::pair<int, char32_t>(start, 0));
      std::string_view word(token, static_cast<std::size_t>(n));
      char32_t f = 0;
      if (it != s.at->end() && it->first == start && !word.empty() && decode_utf8(word, 0, f) == word.size())
        s.word_fold[it->second] = f;
      return SQLITE_OK;
    };
    if (!words->tokenize(all, &seen, on_token)) return nullptr;
    auto folded = [&](char32_t c) { return in_fold_table(c) ? fold->folded(c) : c; };
    std::vector<bool> unsafe(kFoldTableSize, false);
    auto mark = [&](char32_t v) {
      if (v < kFoldTableSize) unsafe[v] = true;
    };
    for (auto& [offset, c] : at) {
      char32_t ft = fold->folded(c), fu = seen.word_fold[c];
      if (fu != ft) {
        mark(ft);
        if (fu) mark(folded(fu));
      }
      if (folded(ft) != ft) {
        mark(ft);
        mark(folded(ft));
      }
    }
    auto t = std::unique_ptr<WordTable>(new WordTable);
    t->m_answers.assign(kFoldTableSize, false);
    for (auto& [offset, c] : at) {
      char32_t ft = fold->folded(c);
      t->m_answers[c] = ft < kFoldTableSize && !unsafe[ft];
    }
    return t;
  }

  std::vector<bool> m_answers;  // by code point
};

}  // namespace

struct WordSplitter::Impl {
  Tokenizer tokenizer;
};

Result<WordSplitter> WordSplitter::create(Database& db) {
  return WordSplitter(std::make_unique<Impl>(Impl{TRY(word_tokenizer(db.handle()))}));
}

WordSplitter::WordSplitter(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
WordSplitter::WordSplitter(WordSplitter&&) noexcept = default;
WordSplitter::~WordSplitter() = default;

Status WordSplitter::split(std::string_view text, const std::function<void(std::string_view)>& on_word) {
  text = text.substr(0, text.find('\0'));
  auto on_token = [](void* ctx, int, const char* token, int n, int, int) -> int {
    (*static_cast<const std::function<void(std::string_view)>*>(ctx))(
        std::string_view(token, static_cast<std::size_t>(n)));
    return SQLITE_OK;
  };
  auto* ctx = const_cast<void*>(static_cast<const void*>(&on_word));
  if (!m_impl->tokenizer.tokenize(text, ctx, on_token))
    return fail(ErrorKind::internal, "store error", "the word tokenizer failed");
  return {};
}

void prepare_words_answer(Database& db) { WordTable::get(db.handle()); }

bool words_answer(Database& db, std::string_view needle) {
  if (utf8_length(needle) < 3) return false;
  auto* table = WordTable::get(db.handle());
  if (!table) return false;
  for (std::size_t i = 0; i < needle.size();) {
    char32_t c;
    auto n = decode_utf8(needle, i, c);
    if (n == 0 || !table->answers(c)) return false;
    i += n;
  }
  return true;
}

Status add_text_match(Database& db) {
  auto folder = TRY(Folder::create(db.handle()));
  // On failure SQLite itself calls the destructor: ownership passes here.
  int rc = sqlite3_create_function_v2(db.handle(), "text_has", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, folder.release(),
                                      text_has, nullptr, nullptr, [](void* p) { delete static_cast<Folder*>(p); });
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db.handle(), rc, "text_has"));
  rc = sqlite3_create_function_v2(db.handle(), "before_nul", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, before_nul,
                                  nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db.handle(), rc, "before_nul"));
  return {};
}

}  // namespace estafeta::store::sqlite
