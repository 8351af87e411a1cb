#include "dns/response_limiter.hpp"

#include <algorithm>

namespace estafeta::dns {

std::string ResponseLimiter::network_of(const IpAddress& ip) {
  auto a = ip.unmapped();
  auto bytes = a.bytes();
  // IPv4 /24: 3 octets; IPv6 /56: 7 octets.
  std::size_t n = a.is_v4() ? 3 : 7;
  std::string key(1, a.is_v4() ? '4' : '6');
  key.append(reinterpret_cast<const char*>(bytes.data()), n);
  return key;
}

bool ResponseLimiter::allow(const IpAddress& source, Clock::time_point now) {
  if (m_rate == 0) return true;
  auto key = network_of(source);
  std::lock_guard lock(m_mutex);
  auto it = m_buckets.find(key);
  if (it == m_buckets.end()) {
    if (m_buckets.size() >= kMaxSources) {
      // Drop the buckets that are full again (idle for a second or more).
      std::erase_if(m_buckets, [&](auto& kv) { return now - kv.second.last >= std::chrono::seconds(1); });
      if (m_buckets.size() >= kMaxSources) m_buckets.clear();
    }
    it = m_buckets.emplace(std::move(key), Bucket{static_cast<double>(m_rate), now}).first;
  }
  auto& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min<double>(m_rate, b.tokens + elapsed * m_rate);
  b.last = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

std::size_t ResponseLimiter::sources() const {
  std::lock_guard lock(m_mutex);
  return m_buckets.size();
}

}  // namespace estafeta::dns
