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

void Throttle::expire(Clock::time_point now, bool force) {
  if (!force && now - m_last_expiry < std::chrono::minutes(1)) return;
  m_last_expiry = now;
  for (auto* table : {&m_by_ip, &m_by_pair, &m_by_address})
    std::erase_if(*table, [&](auto& kv) { return now - kv.second.last > kForget; });
}

int Throttle::failures(const Table& table, const std::string& key, Clock::time_point now) const {
  auto it = table.find(key);
  if (it == table.end() || now - it->second.last > kForget) return 0;
  return it->second.failures;
}

Throttle::Entry& Throttle::record(Table& table, const std::string& key, Clock::time_point now) {
  auto it = table.find(key);
  if (it == table.end()) {
    if (table.size() >= kMaxEntries) {
      expire(now, true);
      if (table.size() >= kMaxEntries) {
        // Still full (a flood from many addresses): the stalest entry goes.
        auto oldest = std::min_element(table.begin(), table.end(),
                                       [](auto& a, auto& b) { return a.second.last < b.second.last; });
        table.erase(oldest);
      }
    }
    it = table.emplace(key, Entry{}).first;
  }
  auto& e = it->second;
  if (now - e.last > kForget) e.failures = 0;
  e.failures++;
  e.last = now;
  return e;
}

std::chrono::milliseconds Throttle::pending(const std::string& ip, const std::string& address) {
  std::lock_guard lock(m_mutex);
  auto now = m_now();
  auto group = peer_group(ip);
  int n = std::max(failures(m_by_ip, group, now), failures(m_by_pair, group + '\0' + address_key(address), now));
  return delay_for(n - kFreeFailures);
}

std::chrono::milliseconds Throttle::failed(const std::string& ip, const std::string& address) {
  std::lock_guard lock(m_mutex);
  auto now = m_now();
  expire(now, false);
  auto group = peer_group(ip);
  auto key = address_key(address);
  int n = record(m_by_ip, group, now).failures;
  n = std::max(n, record(m_by_pair, group + '\0' + key, now).failures);
  n = std::max(n, record(m_by_address, key, now).failures);
  return delay_for(n);
}

void Throttle::succeeded(const std::string& ip, const std::string& address) {
  std::lock_guard lock(m_mutex);
  m_by_pair.erase(peer_group(ip) + '\0' + address_key(address));
}

std::size_t Throttle::size() {
  std::lock_guard lock(m_mutex);
  std::size_t n = 0;
  for (auto* table : {&m_by_ip, &m_by_pair, &m_by_address}) n += table->size();
  return n;
}

}  // namespace estafeta::auth
