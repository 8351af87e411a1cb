// Fuzzes the IMAP command path a client controls: the framer (lines,
// literals, limits) fed in pieces, then the parser on every command it
// completes. Neither may crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "imap/proto/framer.hpp"
#include "imap/proto/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace estafeta::imap;
  // Small literals until the first command completes (as before login),
  // then the larger limits (as after it).
  FramerLimits before;
  before.max_line = 4096;
  before.max_literal = 1024;
  before.max_command = 4096;
  FramerLimits limits;
  limits.max_line = 4096;
  limits.max_literal = 65536;
  limits.max_command = 70000;
  CommandFramer framer(before);
  std::string_view all(reinterpret_cast<const char*>(data), size);
  // The first byte picks the chunk size, so splits are explored too, and
  // the dialect: UTF-8 in quoted strings (after ENABLE UTF8=ACCEPT) or not.
  std::size_t step = size ? (static_cast<unsigned char>(all[0]) % 17) + 1 : 1;
  Dialect dialect{.utf8 = size && (static_cast<unsigned char>(all[0]) & 0x80) != 0};
  for (std::size_t at = 0; at < all.size(); at += step) {
    auto chunk = all.substr(at, step);
    while (!chunk.empty()) {
      auto event = framer.feed(chunk);
      if (event == CommandFramer::Event::command) {
        auto text = framer.take_command();
        (void)parse_command(text, {}, dialect);
        framer.set_limits(limits);
      } else if (event == CommandFramer::Event::fatal) {
        return 0;
      } else if (event == CommandFramer::Event::error) {
        (void)framer.tag();
      }
    }
  }
  return 0;
}
