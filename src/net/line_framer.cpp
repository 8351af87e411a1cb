#include "net/line_framer.hpp"

namespace estafeta::net {

std::optional<LineFramer::Line> LineFramer::next(std::size_t limit) {
  for (;;) {
    auto lf = m_pending.find('\n');
    if (m_discarding) {
      if (lf == std::string::npos) {
        m_pending.clear();
        return std::nullopt;
      }
      m_pending.erase(0, lf + 1);
      m_discarding = false;
      return Line{{}, true};
    }
    if (lf == std::string::npos) {
      if (m_pending.size() <= limit) return std::nullopt;
      m_pending.clear();
      m_discarding = true;
      continue;
    }
    if (lf + 1 > limit) {
      m_pending.erase(0, lf + 1);
      return Line{{}, true};
    }
    Line line{m_pending.substr(0, lf + 1), false};
    m_pending.erase(0, lf + 1);
    return line;
  }
}

}  // namespace estafeta::net
