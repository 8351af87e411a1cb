// text_has must answer exactly as the trigram index does: the same rows for
// the same needle, whatever the case and the script; and so must the word
// index, for the needles words_answer gives it. Checked against FTS5
// itself, on texts and needles drawn from characters whose case folding is
// not ASCII's (ß/ẞ, final sigma, dotted and dotless i, the Kelvin sign,
// titlecase digraphs, ligatures, combining marks, emoji).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/testing.hpp"
#include "core/utf8.hpp"
#include "store/sqlite/text_match.hpp"

namespace estafeta::store::sqlite {
namespace {

class TextMatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_db = Database::open((m_dir / "t.sqlite").string(), true).value();
    ASSERT_TRUE(add_text_match(*m_db));
    ASSERT_TRUE(m_db->exec("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'trigram')"));
    // The word index and its vocabulary, as blob_words and text_term.
    ASSERT_TRUE(m_db->exec(
        "CREATE VIRTUAL TABLE w USING fts5(x, content = '', tokenize = 'unicode61 remove_diacritics 0', "
        "detail = column); CREATE TABLE v (id INTEGER PRIMARY KEY, term TEXT UNIQUE); "
        "CREATE VIRTUAL TABLE vi USING fts5(term, content = 'v', content_rowid = 'id', tokenize = 'trigram')"));
  }
  void insert(const std::string& text) {
    auto st = m_db->prepare("INSERT INTO t (x) VALUES (?)").value();
    ASSERT_TRUE(st.bind_all(text).run());
    auto words = m_db->prepare("INSERT INTO w (rowid, x) VALUES (last_insert_rowid(), before_nul(?))").value();
    ASSERT_TRUE(words.bind_all(text).run());
    auto splitter = WordSplitter::create(*m_db).value();
    ASSERT_TRUE(splitter.split(text, [&](std::string_view word) {
      if (utf8_length(word) < 3) return;
      auto add = m_db->prepare("INSERT INTO v (term) VALUES (?) ON CONFLICT DO NOTHING").value();
      EXPECT_TRUE(add.bind_all(std::string(word)).run());
      if (m_db->changes() == 0) return;
      auto index = m_db->prepare("INSERT INTO vi (rowid, term) VALUES (last_insert_rowid(), ?)").value();
      EXPECT_TRUE(index.bind_all(std::string(word)).run());
    }));
  }
  std::vector<std::int64_t> rows(const std::string& sql, const std::string& arg) {
    auto st = m_db->prepare(sql).value();
    st.bind_all(arg);
    std::vector<std::int64_t> out;
    for (;;) {
      auto more = st.step();
      if (!more) {
        ADD_FAILURE() << sql << " with " << ::testing::PrintToString(arg) << ": " << more.error().detail;
        return {-1};
      }
      if (!*more) return out;
      out.push_back(st.int64(0));
    }
  }
  std::vector<std::int64_t> by_index(const std::string& needle) {
    std::string phrase = "\"";
    for (char c : needle) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
    return rows("SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", phrase + "\"");
  }
  std::vector<std::int64_t> by_text_has(const std::string& needle) {
    return rows("SELECT rowid FROM t WHERE text_has(x, ?) ORDER BY rowid", needle);
  }
  // As a search asks the word index: any word of the vocabulary that holds
  // the needle (none: no text can hold it).
  std::vector<std::int64_t> by_words(const std::string& needle) {
    std::string phrase = "\"";
    for (char c : needle) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
    phrase += '"';
    if (rows("SELECT count(*) FROM vi WHERE vi MATCH ?", phrase) == std::vector<std::int64_t>{0}) return {};
    return rows(
        "SELECT rowid FROM w WHERE w MATCH (SELECT '(' || group_concat('\"' || term || '\"', ' OR ') || ')' "
        "FROM v WHERE id IN (SELECT rowid FROM vi WHERE vi MATCH ?)) ORDER BY rowid",
        phrase);
  }
  // Checks the word index's answer where words_answer says it is asked;
  // counts those checks.
  void check_words(const std::string& needle, const std::vector<std::int64_t>& expected) {
    if (!words_answer(*m_db, needle)) return;
    ++m_words_checked;
    EXPECT_EQ(by_words(needle), expected) << "words: " << ::testing::PrintToString(needle);
  }
  std::size_t m_words_checked = 0;

  testing::TempDir m_dir{"text-match"};
  std::unique_ptr<Database> m_db;
};

TEST_F(TextMatchTest, AnswersAsTheIndexOnChosenTexts) {
  for (auto* text : {"Hello World",
                     "ÑANDÚ en la pampa",
                     "ñandú",
                     "STRASSE",
                     "Straße",
                     "STRAẞE",
                     "ΣΊΣΥΦΟΣ",
                     "σίσυφος",
                     "Kelvin",
                     "\u212Aelvin",
                     "İstanbul",
                     "istanbul",
                     "ıstanbul",
                     "ǅemal",
                     "ǆemal",
                     "Ǆemal",
                     "o\uFB00ice",
                     "office",
                     "cafe\u0301",
                     "café",
                     "👍👍 ok 👍",
                     "ab",
                     "",
                     "x\ny\nz",
                     "\"quoted\" OR *"})
    insert(text);
  insert(std::string("before\0after", 12));
  insert(std::string("añtes\0después", 15));
  for (auto* needle :
       {"hello", "WORLD", "o w",           "ñandú", "ÑANDÚ", "Ñandú",  "nandu",  "strasse",   "straße", "STRAẞE",
        "σίσ",   "ΣΊΣ",   "φος",           "ΦΟΣ",   "φοσ",   "kelvin", "KELVIN", "\u212Aelv", "İst",    "ist",
        "IST",   "ıst",   "ǅem",           "ǆem",   "ǄEM",   "ﬀi",     "ffi",    "fe\u0301",  "afé",    "👍👍 ",
        "👍 o",   "x\ny",  "\"quoted\" OR", "OR *",  "abc",   "after",  "fore",   "ñte",       "DESP",   "ués"}) {
    EXPECT_EQ(by_text_has(needle), by_index(needle)) << needle;
    check_words(needle, by_index(needle));
  }
  EXPECT_TRUE(by_text_has("ab").empty()) << "fewer than three characters: never";
  for (auto* needle : {"hello", "ñandú", "STRAẞE", "ΣΊΣ", "φος", "\u212Aelv", "kelvin", "ǅem", "ués", "DESP"})
    EXPECT_TRUE(words_answer(*m_db, needle)) << needle;
  for (auto* needle : {"o w", "x\ny", "\"quoted\" OR", "OR *", "👍👍 ", "ab", "ﬀ\x80"})
    EXPECT_FALSE(words_answer(*m_db, needle)) << needle;
  EXPECT_TRUE(by_text_has("").empty());
}

TEST_F(TextMatchTest, AnswersAsTheIndexOnRandomTexts) {
  // Characters with their case partners, and some without.
  const std::vector<std::string> alphabet = {
      "a",    "A",   "k",  "K", "\u212A",     "s", "S",  "ß",      "ẞ",      "σ", "Σ",
      "ς",    "i",   "I",  "İ", "ı",          "é", "É",  "e",      "\u0301", "ñ", "Ñ",
      "ǅ",    "ǆ",   "Ǆ",  "ﬀ", "f",          "Ω", "ω",  "\u2126", "Å",      "å", "\u212B",
      "я",    "Я",   "中", "😀", "\U00020BB7", " ", "\n", "-",      "\"",     "*", std::string(1, '\0'),
      "\xff", "\x80"};
  // And ASCII alone, with NUL, where the tokenizer stops.
  const std::vector<std::string> ascii = {"a", "A", "k", "K", "s", "S", "i", "I", " ", "-", std::string(1, '\0')};
  std::mt19937 rng(20261205);
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  std::vector<std::vector<std::string>> texts;
  for (int i = 0; i < 200; ++i) {
    std::vector<std::string> chars;
    auto length = 3 + pick(40);
    auto& letters = i % 3 == 0 ? ascii : alphabet;
    for (std::size_t j = 0; j < length; ++j) chars.push_back(letters[pick(letters.size())]);
    std::string text;
    for (auto& c : chars) text += c;
    insert(text);
    texts.push_back(std::move(chars));
  }
  std::size_t found = 0;
  for (int i = 0; i < 400; ++i) {
    std::string needle;
    if (i % 2 == 0) {
      // A piece of a text, so that some needles are there.
      auto& chars = texts[pick(texts.size())];
      auto length = 3 + pick(std::min<std::size_t>(chars.size() - 2, 5));
      auto start = pick(chars.size() - length + 1);
      for (std::size_t j = start; j < start + length; ++j) needle += chars[j];
    } else {
      auto& letters = i % 4 == 1 ? ascii : alphabet;
      for (std::size_t j = 0, n = 3 + pick(3); j < n; ++j) needle += letters[pick(letters.size())];
    }
    if (needle.find('\0') != std::string::npos) continue;  // FTS5's query syntax ends at NUL: not a needle
    auto expected = by_index(needle);
    found += !expected.empty();
    EXPECT_EQ(by_text_has(needle), expected) << ::testing::PrintToString(needle);
    check_words(needle, expected);
  }
  EXPECT_GT(found, 150u) << "the check is of needles that are there, not only of absent ones";
  EXPECT_GT(m_words_checked, 60u) << "and the word index is asked for some of them";
}

}  // namespace
}  // namespace estafeta::store::sqlite
