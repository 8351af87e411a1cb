// Exclusive, non-blocking locks on ids (e.g. a POP3 maildrop, RFC 1939 §8:
// one session at a time). try_lock never waits: the caller answers "in use".
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <utility>

namespace estafeta {

class IdLocks {
 public:
  // Holds the lock until destroyed (empty when the id was taken).
  class Guard {
   public:
    Guard() = default;
    Guard(IdLocks* owner, std::int64_t id) : m_owner(owner), m_id(id) {}
    Guard(Guard&& o) noexcept : m_owner(std::exchange(o.m_owner, nullptr)), m_id(o.m_id) {}
    Guard& operator=(Guard&& o) noexcept {
      if (this != &o) {
        release();
        m_owner = std::exchange(o.m_owner, nullptr);
        m_id = o.m_id;
      }
      return *this;
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() { release(); }
    explicit operator bool() const { return m_owner != nullptr; }
    void release() {
      if (m_owner) m_owner->unlock(m_id);
      m_owner = nullptr;
    }

   private:
    IdLocks* m_owner = nullptr;
    std::int64_t m_id = 0;
  };

  Guard try_lock(std::int64_t id) {
    std::lock_guard lock(m_mutex);
    if (!m_held.insert(id).second) return Guard();
    return Guard(this, id);
  }

 private:
  void unlock(std::int64_t id) {
    std::lock_guard lock(m_mutex);
    m_held.erase(id);
  }
  std::mutex m_mutex;
  std::set<std::int64_t> m_held;  // GUARDED_BY(m_mutex)
};

}  // namespace estafeta
