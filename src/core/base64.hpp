// Base64 (RFC 4648 §4, with padding), over libsodium's constant-time codec.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace estafeta {

// nullopt unless the whole input is base64 (characters in `ignore`, e.g.
// folding whitespace, are skipped).
std::optional<std::string> base64_decode(std::string_view in, const char* ignore = nullptr);
std::string base64_encode(std::string_view in);

}  // namespace estafeta
