// The JSON management API under /api/v1 (DESIGN §2.1, §2.2): log in and
// out, the account's security (second factor, sessions, login history,
// lockout and alerts, API tokens), and its OpenAPI 3 description, made from
// the same route table that dispatches (/api/v1/openapi.json).
//
// Who calls: a browser session (cookie, and for every state-changing
// request the session's CSRF token in X-CSRF-Token) or a script (an API
// token in Authorization: Bearer, no cookie, no CSRF). Every route that is
// not public needs one of them; every object a route names is looked up
// with the caller's user in the query, so another account's id is 404.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "auth/live_sessions.hpp"
#include "auth/web_login.hpp"
#include "core/clock.hpp"
#include "dns/resolver.hpp"
#include "drive/drive.hpp"
#include "drive/transfers.hpp"
#include "manage/manager.hpp"
#include "store/store.hpp"
#include "web/in_flight.hpp"
#include "web/message.hpp"

namespace estafeta::web::api {

struct ApiDeps {
  std::string hostname;  // the TOTP issuer ("Estafeta <hostname>")
  store::Store& store;
  auth::WebLogins& logins;
  manage::Manager& manager;
  const Clock& clock;
  auth::LiveSessions* live = nullptr;      // the mail connections in the users' session lists
  dns::Resolver* resolver = nullptr;       // the public DNS (domain verification); blocking
  dns::Resolver* zone_resolver = nullptr;  // the served zones first, then `resolver` (SPF tools); blocking
  // The certificate the mail listeners present, read when asked (the domain diagnostic).
  std::function<manage::CertificateView()> certificate;
  drive::TransferService* transfers = nullptr;  // transfer links; absent: those routes answer 404
  drive::DriveService* drive = nullptr;         // the users' and organisations' drives; absent: those routes answer 404
  // Large bodies under way per caller (the transfer pieces), admitted before they are read.
  std::shared_ptr<InFlight> bodies = std::make_shared<InFlight>();
};

inline constexpr std::string_view kPrefix = "/api/v1/";

bool is_api(std::string_view target);
// The largest body a request for `target` may carry (its route's limit).
std::size_t body_limit(std::string_view method, std::string_view target);
// Blocking (store, Argon2id): from the worker pool.
Response handle(const ApiDeps& deps, const Request& request);

// How many large bodies (past the anonymous limit: transfer pieces) one
// user may send at once.
inline constexpr std::size_t kMaxLargeBodies = 2;
// Leave for a body larger than the anonymous limit (web/router.hpp): only
// a known caller (session cookie or API token), kMaxLargeBodies at once.
// Blocking (store).
BodyLeave admit_body(const ApiDeps& deps, const Request& head);

}  // namespace estafeta::web::api
