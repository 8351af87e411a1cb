// Counts per key, each held while a hold on it lives: how many large
// request bodies one caller has under way (JMAP uploads and requests, the
// API's transfer pieces). The holds share the table, so one that outlives
// its owner (a session ended at the stop) touches nothing that is gone.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace estafeta::web {

class InFlight : public std::enable_shared_from_this<InFlight> {
 public:
  // One of `key`'s at most `most`, until the hold is destroyed; null when
  // all are taken.
  std::shared_ptr<void> take(const std::string& key, std::size_t most) {
    std::lock_guard lock(m_mutex);
    auto it = m_counts.find(key);
    if ((it == m_counts.end() ? 0 : it->second) >= most) return nullptr;
    ++m_counts[key];
    // Points at the table (never null, so a hold tests true), which its deleter keeps alive and does not delete.
    return std::shared_ptr<void>(this, [self = shared_from_this(), key](void*) { self->give_back(key); });
  }

 private:
  void give_back(const std::string& key) {
    std::lock_guard lock(m_mutex);
    auto it = m_counts.find(key);
    if (it != m_counts.end() && --it->second == 0) m_counts.erase(it);
  }

  std::mutex m_mutex;
  std::map<std::string, std::size_t> m_counts;  // GUARDED_BY(m_mutex)
};

}  // namespace estafeta::web
