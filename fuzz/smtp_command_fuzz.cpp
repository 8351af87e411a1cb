// Fuzzes what an SMTP client controls before and during DATA: command lines
// (split at CRLF) through the parser, and the rest through the DATA reader.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "smtp/data_reader.hpp"
#include "smtp/parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace estafeta::smtp;
  std::string_view all(reinterpret_cast<const char*>(data), size);
  while (!all.empty()) {
    auto eol = all.find("\r\n");
    auto line = all.substr(0, eol == std::string_view::npos ? all.size() : eol + 2);
    all.remove_prefix(line.size());
    auto cmd = parse_command(line);
    if (cmd && cmd->verb == Command::Verb::data) {
      DataReader reader(1 << 16, 4096);
      std::size_t step = line.size() % 7 + 1;
      while (!all.empty()) {
        auto chunk = all.substr(0, step);
        auto before = chunk.size();
        auto status = reader.feed(chunk);
        all.remove_prefix(before - chunk.size());
        if (status == DataReader::Status::done) {
          (void)reader.take_message();
          break;
        }
      }
    }
  }
  return 0;
}
