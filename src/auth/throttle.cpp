#include "core/ascii.hpp"
#include "auth/throttle.hpp"

#include <algorithm>

namespace estafeta::auth {

namespace {
constexpr auto kForget = std::chrono::minutes(15);
}  // namespace

std::chrono::milliseconds Throttle::delay_for(int failures) {
  if (failures <= 0) return std::chrono::milliseconds(0);
  auto ms = 250LL << std::min(failures - 1, 5);
  return std::chrono::milliseconds(std::min<long long>(ms, 8000));
}

void Throttle::expire(Clock::time_point now) {
  if (now - m_last_expiry < std::chrono::minutes(1)) return;
  m_last_expiry = now;
  for (auto* map : {&m_by_ip, &m_by_address})
    std::erase_if(*map, [&](auto& kv) { return now - kv.second.last > kForget; });
}

std::chrono::milliseconds Throttle::failed(const std::string& ip, const std::string& address) {
  std::lock_guard lock(m_mutex);
  auto now = Clock::now();
  expire(now);
  auto& a = m_by_ip[ip];
  auto& b = m_by_address[ascii_lower(address)];
  for (auto* e : {&a, &b}) {
    if (now - e->last > kForget) e->failures = 0;
    e->failures++;
    e->last = now;
  }
  return std::max(delay_for(a.failures), delay_for(b.failures));
}

void Throttle::succeeded(const std::string& address) {
  std::lock_guard lock(m_mutex);
  m_by_address.erase(ascii_lower(address));
}

std::chrono::milliseconds Throttle::pending(const std::string& ip, const std::string& address) {
  std::lock_guard lock(m_mutex);
  auto now = Clock::now();
  std::chrono::milliseconds d{0};
  for (auto* e : {m_by_ip.count(ip) ? &m_by_ip[ip] : nullptr,
                  m_by_address.count(ascii_lower(address)) ? &m_by_address[ascii_lower(address)] : nullptr}) {
    if (!e || now - e->last > kForget) continue;
    d = std::max(d, delay_for(e->failures - 2));  // a couple of typos cost nothing extra
  }
  return d;
}

}  // namespace estafeta::auth
