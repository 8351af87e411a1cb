// How long a resolver may keep an answer (RFC 1035 §3.2.1, RFC 2181 §8,
// RFC 2308): read from the DNS message the upstream server sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

namespace estafeta::dns {

enum class AnswerKind {
  records,   // NOERROR with records in the answer section
  negative,  // NXDOMAIN, or NOERROR without data (RFC 2308 §2)
  failure,   // SERVFAIL, REFUSED, no server, timeout (RFC 2308 §7)
};

struct LifetimeLimits {
  std::chrono::seconds records{3600};  // a TTL above is cut to this
  std::chrono::seconds negative{900};
  std::chrono::seconds failure{5};  // RFC 2308 §7: at most five minutes
};

// How long the answer may be kept; nullopt: not at all (a TTL of 0, a
// negative answer without an SOA, a message that does not parse).
//   records:  the smallest TTL of the answer section's records;
//   negative: the SOA's TTL or its MINIMUM field, whichever is smaller (RFC 2308 §5);
//   failure:  limits.failure, whatever the message.
// TTLs with the top bit set count as 0 (RFC 2181 §8).
std::optional<std::chrono::seconds> answer_lifetime(AnswerKind kind, std::span<const unsigned char> message,
                                                    const LifetimeLimits& limits = {});

}  // namespace estafeta::dns
