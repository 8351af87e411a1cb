#include "jmap/json_input.hpp"

namespace estafeta::jmap {

nlohmann::json parse_json_input(std::string_view text, bool& too_deep, bool exceptions) {
  using nlohmann::json;
  too_deep = false;
  // Returning false drops a value as it is read, so nothing deeper than the
  // limit is ever built.
  json::parser_callback_t bounded = [&too_deep](int depth, json::parse_event_t, json&) {
    if (depth <= kMaxJsonDepth) return true;
    too_deep = true;
    return false;
  };
  auto out = json::parse(text, bounded, exceptions);
  if (too_deep) return json(json::value_t::discarded);
  return out;
}

}  // namespace estafeta::jmap
