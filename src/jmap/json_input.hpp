// JSON that comes from the network. The parser does not recurse, but
// copying or comparing a value does, once per level: a request of 2 MB can
// nest a million deep and end the process on its first copy. Input is
// parsed with its nesting bounded instead, and deeper values refused.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

namespace estafeta::jmap {

// Deeper than any request the API or JMAP defines (RFC 8620 §5.5's
// filters are bounded at 20 levels where they are read).
inline constexpr int kMaxJsonDepth = 64;

// `text` parsed; discarded when it is not I-JSON (RFC 7493: a name twice in
// one object is refused too) or nests deeper than kMaxJsonDepth, which sets
// `too_deep`. With `exceptions`, malformed JSON throws as json::parse does.
nlohmann::json parse_json_input(std::string_view text, bool& too_deep, bool exceptions = false);

}  // namespace estafeta::jmap
