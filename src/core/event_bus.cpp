#include "core/event_bus.hpp"

#include <utility>
#include <vector>

namespace estafeta {

EventBus::Subscription& EventBus::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    m_bus = std::exchange(other.m_bus, nullptr);
    m_id = std::exchange(other.m_id, 0);
  }
  return *this;
}

void EventBus::Subscription::reset() {
  if (m_bus) m_bus->unsubscribe(m_id);
  m_bus = nullptr;
}

EventBus::Subscription EventBus::subscribe(Callback callback) {
  std::lock_guard lock(m_mutex);
  auto id = m_next_id++;
  m_subscribers.emplace(id, std::make_shared<Callback>(std::move(callback)));
  return Subscription(this, id);
}

void EventBus::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(m_mutex);
  m_subscribers.erase(id);
}

void EventBus::publish(const Event& event) {
  // Copy the callbacks out so a callback may subscribe or unsubscribe.
  std::vector<std::shared_ptr<Callback>> targets;
  {
    std::lock_guard lock(m_mutex);
    targets.reserve(m_subscribers.size());
    for (auto& [id, cb] : m_subscribers) targets.push_back(cb);
  }
  for (auto& cb : targets) (*cb)(event);
}

}  // namespace estafeta
