// LIST pattern matching (RFC 9051 §6.3.9): "*" matches anything, "%"
// anything but the hierarchy separator '/'. Bounded: O(name × pattern).
#pragma once

#include <string_view>

namespace estafeta::imap {

bool list_match(std::string_view name, std::string_view pattern);

}  // namespace estafeta::imap
