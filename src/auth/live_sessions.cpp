#include "auth/live_sessions.hpp"

namespace estafeta::auth {

LiveSessions::Registration LiveSessions::add(Info info, std::function<void()> end) {
  std::lock_guard lock(m_mutex);
  auto id = m_next++;
  m_entries.emplace(id, Entry{std::move(info), std::move(end)});
  return Registration(this, id);
}

void LiveSessions::remove(Id id) {
  std::lock_guard lock(m_mutex);
  m_entries.erase(id);
}

std::vector<LiveSessions::Listed> LiveSessions::of_user(std::int64_t user_id) const {
  std::lock_guard lock(m_mutex);
  std::vector<Listed> out;
  for (auto& [id, e] : m_entries)
    if (e.info.user_id == user_id) out.push_back({id, e.info});
  return out;
}

bool LiveSessions::end(std::int64_t user_id, Id id) {
  std::function<void()> end;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_entries.find(id);
    if (it == m_entries.end() || it->second.info.user_id != user_id) return false;
    end = it->second.end;
  }
  end();  // outside the lock: it may take the connection's own locks
  return true;
}

}  // namespace estafeta::auth
