// Text helpers for the MIME module: UTF-8 repair and truncation, whitespace
// collapsing, HTML to plain text. Pure functions, no GMime, no allocation
// beyond the returned strings.
//
// Security: every function accepts arbitrary bytes and returns valid UTF-8
// (RFC 3629); nothing here can read outside its input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/ascii.hpp"

namespace estafeta::mime::detail {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
bool is_valid_utf8(std::string_view s);

// Copies `s`, keeping well-formed UTF-8 sequences and reading every other
// byte as windows-1252 (a superset of ISO-8859-1's printable range), so raw
// 8-bit headers in UTF-8 or latin-1 both come out readable.
std::string to_valid_utf8(std::string_view s);

// Appends the UTF-8 encoding of `cp` (U+FFFD when not a scalar value).
void append_utf8(std::string& out, char32_t cp);

// Shortens valid UTF-8 `s` to at most `max_bytes` without cutting a sequence.
void truncate_utf8(std::string& s, std::size_t max_bytes);

// Whitespace runs (ASCII and U+00A0) become one space, leading and trailing
// whitespace is dropped, and at most `max_chars` code points are kept.
// `s` must be valid UTF-8.
std::string collapse_whitespace(std::string_view s, std::size_t max_chars = std::string_view::npos);

// Visible text of an HTML document: tags and comments dropped, <script> and
// <style> content skipped, block elements turned into line breaks, character
// references (&amp; &#233; &#xE9; and common named ones) decoded.
// Input and output are UTF-8.
std::string html_to_text(std::string_view html);

// Search-index hygiene: CRLF → LF, other control characters except TAB and LF
// become spaces (NUL must not reach the index).
void sanitize_controls(std::string& s);

// ASCII helpers.
std::string_view trim(std::string_view s);  // SP, HTAB, CR, LF

}  // namespace estafeta::mime::detail
