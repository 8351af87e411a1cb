// POP3 command lines (RFC 1939 §3, RFC 2449 §4): a keyword of three or four
// letters, then arguments separated by single spaces; at most 255 octets
// with the CRLF. No I/O; the fuzz target feeds it arbitrary bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace estafeta::pop3 {

inline constexpr std::size_t kMaxLine = 255;  // RFC 2449 §4, CRLF included

struct Command {
  std::string keyword;            // upper-cased
  std::vector<std::string> args;  // as sent
};

// One line, with or without its CRLF. Errors: invalid with a message for "-ERR".
Result<Command> parse_command(std::string_view line);

}  // namespace estafeta::pop3
