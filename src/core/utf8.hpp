// Counting UTF-8 text without decoding it.
#pragma once

#include <cstddef>
#include <string_view>

namespace estafeta {

// Number of code points of UTF-8 text: the bytes that are not continuation
// bytes (10xxxxxx). Well-formedness is the caller's to check.
inline std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace estafeta
