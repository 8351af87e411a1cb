// Fuzzes the POP3 line path: the line reader fed in pieces, then the command
// parser on every line it completes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "net/line_framer.hpp"
#include "pop3/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace estafeta::pop3;
  std::string_view all(reinterpret_cast<const char*>(data), size);
  std::size_t step = size ? (static_cast<unsigned char>(all[0]) % 13) + 1 : 1;
  estafeta::net::LineFramer framer;
  for (std::size_t at = 0; at < all.size(); at += step) {
    framer.append(all.substr(at, step));
    while (auto line = framer.next(kMaxLine))
      if (!line->too_long) (void)parse_command(line->text);
  }
  return 0;
}
