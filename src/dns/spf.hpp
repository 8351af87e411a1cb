// Sender Policy Framework (RFC 7208): the record parser, macro expansion and
// check_host(). Pure functions of their inputs plus a Resolver: no I/O of
// their own, no clock unless SpfOptions::now is left at 0.
//
//   spf_record.cpp  the record grammar (RFC 7208 §4.5, §4.6.1, §5, §6, §12)
//   spf_macro.cpp   macro expansion (RFC 7208 §7)
//   spf_eval.cpp    check_host() (RFC 7208 §2.6, §4, §5, §6)
//
// Security: every input here is attacker-controlled (records, sender,
// HELO). Work is bounded by the RFC 7208 §4.6.4 limits: 10 DNS-querying
// terms, 2 void lookups, 10 MX and 10 PTR names per lookup; each term is
// bounded by the record's length. The explanation is text from DNS and from
// the sender: check_host() replaces bytes outside printable ASCII with '?',
// but the SMTP layer still decides whether and how to show it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dns/ip_address.hpp"
#include "dns/resolver.hpp"

namespace estafeta::dns {

// ---------------------------------------------------------------------------
// Records (RFC 7208 §4.5, §4.6.1, §12)

enum class SpfQualifier : char { pass = '+', fail = '-', softfail = '~', neutral = '?' };

enum class SpfMechanismKind { all, include, a, mx, ptr, ip4, ip6, exists };

struct SpfMechanism {
  SpfQualifier qualifier = SpfQualifier::pass;
  SpfMechanismKind kind = SpfMechanismKind::all;
  // include, exists: the target (required). a, mx, ptr: the target, empty
  // for the current domain. An unexpanded macro-string, grammar-checked.
  std::string domain_spec;
  IpAddress network;  // ip4, ip6 (host bits as written)
  int cidr4 = 32;     // a, mx, ip4: prefix length for IPv4 clients
  int cidr6 = 128;    // a, mx, ip6: prefix length for IPv6 clients
  std::string text;   // the term as written, qualifier included

  // include, a, mx, ptr, exists: the terms RFC 7208 §4.6.4 counts.
  bool queries_dns() const;
};

struct SpfModifier {
  std::string name;   // lowercased
  std::string value;  // unexpanded macro-string
};

struct SpfRecord {
  std::vector<SpfMechanism> mechanisms;    // in record order
  std::optional<std::string> redirect;     // redirect= domain-spec (§6.1)
  std::optional<std::string> explanation;  // exp= domain-spec (§6.2)
  std::vector<SpfModifier> unknown;        // other modifiers, ignored (§6)

  // DNS-querying terms in this record alone (mechanisms + redirect),
  // without what includes and redirects pull in.
  int dns_terms() const;
  // "v=spf1" and the terms: mechanisms as written, then the modifiers.
  std::string to_string() const;
};

// True when `txt` starts with the version "v=spf1" (any case) followed by a
// space or the end (RFC 7208 §4.5).
bool is_spf_record(std::string_view txt);

// Parses a whole record, "v=spf1" included. Every term is checked against
// the grammar, including macro syntax (RFC 7208 §4.6: a syntax error
// anywhere is a permerror before anything is evaluated).
// Errors: invalid, with the offending term in the message.
Result<SpfRecord> parse_spf_record(std::string_view text);

// ---------------------------------------------------------------------------
// Macros (RFC 7208 §7)

enum class MacroUse {
  domain_spec,  // mechanism and modifier targets: letters s l o d i p v h
  explanation,  // TXT text fetched for exp=: also c r t, and spaces
  modifier,     // values of unknown modifiers: any macro letter
};

struct MacroContext {
  std::string_view sender;         // s: <sender>, "postmaster@..." if it had no local-part
  std::string_view local_part;     // l
  std::string_view sender_domain;  // o
  std::string_view domain;         // d: the domain being checked now
  IpAddress ip;                    // i, c, v (IPv4-mapped already unmapped)
  std::string_view helo;           // h
  std::string_view receiver;       // r
  std::int64_t timestamp = 0;      // t: seconds since the epoch
  // p: the validated name of ip (does DNS work, so asked only when used);
  // unset means "unknown".
  std::function<std::string()> validated_name;
};

// Checks macro-string syntax for `use` (RFC 7208 §7.1). Errors: invalid.
Status check_macro_string(std::string_view text, MacroUse use);

// Expands every macro in `text` (RFC 7208 §7.3, §7.4). Errors: invalid.
Result<std::string> expand_macros(std::string_view text, const MacroContext& context, MacroUse use);

// Expands a domain-spec into a name to look up: macros expanded, one
// trailing dot removed, labels removed from the left until at most 253
// characters remain (RFC 7208 §7.3). The result may still be no valid DNS
// name (an empty or long label): see is_queryable_name(). Errors: invalid.
Result<std::string> expand_domain_spec(std::string_view spec, const MacroContext& context);

// A name that a DNS query can be made for: 1..253 characters, labels of
// 1..63 characters (a trailing dot allowed). Any octets otherwise.
bool is_queryable_name(std::string_view name);

// ---------------------------------------------------------------------------
// check_host() (RFC 7208 §2.6, §4)

struct SpfResult {
  enum Code { none, neutral, pass, fail, softfail, temperror, permerror };
  Code code = none;
  // fail only: the exp= text (§6.2) of the record that failed, else
  // SpfOptions::default_explanation expanded; printable ASCII.
  std::string explanation;
  // The directive that decided, as written ("-all", "ip4:192.0.2.0/24",
  // "include:_spf.example.com"); empty when none matched.
  std::string mechanism;
  int dns_lookups = 0;   // DNS-querying terms evaluated (§4.6.4; 11 = over the limit)
  int void_lookups = 0;  // lookups that found nothing (§4.6.4)
  // permerror, temperror: what went wrong (Received-SPF "problem=", §9.1).
  std::string problem;
};

const char* to_string(SpfResult::Code code);

struct SpfOptions {
  // %{r}: the domain name of the host doing the check (RFC 7208 §7.3).
  std::string receiver = "unknown";
  // Returned for fail when the record has no usable exp=; macros allowed
  // (explanation rules). Empty: no explanation.
  std::string default_explanation;
  // Fetch exp= explanations at all (one TXT lookup after a fail).
  bool explain = true;
  // Void lookups allowed before permerror (§4.6.4 recommends 2).
  int max_void_lookups = 2;
  // %{t}: seconds since the epoch; 0 takes the current time.
  std::int64_t now = 0;
};

// The RFC 7208 §4.6.4 limit on DNS-querying terms: not configurable.
inline constexpr int kSpfMaxDnsLookups = 10;

// check_host(<ip>, <domain>, <sender>) of RFC 7208 §4. `ip` is the client's
// address as text (IPv4-mapped IPv6 counts as IPv4, §5); `sender` is the
// MAIL FROM address or "postmaster@<helo>" (§2.4); `helo` feeds %{h}.
// An unparsable `ip` gives permerror. Blocks while the resolver does.
SpfResult check_host(Resolver& resolver, const std::string& ip, const std::string& domain, const std::string& sender,
                     const std::string& helo, const SpfOptions& options = {});

// The MAIL FROM identity (RFC 7208 §2.4): check_host() for the domain of
// `mail_from`, or for `helo` with sender "postmaster@<helo>" when MAIL FROM
// is the null path ("").
SpfResult check_mail_from(Resolver& resolver, const std::string& ip, const std::string& mail_from,
                          const std::string& helo, const SpfOptions& options = {});

}  // namespace estafeta::dns
