// Hex encoding of byte strings (blob ids, hashes).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace estafeta {

std::string to_hex(std::string_view bytes);
// Lower- or upper-case hex back to bytes; nullopt on odd length or a non-hex digit.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace estafeta
