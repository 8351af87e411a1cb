// Where mail for a domain goes (RFC 5321 §5.1): a static route from the
// config if there is one, otherwise the domain's MX hosts by preference
// (equal preferences in random order), each host's addresses; without MX
// records, the domain's own addresses (the implicit MX). A null MX (RFC
// 7505) means the domain takes no mail.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"
#include "dns/resolver.hpp"

namespace estafeta::smtp {

struct Hop {
  std::string ip;  // numeric
  std::uint16_t port = 25;
  std::string name;  // the MX host name (for logs and the trace), or the IP
};

// The static route for `domain` (its own [[route]], else "*"), if any: no
// DNS needed.
std::optional<std::vector<Hop>> static_route(const std::vector<RouteConfig>& routes, const std::string& domain);

// The domain's MX hosts' addresses, or its own (the implicit MX).
// Errors: invalid — permanent (no such domain, null MX); temporary — DNS
// trouble, try later. Blocking: it asks the resolver (the outbound queue
// runs it on a dns::LookupRunner, never on the worker pool).
Result<std::vector<Hop>> mx_route(dns::Resolver& resolver, const std::string& domain);

// static_route, else mx_route.
Result<std::vector<Hop>> route(const std::vector<RouteConfig>& routes, dns::Resolver& resolver,
                               const std::string& domain);

// The reply a failed route gives its recipients: "556 5.1.10 …" for a null
// MX (RFC 7505 §4.2), "550 5.1.2 …" for a domain that cannot be reached
// for good, "451 4.4.3 …" for DNS trouble; the code beside it.
std::pair<int, std::string> route_failure(const Error& error);

}  // namespace estafeta::smtp
