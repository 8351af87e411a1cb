#include "imap/proto/framer.hpp"

#include <charconv>

namespace estafeta::imap {

namespace {

struct LiteralMark {
  bool found = false;
  bool sync = true;
  bool overflow = false;
  std::size_t size = 0;
};

// Does the line (without its CRLF) end with {n}, {n+}, ~{n} or ~{n+}?
LiteralMark literal_at_end(std::string_view line) {
  LiteralMark mark;
  if (line.empty() || line.back() != '}') return mark;
  auto open = line.rfind('{');
  if (open == std::string_view::npos) return mark;
  auto inside = line.substr(open + 1, line.size() - open - 2);
  if (!inside.empty() && inside.back() == '+') {
    mark.sync = false;
    inside.remove_suffix(1);
  }
  if (inside.empty()) return mark;
  for (char c : inside)
    if (c < '0' || c > '9') return mark;
  if (inside.size() > 19) {
    mark.found = true;
    mark.overflow = true;
    return mark;
  }
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(inside.data(), inside.data() + inside.size(), n);
  mark.found = true;
  if (ec != std::errc{} || end != inside.data() + inside.size() || n > (std::uint64_t{1} << 62)) {
    mark.overflow = true;
    return mark;
  }
  mark.size = static_cast<std::size_t>(n);
  return mark;
}

}  // namespace

std::string CommandFramer::tag() const {
  std::string_view text = m_error_tag.empty() ? std::string_view(m_command) : std::string_view(m_error_tag);
  auto end = text.find_first_of(" \r\n");
  auto tag = text.substr(0, end == std::string_view::npos ? text.size() : end);
  // tag = 1*<any ASTRING-CHAR except "+"> (RFC 9051 §9)
  if (tag.empty() || tag.size() > 64) return "*";
  for (unsigned char c : tag)
    if (c <= 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' || c == '"' || c == '\\' ||
        c == '+')
      return "*";
  return std::string(tag);
}

void CommandFramer::reset_command() {
  m_command.clear();
  m_line_start = 0;
  m_literals = 0;
}

std::string CommandFramer::take_command() {
  std::string out = std::move(m_command);
  reset_command();
  m_error_tag.clear();
  return out;
}

CommandFramer::Event CommandFramer::line_complete() {
  // m_command ends with the line's LF (and CR before it, if any).
  std::string_view line(m_command);
  line = line.substr(m_line_start);
  line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  auto mark = literal_at_end(line);
  if (!mark.found) return Event::command;
  ++m_literals;
  bool too_big =
      mark.overflow || mark.size > m_limits.max_literal || m_command.size() + mark.size > m_limits.max_command;
  if (too_big) {
    m_error = "literal too large";
    m_too_big = true;
    m_error_tag = m_command.substr(0, 80);
    if (!mark.sync) {
      // RFC 7888 §4: the octets are already coming; we cannot skip them safely.
      reset_command();
      return Event::fatal;
    }
    // No continuation is sent, so the client sends no octets: the command ends here.
    reset_command();
    return Event::error;
  }
  m_literal_left = mark.size;
  m_state = State::literal;
  m_line_start = m_command.size() + mark.size;
  return mark.sync ? Event::continuation : Event::need_more;
}

CommandFramer::Event CommandFramer::feed(std::string_view& in) {
  while (!in.empty()) {
    switch (m_state) {
      case State::literal: {
        auto n = std::min(in.size(), m_literal_left);
        m_command.append(in.substr(0, n));
        in.remove_prefix(n);
        m_literal_left -= n;
        if (m_literal_left == 0) m_state = State::line;
        break;
      }
      case State::skip_line: {
        auto lf = in.find('\n');
        if (lf == std::string_view::npos) {
          in = {};
          return Event::need_more;
        }
        in.remove_prefix(lf + 1);
        m_state = State::line;
        reset_command();
        return Event::error;
      }
      case State::line: {
        auto lf = in.find('\n');
        auto take = lf == std::string_view::npos ? in.size() : lf + 1;
        if (m_command.size() - m_line_start + take > m_limits.max_line + 2 ||
            m_command.size() + take > m_limits.max_command) {
          m_error = "command line too long";
          m_too_big = false;
          m_error_tag = m_command.substr(0, 80);
          if (m_error_tag.empty()) m_error_tag = std::string(in.substr(0, std::min<std::size_t>(in.size(), 80)));
          m_state = State::skip_line;
          break;  // the skip state consumes up to the line end, then reports
        }
        m_command.append(in.substr(0, take));
        in.remove_prefix(take);
        if (lf == std::string_view::npos) return Event::need_more;
        auto event = line_complete();
        if (event != Event::need_more) return event;
        break;
      }
    }
  }
  return Event::need_more;
}

}  // namespace estafeta::imap
