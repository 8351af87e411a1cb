// A run of decimal digits from the network, as a number. One too large for
// 64 bits is the largest there is: past any limit, which is how protocols
// want it answered (a TOP count past the body, a SIZE past the limit).
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace estafeta {

// Digits only (no sign, no space); nullopt otherwise or when empty.
inline std::optional<std::uint64_t> saturating_number(std::string_view s) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || end != s.data() + s.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<std::uint64_t>::max();
  if (ec != std::errc{}) return std::nullopt;
  return n;
}

}  // namespace estafeta
