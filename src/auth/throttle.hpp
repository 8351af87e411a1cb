// Failed-login throttling, shared by every IMAP/POP3/SMTP session: each
// failure from an IP or against an address adds delay to the next answers
// (doubling from 250 ms, at most 8 s), forgotten after 15 minutes without
// failures. The delay is the same whether or not the address exists.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace estafeta::auth {

class Throttle {
 public:
  using Clock = std::chrono::steady_clock;

  // The delay to apply before answering a failed attempt, after recording it.
  std::chrono::milliseconds failed(const std::string& ip, const std::string& address);
  // A success forgets the address's failures (not the IP's).
  void succeeded(const std::string& address);
  // The delay an attempt from here must wait before being checked (0 when fine).
  std::chrono::milliseconds pending(const std::string& ip, const std::string& address);

 private:
  struct Entry {
    int failures = 0;
    Clock::time_point last;
  };
  static std::chrono::milliseconds delay_for(int failures);
  void expire(Clock::time_point now);

  std::mutex m_mutex;
  std::map<std::string, Entry> m_by_ip;       // GUARDED_BY(m_mutex)
  std::map<std::string, Entry> m_by_address;  // GUARDED_BY(m_mutex)
  Clock::time_point m_last_expiry;            // GUARDED_BY(m_mutex)
};

}  // namespace estafeta::auth
