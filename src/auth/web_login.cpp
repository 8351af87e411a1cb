#include "auth/web_login.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <semaphore>
#include <thread>

#include <fmt/format.h>

#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "core/ascii.hpp"
#include "core/log.hpp"

namespace estafeta::auth {

namespace {

// Past this wait, an IP gets 429 at once: no Argon2id for it until then.
constexpr std::chrono::milliseconds kRefuseAbove{2000};
constexpr const char* kTotpPurpose = "totp";

const char* kCredentials = "wrong login or password";

std::string hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

// A valid Argon2id hash of nothing anyone knows, so that an unknown login
// costs what a known one does.
const std::string& dummy_hash() {
  static const std::string h = hash_password(DeviceKeyring::generate()).value_or("");
  return h;
}

// Argon2id takes 64 MiB and tens of milliseconds of a core: at most one
// per two cores at once, whatever arrives, so memory stays bounded and
// half the machine stays with the mail sessions.
std::counting_semaphore<64> g_hashing(std::clamp<std::ptrdiff_t>(std::thread::hardware_concurrency() / 2, 1, 64));

bool check_password(const std::string& hash, const std::string& password) {
  g_hashing.acquire();
  bool ok = verify_password(hash, password);
  g_hashing.release();
  return ok;
}

bool is_totp_code(const std::string& s) {
  return s.size() == static_cast<std::size_t>(kTotpDigits) &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Emergency codes: 10 characters of the device-password alphabet, "xxxxx-xxxxx" (50 bits).
std::string new_emergency_code() {
  auto g = DeviceKeyring::generate();  // "abcd-efgh-…"
  std::string plain;
  for (char c : g)
    if (c != '-') plain += c;
  return plain.substr(0, 5) + "-" + plain.substr(5, 5);
}

}  // namespace

LoginRefusal WebLogins::refuse(LoginRefusal::Why why, const WebLoginRequest& r, const std::optional<store::User>& user,
                               const std::string& reason) {
  LoginRefusal out;
  out.why = why;
  out.delay = m_throttle.failed(r.ip, ascii_lower(r.login));
  switch (why) {
    case LoginRefusal::Why::credentials: out.message = kCredentials; break;
    case LoginRefusal::Why::second_factor_wrong: out.message = "wrong or already used second-factor code"; break;
    case LoginRefusal::Why::locked:
      out.message =
          "this account is locked after too many failed logins; an administrator of your organisation can unlock it";
      break;
    default: break;
  }
  log::info("web.login_failed", {{"ip", r.ip}, {"login", r.login}, {"reason", reason}});
  if (m_observer) m_observer(false);
  if (user) audit(*user, "security.login_failed", r.ip, reason);
  return out;
}

void WebLogins::audit(const store::User& user, const char* action, const std::string& ip, const std::string& detail) {
  store::AuditEntry e{.org_id = user.org_id,
                      .actor_user_id = user.id,
                      .actor = user.login,
                      .action = action,
                      .target = user.login,
                      .product = "security",
                      .ip = ip,
                      .detail = detail,
                      .time = m_clock.now()};
  // The login's outcome stands; a failed audit write is logged.
  if (auto st = m_store.append_audit(e); !st)
    log::error("audit.write_failed", {{"action", action}, {"detail", st.error().detail}});
}

void WebLogins::record(const store::User& user, const WebLoginRequest& r, store::LoginMethod method, bool success,
                       const std::string& reason, const store::SecuritySettings& settings) {
  store::LoginRecord rec;
  rec.user_id = user.id;
  rec.time = m_clock.now();
  rec.ip = r.ip;
  rec.user_agent = r.user_agent.substr(0, 512);
  rec.method = method;
  rec.success = success;
  rec.reason = reason;
  if (auto st = m_store.record_login(rec); !st)
    log::error("web.login_history_failed", {{"login", user.login}, {"detail", st.error().detail}});
  if (m_alerts && (success ? settings.alert_on_success : settings.alert_on_failure))
    m_alerts(LoginAlert{user, success, r.ip, rec.user_agent, method, reason, rec.time}, settings);
}

void WebLogins::count_failure(const store::User& user, store::SecuritySettings& settings) {
  ++settings.failed_logins;
  if (!settings.locked_since && settings.failed_logins >= settings.lockout_threshold) {
    settings.locked_since = m_clock.now();
    store::AuditEntry e;
    e.org_id = user.org_id;
    e.actor = "server";
    e.action = "security.locked";
    e.target = user.login;
    e.product = "security";
    e.detail = fmt::format("{} failed logins in a row", settings.failed_logins);
    e.time = m_clock.now();
    (void)m_store.append_audit(e);
    log::warn("web.account_locked", {{"login", user.login}, {"failures", settings.failed_logins}});
  }
  (void)m_store.set_security_settings(settings);
}

std::string WebLogins::totp_secret(const std::string& sealed) const {
  if (sealed.empty()) return {};
  return m_keyring.open(sealed, kTotpPurpose).value_or("");
}

bool WebLogins::accept_totp(store::SecuritySettings& settings, const std::string& code) {
  auto secret = totp_secret(settings.totp_sealed);
  if (secret.empty()) return false;
  auto step = verify_totp(secret, code, m_clock.now(), settings.totp_last_step);
  if (!step) return false;
  settings.totp_last_step = *step;
  return true;
}

std::expected<IssuedSession, LoginRefusal> WebLogins::login(const WebLoginRequest& r) {
  auto key = ascii_lower(r.login);
  auto wait = m_throttle.pending(r.ip, key);
  if (wait > kRefuseAbove) {
    LoginRefusal out{LoginRefusal::Why::throttled, "too many failed logins from this address; try again later", wait};
    return std::unexpected(out);
  }
  auto found = m_store.find_user(r.login);
  if (!found) {
    (void)check_password(dummy_hash(), r.password);
    return std::unexpected(refuse(LoginRefusal::Why::credentials, r, std::nullopt, "unknown login"));
  }
  auto& user = *found;
  auto settings = m_store.security_settings(user.id).value_or(store::SecuritySettings{.user_id = user.id});
  bool password_ok = check_password(user.password_hash.empty() ? dummy_hash() : user.password_hash, r.password);
  if (settings.locked_since) {
    record(user, r, store::LoginMethod::password, false, "locked", settings);
    return std::unexpected(refuse(LoginRefusal::Why::locked, r, user, "locked"));
  }
  if (!password_ok || user.password_hash.empty()) {
    count_failure(user, settings);
    record(user, r, store::LoginMethod::password, false, "password", settings);
    auto why = settings.locked_since ? LoginRefusal::Why::locked : LoginRefusal::Why::credentials;
    return std::unexpected(refuse(why, r, user, "password"));
  }
  auto method = store::LoginMethod::password;
  if (!settings.totp_sealed.empty() && settings.recovery_approved) {
    // An approved recovery: this login turns the second factor off; the
    // user enrols again from the session it opens.
    settings.totp_sealed.clear();
    settings.totp_pending_sealed.clear();
    settings.recovery_requested = settings.recovery_approved = false;
    (void)m_store.set_emergency_codes(user.id, {});
    audit(user, "security.recovered", r.ip, "second factor turned off by an approved recovery");
  }
  if (!settings.totp_sealed.empty()) {
    if (r.second_factor.empty()) {
      LoginRefusal out{LoginRefusal::Why::second_factor_required, "enter the code of your authenticator app", wait};
      return std::unexpected(out);
    }
    bool ok = false;
    if (is_totp_code(r.second_factor)) {
      ok = accept_totp(settings, r.second_factor);
      method = store::LoginMethod::password_totp;
    } else {
      ok = m_store.use_emergency_code(user.id, hash(r.second_factor)).value_or(false);
      method = store::LoginMethod::password_emergency;
    }
    if (!ok) {
      count_failure(user, settings);
      record(user, r, method, false, "second_factor", settings);
      auto why = settings.locked_since ? LoginRefusal::Why::locked : LoginRefusal::Why::second_factor_wrong;
      return std::unexpected(refuse(why, r, user, "second_factor"));
    }
  }
  settings.failed_logins = 0;
  settings.recovery_requested = settings.recovery_approved = false;  // a request is moot once in
  if (auto st = m_store.set_security_settings(settings); !st)
    return std::unexpected(LoginRefusal{LoginRefusal::Why::credentials, st.error().message, wait});
  m_throttle.succeeded(r.ip, key);

  IssuedSession out;
  out.user = user;
  out.token = DeviceKeyring::generate();
  auto now = m_clock.now();
  store::WebSession s{.user_id = user.id,
                      .token_hash = hash(out.token),
                      .method = method,
                      .ip = r.ip,
                      .user_agent = r.user_agent.substr(0, 512),
                      .created = now,
                      .last_seen = now,
                      .expires = now + kSessionLifetime};
  auto created = m_store.create_web_session(s);
  if (!created) return std::unexpected(LoginRefusal{LoginRefusal::Why::credentials, created.error().message, wait});
  out.session = *created;
  out.csrf = csrf_for(out.token);
  record(user, r, method, true, "", settings);
  audit(user, "security.login", r.ip, store::to_string(method));
  log::info("web.login", {{"ip", r.ip}, {"login", user.login}, {"method", store::to_string(method)}});
  if (m_observer) m_observer(true);
  return out;
}

Result<Caller> WebLogins::from_cookie(const std::string& token, const std::string&) {
  auto now = m_clock.now();
  auto s = TRY(m_store.find_web_session(hash(token), now));
  if (s.last_seen + kSessionIdle <= now) {
    (void)m_store.delete_web_session(s.user_id, s.id);
    return fail(ErrorKind::not_found, "the session has ended");
  }
  auto user = TRY(m_store.user(s.user_id));
  // Seen: at most one write a minute per session.
  if (now - s.last_seen >= 60) {
    (void)m_store.touch_web_session(s.id, now);
    s.last_seen = now;
  }
  bool enrol = TRY(must_enrol(user));
  return Caller{std::move(user), std::move(s), std::nullopt, enrol};
}

Result<Caller> WebLogins::from_token(const std::string& token, const std::string& ip) {
  auto t = TRY(m_store.find_api_token(hash(token)));
  auto user = TRY(m_store.user(t.user_id));
  auto now = m_clock.now();
  if (now - t.last_used >= 60 || t.last_ip != ip) (void)m_store.touch_api_token(t.id, now, ip);
  bool enrol = TRY(must_enrol(user));
  return Caller{std::move(user), std::nullopt, std::move(t), enrol};
}

Result<bool> WebLogins::must_enrol(const store::User& user) {
  auto policy = TRY(m_store.org_policy(user.org_id));
  if (!policy.require_2fa) return false;
  auto settings = m_store.security_settings(user.id);
  if (!settings && settings.error().kind != ErrorKind::not_found) return std::unexpected(settings.error());
  return !settings || settings->totp_sealed.empty();
}

std::string WebLogins::csrf_for(const std::string& token) const { return hex(m_keyring.hash("csrf " + token)); }

bool WebLogins::csrf_matches(const std::string& token, const std::string& presented) const {
  auto expected = csrf_for(token);
  return presented.size() == expected.size() && CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

Status WebLogins::logout(const Caller& caller) {
  if (!caller.session) return fail(ErrorKind::invalid, "an API token has no session to end; revoke the token instead");
  return m_store.delete_web_session(caller.user.id, caller.session->id);
}

Status WebLogins::confirm_password(const store::User& user, const std::string& password, const std::string& ip) {
  auto key = ascii_lower(user.login);
  if (m_throttle.pending(ip, key) > kRefuseAbove)
    return fail(ErrorKind::throttled, "too many wrong passwords from this address; try again later", "", "password");
  if (!user.password_hash.empty() && check_password(user.password_hash, password)) return {};
  (void)m_throttle.failed(ip, key);
  auto settings = m_store.security_settings(user.id);
  if (settings) count_failure(user, *settings);
  return fail(ErrorKind::permission, "wrong password", "", "password");
}

Result<std::pair<store::ApiToken, std::string>> WebLogins::create_token(const Caller& caller,
                                                                        const std::string& label) {
  auto token = "est-" + DeviceKeyring::generate();
  store::ApiToken t{.user_id = caller.user.id, .label = label, .token_hash = hash(token), .created = m_clock.now()};
  auto created = TRY(m_store.create_api_token(t));
  return std::pair{std::move(created), std::move(token)};
}

Result<WebLogins::Enrolment> WebLogins::start_enrolment(const store::User& user, const std::string& issuer) {
  auto settings = TRY(m_store.security_settings(user.id));
  if (!settings.totp_sealed.empty())
    return fail(ErrorKind::exists, "two-factor authentication is already on; disable it first to enrol again");
  auto secret = new_totp_secret();
  settings.totp_pending_sealed = m_keyring.seal(secret, kTotpPurpose);
  TRY(m_store.set_security_settings(settings));
  return Enrolment{base32_encode(secret), otpauth_uri(issuer, user.login, secret)};
}

Result<std::vector<std::string>> WebLogins::new_codes(store::Id user_id) {
  std::vector<std::string> codes, hashes;
  for (int i = 0; i < kEmergencyCodes; ++i) {
    codes.push_back(new_emergency_code());
    hashes.push_back(hash(codes.back()));
  }
  TRY(m_store.set_emergency_codes(user_id, hashes));
  return codes;
}

Result<std::vector<std::string>> WebLogins::confirm_enrolment(const store::User& user, const std::string& code) {
  auto settings = TRY(m_store.security_settings(user.id));
  if (settings.totp_pending_sealed.empty())
    return fail(ErrorKind::invalid, "no enrolment is waiting: start one first", "", "code");
  auto secret = totp_secret(settings.totp_pending_sealed);
  auto step = secret.empty() ? std::nullopt : verify_totp(secret, code, m_clock.now(), 0);
  if (!step) return fail(ErrorKind::invalid, "the code is not valid; check the time on your phone", "", "code");
  settings.totp_sealed = std::exchange(settings.totp_pending_sealed, {});
  settings.totp_last_step = *step;
  settings.recovery_requested = settings.recovery_approved = false;
  TRY(m_store.set_security_settings(settings));
  return new_codes(user.id);
}

Status WebLogins::disable_second_factor(const store::User& user, const std::string& password, const std::string& code,
                                        const std::string& ip) {
  auto policy = TRY(m_store.org_policy(user.org_id));
  if (policy.require_2fa)
    return fail(ErrorKind::permission, "your organisation requires two-factor authentication: it cannot be disabled");
  auto before = TRY(m_store.security_settings(user.id));
  if (before.totp_sealed.empty()) return fail(ErrorKind::invalid, "two-factor authentication is not on");
  TRY(confirm_password(user, password, ip));
  auto settings = TRY(m_store.security_settings(user.id));
  if (!accept_totp(settings, code)) return fail(ErrorKind::permission, "wrong or already used code", "", "code");
  settings.totp_sealed.clear();
  settings.totp_pending_sealed.clear();
  TRY(m_store.set_security_settings(settings));
  return m_store.set_emergency_codes(user.id, {});
}

LoginRefusal WebLogins::request_recovery(const WebLoginRequest& r) {
  LoginRefusal done{LoginRefusal::Why::credentials,
                    "if the login and password are right and the account has a second factor or is locked, an "
                    "administrator of your organisation has been asked to approve the recovery",
                    std::chrono::milliseconds(0)};
  auto key = ascii_lower(r.login);
  auto wait = m_throttle.pending(r.ip, key);
  if (wait > kRefuseAbove)
    return {LoginRefusal::Why::throttled, "too many failed logins from this address; try again later", wait};
  auto user = m_store.find_user(r.login);
  bool ok = check_password(user && !user->password_hash.empty() ? user->password_hash : dummy_hash(), r.password);
  if (!user || !ok || user->password_hash.empty()) {
    done.delay = m_throttle.failed(r.ip, key);
    return done;
  }
  // For a lost second factor, or a locked account (its owner still knows the password).
  auto settings = m_store.security_settings(user->id);
  if (!settings || (settings->totp_sealed.empty() && !settings->locked_since) || settings->recovery_requested)
    return done;
  settings->recovery_requested = true;
  settings->recovery_approved = false;
  if (!m_store.set_security_settings(*settings)) return done;
  audit(*user, "security.recovery_requested", r.ip, "");
  log::info("web.recovery_requested", {{"login", user->login}, {"ip", r.ip}});
  return done;
}

Result<std::vector<std::string>> WebLogins::regenerate_codes(const store::User& user, const std::string& code) {
  auto settings = TRY(m_store.security_settings(user.id));
  if (settings.totp_sealed.empty()) return fail(ErrorKind::invalid, "two-factor authentication is not on");
  if (!accept_totp(settings, code)) return fail(ErrorKind::permission, "wrong or already used code", "", "code");
  TRY(m_store.set_security_settings(settings));
  return new_codes(user.id);
}

}  // namespace estafeta::auth
