// JSON in and out of the management API (/api/v1): one error shape,
// {"error": {"code": "…", "message": "…", "field": "…"}}, with the status
// that says what happened; request bodies read as JSON objects with clear
// 400s; the security headers every API answer carries; the session cookie.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "web/message.hpp"

namespace estafeta::web::api {

inline constexpr const char* kSessionCookie = "estafeta_session";

Response json_response(int status, const nlohmann::json& body);
Response no_content();
Response error_response(int status, std::string_view code, std::string_view message, std::string_view field = {});
// A store or management error: not_found 404, permission 403, exists 409,
// in_use 409, invalid 400 (422 when a field is named), limit 413, throttled
// 429, temporary 503, over_quota 507, others 500
// (the message only; the detail goes to the log).
Response error_response(const Error& error);

// The body as a JSON object: 415 unless the Content-Type is JSON, 400 when
// it is not valid JSON or not an object. Empty bodies read as {}.
std::expected<nlohmann::json, Response> json_body(const Request& request);

// Typed members of a request object; absent → nullopt; wrong type → an
// error naming the field.
Result<std::optional<std::string>> string_field(const nlohmann::json& body, const char* name, std::size_t max = 1024);
Result<std::optional<bool>> bool_field(const nlohmann::json& body, const char* name);
Result<std::optional<std::int64_t>> int_field(const nlohmann::json& body, const char* name);
Result<std::string> required_string(const nlohmann::json& body, const char* name, std::size_t max = 1024);

// The value of cookie `name` in the Cookie field (RFC 6265 §5.4), if any.
std::optional<std::string> cookie(const Request& request, std::string_view name);
// Set-Cookie for the session: HttpOnly, SameSite=Strict, Path=/, Secure
// unless the request came in clear from loopback (test listeners).
std::string session_cookie(const Request& request, const std::string& value, std::int64_t max_age);

// RFC 3986 §2.1 percent-decoding ('+' as a space in query strings, as forms send it).
std::string percent_decode(std::string_view text, bool plus_is_space);
// The value of `name` in the query string, percent-decoded; nullopt when absent.
std::optional<std::string> query_param(std::string_view target, std::string_view name);

// Pieces of a file uploaded in turn (a transfer link's, a drive's): where
// one starts (?offset=, the bytes already received), else the 400; and the
// 409 for a piece out of step, saying where the upload stands when known.
std::expected<std::int64_t, Response> piece_offset(const Request& request);
Response out_of_step(const Error& error, std::optional<std::int64_t> received);
std::string_view path_of(std::string_view target);

// Headers every API answer carries (no caching, no framing, no sniffing).
void add_security_headers(Response& response);

}  // namespace estafeta::web::api
