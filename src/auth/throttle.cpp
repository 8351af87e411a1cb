#include "auth/throttle.hpp"

#include <arpa/inet.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/ascii.hpp"

namespace estafeta::auth {

namespace {

constexpr auto kForget = std::chrono::minutes(15);
// A couple of typos from a client cost nothing before its next attempt.
constexpr int kFreeFailures = 2;
std::string address_key(const std::string& address) {
  return ascii_lower(std::string_view(address).substr(0, kMaxAddressLength));
}

}  // namespace

std::string peer_group(std::string_view ip) {
  std::string text(ip);
  unsigned char v6[16];
  if (inet_pton(AF_INET6, text.c_str(), v6) != 1) return text;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, v6)) return fmt::format("{}.{}.{}.{}", v6[12], v6[13], v6[14], v6[15]);
  return fmt::format("{:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}:{:02x}{:02x}::/64", v6[0], v6[1], v6[2], v6[3], v6[4],
                     v6[5], v6[6], v6[7]);
}

std::chrono::milliseconds Throttle::delay_for(int failures) {
  if (failures <= 0) return std::chrono::milliseconds(0);
  auto ms = 250LL << std::min(failures - 1, 5);
  return std::chrono::milliseconds(std::min<long long>(ms, 8000));
}

int Throttle::Table::failures(const std::string& key, Clock::time_point now) const {
  auto it = m_entries.find(key);
  if (it == m_entries.end() || now - it->second.last > kForget) return 0;
  return it->second.failures;
}

void Throttle::Table::drop_oldest() { forget(*m_by_age.front()); }

int Throttle::Table::record(const std::string& key, Clock::time_point now) {
  while (!m_by_age.empty() && now - m_entries.find(*m_by_age.front())->second.last > kForget) drop_oldest();
  auto it = m_entries.find(key);
  if (it == m_entries.end()) {
    if (m_entries.size() >= kMaxEntries) drop_oldest();  // still full (a flood from many addresses)
    it = m_entries.emplace(key, Entry{}).first;
    it->second.age = m_by_age.insert(m_by_age.end(), &it->first);
  } else {
    m_by_age.splice(m_by_age.end(), m_by_age, it->second.age);
  }
  auto& e = it->second;
  if (now - e.last > kForget) e.failures = 0;
  e.failures++;
  e.last = now;
  return e.failures;
}

void Throttle::Table::forget(const std::string& key) {
  auto it = m_entries.find(key);
  if (it == m_entries.end()) return;
  m_by_age.erase(it->second.age);
  m_entries.erase(it);
}

std::chrono::milliseconds Throttle::pending(const std::string& ip, const std::string& address) {
  std::lock_guard lock(m_mutex);
  auto now = m_now();
  auto group = peer_group(ip);
  int n = std::max(m_by_ip.failures(group, now), m_by_pair.failures(group + '\0' + address_key(address), now));
  return delay_for(n - kFreeFailures);
}

std::chrono::milliseconds Throttle::failed(const std::string& ip, const std::string& address) {
  std::lock_guard lock(m_mutex);
  auto now = m_now();
  auto group = peer_group(ip);
  auto key = address_key(address);
  int n = m_by_ip.record(group, now);
  n = std::max(n, m_by_pair.record(group + '\0' + key, now));
  n = std::max(n, m_by_address.record(key, now));
  return delay_for(n);
}

void Throttle::succeeded(const std::string& ip, const std::string& address) {
  std::lock_guard lock(m_mutex);
  m_by_pair.forget(peer_group(ip) + '\0' + address_key(address));
}

std::size_t Throttle::size() {
  std::lock_guard lock(m_mutex);
  return m_by_ip.size() + m_by_pair.size() + m_by_address.size();
}

}  // namespace estafeta::auth
