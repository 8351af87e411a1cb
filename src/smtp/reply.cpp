#include "smtp/reply.hpp"

#include <fmt/format.h>

namespace estafeta::smtp {

namespace {
// Reply text may not carry CR or LF (it would end the reply early).
std::string clean(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}
}  // namespace

std::string reply(int code, std::string_view status, std::string_view text) {
  if (status.empty()) return fmt::format("{} {}\r\n", code, clean(text));
  return fmt::format("{} {} {}\r\n", code, status, clean(text));
}

std::string multiline(int code, const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i)
    out += fmt::format("{}{}{}\r\n", code, i + 1 == lines.size() ? ' ' : '-', clean(lines[i]));
  return out;
}

}  // namespace estafeta::smtp
