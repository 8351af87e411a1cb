// /api/v1/session and /api/v1/me: logging in and out, and what an account
// holder manages about their own security (DESIGN §2.2).
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "auth/qr.hpp"
#include "web/api/http_json.hpp"
#include "web/api/routes.hpp"

namespace estafeta::web::api {

namespace {

using nlohmann::json;

constexpr std::size_t kSmallBody = 4096;

json user_json(const store::User& u) {
  return {{"id", u.id},
          {"login", u.login},
          {"display_name", u.display_name},
          {"role", store::to_string(u.role)},
          {"organisation_id", u.org_id}};
}

json session_json(const store::WebSession& s, std::optional<store::Id> current) {
  return {{"id", s.id},
          {"kind", "browser"},
          {"method", store::to_string(s.method)},
          {"ip", s.ip},
          {"user_agent", s.user_agent},
          {"created", s.created},
          {"last_seen", s.last_seen},
          {"expires", s.expires},
          {"current", current && *current == s.id}};
}

json token_json(const store::ApiToken& t) {
  return {{"id", t.id},
          {"label", t.label},
          {"created", t.created},
          {"last_used", t.last_used ? json(t.last_used) : json(nullptr)},
          {"last_ip", t.last_ip}};
}

json login_json(const store::LoginRecord& r) {
  return {{"id", r.id},
          {"time", r.time},
          {"ip", r.ip},
          {"user_agent", r.user_agent},
          {"method", store::to_string(r.method)},
          {"success", r.success},
          {"reason", r.reason}};
}

std::string issuer(const Context& c) { return "Estafeta " + c.deps.hostname; }

// The sheet of emergency codes a user downloads or prints.
std::string code_sheet(const Context& c, const std::vector<std::string>& codes) {
  std::string s = fmt::format(
      "Estafeta ({}) — emergency codes for {}\n\nEach code logs you in once when you cannot use your "
      "authenticator app.\nKeep this sheet somewhere safe.\n\n",
      c.deps.hostname, c.who().user.login);
  for (auto& code : codes) s += "  " + code + "\n";
  return s;
}

Response codes_response(const Context& c, const std::vector<std::string>& codes) {
  return json_response(200, {{"emergency_codes", codes}, {"sheet", code_sheet(c, codes)}});
}

// --- session

Response login(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto login = string_field(*body, "login", 320);
  auto password = string_field(*body, "password", 1024);
  auto code = string_field(*body, "code", 64);
  if (!login) return error_response(login.error());
  if (!password) return error_response(password.error());
  if (!code) return error_response(code.error());
  auto agent = c.request.headers.find("user-agent");
  auth::WebLoginRequest r{.login = login->value_or(""),
                          .password = password->value_or(""),
                          .second_factor = code->value_or(""),
                          .ip = c.request.peer_ip,
                          .user_agent = agent == c.request.headers.end() ? "" : agent->second};
  auto issued = c.deps.logins.login(r);
  if (!issued) {
    using Why = auth::LoginRefusal::Why;
    Response out;
    switch (issued.error().why) {
      case Why::credentials: out = error_response(401, "invalid_credentials", issued.error().message); break;
      case Why::second_factor_required:
        out = error_response(401, "second_factor_required", issued.error().message, "code");
        break;
      case Why::second_factor_wrong:
        out = error_response(401, "invalid_second_factor", issued.error().message, "code");
        break;
      case Why::locked: out = error_response(423, "account_locked", issued.error().message); break;
      case Why::throttled:
        out = error_response(429, "throttled", issued.error().message);
        out.headers["retry-after"] = std::to_string((issued.error().delay.count() + 999) / 1000);
        return out;
    }
    out.delay = issued.error().delay;
    return out;
  }
  // Where the organisation requires a second factor this account lacks,
  // the session reaches only the enrolment (Access::enrolment): the app
  // goes straight there.
  auto out = json_response(200, {{"user", user_json(issued->user)},
                                 {"csrf_token", issued->csrf},
                                 {"session", session_json(issued->session, issued->session.id)},
                                 {"two_factor_setup_required", c.deps.logins.must_enrol(issued->user).value_or(true)}});
  out.headers["set-cookie"] = session_cookie(c.request, issued->token, auth::kSessionLifetime);
  return out;
}

// Lost second factor: the request an admin approves. One answer whatever
// the login and password were (202).
Response request_recovery(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto login = string_field(*body, "login", 320);
  if (!login) return error_response(login.error());
  auto password = string_field(*body, "password", 1024);
  if (!password) return error_response(password.error());
  auto agent = c.request.headers.find("user-agent");
  auto r = c.deps.logins.request_recovery({.login = login->value_or(""),
                                           .password = password->value_or(""),
                                           .ip = c.request.peer_ip,
                                           .user_agent = agent == c.request.headers.end() ? "" : agent->second});
  if (r.why == auth::LoginRefusal::Why::throttled) {
    auto out = error_response(429, "throttled", r.message);
    out.headers["retry-after"] = std::to_string((r.delay.count() + 999) / 1000);
    return out;
  }
  auto out = json_response(202, {{"message", r.message}});
  out.delay = r.delay;
  return out;
}

Response current_session(Context& c) {
  if (!c.who().session) return error_response(400, "no_session", "an API token has no browser session");
  return json_response(200, {{"user", user_json(c.who().user)},
                             {"csrf_token", c.deps.logins.csrf_for(*c.session_token)},
                             {"session", session_json(*c.who().session, c.who().session->id)},
                             {"two_factor_setup_required", c.who().must_enrol}});
}

Response logout(Context& c) {
  if (auto st = c.deps.logins.logout(c.who()); !st) return error_response(st.error());
  audit(c, "security.logout");
  auto out = no_content();
  out.headers["set-cookie"] = session_cookie(c.request, "", 0);
  return out;
}

// --- me

Response me(Context& c) {
  auto& u = c.who().user;
  auto settings = c.deps.store.security_settings(u.id);
  if (!settings) return error_response(settings.error());
  auto policy = c.deps.store.org_policy(u.org_id);
  if (!policy) return error_response(policy.error());
  auto left = c.deps.store.emergency_codes_left(u.id);
  if (!left) return error_response(left.error());
  json j = user_json(u);
  j["security"] = {{"two_factor", !settings->totp_sealed.empty()},
                   {"two_factor_required", policy->require_2fa},
                   {"emergency_codes_left", *left},
                   {"lockout_threshold", settings->lockout_threshold},
                   {"minimum_lockout_threshold", policy->min_lockout_threshold},
                   {"alert_on_success", settings->alert_on_success},
                   {"alert_on_failure", settings->alert_on_failure},
                   {"alert_address", settings->alert_address},
                   {"language", settings->language}};
  return json_response(200, j);
}

Response update_security(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto& u = c.who().user;
  auto settings = c.deps.store.security_settings(u.id);
  if (!settings) return error_response(settings.error());
  auto policy = c.deps.store.org_policy(u.org_id);
  if (!policy) return error_response(policy.error());
  auto threshold = int_field(*body, "lockout_threshold");
  if (!threshold) return error_response(threshold.error());
  if (*threshold) {
    if (**threshold < policy->min_lockout_threshold || **threshold > 100)
      return error_response(422, "invalid",
                            fmt::format("lockout_threshold must be between {} (your organisation's minimum) and 100",
                                        policy->min_lockout_threshold),
                            "lockout_threshold");
    settings->lockout_threshold = static_cast<int>(**threshold);
  }
  for (auto [name, target] : {std::pair{"alert_on_success", &settings->alert_on_success},
                              std::pair{"alert_on_failure", &settings->alert_on_failure}}) {
    auto v = bool_field(*body, name);
    if (!v) return error_response(v.error());
    if (*v) *target = **v;
  }
  auto address = string_field(*body, "alert_address", 320);
  if (!address) return error_response(address.error());
  if (*address) {
    if (!(*address)->empty()) {
      // Only an address the user has access to: alerts never send mail
      // elsewhere; and one nobody else reads (server/services.cpp).
      auto a = c.deps.store.find_address(**address);
      if (!a || !c.deps.store.find_access(a->id, u.id))
        return error_response(422, "invalid", "alert_address must be one of the addresses you have access to",
                              "alert_address");
      auto readers = c.deps.store.list_accesses(a->id);
      if (!readers) return error_response(readers.error());
      if (readers->size() != 1)
        return error_response(422, "invalid",
                              "alert_address is shared with other users, who would read your alerts: choose an "
                              "address only you use",
                              "alert_address");
      **address = a->address;
    }
    settings->alert_address = **address;
  }
  auto language = string_field(*body, "language", 8);
  if (!language) return error_response(language.error());
  if (*language) {
    if (**language != "es" && **language != "en")
      return error_response(422, "invalid", "language must be es or en", "language");
    settings->language = **language;
  }
  if (auto st = c.deps.store.set_security_settings(*settings); !st) return error_response(st.error());
  audit(c, "security.settings",
        fmt::format("lockout_threshold={} alert_on_success={} alert_on_failure={} language={}",
                    settings->lockout_threshold, settings->alert_on_success, settings->alert_on_failure,
                    settings->language));
  return me(c);
}

Response list_sessions(Context& c) {
  auto sessions = c.deps.store.list_web_sessions(c.who().user.id, c.deps.clock.now());
  if (!sessions) return error_response(sessions.error());
  std::optional<store::Id> current;
  if (c.who().session) current = c.who().session->id;
  json out = json::array();
  for (auto& s : *sessions)
    if (s.last_seen + auth::kSessionIdle > c.deps.clock.now()) out.push_back(session_json(s, current));
  // The mail connections of the user's device passwords, open now.
  json connections = json::array();
  if (c.deps.live)
    for (auto& l : c.deps.live->of_user(c.who().user.id))
      connections.push_back({{"id", l.id},
                             {"kind", l.info.protocol},
                             {"address", l.info.address},
                             {"device", l.info.device_label},
                             {"device_id", l.info.device_id},
                             {"ip", l.info.ip},
                             {"since", l.info.since}});
  return json_response(200, {{"sessions", out}, {"connections", connections}});
}

// Closes one of the user's mail connections at once (its device password stays).
Response end_connection(Context& c) {
  auto id = id_param(c.params[0]);
  if (!id || !c.deps.live || !c.deps.live->end(c.who().user.id, static_cast<auth::LiveSessions::Id>(*id)))
    return error_response(404, "not_found", "no such connection");
  audit(c, "security.connection_ended", fmt::format("connection {}", *id));
  return no_content();
}

Response end_session(Context& c) {
  auto id = id_param(c.params[0]);
  if (!id) return error_response(404, "not_found", "no such session");
  if (auto st = c.deps.store.delete_web_session(c.who().user.id, *id); !st) return error_response(st.error());
  audit(c, "security.session_ended", fmt::format("session {}", *id));
  return no_content();
}

Response end_other_sessions(Context& c) {
  store::Id keep = c.who().session ? c.who().session->id : 0;
  auto n = c.deps.store.delete_web_sessions(c.who().user.id, keep);
  if (!n) return error_response(n.error());
  audit(c, "security.sessions_ended", fmt::format("{} other sessions", *n));
  return json_response(200, {{"ended", *n}});
}

Response login_history(Context& c) {
  std::int64_t before = 0, limit = 50;
  if (auto b = query_param(c.request.target, "before")) {
    auto v = id_param(*b);
    if (!v) return error_response(422, "invalid", "before must be a login id", "before");
    before = *v;
  }
  if (auto l = query_param(c.request.target, "limit")) {
    auto v = id_param(*l);
    if (!v || *v > 500) return error_response(422, "invalid", "limit must be between 1 and 500", "limit");
    limit = *v;
  }
  auto page = c.deps.store.login_history(c.who().user.id, before, static_cast<std::size_t>(limit));
  if (!page) return error_response(page.error());
  json items = json::array();
  for (auto& r : *page) items.push_back(login_json(r));
  json out = {{"logins", items}};
  if (page->size() == static_cast<std::size_t>(limit)) out["next"] = page->back().id;
  return json_response(200, out);
}

// Deleting one's own account: the password once more (DESIGN §2.2). The
// organisation's last account or last administrator cannot go; mail
// addresses stay with the organisation.
// A new password: the current one first (throttled, counted towards the
// lockout), then the policy; every other browser session ends, so whoever
// knew the old password is logged out.
Response change_password(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto current = required_string(*body, "current_password");
  if (!current) return error_response(current.error());
  auto next = required_string(*body, "new_password");
  if (!next) return error_response(next.error());
  if (auto st = c.deps.logins.confirm_password(c.who().user, *current, c.request.peer_ip); !st) {
    auto e = st.error();
    e.field = "current_password";
    return error_response(e);
  }
  if (auto st = c.deps.manager.set_password(c.actor(), c.who().user.login, *next); !st) {
    auto e = st.error();
    e.field = "new_password";
    return error_response(e);
  }
  store::Id keep = c.who().session ? c.who().session->id : 0;
  auto ended = c.deps.store.delete_web_sessions(c.who().user.id, keep);
  return json_response(200, {{"password_changed", true}, {"sessions_ended", ended.value_or(0)}});
}

Response delete_account(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto password = required_string(*body, "password");
  if (!password) return error_response(password.error());
  if (auto st = c.deps.logins.confirm_password(c.who().user, *password, c.request.peer_ip); !st)
    return error_response(st.error());
  if (auto st = c.deps.manager.delete_user(c.actor(), c.who().user.login); !st) return error_response(st.error());
  auto out = no_content();
  out.headers["set-cookie"] = session_cookie(c.request, "", 0);
  return out;
}

// --- second factor

Response start_enrolment(Context& c) {
  auto e = c.deps.logins.start_enrolment(c.who().user, issuer(c));
  if (!e) return error_response(e.error());
  auto qr = auth::qr_svg(e->uri);
  if (!qr) return error_response(qr.error());
  return json_response(200, {{"secret", e->secret_base32}, {"otpauth_uri", e->uri}, {"qr_svg", *qr}});
}

Response confirm_enrolment(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  // The password too: a second factor chosen by whoever holds a stolen
  // session would lock the owner out of their own account.
  auto password = required_string(*body, "password");
  if (!password) return error_response(password.error());
  auto code = required_string(*body, "code", 16);
  if (!code) return error_response(code.error());
  if (auto st = c.deps.logins.confirm_password(c.who().user, *password, c.request.peer_ip); !st)
    return error_response(st.error());
  auto codes = c.deps.logins.confirm_enrolment(c.who().user, *code);
  if (!codes) return error_response(codes.error());
  audit(c, "security.2fa_enabled");
  return codes_response(c, *codes);
}

Response disable_second_factor(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto password = required_string(*body, "password");
  if (!password) return error_response(password.error());
  auto code = required_string(*body, "code", 16);
  if (!code) return error_response(code.error());
  if (auto st = c.deps.logins.disable_second_factor(c.who().user, *password, *code, c.request.peer_ip); !st)
    return error_response(st.error());
  audit(c, "security.2fa_disabled");
  return no_content();
}

Response regenerate_codes(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto code = required_string(*body, "code", 16);
  if (!code) return error_response(code.error());
  auto codes = c.deps.logins.regenerate_codes(c.who().user, *code);
  if (!codes) return error_response(codes.error());
  audit(c, "security.emergency_codes");
  return codes_response(c, *codes);
}

// --- API tokens

Response list_tokens(Context& c) {
  auto tokens = c.deps.store.list_api_tokens(c.who().user.id);
  if (!tokens) return error_response(tokens.error());
  json out = json::array();
  for (auto& t : *tokens) out.push_back(token_json(t));
  return json_response(200, {{"tokens", out}});
}

Response create_token(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto label = required_string(*body, "label", 100);
  if (!label) return error_response(label.error());
  auto created = c.deps.logins.create_token(c.who(), *label);
  if (!created) return error_response(created.error());
  audit(c, "security.token_created", *label);
  auto j = token_json(created->first);
  j["token"] = created->second;  // shown once
  return json_response(201, j);
}

Response revoke_token(Context& c) {
  auto id = id_param(c.params[0]);
  if (!id) return error_response(404, "not_found", "no such token");
  if (auto st = c.deps.store.delete_api_token(c.who().user.id, *id); !st) return error_response(st.error());
  audit(c, "security.token_revoked", fmt::format("token {}", *id));
  return no_content();
}

// The web app's settings (read-receipt policy, notifications, theme, …):
// one object the app defines, kept per user so that they follow the user
// from browser to browser.
constexpr std::size_t kMaxPreferences = 16 * 1024;

Response get_preferences(Context& c) {
  auto text = c.deps.store.preferences(c.who().user.id);
  if (!text) return error_response(text.error());
  auto j = json::parse(*text, nullptr, false);
  if (!j.is_object()) j = json::object();
  return json_response(200, j);
}

Response put_preferences(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto text = body->dump();
  if (text.size() > kMaxPreferences)
    return error_response(413, "too_large", fmt::format("preferences are limited to {} bytes", kMaxPreferences));
  if (auto st = c.deps.store.set_preferences(c.who().user.id, text, c.deps.clock.now()); !st)
    return error_response(st.error());
  audit(c, "mail.preferences_changed", {}, "mail");
  return json_response(200, *body);
}

Response describe(Context& c) { return json_response(200, openapi(c.deps)); }

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/openapi.json", Access::open, 0, "This description (OpenAPI 3.0)", "meta", &describe},
    {"POST", "/api/v1/session", Access::open, kSmallBody,
     "Log in: login and password, and the second-factor code when the account has one", "session", &login},
    {"POST", "/api/v1/recovery", Access::open, kSmallBody,
     "Lost second factor: ask an administrator to approve a recovery (login and password)", "session",
     &request_recovery},
    {"GET", "/api/v1/session", Access::enrolment, 0, "The current browser session and its CSRF token", "session",
     &current_session},
    {"DELETE", "/api/v1/session", Access::enrolment, 0, "Log out", "session", &logout},
    {"GET", "/api/v1/me", Access::enrolment, 0, "The account and its security settings", "account", &me},
    {"DELETE", "/api/v1/me", Access::enrolment, kSmallBody,
     "Delete the account (password in the body); its mail addresses stay with the organisation", "account",
     &delete_account},
    {"GET", "/api/v1/me/preferences", Access::enrolment, 0, "The web app's settings of the account (a JSON object)",
     "account", &get_preferences},
    {"PUT", "/api/v1/me/preferences", Access::enrolment, kMaxPreferences,
     "Replace the web app's settings (a JSON object of at most 16 KiB)", "account", &put_preferences},
    {"POST", "/api/v1/me/password", Access::user, kSmallBody,
     "Change the account password (the current one and the new one); other browser sessions end", "account",
     &change_password},
    {"PATCH", "/api/v1/me/security", Access::enrolment, kSmallBody,
     "Lockout threshold, login alerts, alert address and language", "account", &update_security},
    {"GET", "/api/v1/me/sessions", Access::user, 0,
     "Open browser sessions of the account, and its devices' open mail connections", "sessions", &list_sessions},
    {"DELETE", "/api/v1/me/sessions/{id}", Access::user, 0, "End one session", "sessions", &end_session},
    {"DELETE", "/api/v1/me/connections/{id}", Access::user, 0,
     "Close one open IMAP, POP3 or SMTP connection of the account's devices", "sessions", &end_connection},
    {"POST", "/api/v1/me/sessions/end-others", Access::user, 0, "End every session but this one", "sessions",
     &end_other_sessions},
    {"GET", "/api/v1/me/logins", Access::user, 0, "Login history, newest first (?before=ID&limit=N)", "sessions",
     &login_history},
    {"POST", "/api/v1/me/2fa/enrolment", Access::enrolment, 0,
     "Start two-factor enrolment: a new secret, its otpauth URI and QR code", "two-factor", &start_enrolment},
    {"POST", "/api/v1/me/2fa/confirm", Access::enrolment, kSmallBody,
     "Confirm the enrolment with one code and the password; returns the emergency codes, once", "two-factor",
     &confirm_enrolment},
    {"POST", "/api/v1/me/2fa/disable", Access::user, kSmallBody,
     "Turn two-factor authentication off (password and a current code)", "two-factor", &disable_second_factor},
    {"POST", "/api/v1/me/2fa/emergency-codes", Access::user, kSmallBody,
     "New emergency codes (the old ones stop working), given a current code", "two-factor", &regenerate_codes},
    {"GET", "/api/v1/me/tokens", Access::user, 0, "The account's API tokens", "tokens", &list_tokens},
    {"POST", "/api/v1/me/tokens", Access::user, kSmallBody, "Create an API token (shown once)", "tokens",
     &create_token},
    {"DELETE", "/api/v1/me/tokens/{id}", Access::user, 0, "Revoke an API token", "tokens", &revoke_token},
};

}  // namespace

std::span<const Route> account_routes() { return kRoutes; }

}  // namespace estafeta::web::api
