#include "smtp/routing.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

namespace estafeta::smtp {

namespace {

Status add_addresses(dns::Resolver& resolver, const std::string& host, std::vector<Hop>& out) {
  bool any = false;
  bool temporary = false;
  for (auto lookup : {&dns::Resolver::a, &dns::Resolver::aaaa}) {
    auto ips = (resolver.*lookup)(host);
    if (!ips) {
      temporary = temporary || ips.error().kind != ErrorKind::not_found;
      continue;
    }
    for (auto& ip : *ips) {
      out.push_back({ip.to_string(), 25, host});
      any = true;
    }
  }
  if (!any && temporary) return fail(ErrorKind::temporary, fmt::format("cannot resolve {}", host));
  return {};
}

}  // namespace

std::optional<std::vector<Hop>> static_route(const std::vector<RouteConfig>& routes, const std::string& domain) {
  for (auto* wanted : {&domain, static_cast<const std::string*>(nullptr)}) {
    for (auto& r : routes)
      if ((wanted && r.domain == *wanted) || (!wanted && r.domain == "*"))
        return std::vector<Hop>{{r.host, r.port, r.host}};
  }
  return std::nullopt;
}

Result<std::vector<Hop>> route(const std::vector<RouteConfig>& routes, dns::Resolver& resolver,
                               const std::string& domain) {
  if (auto hops = static_route(routes, domain)) return std::move(*hops);
  return mx_route(resolver, domain);
}

Result<std::vector<Hop>> mx_route(dns::Resolver& resolver, const std::string& domain) {
  auto mx = resolver.mx(domain);
  if (!mx && mx.error().kind == ErrorKind::not_found)
    return fail(ErrorKind::invalid, fmt::format("the domain {} does not exist", domain));
  if (!mx) return fail(ErrorKind::temporary, fmt::format("DNS lookup of {} failed", domain), mx.error().detail);
  std::vector<Hop> hops;
  if (mx->empty()) {
    TRY(add_addresses(resolver, domain, hops));  // the implicit MX (RFC 5321 §5.1)
  } else {
    if (mx->size() == 1 && ((*mx)[0].host.empty() || (*mx)[0].host == "."))
      return fail(ErrorKind::invalid, fmt::format("{} does not accept mail (null MX)", domain), "null MX");
    thread_local std::mt19937 rng{std::random_device{}()};
    std::shuffle(mx->begin(), mx->end(), rng);
    std::stable_sort(mx->begin(), mx->end(), [](auto& a, auto& b) { return a.preference < b.preference; });
    Status last;
    for (auto& m : *mx) {
      if (m.host.empty() || m.host == ".") continue;
      if (auto st = add_addresses(resolver, m.host, hops); !st) last = st;
      if (hops.size() >= 20) break;
    }
    if (hops.empty() && !last) return std::unexpected(last.error());
  }
  if (hops.empty()) return fail(ErrorKind::invalid, fmt::format("no address for the mail hosts of {}", domain));
  return hops;
}

std::pair<int, std::string> route_failure(const Error& error) {
  if (error.kind != ErrorKind::invalid) return {451, "451 4.4.3 " + error.message};
  if (error.detail == "null MX") return {556, "556 5.1.10 " + error.message};
  return {550, "550 5.1.2 " + error.message};
}

}  // namespace estafeta::smtp
