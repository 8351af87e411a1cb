// Where mail for a domain goes (RFC 5321 §5.1): a static route from the
// config if there is one, otherwise the domain's MX hosts by preference
// (equal preferences in random order), each host's addresses; without MX
// records, the domain's own addresses (the implicit MX). A null MX (RFC
// 7505) means the domain takes no mail.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"
#include "dns/resolver.hpp"

namespace estafeta::smtp {

struct Hop {
  std::string ip;    // numeric
  std::uint16_t port = 25;
  std::string name;  // the MX host name (for logs and the trace), or the IP
};

// Errors: invalid — permanent (no such domain, null MX); temporary — DNS
// trouble, try later. Blocking when it asks the resolver.
Result<std::vector<Hop>> route(const std::vector<RouteConfig>& routes, dns::Resolver& resolver,
                               const std::string& domain);

}  // namespace estafeta::smtp
