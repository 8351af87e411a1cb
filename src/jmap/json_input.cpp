#include "jmap/json_input.hpp"

#include <set>
#include <string>
#include <vector>

namespace estafeta::jmap {

nlohmann::json parse_json_input(std::string_view text, bool& too_deep, bool exceptions) {
  using nlohmann::json;
  too_deep = false;
  // I-JSON (RFC 7493 §2.3, which RFC 8620 §3.1 asks for): no name twice in
  // one object. The names of each object being read, innermost last.
  std::vector<std::set<std::string>> names;
  bool repeated = false;
  // Returning false drops a value as it is read, so nothing deeper than the
  // limit is ever built.
  json::parser_callback_t bounded = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxJsonDepth) {
      too_deep = true;
      return false;
    }
    switch (event) {
      case json::parse_event_t::object_start: names.emplace_back(); break;
      case json::parse_event_t::object_end:
        if (!names.empty()) names.pop_back();
        break;
      case json::parse_event_t::key:
        if (!names.empty() && parsed.is_string() && !names.back().insert(parsed.get<std::string>()).second)
          repeated = true;
        break;
      default: break;
    }
    return true;
  };
  auto out = json::parse(text, bounded, exceptions);
  if (too_deep || repeated) return json(json::value_t::discarded);
  return out;
}

}  // namespace estafeta::jmap
