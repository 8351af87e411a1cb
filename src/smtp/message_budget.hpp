// Message data held in memory by all SMTP sessions together while it
// arrives (DATA lines, BDAT chunks). Each message is bounded by the size
// limit, but many connections sending slowly could each hold one; past the
// budget a message is refused with 452 4.3.1 (RFC 3463: mail system full)
// and its data dropped, and the client tries again later.
#pragma once

#include <atomic>
#include <cstdint>

namespace estafeta::smtp {

class MessageBudget {
 public:
  explicit MessageBudget(std::uint64_t limit) : m_limit(limit) {}
  MessageBudget(const MessageBudget&) = delete;
  MessageBudget& operator=(const MessageBudget&) = delete;

  // Takes `n` octets; false (nothing taken) when that would pass the limit.
  bool take(std::uint64_t n) {
    auto used = m_used.load(std::memory_order_relaxed);
    do {
      if (n > m_limit - used) return false;
    } while (!m_used.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  void give(std::uint64_t n) { m_used.fetch_sub(n, std::memory_order_relaxed); }
  std::uint64_t used() const { return m_used.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> m_used{0};
  std::uint64_t m_limit;
};

// What one message holds of a budget (none when there is no budget),
// given back when it ends.
class BudgetHold {
 public:
  explicit BudgetHold(MessageBudget* budget = nullptr) : m_budget(budget) {}
  ~BudgetHold() { release(); }
  BudgetHold(const BudgetHold&) = delete;
  BudgetHold& operator=(const BudgetHold&) = delete;

  // Holds `n` octets more; false when the budget has no room.
  bool grow(std::uint64_t n) {
    if (!m_budget) return true;
    if (!m_budget->take(n)) return false;
    m_held += n;
    return true;
  }
  void release() {
    if (m_budget && m_held) m_budget->give(m_held);
    m_held = 0;
  }
  std::uint64_t held() const { return m_held; }

 private:
  MessageBudget* m_budget;
  std::uint64_t m_held = 0;
};

}  // namespace estafeta::smtp
