// IMAP command framing: bytes from the socket → complete commands.
//
// A command is a line, possibly continued after literals (RFC 9051 §4.3):
//   tag SP APPEND box {12}CRLF <12 octets> CRLF
// The framer finds the end of each line, notices a literal announced at its
// end ({n}, {n+} non-synchronizing per RFC 7888, ~{n} literal8 per RFC 3516),
// asks the session to send a continuation for synchronizing ones, takes the
// literal's octets raw, and hands out the whole command text (literals
// inline, exactly as received) for the parser.
//
// No I/O: the session feeds bytes and acts on the returned event. Bounded:
// a line, a literal and a whole command each have a limit; past one, the
// framer reports an error and either resynchronises at the next line end
// (recoverable) or asks for the connection to close (fatal: a
// non-synchronizing literal over the limit is already on its way).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace estafeta::imap {

struct FramerLimits {
  std::size_t max_line = 64 * 1024;            // one line segment, without literals
  std::size_t max_literal = 64 * 1024 * 1024;  // one literal (APPENDLIMIT)
  std::size_t max_command = 80 * 1024 * 1024;  // everything in one command
};

class CommandFramer {
 public:
  enum class Event {
    need_more,     // feed more bytes
    command,       // take_command() has a complete command
    continuation,  // send "+ …" (synchronizing literal accepted), then feed on
    error,         // reply "tag BAD/NO error()" and feed on (the framer resynchronised)
    fatal,         // reply "* BYE error()" and close
  };

  explicit CommandFramer(FramerLimits limits = {}) : m_limits(limits) {}

  // New limits, for the lines and literals announced from now on (a
  // session raises them once the client has logged in).
  void set_limits(FramerLimits limits) { m_limits = limits; }

  // Consumes bytes from the front of `in` up to the first event.
  Event feed(std::string_view& in);

  // The command just completed (ownership passes to the caller).
  std::string take_command();

  // After Event::error / Event::fatal: what went wrong, for the client, and
  // whether a tagged answer should be NO [TOOBIG] rather than BAD.
  const std::string& error() const { return m_error; }
  bool error_is_too_big() const { return m_too_big; }
  // The tag of the command being read (from its first bytes), for replies;
  // "*" when none could be read.
  std::string tag() const;

  // A literal has just been read whole and nothing of the line after it
  // yet: the client's next bytes are the rest of the command, often a bare
  // CRLF that its Nagle algorithm holds until our ACK (Connection::quick_ack).
  bool after_literal() const { return m_state == State::line && m_literals > 0 && m_command.size() == m_line_start; }

  // Literals announced so far in the current command (for tests).
  std::size_t literal_count() const { return m_literals; }

 private:
  enum class State { line, literal, skip_line };
  Event line_complete();
  void reset_command();

  FramerLimits m_limits;
  State m_state = State::line;
  std::string m_command;           // the command so far
  std::size_t m_line_start = 0;    // where the current line segment begins in m_command
  std::size_t m_literal_left = 0;  // octets of the current literal still to take
  std::size_t m_literals = 0;
  std::string m_error;
  bool m_too_big = false;
  std::string m_error_tag;
};

}  // namespace estafeta::imap
