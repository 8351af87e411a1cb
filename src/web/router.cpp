#include "web/router.hpp"

#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "manage/autoconfig.hpp"
#include "web/api/http_json.hpp"
#include "web/app.hpp"
#include "web/forwarded.hpp"
#include "web/jmap_http.hpp"
#include "web/transfer_pages.hpp"

namespace estafeta::web {

namespace {

Response text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

using api::path_of;
using api::query_param;

// Healthy means the store answers.
Response healthz(const Deps& deps, const Request&) {
  auto orgs = deps.accounts.list_organisations();
  if (!orgs) return text(503, "store unavailable\n");
  Response r;
  r.content_type = "application/json";
  r.body = fmt::format("{{\"status\":\"ok\",\"hostname\":\"{}\"}}\n", deps.hostname);
  return r;
}

manage::MailEndpoints endpoints(const Deps& deps) {
  manage::MailEndpoints e;
  e.host = ascii_lower(deps.hostname);
  return e;
}

// A verified domain served here, by name; nullopt otherwise.
std::optional<std::string> served_domain(const Deps& deps, std::string name) {
  name = ascii_lower(name);
  if (name.empty() || name.size() > 253) return std::nullopt;
  auto d = deps.accounts.find_domain(name);
  if (!d || !d->verified) return std::nullopt;
  return d->name;
}

Response xml(std::string body) {
  Response r;
  r.content_type = "application/xml; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// Thunderbird (https://wiki.mozilla.org/Thunderbird:Autoconfiguration):
// the domain from ?emailaddress=, or from the autoconfig.<domain> host.
Response thunderbird(const Deps& deps, const Request& req) {
  std::string domain;
  if (auto address = query_param(req.target, "emailaddress"); address && address->find('@') != std::string::npos) {
    domain = address->substr(address->rfind('@') + 1);
  } else if (auto host = req.headers.find("host"); host != req.headers.end()) {
    domain = host->second.substr(0, host->second.rfind(':') == std::string::npos || host->second.back() == ']'
                                        ? host->second.size()
                                        : host->second.rfind(':'));
    if (ascii_lower(domain).starts_with("autoconfig.")) domain = domain.substr(11);
  }
  auto served = served_domain(deps, domain);
  if (!served) return text(404, "no mail service for this domain\n");
  return xml(manage::thunderbird_config(*served, endpoints(deps)));
}

// Outlook's autodiscover (POX): the address in the request body.
Response autodiscover(const Deps& deps, const Request& req) {
  auto address = manage::autodiscover_email(req.body);
  if (!address) return xml(manage::autodiscover_error("no EMailAddress in the request"));
  auto served = served_domain(deps, address->substr(address->rfind('@') + 1));
  if (!served) return xml(manage::autodiscover_error("this server has no mail service for that address"));
  return xml(manage::autodiscover_response(*address, endpoints(deps)));
}

// The operator's metrics (Prometheus text format), from loopback only: the
// numbers say how busy the server is, which is nobody else's business. A
// request that a proxy forwarded is not local, whatever the proxy's own
// address: a proxy on this host would otherwise serve them to anyone.
Response metrics(const Deps& deps, const Request& req) {
  if (!deps.metrics) return text(404, "not found\n");
  if ((req.peer_ip != "127.0.0.1" && req.peer_ip != "::1") || forwarded(req))
    return text(403, "metrics are served to loopback only\n");
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = deps.metrics->text();
  r.headers["cache-control"] = "no-store";
  return r;
}

struct Route {
  std::string_view path;
  std::string_view methods;  // as the Allow field lists them (RFC 9110 §10.2.1)
  std::size_t max_body;      // octets a request may carry; larger ones get 413 before being read
  Response (*handler)(const Deps&, const Request&);
};

constexpr Route kRoutes[] = {
    {"/healthz", "GET, HEAD", 0, &healthz},
    {"/metrics", "GET, HEAD", 0, &metrics},
    {"/.well-known/autoconfig/mail/config-v1.1.xml", "GET, HEAD", 0, &thunderbird},
    {"/mail/config-v1.1.xml", "GET, HEAD", 0, &thunderbird},
    {"/autodiscover/autodiscover.xml", "POST", manage::kMaxAutodiscoverRequest, &autodiscover},
    {"/Autodiscover/Autodiscover.xml", "POST", manage::kMaxAutodiscoverRequest, &autodiscover},
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

std::size_t body_limit(const Deps& deps, std::string_view method, std::string_view target) {
  if (api::is_api(target)) return api::body_limit(method, target);
  if (deps.jmap && JmapHttp::matches(target)) return deps.jmap->body_limit(method, target);
  auto* route = find_route(target);
  return route ? route->max_body : kDefaultBodyLimit;
}

BodyLeave may_send_body(const Deps& deps, const Request& head) {
  if (deps.api && api::is_api(head.target)) return api::admit_body(*deps.api, head);
  if (!deps.jmap || !JmapHttp::matches(head.target)) return {};
  return deps.jmap->admit_body(head);
}

Response handle(const Deps& deps, const Request& req) {
  if (api::is_api(req.target) && deps.api) return api::handle(*deps.api, req);
  if (deps.jmap && JmapHttp::matches(req.target)) return deps.jmap->handle(req);
  if (deps.transfers && is_transfer_page(req.target)) return transfer_page(*deps.transfers, req);
  auto* route = find_route(req.target);
  if (!route && deps.app) return serve_app(*deps.app, req);
  if (!route) return text(404, "not found\n");
  if (!allows(*route, req.method)) {
    auto r = text(405, "method not allowed\n");
    r.headers["allow"] = std::string(route->methods);
    return r;
  }
  return route->handler(deps, req);
}

}  // namespace estafeta::web
