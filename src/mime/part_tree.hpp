// Building the structure of a raw message (structure.hpp): the MIME part
// tree with byte offsets (RFC 2045, RFC 2046 §5.1.1 multipart boundaries,
// §5.2.1 message/rfc822) and the envelope of each message in it.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "mime/header.hpp"
#include "mime/parsed_message.hpp"
#include "mime/structure.hpp"

typedef struct _GMimeParserOptions GMimeParserOptions;

namespace estafeta::mime::detail {

struct PartTree {
  MessageStructure message;
  // The top-level header's fields: views into the raw message given to
  // build_tree, which must outlive them.
  std::vector<HeaderField> header;
};

// Builds the structure of raw[0, raw.size()). Never fails: malformed
// structure is recovered the way lenient MUAs do (see part_tree.cpp).
// Containers deeper than limits.max_depth, and parts beyond
// limits.max_parts, become opaque leaves; the tree never holds more than
// max(1, max_parts) parts.
PartTree build_tree(std::string_view raw, const Limits& limits, GMimeParserOptions* options);

// The envelope of a message whose header fields are `fields` (envelope.cpp).
Envelope read_envelope(const std::vector<HeaderField>& fields);

// Number of lines in `body` (a final line without a line break counts).
std::size_t count_lines(std::string_view body);

}  // namespace estafeta::mime::detail
