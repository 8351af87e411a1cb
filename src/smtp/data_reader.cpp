#include "smtp/data_reader.hpp"

#include <algorithm>

namespace estafeta::smtp {

namespace {
constexpr std::uint64_t kBudgetStep = 64 * 1024;  // taken from the budget in steps, not line by line
}  // namespace

DataReader::Status DataReader::feed(std::string_view& in) {
  while (!in.empty()) {
    char c = in.front();
    in.remove_prefix(1);
    ++m_received;
    if (m_cr) {
      m_cr = false;
      if (c == '\n') {
        // A complete line.
        if (m_line == ".") {
          if (m_problem != Problem::none) m_message.clear();
          return Status::done;
        }
        if (m_problem == Problem::none) {
          std::string_view line = m_line;
          if (line.starts_with('.')) line.remove_prefix(1);  // dot-stuffing (§4.5.2)
          auto needed = m_message.size() + line.size() + 2;
          if (needed > m_max_size) {
            m_problem = Problem::too_large;
          } else if (needed > m_hold.held() &&
                     !m_hold.grow(std::max<std::uint64_t>(kBudgetStep, needed - m_hold.held()))) {
            m_problem = Problem::server_busy;
          }
          if (m_problem != Problem::none) {
            m_message.clear();
            m_message.shrink_to_fit();
            m_hold.release();
          } else {
            m_message.append(line);
            m_message.append("\r\n");
          }
        }
        m_line.clear();
        continue;
      }
      // A CR not followed by LF.
      if (m_problem == Problem::none) m_problem = Problem::bare_line_ending;
      m_line += '\r';
    }
    if (c == '\r') {
      m_cr = true;
      continue;
    }
    if (c == '\n') {
      if (m_problem == Problem::none) m_problem = Problem::bare_line_ending;
      // Not an end of line: keep scanning (the client will send CRLF.CRLF).
      m_line += '\n';
    } else {
      m_line += c;
    }
    if (m_line.size() > m_max_line) {
      if (m_problem == Problem::none) m_problem = Problem::line_too_long;
      m_line.resize(2);  // keep enough to recognise "." at a line start; content is lost anyway
    }
  }
  return Status::need_more;
}

DataReader::Problem check_lines(std::string_view message, std::size_t max_line) {
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (c == '\r') {
      if (i + 1 >= message.size() || message[i + 1] != '\n') return DataReader::Problem::bare_line_ending;
      if (i - line_start > max_line) return DataReader::Problem::line_too_long;
      line_start = i + 2;
      ++i;
    } else if (c == '\n') {
      return DataReader::Problem::bare_line_ending;
    }
  }
  if (message.size() - line_start > max_line) return DataReader::Problem::line_too_long;
  return DataReader::Problem::none;
}

}  // namespace estafeta::smtp
