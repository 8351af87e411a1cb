#include "web/api/http_json.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "jmap/json_input.hpp"

namespace estafeta::web::api {

using nlohmann::json;

Response json_response(int status, const json& body) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  // Invalid UTF-8 in stored text must not make the answer fail.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  r.body += '\n';
  add_security_headers(r);
  return r;
}

Response no_content() {
  Response r;
  r.status = 204;
  add_security_headers(r);
  return r;
}

Response error_response(int status, std::string_view code, std::string_view message, std::string_view field) {
  json e = {{"code", code}, {"message", message}};
  if (!field.empty()) e["field"] = field;
  return json_response(status, {{"error", e}});
}

Response error_response(const Error& error) {
  switch (error.kind) {
    case ErrorKind::not_found: return error_response(404, "not_found", error.message, error.field);
    case ErrorKind::permission: return error_response(403, "forbidden", error.message, error.field);
    case ErrorKind::exists: return error_response(409, "exists", error.message, error.field);
    case ErrorKind::in_use: return error_response(409, "in_use", error.message, error.field);
    case ErrorKind::invalid:
      return error_response(error.field.empty() ? 400 : 422, "invalid", error.message, error.field);
    case ErrorKind::limit: return error_response(413, "limit", error.message, error.field);
    case ErrorKind::throttled: return error_response(429, "throttled", error.message, error.field);
    case ErrorKind::temporary: return error_response(503, "try_again", error.message, error.field);
    // RFC 4918 §11.5: the server cannot store what the request would need.
    case ErrorKind::over_quota: return error_response(507, "over_quota", error.message, error.field);
    default: break;
  }
  log::error("api.error", {{"message", error.message}, {"detail", error.detail}});
  return error_response(500, "internal", "the server could not do this; the error is logged");
}

std::expected<json, Response> json_body(const Request& request) {
  if (request.body.empty()) return json::object();
  auto type = request.headers.find("content-type");
  if (type == request.headers.end() || !ascii_lower(type->second).starts_with("application/json"))
    return std::unexpected(error_response(415, "unsupported_media_type", "the body must be application/json"));
  try {
    bool too_deep = false;
    auto body = jmap::parse_json_input(request.body, too_deep, true);
    if (too_deep)
      return std::unexpected(error_response(400, "malformed_json",
                                            fmt::format("the body nests deeper than {} levels", jmap::kMaxJsonDepth)));
    if (body.is_discarded())
      return std::unexpected(error_response(400, "malformed_json", "a name appears twice in one object (RFC 7493)"));
    if (!body.is_object()) return std::unexpected(error_response(400, "bad_request", "the body must be a JSON object"));
    return body;
  } catch (const json::parse_error& e) {
    return std::unexpected(
        error_response(400, "malformed_json", fmt::format("the body is not valid JSON (at byte {})", e.byte)));
  } catch (const json::out_of_range&) {
    // A number no double holds (9E999…): the parser ends with error 406.
    return std::unexpected(error_response(400, "malformed_json", "the body holds a number out of range"));
  }
}

Result<std::optional<std::string>> string_field(const json& body, const char* name, std::size_t max) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return fail(ErrorKind::invalid, fmt::format("{} must be a string", name), "", name);
  auto& s = it->get_ref<const std::string&>();
  if (s.size() > max)
    return fail(ErrorKind::invalid, fmt::format("{} is longer than {} characters", name, max), "", name);
  return s;
}

Result<std::optional<bool>> bool_field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) return fail(ErrorKind::invalid, fmt::format("{} must be true or false", name), "", name);
  return it->get<bool>();
}

Result<std::optional<std::int64_t>> int_field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer())
    return fail(ErrorKind::invalid, fmt::format("{} must be a whole number", name), "", name);
  return it->get<std::int64_t>();
}

Result<std::string> required_string(const json& body, const char* name, std::size_t max) {
  auto v = TRY(string_field(body, name, max));
  if (!v || v->empty()) return fail(ErrorKind::invalid, fmt::format("{} is required", name), "", name);
  return *v;
}

std::optional<std::string> cookie(const Request& request, std::string_view name) {
  auto it = request.headers.find("cookie");
  if (it == request.headers.end()) return std::nullopt;
  std::string_view rest = it->second;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    auto pair = rest.substr(0, semi);
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    while (pair.starts_with(' ')) pair.remove_prefix(1);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      auto value = pair.substr(eq + 1);
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      return std::string(value);
    }
  }
  return std::nullopt;
}

std::string session_cookie(const Request& request, const std::string& value, std::int64_t max_age) {
  bool loopback_clear = !request.tls && (request.peer_ip == "127.0.0.1" || request.peer_ip == "::1");
  return fmt::format("{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}", kSessionCookie, value, max_age,
                     loopback_clear ? "" : "; Secure");
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::string percent_decode(std::string_view value, bool plus_is_space) {
  std::string out;
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 2 < value.size() && hex(value[i + 1]) && hex(value[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(value.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += plus_is_space && value[i] == '+' ? ' ' : value[i];
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  for (auto rest = target.substr(q + 1); !rest.empty();) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    return percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

std::expected<std::int64_t, Response> piece_offset(const Request& request) {
  auto text = query_param(request.target, "offset").value_or("");
  std::int64_t offset = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), offset);
  if (ec != std::errc() || end != text.data() + text.size() || offset < 0)
    return std::unexpected(
        error_response(400, "invalid", "?offset= must say where this piece starts, in bytes", "offset"));
  return offset;
}

Response out_of_step(const Error& error, std::optional<std::int64_t> received) {
  // For a client that lost track (a retry after a lost answer): where to go on from.
  json out = {{"error", {{"code", "in_use"}, {"message", error.message}, {"field", error.field}}}};
  if (received) out["received"] = *received;
  return json_response(409, out);
}

void add_security_headers(Response& r) {
  r.headers["cache-control"] = "no-store";
  // A route's own policy stays (a download's sandbox); every other answer gets this one.
  r.headers.try_emplace("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
  r.headers["x-content-type-options"] = "nosniff";
  r.headers["referrer-policy"] = "no-referrer";
  r.headers["x-frame-options"] = "DENY";
}

}  // namespace estafeta::web::api
