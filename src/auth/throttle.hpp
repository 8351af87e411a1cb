// Failed-login throttling, shared by every IMAP/POP3/SMTP session. Failures
// add delay (doubling from 250 ms, at most 8 s), forgotten after 15 minutes
// without failures. The delay is the same whether or not the address exists.
//
// Who waits: an attempt from a client that has failed — the same IP (its
// IPv6 /64), or the same IP and address — waits before it is checked, so a
// guesser cannot learn a right answer sooner than a wrong one. Failures
// against one address from anywhere slow further FAILURES on that address
// (the answer to a wrong password is held back), never a success: others
// cannot slow the real user's correct login by failing on purpose.
//
// Bounded: each table holds at most kMaxEntries keys, addresses are cut
// to kMaxAddressLength octets — a flood of failures from many addresses
// costs a fixed amount of memory, and each failure O(log n) time however
// full the tables are.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace estafeta::auth {

// No address is longer than 254 octets (RFC 5321 §4.5.3.1.3: a path of 256
// with its brackets). A name sent to log in is counted, audited and logged
// at most that long, so that a failure costs the same whatever it sends.
inline constexpr std::size_t kMaxAddressLength = 254;

// The unit limits apply to: the address itself for IPv4, the /64 prefix for
// IPv6 (one host usually has a whole /64); text that is no IP address is
// returned unchanged.
std::string peer_group(std::string_view ip);

class Throttle {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxEntries = 65536;

  explicit Throttle(std::function<Clock::time_point()> now = Clock::now) : m_now(std::move(now)) {}

  // The delay an attempt from `ip` for `address` must wait before being
  // checked (0 when that IP has not failed more than a couple of times).
  std::chrono::milliseconds pending(const std::string& ip, const std::string& address);
  // Records a failure; the delay to hold its answer back (the caller waits
  // the larger of this and `pending`).
  std::chrono::milliseconds failed(const std::string& ip, const std::string& address);
  // A success forgets the failures of this IP with this address (not the
  // IP's others, nor the address's from elsewhere).
  void succeeded(const std::string& ip, const std::string& address);
  // Entries in all tables (for tests).
  std::size_t size();

 private:
  // Failure counts by key, the keys also in the order of their last
  // failure (oldest first): forgetting the expired and making room in a
  // full table take the oldest, never a scan, under the lock every login
  // takes.
  class Table {
   public:
    Table() = default;
    Table(const Table&) = delete;  // its order points into its own map
    Table& operator=(const Table&) = delete;
    // The live count for `key` (0 when none or expired).
    int failures(const std::string& key, Clock::time_point now) const;
    // Counts a failure (forgetting the expired first; when full, the
    // stalest key goes); the count after it.
    int record(const std::string& key, Clock::time_point now);
    void forget(const std::string& key);
    std::size_t size() const { return m_entries.size(); }

   private:
    struct Entry {
      int failures = 0;
      Clock::time_point last;
      std::list<const std::string*>::iterator age;  // its place in m_by_age
    };
    void drop_oldest();
    std::map<std::string, Entry> m_entries;
    std::list<const std::string*> m_by_age;  // keys of m_entries, oldest failure first
  };
  static std::chrono::milliseconds delay_for(int failures);

  std::function<Clock::time_point()> m_now;
  std::mutex m_mutex;
  Table m_by_ip;       // GUARDED_BY(m_mutex) peer_group(ip)
  Table m_by_pair;     // GUARDED_BY(m_mutex) peer_group(ip) + '\0' + address
  Table m_by_address;  // GUARDED_BY(m_mutex)
};

}  // namespace estafeta::auth
