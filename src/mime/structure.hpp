// The MIME part tree of a raw message with byte offsets (RFC 2045, RFC 2046
// §5.1.1 multipart boundaries, §5.2.1 message/rfc822), as IMAP BODY[section]
// and BODYSTRUCTURE (RFC 9051 §6.4.5, §7.5.2) need it.
//
// Offsets index the raw message given to build_tree; the string_views in
// Part::fields point into it, so the raw bytes must outlive the tree.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/header.hpp"
#include "mime/parsed_message.hpp"

typedef struct _GMimeParserOptions GMimeParserOptions;

namespace estafeta::mime::detail {

struct Param {
  std::string name;   // lower-case
  std::string value;  // RFC 2231 continuations joined and decoded to UTF-8
};

struct Part {
  enum class Kind { leaf, multipart, message };
  Kind kind = Kind::leaf;
  std::string type = "text";  // lower-case
  std::string subtype = "plain";
  std::vector<Param> params;
  std::string encoding = "7bit";  // lower-case Content-Transfer-Encoding
  std::optional<std::string> id, description, md5, location;
  std::optional<std::string> disposition;  // lower-case type, when the field is present
  std::vector<Param> disposition_params;
  std::optional<std::vector<std::string>> language;

  std::size_t header_start = 0;  // first byte of this part's header
  std::size_t body_start = 0;    // first byte after the header (and its blank line)
  std::size_t body_end = 0;      // one past the body; the CRLF before a delimiter excluded
  std::size_t lines = 0;         // text/* and message/*: lines in the body

  // Not descended into (a limit was hit, or an encoded message/rfc822):
  // reported as application/octet-stream.
  bool opaque = false;

  std::vector<HeaderField> fields;  // this part's header fields
  std::vector<Part> children;       // multipart: the body parts, in order
  std::unique_ptr<Part> message;    // message/rfc822: the encapsulated message

  const Param* param(std::string_view name) const;
  // The disposition's filename, else the Content-Type name; "" if neither.
  std::string filename() const;
};

// Builds the tree of raw[0, raw.size()). Never fails: malformed structure is
// recovered the way lenient MUAs do (see structure.cpp). Containers deeper
// than limits.max_depth, and parts beyond limits.max_parts, become opaque
// leaves; the tree never holds more than max(1, max_parts) parts.
Part build_tree(std::string_view raw, const Limits& limits, GMimeParserOptions* options);

// Number of lines in `body` (a final line without a line break counts).
std::size_t count_lines(std::string_view body);

}  // namespace estafeta::mime::detail
