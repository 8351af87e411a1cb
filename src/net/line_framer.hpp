// Lines of a line protocol (POP3, SMTP) out of the bytes received so far.
// Plain C++, no I/O; the transport appends what it reads.
//
// Bounded before it is held: a line longer than the limit the caller gives
// (its line ending included) is dropped as its bytes arrive and comes back
// as `too_long` once its end is seen, so the framer never holds more than
// the limit of an unfinished line. A line ends at LF; whether a bare LF is
// acceptable is the protocol's parser's call (both refuse it).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace estafeta::net {

class LineFramer {
 public:
  struct Line {
    std::string text;       // with its line ending; empty when too_long
    bool too_long = false;  // the line passed the limit: its content is lost
  };

  void append(std::string_view bytes) { m_pending.append(bytes); }

  // The next complete line, or nullopt when more bytes are needed.
  std::optional<Line> next(std::size_t limit);

  // Inside a line past the limit, waiting for its end (a protocol that
  // cannot resynchronise ends the connection here).
  bool overflowing() const { return m_discarding; }

  // The bytes not framed yet, for a protocol that reads raw octets between
  // lines (SMTP DATA and BDAT take them from the front).
  std::string& pending() { return m_pending; }

  // Drops everything received so far (bytes pipelined before STARTTLS).
  void clear() {
    m_pending.clear();
    m_discarding = false;
  }

 private:
  std::string m_pending;
  bool m_discarding = false;
};

}  // namespace estafeta::net
