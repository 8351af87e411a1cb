// DMARC (RFC 7489): the policy record, organisational domains, alignment
// and the evaluation of one message from its SPF and DKIM results.
//
// The From domain comes from the caller (the SMTP layer parses the header
// with the MIME code); this module asks DNS for the policy only. Blocking
// (DNS): never on an io_context thread nor on the shared worker pool.
//
// Organisational domains come from the Public Suffix List (RFC 7489 §3.2)
// through libpsl, loaded once from the system's list (Debian's
// `publicsuffix` package), the library's built-in copy otherwise.
//
// Security: records and the From domain are attacker-controlled. At most
// two TXT lookups per message (the From domain, then its organisational
// domain, §6.6.3); unknown tags are ignored; bad values of known tags make
// the record invalid as §6.3 says.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dns/dkim.hpp"
#include "dns/resolver.hpp"
#include "dns/spf.hpp"

namespace estafeta::dns::dmarc {

enum class Policy { none, quarantine, reject };
const char* to_string(Policy policy);

struct Record {
  Policy policy = Policy::none;                // p=
  std::optional<Policy> subdomain_policy;      // sp=
  bool strict_dkim = false;                    // adkim=s
  bool strict_spf = false;                     // aspf=s
  int percent = 100;                           // pct=
  std::vector<std::string> aggregate_reports;  // rua= URIs
  std::vector<std::string> failure_reports;    // ruf= URIs
};

// Parses a record. §6.6.3: a record whose p= is missing or bad but which
// has a valid rua= URI acts as p=none. Errors: invalid (not "v=DMARC1"
// first, bad tag syntax, a bad value of a known tag).
Result<Record> parse_record(std::string_view txt);

// The organisational domain of `domain` (lower case, no trailing dot): its
// registrable domain per the Public Suffix List; `domain` itself when it is
// a public suffix or unknown to the list.
std::string organizational_domain(std::string_view domain);

// Whether two domains are aligned (§3.1): the same (strict), or with the
// same organisational domain (relaxed).
bool aligned(std::string_view a, std::string_view b, bool strict);

// RFC 8601 §2.7.1 dmarc= values, none when no policy was found.
enum class Verdict { none, pass, fail, temperror, permerror };
const char* to_string(Verdict verdict);

// From domains evaluated for one message at most (each costs up to two
// TXT lookups); more are judged as failing a p=reject policy.
inline constexpr std::size_t kMaxFromDomains = 4;

struct Input {
  // Domains of the From header's addresses (§6.6.1), of one field or
  // several: each is evaluated and the strictest result is the message's.
  std::vector<std::string> from_domains;
  SpfResult::Code spf = SpfResult::none;
  std::string spf_domain;  // the domain SPF checked: MAIL FROM's, or the HELO's for the null reverse-path
  std::vector<dkim::Verification> dkim;
  // 0..99, compared with pct= (§6.6.4): the caller draws it at random.
  int sample = 0;
};

struct Evaluation {
  Verdict verdict = Verdict::none;
  std::string from_domain;          // header.from
  std::string policy_domain;        // where the record was found
  Policy requested = Policy::none;  // the record's policy for this From domain (p= or sp=)
  Policy applied = Policy::none;    // after pct= sampling; none unless the verdict is fail
  bool spf_aligned = false;
  bool dkim_aligned = false;
  std::string reason;  // when not a pass: why (safe to show)
};

Evaluation evaluate(const Input& input, Resolver& resolver);

}  // namespace estafeta::dns::dmarc
