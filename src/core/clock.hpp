// Time, injectable: everything that stamps or compares times takes a Clock.
#pragma once

#include <cstdint>
#include <string>

namespace estafeta {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch.
  virtual std::int64_t now() const = 0;
};

// RFC 5322 §3.3 date-time in UTC ("Fri, 27 Nov 2026 04:40:35 +0000"), for
// Date:, Received: and DSN fields.
std::string rfc5322_date(std::int64_t unix_seconds);

class SystemClock final : public Clock {
 public:
  std::int64_t now() const override;
};

// A clock for tests: stands still until told to move.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start) : m_now(start) {}
  std::int64_t now() const override { return m_now; }
  void advance(std::int64_t seconds) { m_now += seconds; }

 private:
  std::int64_t m_now;
};

}  // namespace estafeta
