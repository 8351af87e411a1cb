// The IMAP command parser: one complete command (from CommandFramer) → a
// typed Command, or a failure carrying the tag and a message for
// "tag BAD message" (RFC 9051 §7.1.5). Pure; the fuzz target feeds it
// arbitrary bytes, in either dialect.
#pragma once

#include <string>
#include <string_view>

#include "imap/proto/command.hpp"
#include "imap/proto/reader.hpp"

namespace estafeta::imap {

struct ParseFailure {
  std::string tag;      // "*" when no tag could be read
  std::string message;  // for the client
};

// `dialect`: what the session has enabled that widens the grammar (UTF-8
// in quoted strings, RFC 6855 §3).
std::expected<Command, ParseFailure> parse_command(std::string_view text, const ParserLimits& limits = {},
                                                   Dialect dialect = {});

// Search keys after the command name (shared by SEARCH, SORT and THREAD).
Result<SearchKey> parse_search_keys(Reader& r);
// SEARCH's program: [RETURN (…)] [CHARSET x] keys.
Result<SearchArgs> parse_search_program(Reader& r, bool allow_return);
// FETCH's attributes (a macro, one attribute, or a list).
Result<std::vector<FetchAttr>> parse_fetch_attrs(Reader& r);

}  // namespace estafeta::imap
