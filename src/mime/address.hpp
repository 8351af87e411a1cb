// RFC 5322 §3.4 address lists (with §4.4 obsolete routes), parsed into the
// parts an envelope keeps of each (name, route, mailbox, host), names left
// undecoded. Lenient: whatever cannot be parsed is skipped, never an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/structure.hpp"

namespace estafeta::mime::detail {

// Address is mime::Address (structure.hpp): what the envelope keeps.
using Address = mime::Address;

// Parses an unfolded header value (To, From, …) that is valid UTF-8.
std::vector<Address> parse_address_list(std::string_view value);

}  // namespace estafeta::mime::detail
