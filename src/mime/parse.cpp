// parse_message: the MIME module's entry point. Builds the part tree with
// offsets (structure.cpp), then the ENVELOPE and BODYSTRUCTURE JSON
// (RFC 9051 §7.5.2) and the decoded summary and search text.
//
// Security: the only hard failure is Limits::max_size; everything else is
// bounded by Limits and recovered, never reported as an error.
#include <gmime/gmime.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "mime/decode.hpp"
#include "mime/header.hpp"
#include "mime/json.hpp"
#include "mime/parsed_message.hpp"
#include "mime/structure.hpp"
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
  const detail::Part root = detail::build_tree(raw, limits, options.get());

  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  ParsedMessage out;
  out.envelope_json = detail::envelope_json(root.fields).dump(-1, ' ', false, kReplace);
  out.bodystructure_json = detail::bodystructure_json(root).dump(-1, ' ', false, kReplace);
  detail::summarize(raw, root, limits, out.summary, out.text);
  return out;
}

std::size_t top_level_body_start(std::string_view raw) {
  // As Structure::parse_part reads the root part (structure.cpp).
  return detail::scan_header(raw, 0, raw.size()).body_start;
}

}  // namespace estafeta::mime
