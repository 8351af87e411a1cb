// Response rate limiting for the authoritative server's UDP answers.
//
// UDP sources can be forged: without a limit anyone could point the server
// at a victim and have it send answers larger than the queries. Each source
// network (an IPv4 /24 or an IPv6 /56, so that one host cannot dodge the
// limit by changing its address within its allocation) gets a token bucket
// of `per_second` answers with a burst of as many; past it queries are
// dropped (a real client retries, or falls back to TCP, which cannot be
// forged). Memory is bounded: at most kMaxSources buckets; when full, idle
// ones are dropped first, then the table starts over.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "dns/ip_address.hpp"

namespace estafeta::dns {

class ResponseLimiter {
 public:
  static constexpr std::size_t kMaxSources = 100000;
  using Clock = std::chrono::steady_clock;

  // per_second 0: no limit.
  explicit ResponseLimiter(unsigned per_second) : m_rate(per_second) {}

  // Whether one more answer may go to `source` at `now`. Thread-safe.
  bool allow(const IpAddress& source, Clock::time_point now);

  std::size_t sources() const;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  static std::string network_of(const IpAddress& ip);

  unsigned m_rate;
  mutable std::mutex m_mutex;
  std::unordered_map<std::string, Bucket> m_buckets;  // GUARDED_BY(m_mutex)
};

}  // namespace estafeta::dns
