// RFC 5322 §2.2 header blocks: splitting a part's bytes into header fields
// and finding where its body starts. Works on CRLF and bare-LF input alike.
//
// Views returned here point into the caller's raw message, which must
// outlive them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace estafeta::mime::detail {

struct HeaderField {
  std::string_view name;   // as written, without trailing whitespace
  std::string_view value;  // raw: after the colon up to the field's last line end, folds kept
};

struct HeaderBlock {
  std::vector<HeaderField> fields;
  std::size_t body_start = 0;  // offset of the first body byte (after the blank line)
};

// Scans raw[begin, end). The header ends at the first empty line (which
// belongs to the header), or — as lenient MUAs do — at the first line that is
// neither a field nor a continuation, which then starts the body. Without
// either, the whole range is header and the body is empty (body_start == end).
HeaderBlock scan_header(std::string_view raw, std::size_t begin, std::size_t end);

// First field named `name` (case-insensitive), or nullptr.
const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name);

// RFC 5322 §2.2.3 unfolding: CR and LF removed, leading and trailing
// whitespace trimmed. Bytes are kept as they are (possibly 8-bit).
std::string unfold(std::string_view value);

// The unfolded value with RFC 5322 comments removed (outside quoted strings),
// for structured fields such as Content-Type.
std::string strip_comments(std::string_view unfolded);

}  // namespace estafeta::mime::detail
