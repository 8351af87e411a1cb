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

// Splits the bytes received so far into lines. Takes complete lines off the
// front of `buffer`; a line over the limit is reported as "" + too_long.
struct LineReader {
  std::string buffer;
  bool discarding = false;  // inside an over-long line: drop until its end
  // Next complete line (without CRLF), or nullopt when more bytes are needed.
  // `too_long` is set for a line that exceeded the limit (its content is lost).
  std::optional<std::string> next(bool& too_long, std::size_t limit = kMaxLine);
};

}  // namespace estafeta::pop3
