// Reading a message after DATA (RFC 5321 §4.1.1.4, §4.5.2): lines up to
// "<CRLF>.<CRLF>", dot-unstuffed, bounded by the message size limit.
//
// SMTP smuggling: only CRLF "." CRLF ends the data. A bare LF or a bare CR
// anywhere in the data makes the message refused (after its end, so the
// connection stays in step) rather than normalised: a receiver that guessed
// differently from the next hop is what smuggling exploits, and refusing
// is what current practice settled on (Postfix smtpd_forbid_bare_newline,
// Exim, Sendmail's 2023 fixes). Clients that follow RFC 5321 never send them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/message_budget.hpp"

namespace estafeta::smtp {

// The longest line of message data taken (octets, without CRLF). RFC 5321
// §4.5.3.1.6 asks for 1000; real mail (long base64 or HTML lines) exceeds
// that, so the limit is generous and only guards against abuse.
inline constexpr std::size_t kMaxDataLine = 1000 * 64;

class DataReader {
 public:
  enum class Status { need_more, done };
  // server_busy: the message did not fit in what all sessions together may
  // hold (message_budget.hpp).
  enum class Problem { none, too_large, bare_line_ending, line_too_long, server_busy };

  explicit DataReader(std::uint64_t max_size, std::size_t max_line = kMaxDataLine, MessageBudget* budget = nullptr)
      : m_max_size(max_size), m_max_line(max_line), m_hold(budget) {}

  // Consumes bytes from the front of `in` up to the end of the data.
  Status feed(std::string_view& in);

  // After done: the message (unstuffed, CRLF line ends) unless a problem
  // was found; then the message is empty and problem() says why.
  std::string take_message() {
    m_hold.release();  // the delivery that follows is short; the wait for the data is what the budget bounds
    return std::move(m_message);
  }
  Problem problem() const { return m_problem; }
  std::uint64_t received() const { return m_received; }

 private:
  std::uint64_t m_max_size;
  std::size_t m_max_line;
  std::string m_message;
  std::string m_line;  // the current line so far (without its CRLF)
  bool m_cr = false;   // the previous octet was a CR
  std::uint64_t m_received = 0;
  Problem m_problem = Problem::none;
  BudgetHold m_hold;
};

// The checks DataReader makes on the way, for a message that came whole
// (BDAT, RFC 3030): a bare CR or LF (bare_line_ending), a line longer than
// `max_line` (line_too_long), or none. A last line without CRLF is allowed
// (the caller ends it); a CR at the very end is bare.
DataReader::Problem check_lines(std::string_view message, std::size_t max_line = kMaxDataLine);

}  // namespace estafeta::smtp
