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

std::string path_of(const std::string& target) {
  auto q = target.find('?');
  return q == std::string::npos ? target : target.substr(0, q);
}

}  // namespace

Response handle(net::Services& services, const Request& req) {
  auto path = path_of(req.target);
  if (path == "/healthz") {
    if (req.method != "GET" && req.method != "HEAD") {
      auto r = text(405, "method not allowed\n");
      r.headers["allow"] = "GET, HEAD";
      return r;
    }
    // Healthy means the store answers.
    auto orgs = services.store->list_organisations();
    if (!orgs) return text(503, "store unavailable\n");
    Response r;
    r.content_type = "application/json";
    r.body = fmt::format("{{\"status\":\"ok\",\"hostname\":\"{}\"}}\n", services.config->hostname);
    return r;
  }
  return text(404, "not found\n");
}

}  // namespace estafeta::web
