// The route table of /api/v1, shared by the dispatcher and the OpenAPI
// description. Each area of the API contributes its routes (account.cpp,
// manage.cpp).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/web_login.hpp"
#include "web/api/api.hpp"

namespace estafeta::web::api {

// What one request has once it was routed and its caller known.
struct Context {
  const ApiDeps& deps;
  const Request& request;
  std::optional<auth::Caller> caller;        // set unless the route is public
  std::vector<std::string> params;           // the {…} segments of the path, in order
  std::optional<std::string> session_token;  // the cookie's value, when the caller came with one

  const auth::Caller& who() const { return *caller; }
  manage::Actor actor() const;  // the caller as the management layer knows it
};

// open: anyone; user: a logged-in user (session cookie or API token);
// enrolment: a user, also one whose organisation requires a second factor
// not set up yet (auth::Caller::must_enrol), who reaches nothing else.
enum class Access { open, user, enrolment };

// The largest piece of a transfer link's file one request carries
// (drive::TransferLimits::max_piece).
inline constexpr std::size_t kTransferPieceBody = 8u << 20;

struct Route {
  std::string_view method;
  std::string_view path;  // "/api/v1/me/sessions/{id}"
  Access access = Access::user;
  std::size_t max_body = 0;
  std::string_view summary;  // for the OpenAPI description
  std::string_view tag;
  Response (*handler)(Context&);
};

std::span<const Route> account_routes();
std::span<const Route> manage_routes();
std::span<const Route> activity_routes();
std::span<const Route> zone_routes();
std::span<const Route> transfer_routes();  // transfers.cpp
std::span<const Route> drive_routes();     // drive.cpp
// A drive's file or folder as the API shows it (drive.cpp; also /jmap/drive/).
nlohmann::json drive_item_json(const store::DriveItem& item);
// Which drive a body names (drive.cpp; transfers and /jmap/drive/):
// "org_drive": true the organisation's, absent or false the caller's own.
Result<store::DriveSpace> drive_space_field(const nlohmann::json& body);
// Every route, in the order above.
std::vector<std::span<const Route>> route_tables();

// OpenAPI 3.0 description of every route.
nlohmann::json openapi(const ApiDeps& deps);

// An entry in the activity log for something the caller did to their own
// account (the target is the caller; the detail, when none is given, the
// browser's User-Agent).
void audit(const Context& c, const char* action, const std::string& detail = {}, std::string_view product = "security");

// An integer path segment; nullopt when it is not a positive number.
std::optional<std::int64_t> id_param(const std::string& text);

}  // namespace estafeta::web::api
