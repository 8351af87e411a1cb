#include "dns/cares/answer_lifetime.hpp"

#include <algorithm>

namespace estafeta::dns {

namespace {

constexpr std::uint16_t kTypeSoa = 6;

// Reads a DNS message front to back; every read is bounds-checked and a
// failed one leaves the reader failed.
class Reader {
 public:
  explicit Reader(std::span<const unsigned char> m) : m_m(m) {}

  bool ok() const { return m_ok; }

  std::uint16_t u16() {
    if (!need(2)) return 0;
    std::uint16_t v = static_cast<std::uint16_t>(m_m[m_pos] << 8 | m_m[m_pos + 1]);
    m_pos += 2;
    return v;
  }

  std::uint32_t u32() {
    std::uint32_t hi = u16();
    return hi << 16 | u16();
  }

  void skip(std::size_t n) {
    if (need(n)) m_pos += n;
  }

  // A name (RFC 1035 §4.1.4): labels up to a zero octet or a compression
  // pointer, which ends the name where it stands.
  void skip_name() {
    for (int labels = 0; labels < 128; ++labels) {
      if (!need(1)) return;
      unsigned char len = m_m[m_pos];
      if ((len & 0xC0) == 0xC0) return skip(2);
      if (len & 0xC0) return fail();  // 0x40 and 0x80 are not label types in use
      skip(1u + len);
      if (len == 0) return;
    }
    fail();
  }

 private:
  bool need(std::size_t n) {
    if (m_ok && m_m.size() - m_pos >= n) return true;
    fail();
    return false;
  }
  void fail() { m_ok = false; }

  std::span<const unsigned char> m_m;
  std::size_t m_pos = 0;
  bool m_ok = true;
};

std::uint32_t ttl_value(std::uint32_t raw) { return (raw & 0x80000000u) ? 0 : raw; }

std::optional<std::chrono::seconds> positive(std::uint32_t ttl, std::chrono::seconds limit) {
  if (ttl == 0) return std::nullopt;
  return std::min(std::chrono::seconds(ttl), limit);
}

}  // namespace

std::optional<std::chrono::seconds> answer_lifetime(AnswerKind kind, std::span<const unsigned char> message,
                                                    const LifetimeLimits& limits) {
  if (kind == AnswerKind::failure) return limits.failure.count() > 0 ? std::optional(limits.failure) : std::nullopt;
  Reader r(message);
  r.skip(4);  // id, flags
  std::uint16_t questions = r.u16(), answers = r.u16(), authority = r.u16();
  r.skip(2);  // additional
  for (std::uint16_t i = 0; i < questions && r.ok(); ++i) {
    r.skip_name();
    r.skip(4);  // type, class
  }
  std::optional<std::uint32_t> smallest;
  for (std::uint16_t i = 0; i < answers && r.ok(); ++i) {
    r.skip_name();
    r.skip(4);  // type, class
    std::uint32_t ttl = ttl_value(r.u32());
    r.skip(r.u16());
    if (r.ok()) smallest = std::min(smallest.value_or(ttl), ttl);
  }
  if (!r.ok()) return std::nullopt;
  if (kind == AnswerKind::records) return smallest ? positive(*smallest, limits.records) : std::nullopt;
  // Negative: the SOA of the authority section says how long (RFC 2308 §5).
  for (std::uint16_t i = 0; i < authority && r.ok(); ++i) {
    r.skip_name();
    std::uint16_t type = r.u16();
    r.skip(2);  // class
    std::uint32_t ttl = ttl_value(r.u32());
    std::uint16_t length = r.u16();
    if (type != kTypeSoa) {
      r.skip(length);
      continue;
    }
    r.skip_name();  // MNAME
    r.skip_name();  // RNAME
    r.skip(16);     // SERIAL, REFRESH, RETRY, EXPIRE
    std::uint32_t minimum = ttl_value(r.u32());
    if (!r.ok()) return std::nullopt;
    return positive(std::min(ttl, minimum), limits.negative);
  }
  return std::nullopt;  // RFC 2308 §5: without an SOA, not kept
}

}  // namespace estafeta::dns
