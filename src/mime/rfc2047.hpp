// RFC 2047 encoded words: decoding unstructured header text ourselves, and a
// pre-pass run before GMime decodes parameter values.
//
// GMime 3.2.13 (Debian 12) loses text when adjacent base64 encoded words of
// one charset carry '=' padding ("=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?="
// decodes to "Hello"; jstedfast/gmime#133). Such runs are common (MUAs split
// long subjects and file names), so we merge each run into a single word
// before GMime sees it.
#pragma once

#include <string>
#include <string_view>

namespace estafeta::mime::detail {

// Rewrites every run of two or more encoded words with the same charset,
// separated by nothing or by spaces and tabs only (RFC 2047 §6.2 drops that
// whitespace), into one B-encoded word holding their concatenated octets,
// which also joins multi-byte characters split across words. All other
// text is copied unchanged. `s` is an unfolded header value.
std::string merge_encoded_words(std::string_view s);

// Unstructured text (Subject, display names) → UTF-8: encoded words decoded
// (RFC 2047 §6, adjacent words joined, blanks between them dropped), raw
// 8-bit bytes read as UTF-8 or else windows-1252. `text` is unfolded.
std::string decode_header_text(std::string_view text);

}  // namespace estafeta::mime::detail
