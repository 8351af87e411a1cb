// The part of the Store that keeps account security (DESIGN §2.2): browser
// sessions and API tokens (their secrets only as keyed hashes), each user's
// second factor (the TOTP secret sealed with the server key, the last step
// used, single-use emergency codes), lockout and alert settings, the
// organisation's policy, and the login history.
//
// Every lookup by a secret goes through its hash; every list and change of
// a user's sessions or tokens names the user in the query itself, so an id
// from another account finds nothing (not_found).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store {

// How a login proved who it was.
enum class LoginMethod { password, password_totp, password_emergency, token, device };
const char* to_string(LoginMethod method);

struct WebSession {
  Id id = 0;
  Id user_id = 0;
  std::string token_hash;  // keyed hash of the cookie value
  LoginMethod method = LoginMethod::password;
  std::string ip;
  std::string user_agent;
  Time created = 0;
  Time last_seen = 0;
  Time expires = 0;  // absolute end, whatever the activity
};

struct ApiToken {
  Id id = 0;
  Id user_id = 0;
  std::string label;
  std::string token_hash;
  Time created = 0;
  Time last_used = 0;  // 0: never
  std::string last_ip;
};

struct SecuritySettings {
  Id user_id = 0;
  std::string totp_sealed;          // empty: no second factor
  std::string totp_pending_sealed;  // an enrolment waiting for its first code
  std::int64_t totp_last_step = 0;  // the newest step whose code was accepted
  int lockout_threshold = 10;       // consecutive failures that lock the account
  int failed_logins = 0;            // consecutive, since the last success
  std::optional<Time> locked_since;
  bool alert_on_success = false;
  bool alert_on_failure = false;
  std::string alert_address;  // where alerts go; empty: the user's own address, if any
  std::string language = "es";
  bool recovery_requested = false;  // lost second factor: waiting for an admin
  bool recovery_approved = false;   // an admin approved: the next login may enrol again
};

struct OrgPolicy {
  Id org_id = 0;
  bool require_2fa = false;
  int min_lockout_threshold = 3;  // users may not set a lower threshold
};

struct LoginRecord {
  Id id = 0;
  Id user_id = 0;
  Time time = 0;
  std::string ip;
  std::string user_agent;
  LoginMethod method = LoginMethod::password;
  bool success = false;
  std::string reason;  // failures: "password", "totp", "locked", …
};

class Security {
 public:
  virtual ~Security() = default;

  // --- browser sessions
  virtual Result<WebSession> create_web_session(const WebSession& session) = 0;  // id assigned
  // A live session (not expired at `now`) by the hash of its cookie.
  virtual Result<WebSession> find_web_session(const std::string& token_hash, Time now) = 0;
  virtual Status touch_web_session(Id id, Time now) = 0;
  virtual Result<std::vector<WebSession>> list_web_sessions(Id user_id, Time now) = 0;
  virtual Status delete_web_session(Id user_id, Id id) = 0;  // not_found when not the user's
  // Every session of the user but `keep` (0: all). Returns how many ended.
  virtual Result<int> delete_web_sessions(Id user_id, Id keep) = 0;

  // --- API tokens
  virtual Result<ApiToken> create_api_token(const ApiToken& token) = 0;
  virtual Result<ApiToken> find_api_token(const std::string& token_hash) = 0;
  virtual Status touch_api_token(Id id, Time now, const std::string& ip) = 0;
  virtual Result<std::vector<ApiToken>> list_api_tokens(Id user_id) = 0;
  virtual Status delete_api_token(Id user_id, Id id) = 0;  // not_found when not the user's

  // --- second factor, lockout, alerts (a user without a row has the defaults)
  virtual Result<SecuritySettings> security_settings(Id user_id) = 0;
  virtual Status set_security_settings(const SecuritySettings& settings) = 0;
  // Replaces the user's emergency codes (keyed hashes).
  virtual Status set_emergency_codes(Id user_id, const std::vector<std::string>& code_hashes) = 0;
  // Marks the code used; false when it is not one of the user's unused codes.
  virtual Result<bool> use_emergency_code(Id user_id, const std::string& code_hash) = 0;
  virtual Result<int> emergency_codes_left(Id user_id) = 0;

  // --- organisation policy
  // The web app's settings of a user: one JSON object, whose members the
  // app defines (the API bounds its size); "{}" until it was set.
  virtual Result<std::string> preferences(Id user_id) = 0;
  virtual Status set_preferences(Id user_id, const std::string& json, Time now) = 0;

  virtual Result<OrgPolicy> org_policy(Id org_id) = 0;
  virtual Status set_org_policy(const OrgPolicy& policy) = 0;

  // --- login history (kept kLoginHistoryDays)
  virtual Status record_login(const LoginRecord& record) = 0;
  // Newest first; `before_id` 0 for the first page, then the last id seen.
  virtual Result<std::vector<LoginRecord>> login_history(Id user_id, Id before_id, std::size_t limit) = 0;
  virtual Status prune_login_history(Time before) = 0;
};

inline constexpr int kLoginHistoryDays = 90;

}  // namespace estafeta::store
