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
#pragma once

#include "core/result.hpp"
#include "store/sqlite/db.hpp"

namespace estafeta::store::sqlite {

// Adds text_has(text, needle) to the connection: 1 when `needle`, of three
// characters or more, occurs in `text` as the trigram index would find it;
// 0 otherwise (a shorter needle never matches: ask LIKE).
Status add_text_match(Database& db);

}  // namespace estafeta::store::sqlite
