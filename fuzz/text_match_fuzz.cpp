// libFuzzer target for text_has (store/sqlite/text_match.hpp): the text of
// every accepted message waiting for the full-text index, and every search's
// needle, go through it. Seeds: fuzz/corpus/text_match/ (first byte: the
// needle's length; then the needle; the rest is the text).
//
// Checked, differentially: for every needle the index can be asked (three
// characters or more, no NUL), text_has answers as FTS5's trigram index does
// on the same text; and where words_answer gives the needle to the word
// index, some word of the text holds it exactly when the trigrams find it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/text_match.hpp"

using namespace estafeta;
using namespace estafeta::store::sqlite;

namespace {

Database& database() {
  static std::unique_ptr<Database> db = [] {
    auto opened = Database::open(":memory:", false);
    if (!opened || !add_text_match(**opened) ||
        !(*opened)->exec("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'trigram'); "
                         "CREATE TABLE v (term TEXT); "
                         "CREATE VIRTUAL TABLE vi USING fts5(term, content = 'v', tokenize = 'trigram')"))
      std::abort();
    return std::move(*opened);
  }();
  return *db;
}

bool ask(Database& db, std::string_view sql, std::string_view a, std::string_view b = {}) {
  auto st = db.prepare(sql);
  if (!st) std::abort();
  st->bind(1, a);
  if (!b.empty()) st->bind(2, b);
  auto row = st->step();
  if (!row || !*row) std::abort();
  return st->int64(0) != 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 16384) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::size_t n = std::min<std::size_t>(data[0] % 32, input.size());
  std::string needle(input.substr(0, n));
  std::string text(input.substr(n));
  if (utf8_length(needle) < 3 || needle.find('\0') != std::string::npos) return 0;
  auto& db = database();
  if (!db.exec("DELETE FROM t")) std::abort();
  auto insert = db.prepare("INSERT INTO t (x) VALUES (?)");
  if (!insert || !insert->bind(1, text).run()) std::abort();
  std::string phrase = "\"";
  for (char c : needle) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
  phrase += '"';
  bool indexed = ask(db, "SELECT count(*) FROM t WHERE t MATCH ?", phrase);
  bool has = ask(db, "SELECT text_has(?, ?)", text, needle);
  if (indexed != has) std::abort();
  if (!words_answer(db, needle)) return 0;
  // The text's words as the vocabulary holds them, and whether one holds
  // the needle (the vocabulary's trigrams, as a search asks them).
  static auto splitter = WordSplitter::create(db);
  if (!splitter || !db.exec("DELETE FROM v; INSERT INTO vi (vi) VALUES ('delete-all')")) std::abort();
  auto add = db.prepare("INSERT INTO v (rowid, term) VALUES (?, ?)");
  auto index = db.prepare("INSERT INTO vi (rowid, term) VALUES (?, ?)");
  if (!add || !index) std::abort();
  std::int64_t id = 0;
  if (!splitter->split(text, [&](std::string_view word) {
        ++id;
        if (!add->bind_all(id, std::string(word)).run() || !index->bind_all(id, std::string(word)).run()) std::abort();
        add->reset();
        index->reset();
      }))
    std::abort();
  bool in_a_word = ask(db, "SELECT count(*) FROM vi WHERE vi MATCH ?", phrase);
  if (in_a_word != indexed) std::abort();
  return 0;
}
