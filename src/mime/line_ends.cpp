#include "mime/line_ends.hpp"

#include <cstring>

namespace estafeta::mime {

std::uint64_t crlf_size(std::string_view bytes) {
  std::uint64_t size = bytes.size();
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (const void* found = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
    auto* lf = static_cast<const char*>(found);
    if (lf == bytes.data() || lf[-1] != '\r') ++size;
    p = lf + 1;
  }
  if (!bytes.empty() && bytes.back() != '\n') size += 2;
  return size;
}

}  // namespace estafeta::mime
