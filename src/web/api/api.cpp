#include "web/api/api.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <charconv>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "web/api/http_json.hpp"
#include "web/api/routes.hpp"

namespace estafeta::web::api {

namespace {

std::vector<const Route*> all_routes() {
  std::vector<const Route*> out;
  for (auto table : route_tables())
    for (auto& r : table) out.push_back(&r);
  return out;
}

const std::vector<const Route*>& routes() {
  static const auto r = all_routes();
  return r;
}

// Whether `path` fits `pattern`; the {…} segments go to `params`.
bool match(std::string_view pattern, std::string_view path, std::vector<std::string>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty()) return false;
    auto ps = pattern.find('/', 1), qs = path.find('/', 1);
    auto p = pattern.substr(0, ps), q = path.substr(0, qs);
    if (p.starts_with("/{")) {
      if (q.size() < 2) return false;
      params.push_back(percent_decode(q.substr(1), false));
    } else if (p != q) {
      return false;
    }
    pattern = ps == std::string_view::npos ? std::string_view() : pattern.substr(ps);
    path = qs == std::string_view::npos ? std::string_view() : path.substr(qs);
  }
  return true;
}

bool state_changing(std::string_view method) { return method != "GET" && method != "HEAD"; }

// A request from another site: its Origin names another host than the one asked.
bool cross_site(const Request& r) {
  auto origin = r.headers.find("origin");
  if (origin == r.headers.end()) return false;
  auto host = r.headers.find("host");
  if (host == r.headers.end()) return true;
  auto o = std::string_view(origin->second);
  auto scheme = o.find("://");
  if (scheme == std::string_view::npos) return true;
  return ascii_lower(o.substr(scheme + 3)) != ascii_lower(host->second);
}

}  // namespace

std::vector<std::span<const Route>> route_tables() {
  return {account_routes(), manage_routes(), activity_routes(), zone_routes(), transfer_routes(), drive_routes()};
}

manage::Actor Context::actor() const {
  manage::Actor a;
  a.user = caller->user;
  a.ip = request.peer_ip;
  a.product = "console";
  return a;
}

void audit(const Context& c, const char* action, const std::string& detail, std::string_view product) {
  auto& u = c.who().user;
  auto agent = c.request.headers.find("user-agent");
  store::AuditEntry e{
      .org_id = u.org_id,
      .actor_user_id = u.id,
      .actor = u.login,
      .action = action,
      .target = u.login,
      .product = std::string(product),
      .ip = c.request.peer_ip,
      .detail = detail.empty() && agent != c.request.headers.end() ? agent->second.substr(0, 200) : detail,
      .time = c.deps.clock.now()};
  (void)c.deps.store.append_audit(e);
}

std::optional<std::int64_t> id_param(const std::string& text) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

bool is_api(std::string_view target) { return path_of(target).starts_with(kPrefix) || path_of(target) == "/api/v1"; }

std::size_t body_limit(std::string_view method, std::string_view target) {
  std::vector<std::string> params;
  auto path = path_of(target);
  for (auto* r : routes())
    if (r->method == method && match(r->path, path, params)) return r->max_body;
  return 0;
}

BodyLeave admit_body(const ApiDeps& deps, const Request& head) {
  BodyLeave leave;
  std::optional<auth::Caller> caller;
  auto auth = head.headers.find("authorization");
  if (auth != head.headers.end()) {
    std::string_view v = auth->second;
    if (ascii_lower(v.substr(0, 7)).starts_with("bearer "))
      if (auto c = deps.logins.from_token(std::string(v.substr(7)), head.peer_ip)) caller = std::move(*c);
  } else if (auto token = cookie(head, kSessionCookie)) {
    if (auto c = deps.logins.from_cookie(*token, head.peer_ip)) caller = std::move(*c);
  }
  // Unknown: the body is held to the anonymous limit, and the request
  // answered as usual (401) once that much is in.
  if (!caller) return leave;
  leave.known = true;
  leave.hold = deps.bodies->take(fmt::format("api {}", caller->user.id), kMaxLargeBodies);
  if (!leave.hold)
    leave.refusal = error_response(429, "throttled", "too many uploads at once: send one piece after another");
  leave.too_large = error_response(413, "limit", "the body is larger than this route takes");
  return leave;
}

Response handle(const ApiDeps& deps, const Request& request) {
  auto path = path_of(request.target);
  std::vector<std::string> params;
  const Route* route = nullptr;
  std::string allowed;
  for (auto* r : routes()) {
    if (!match(r->path, path, params)) continue;
    if (r->method == request.method || (request.method == "HEAD" && r->method == "GET")) {
      route = r;
      break;
    }
    if (!allowed.empty()) allowed += ", ";
    allowed += r->method;
  }
  if (!route) {
    if (allowed.empty()) return error_response(404, "not_found", "no such API route");
    auto r = error_response(405, "method_not_allowed", "this route does not take " + request.method);
    r.headers["allow"] = allowed;
    return r;
  }
  Context ctx{deps, request, std::nullopt, std::move(params), std::nullopt};
  if (state_changing(request.method) && cross_site(request))
    return error_response(403, "cross_site", "requests from another site are refused");
  if (route->access != Access::open) {
    auto auth = request.headers.find("authorization");
    if (auth != request.headers.end()) {
      std::string_view v = auth->second;
      if (!ascii_lower(v.substr(0, 7)).starts_with("bearer "))
        return error_response(401, "unauthenticated", "Authorization must be Bearer <API token>");
      auto caller = deps.logins.from_token(std::string(v.substr(7)), request.peer_ip);
      if (!caller) return error_response(401, "unauthenticated", "the API token is not valid (revoked?)");
      ctx.caller = std::move(*caller);
    } else if (auto token = cookie(request, kSessionCookie)) {
      auto caller = deps.logins.from_cookie(*token, request.peer_ip);
      if (!caller) return error_response(401, "unauthenticated", "the session has ended; log in again");
      if (state_changing(request.method)) {
        auto csrf = request.headers.find("x-csrf-token");
        if (csrf == request.headers.end() || !deps.logins.csrf_matches(*token, csrf->second))
          return error_response(403, "csrf", "the X-CSRF-Token header is missing or does not match the session");
      }
      ctx.caller = std::move(*caller);
      ctx.session_token = *token;
    } else {
      return error_response(401, "unauthenticated", "log in first (session cookie or API token)");
    }
  }
  if (ctx.caller && ctx.caller->must_enrol && route->access != Access::enrolment)
    return error_response(403, "two_factor_required",
                          "your organisation requires two-factor authentication: set it up first");
  auto out = route->handler(ctx);
  add_security_headers(out);
  return out;
}

}  // namespace estafeta::web::api
