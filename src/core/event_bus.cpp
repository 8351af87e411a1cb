#include "core/event_bus.hpp"

#include <algorithm>
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
  m_everything.emplace(id, std::make_shared<Callback>(std::move(callback)));
  return Subscription(this, id);
}

EventBus::Subscription EventBus::subscribe(std::vector<std::int64_t> addresses, Callback callback) {
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  auto shared = std::make_shared<Callback>(std::move(callback));
  std::lock_guard lock(m_mutex);
  auto id = m_next_id++;
  for (auto a : addresses) m_by_address[a].emplace(id, shared);
  m_addressed.emplace(id, Addressed{std::move(shared), std::move(addresses)});
  return Subscription(this, id);
}

void EventBus::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(m_mutex);
  if (m_everything.erase(id)) return;
  auto it = m_addressed.find(id);
  if (it == m_addressed.end()) return;
  for (auto a : it->second.addresses) {
    auto at = m_by_address.find(a);
    if (at == m_by_address.end()) continue;
    at->second.erase(id);
    if (at->second.empty()) m_by_address.erase(at);
  }
  m_addressed.erase(it);
}

void EventBus::publish(const Event& event) {
  // Copy the callbacks out so a callback may subscribe or unsubscribe.
  std::vector<std::shared_ptr<Callback>> targets;
  {
    std::lock_guard lock(m_mutex);
    targets.reserve(m_everything.size());
    for (auto& [id, cb] : m_everything) targets.push_back(cb);
    if (event.address_id == 0) {
      for (auto& [id, sub] : m_addressed) targets.push_back(sub.callback);
    } else if (auto it = m_by_address.find(event.address_id); it != m_by_address.end()) {
      for (auto& [id, cb] : it->second) targets.push_back(cb);
    }
  }
  for (auto& cb : targets) (*cb)(event);
}

}  // namespace estafeta
