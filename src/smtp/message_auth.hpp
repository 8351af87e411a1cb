// What the MX learns about who sent a message, beyond SPF: its DKIM
// signatures (RFC 6376 §6) and the From domain's DMARC verdict (RFC 7489)
// from SPF and DKIM together, and the RFC 8601 Authentication-Results
// field that reports all three. Plain C++; the DNS work runs on a
// dns::LookupRunner thread (smtp/connection.cpp), never on the worker pool.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dns/dkim.hpp"
#include "dns/dmarc.hpp"
#include "dns/spf.hpp"

namespace estafeta::smtp {

struct MessageAuthJob {
  std::shared_ptr<const std::string> message;  // as received (CRLF lines)
  std::vector<std::string> from_domains;       // of the From field's addresses
  dns::SpfResult::Code spf = dns::SpfResult::none;
  std::string spf_domain;  // the domain SPF checked (MAIL FROM's, or the HELO's)
  std::int64_t now = 0;
  int sample = 0;  // 0..99, for DMARC pct=
};

struct MessageAuth {
  std::vector<dns::dkim::Verification> dkim;  // one per signature (the first dkim::kMaxSignatures)
  dns::dmarc::Evaluation dmarc;
  // false: the checks could not run (too many at once, or no time left):
  // everything is temperror and no policy applies.
  bool ran = true;
};

// Runs the checks. Blocking (DNS through `resolver`).
MessageAuth authenticate_message(const MessageAuthJob& job, dns::Resolver& resolver);

// The result when the checks could not run.
MessageAuth checks_not_run();

// The dkim and dmarc resinfo of an Authentication-Results field (RFC 8601
// §2.7.1, §2.7.2): "; dkim=pass header.d=example.com header.s=sel
// header.b=abcdEFGH; dmarc=pass (p=reject) header.from=example.com",
// "dkim=none" for a message with no signature. Values come from the
// message and DNS: written so that they cannot leave their property.
std::string dkim_dmarc_results(const MessageAuth& auth);

}  // namespace estafeta::smtp
