// parse_message: the MIME module's entry point. Builds the message's
// structure, its envelopes and part tree with offsets (part_tree.cpp), then
// the decoded summary and search text.
//
// Security: the only hard failure is Limits::max_size; everything else is
// bounded by Limits and recovered, never reported as an error.
#include <gmime/gmime.h>

#include <mutex>

#include "mime/decode.hpp"
#include "mime/header.hpp"
#include "mime/parsed_message.hpp"
#include "mime/part_tree.hpp"
#include "mime/summary.hpp"

namespace estafeta::mime {

void init() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

Result<ParsedMessage> parse_message(std::string_view raw, const Limits& limits) {
  if (raw.size() > limits.max_size) {
    return fail(ErrorKind::limit, "message too large",
                "message of " + std::to_string(raw.size()) + " bytes, limit " + std::to_string(limits.max_size));
  }
  init();  // cheap after the first call; keeps a forgotten init() from crashing
  const detail::ParserOptionsPtr options = detail::make_parser_options();
  detail::PartTree tree = detail::build_tree(raw, limits, options.get());

  ParsedMessage out;
  detail::summarize(raw, tree.header, tree.message.root, limits, out.summary, out.text);
  out.structure = std::move(tree.message);
  return out;
}

std::size_t top_level_body_start(std::string_view raw) {
  // As TreeBuilder::parse_part reads the root part (part_tree.cpp).
  return detail::scan_header(raw, 0, raw.size()).body_start;
}

}  // namespace estafeta::mime
