#include "pop3/parser.hpp"

#include <optional>

namespace estafeta::pop3 {

Result<Command> parse_command(std::string_view line) {
  if (line.ends_with("\r\n"))
    line.remove_suffix(2);
  else if (line.ends_with('\n'))
    line.remove_suffix(1);
  if (line.size() + 2 > kMaxLine) return fail(ErrorKind::limit, "command line too long");
  Command c;
  std::size_t pos = 0;
  auto space = line.find(' ');
  auto word = line.substr(0, space);
  if (word.size() < 3 || word.size() > 4) return fail(ErrorKind::invalid, "unknown command");
  for (char ch : word) {
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z'))) return fail(ErrorKind::invalid, "unknown command");
    c.keyword += static_cast<char>(ch >= 'a' ? ch - 'a' + 'A' : ch);
  }
  if (space == std::string_view::npos) return c;
  pos = space + 1;
  // PASS takes the rest of the line as one argument: passwords may hold spaces.
  if (c.keyword == "PASS") {
    c.args.emplace_back(line.substr(pos));
    return c;
  }
  while (pos <= line.size()) {
    auto next = line.find(' ', pos);
    auto arg = line.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
    if (arg.empty()) return fail(ErrorKind::invalid, "arguments are separated by single spaces");
    for (unsigned char ch : arg)
      if (ch < 0x20 || ch == 0x7f) return fail(ErrorKind::invalid, "control characters in an argument");
    c.args.emplace_back(arg);
    if (c.args.size() > 8) return fail(ErrorKind::invalid, "too many arguments");
    if (next == std::string_view::npos) break;
    pos = next + 1;
  }
  return c;
}

}  // namespace estafeta::pop3
