// GMime-backed decoding: RFC 5322 dates, RFC 2045 §6 content-transfer-
// encodings and charset conversion to UTF-8.
//
// GMime objects are not thread-safe; each parse owns its ParserOptions.
// mime::init() must have run before any of these is called.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

typedef struct _GMimeParserOptions GMimeParserOptions;

namespace estafeta::mime::detail {

struct ParserOptionsDeleter {
  void operator()(GMimeParserOptions* options) const;
};
using ParserOptionsPtr = std::unique_ptr<GMimeParserOptions, ParserOptionsDeleter>;

// Fresh options (loose RFC compliance, fallback charsets UTF-8 then latin-1).
ParserOptionsPtr make_parser_options();

// RFC 5322 §3.3 date-time → Unix time; 0 when unparsable.
std::int64_t decode_date(std::string_view text);

// Decodes base64, quoted-printable or x-uuencode (any other encoding is
// returned as is), stopping once `max_out` decoded bytes are produced.
std::string transfer_decode(std::string_view body, std::string_view encoding, std::size_t max_out);

// Converts `bytes` in `charset` to valid UTF-8. Unknown charsets, us-ascii
// and utf-8 are repaired byte-wise (see to_valid_utf8); invalid input
// sequences become U+FFFD.
std::string charset_to_utf8(std::string_view bytes, std::string_view charset);

}  // namespace estafeta::mime::detail
