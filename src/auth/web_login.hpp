// Logins to the web app and the management API (DESIGN §2.2): password
// (Argon2id), then the second factor when the account has one (a TOTP code,
// or one of the emergency codes), lockout after the user's threshold of
// consecutive failures, a per-IP throttle, the login history, and the
// browser session that a success opens. Also what a session or an API
// token proves on each later request.
//
// Every failed check takes the same path and time whether the login exists
// or not (an unknown login verifies the password against a dummy hash), and
// gets the same answer. The secrets handed out (session cookie, CSRF token,
// API token, emergency codes) exist in clear only in the answer; the store
// keeps keyed hashes (auth/device_password.hpp).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "auth/device_password.hpp"
#include "auth/throttle.hpp"
#include "core/clock.hpp"
#include "store/store.hpp"

namespace estafeta::auth {

// Browser sessions end after kSessionIdle without a request, and after
// kSessionLifetime whatever happens.
inline constexpr std::int64_t kSessionIdle = 4 * 3600;
inline constexpr std::int64_t kSessionLifetime = 24 * 3600;
inline constexpr int kEmergencyCodes = 10;

struct WebLoginRequest {
  std::string login;
  std::string password;
  std::string second_factor;  // a TOTP code or an emergency code; empty on the first try
  std::string ip;
  std::string user_agent;
};

struct LoginRefusal {
  enum class Why {
    credentials,             // unknown login or wrong password: one answer for both
    second_factor_required,  // the password was right; ask for the code
    second_factor_wrong,
    locked,     // too many failures: an administrator unlocks it
    throttled,  // this IP failed too often: retry later
  };
  Why why = Why::credentials;
  std::string message;
  std::chrono::milliseconds delay{0};  // hold the answer back this long
};

struct IssuedSession {
  store::WebSession session;
  store::User user;
  std::string token;  // the cookie value
  std::string csrf;   // what state-changing requests must echo in X-CSRF-Token
};

// Who a request is from.
struct Caller {
  store::User user;
  std::optional<store::WebSession> session;  // cookie
  std::optional<store::ApiToken> token;      // Authorization: Bearer
  // The organisation requires a second factor the account has not set up:
  // only what enrolling needs is open to it (web/api: Access::enrolment).
  bool must_enrol = false;
};

struct LoginAlert {
  store::User user;
  bool success = false;
  std::string ip;
  std::string user_agent;
  store::LoginMethod method = store::LoginMethod::password;
  std::string reason;  // failures
  store::Time time = 0;
};

// Thread-safe; blocking (store, Argon2id): from the worker pool.
class WebLogins {
 public:
  using AlertSink = std::function<void(const LoginAlert&, const store::SecuritySettings&)>;

  WebLogins(store::Store& store, const DeviceKeyring& keyring, Throttle& throttle, const Clock& clock)
      : m_store(store), m_keyring(keyring), m_throttle(throttle), m_clock(clock) {}

  // Where login alerts go (the server delivers them as mail).
  void set_alert_sink(AlertSink sink) { m_alerts = std::move(sink); }
  // Told of every login's outcome (metrics); set before sessions start.
  void set_observer(std::function<void(bool success)> observer) { m_observer = std::move(observer); }

  std::expected<IssuedSession, LoginRefusal> login(const WebLoginRequest& request);

  // The caller behind a session cookie: a live session, seen now. not_found otherwise.
  Result<Caller> from_cookie(const std::string& token, const std::string& ip);
  // Whether the user's organisation requires a second factor the user has
  // not set up yet.
  Result<bool> must_enrol(const store::User& user);
  // The caller behind an API token. not_found otherwise.
  Result<Caller> from_token(const std::string& token, const std::string& ip);
  // Whether `presented` is the CSRF token of the session whose cookie is `token`.
  bool csrf_matches(const std::string& token, const std::string& presented) const;
  std::string csrf_for(const std::string& token) const;

  Status logout(const Caller& caller);

  // The password of a logged-in user, asked again before a sensitive change
  // (turning the second factor off, deleting the account): throttled per
  // IP and counted towards the lockout like a failed login, so a stolen
  // session cannot be used to guess the password. permission (field
  // "password") when wrong; throttled when this IP must wait.
  Status confirm_password(const store::User& user, const std::string& password, const std::string& ip);

  // An API token for the caller's own account, returned in clear once.
  Result<std::pair<store::ApiToken, std::string>> create_token(const Caller& caller, const std::string& label);

  // --- the second factor
  struct Enrolment {
    std::string secret_base32;
    std::string uri;  // otpauth://
  };
  // Starts (or restarts) an enrolment: a new secret, pending until confirmed.
  // exists when the account already has a second factor.
  Result<Enrolment> start_enrolment(const store::User& user, const std::string& issuer);
  // Confirms with one valid code: the second factor is on, and the new
  // emergency codes are returned in clear (the only time).
  Result<std::vector<std::string>> confirm_enrolment(const store::User& user, const std::string& code);
  // Needs the password and a current TOTP code; refused (permission) when
  // the organisation requires a second factor.
  Status disable_second_factor(const store::User& user, const std::string& password, const std::string& code,
                               const std::string& ip);
  // Lost second factor or a locked account: with the right password, a
  // recovery request that an organisation admin approves
  // (manage::Manager::approve_recovery). The answer is the same whether the
  // login exists or the password is right.
  LoginRefusal request_recovery(const WebLoginRequest& request);
  // New emergency codes (the old ones stop working), given a current TOTP code.
  Result<std::vector<std::string>> regenerate_codes(const store::User& user, const std::string& code);

 private:
  LoginRefusal refuse(LoginRefusal::Why why, const WebLoginRequest& r, const std::optional<store::User>& user,
                      const std::string& reason);
  // An entry of the activity log: `user` did `action` to their own account.
  void audit(const store::User& user, const char* action, const std::string& ip, const std::string& detail);
  void record(const store::User& user, const WebLoginRequest& r, store::LoginMethod method, bool success,
              const std::string& reason, const store::SecuritySettings& settings);
  // Counts a failure against the account; locks it at the threshold.
  void count_failure(const store::User& user, store::SecuritySettings& settings);
  // The TOTP secret of the settings, opened; empty when there is none.
  std::string totp_secret(const std::string& sealed) const;
  // Checks a TOTP code and, when it is good, remembers its step.
  bool accept_totp(store::SecuritySettings& settings, const std::string& code);
  Result<std::vector<std::string>> new_codes(store::Id user_id);
  std::string hash(const std::string& secret) const { return m_keyring.hash(secret); }

  store::Store& m_store;
  const DeviceKeyring& m_keyring;
  Throttle& m_throttle;
  const Clock& m_clock;
  AlertSink m_alerts;
  std::function<void(bool)> m_observer;
};

}  // namespace estafeta::auth
