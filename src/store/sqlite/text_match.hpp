// text_has(text, needle): the full-text index's substring match, for text
// that is not in the index yet.
//
// Accepted mail waits in blob_text_pending before the indexer moves it into
// blob_text (text_index.cpp); a search asks the index for what is in it and
// this function for what is waiting, so both halves must answer alike. The
// index is FTS5's trigram tokenizer: a needle of three characters or more
// matches where its trigrams stand one after the other, which is where the
// needle occurs once both are case-folded character by character (up to a
// NUL, where the tokenizer stops). The folding is the tokenizer's own, asked
// of SQLite through the FTS5 API and not written again here, so the two
// agree on every character: ASCII is folded directly (A-Z to a-z, what the
// tokenizer does there), other characters below U+20000 by a table the
// tokenizer filled once per process, the rest by the tokenizer itself.
//
// The word index (blob_words: FTS5's unicode61 tokenizer, diacritics kept,
// words and the columns they are in) answers some needles faster than the
// trigrams do (a word in every message: one list to read instead of one per
// trigram, each with positions). It can answer a needle exactly as the
// trigram index would when every place the needle can match lies inside a
// word: when each of the needle's characters, and each character that
// folds as it does, is a word character, folded alike (words_answer). Then
// a text matches if and only if one of its words contains the folded
// needle; the words that do are found in a vocabulary of their own
// (text_term, with a trigram index), and the word index is asked for any
// of them.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "core/result.hpp"
#include "store/sqlite/db.hpp"

namespace estafeta::store::sqlite {

// Adds text_has(text, needle) to the connection: 1 when `needle`, of three
// characters or more, occurs in `text` as the trigram index would find it;
// 0 otherwise (a shorter needle never matches: ask LIKE).
// Also adds before_nul(text): the text up to its first NUL, as the
// trigram tokenizer reads it; what the word index is given.
Status add_text_match(Database& db);

// The longest word, in bytes, that the vocabulary keeps (text_term); a
// blob with a longer one is listed in text_long_term and read by a search.
constexpr std::size_t kMaxTermBytes = 128;

// Whether blob_words and its vocabulary answer `needle` (see above): three
// characters or more, each one that words_answer accepts.
bool words_answer(Database& db, std::string_view needle);
// Builds now, once per process, the table words_answer reads (tens of
// milliseconds), so that no search waits for it: the indexer's thread
// calls it (index_pending_text).
void prepare_words_answer(Database& db);

// The words of a text as blob_words holds them (folded), with the
// connection's own unicode61 tokenizer.
class WordSplitter {
 public:
  static Result<WordSplitter> create(Database& db);
  WordSplitter(WordSplitter&&) noexcept;
  ~WordSplitter();

  // Calls on_word with each word of `text` up to its first NUL.
  Status split(std::string_view text, const std::function<void(std::string_view)>& on_word);

 private:
  struct Impl;
  explicit WordSplitter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace estafeta::store::sqlite
