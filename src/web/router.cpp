#include "web/router.hpp"

#include <fmt/format.h>

namespace estafeta::web {

namespace {

Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// Healthy means the store answers.
Response healthz(net::Services& services, const Request&) {
  auto orgs = services.store->list_organisations();
  if (!orgs) return text(503, "store unavailable\n");
  Response r;
  r.content_type = "application/json";
  r.body = fmt::format("{{\"status\":\"ok\",\"hostname\":\"{}\"}}\n", services.config->hostname);
  return r;
}

struct Route {
  std::string_view path;
  std::string_view methods;  // as the Allow field lists them (RFC 9110 §10.2.1)
  std::size_t max_body;      // octets a request may carry; larger ones get 413 before being read
  Response (*handler)(net::Services&, const Request&);
};

constexpr Route kRoutes[] = {
    {"/healthz", "GET, HEAD", 0, &healthz},
};

const Route* find_route(std::string_view target) {
  auto path = path_of(target);
  for (auto& r : kRoutes)
    if (r.path == path) return &r;
  return nullptr;
}

bool allows(const Route& route, std::string_view method) {
  for (std::string_view rest = route.methods; !rest.empty();) {
    auto comma = rest.find(',');
    auto item = rest.substr(0, comma);
    while (item.starts_with(' ')) item.remove_prefix(1);
    if (item == method) return true;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return false;
}

}  // namespace

std::size_t body_limit(std::string_view, std::string_view target) {
  auto* route = find_route(target);
  return route ? route->max_body : kDefaultBodyLimit;
}

Response handle(net::Services& services, const Request& req) {
  auto* route = find_route(req.target);
  if (!route) return text(404, "not found\n");
  if (!allows(*route, req.method)) {
    auto r = text(405, "method not allowed\n");
    r.headers["allow"] = std::string(route->methods);
    return r;
  }
  return route->handler(services, req);
}

}  // namespace estafeta::web
