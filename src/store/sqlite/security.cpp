// Account security (store/security.hpp): sessions, tokens, second factor,
// lockout, policy and login history. Every query about a user's sessions
// or tokens names the user, so an id of another account matches nothing.
#include <fmt/format.h>

#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store {

const char* to_string(LoginMethod method) {
  switch (method) {
    case LoginMethod::password: return "password";
    case LoginMethod::password_totp: return "password+totp";
    case LoginMethod::password_emergency: return "password+emergency_code";
    case LoginMethod::token: return "api_token";
    case LoginMethod::device: return "device_password";
  }
  return "password";
}

namespace {

LoginMethod parse_method(const std::string& text) {
  for (auto m : {LoginMethod::password, LoginMethod::password_totp, LoginMethod::password_emergency, LoginMethod::token,
                 LoginMethod::device})
    if (text == to_string(m)) return m;
  return LoginMethod::password;
}

}  // namespace

namespace sqlite {

namespace {

constexpr const char* kSessionColumns = "id, user_id, token_hash, method, ip, user_agent, created, last_seen, expires";
WebSession read_session(const Statement& s) {
  return {.id = s.int64(0),
          .user_id = s.int64(1),
          .token_hash = s.text(2),
          .method = parse_method(s.text(3)),
          .ip = s.text(4),
          .user_agent = s.text(5),
          .created = s.int64(6),
          .last_seen = s.int64(7),
          .expires = s.int64(8)};
}

constexpr const char* kTokenColumns = "id, user_id, label, token_hash, created, last_used, last_ip";
ApiToken read_token(const Statement& s) {
  return {.id = s.int64(0),
          .user_id = s.int64(1),
          .label = s.text(2),
          .token_hash = s.text(3),
          .created = s.int64(4),
          .last_used = s.int64(5),
          .last_ip = s.text(6)};
}

constexpr const char* kLoginColumns = "id, user_id, time, ip, user_agent, method, success, reason";
LoginRecord read_login(const Statement& s) {
  return {.id = s.int64(0),
          .user_id = s.int64(1),
          .time = s.int64(2),
          .ip = s.text(3),
          .user_agent = s.text(4),
          .method = parse_method(s.text(5)),
          .success = s.int64(6) != 0,
          .reason = s.text(7)};
}

Status found_one(Database& db, const char* what) {
  if (db.changes() == 0) return fail(ErrorKind::not_found, what);
  return {};
}

}  // namespace

// --- browser sessions

Result<WebSession> SqliteStore::create_web_session(const WebSession& in) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      "INSERT INTO web_session (user_id, token_hash, method, ip, user_agent, created, last_seen, expires) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  st.bind(1, in.user_id).bind_blob(2, in.token_hash);
  st.bind(3, std::string_view(to_string(in.method))).bind(4, in.ip).bind(5, in.user_agent);
  st.bind(6, in.created).bind(7, in.last_seen).bind(8, in.expires);
  TRY(st.run());
  WebSession out = in;
  out.id = m_db->last_insert_id();
  return out;
}

Result<WebSession> SqliteStore::find_web_session(const std::string& token_hash, Time now) {
  auto db = read();
  auto st =
      TRY(db->prepare(fmt::format("SELECT {} FROM web_session WHERE token_hash = ? AND expires > ?", kSessionColumns)));
  st.bind_blob(1, token_hash).bind(2, now);
  if (!TRY(st.step())) return fail(ErrorKind::not_found, "no such session");
  return read_session(st);
}

Status SqliteStore::touch_web_session(Id id, Time now) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE web_session SET last_seen = ? WHERE id = ?"));
  return st.bind_all(now, id).run();
}

Result<std::vector<WebSession>> SqliteStore::list_web_sessions(Id user_id, Time now) {
  auto db = read();
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM web_session WHERE user_id = ? AND expires > ? ORDER BY last_seen DESC, id DESC",
                  kSessionColumns)));
  st.bind_all(user_id, now);
  return all<WebSession>(std::move(st), read_session);
}

Status SqliteStore::delete_web_session(Id user_id, Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM web_session WHERE id = ? AND user_id = ?"));
  TRY(st.bind_all(id, user_id).run());
  return found_one(*m_db, "no such session");
}

Result<int> SqliteStore::delete_web_sessions(Id user_id, Id keep) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM web_session WHERE user_id = ? AND id != ?"));
  TRY(st.bind_all(user_id, keep).run());
  return m_db->changes();
}

// --- API tokens

Result<ApiToken> SqliteStore::create_api_token(const ApiToken& in) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("INSERT INTO api_token (user_id, label, token_hash, created) VALUES (?, ?, ?, ?)"));
  st.bind(1, in.user_id).bind(2, in.label).bind_blob(3, in.token_hash).bind(4, in.created);
  TRY(st.run());
  ApiToken out = in;
  out.id = m_db->last_insert_id();
  return out;
}

Result<ApiToken> SqliteStore::find_api_token(const std::string& token_hash) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format("SELECT {} FROM api_token WHERE token_hash = ?", kTokenColumns)));
  st.bind_blob(1, token_hash);
  if (!TRY(st.step())) return fail(ErrorKind::not_found, "no such token");
  return read_token(st);
}

Status SqliteStore::touch_api_token(Id id, Time now, const std::string& ip) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE api_token SET last_used = ?, last_ip = ? WHERE id = ?"));
  return st.bind_all(now, ip, id).run();
}

Result<std::vector<ApiToken>> SqliteStore::list_api_tokens(Id user_id) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format("SELECT {} FROM api_token WHERE user_id = ? ORDER BY id DESC", kTokenColumns)));
  st.bind_all(user_id);
  return all<ApiToken>(std::move(st), read_token);
}

Status SqliteStore::delete_api_token(Id user_id, Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM api_token WHERE id = ? AND user_id = ?"));
  TRY(st.bind_all(id, user_id).run());
  return found_one(*m_db, "no such token");
}

// --- second factor, lockout, alerts

Result<SecuritySettings> SqliteStore::security_settings(Id user_id) {
  auto db = read();
  auto st = TRY(db->prepare(
      "SELECT totp_sealed, totp_pending_sealed, totp_last_step, lockout_threshold, failed_logins, locked_since, "
      "alert_on_success, alert_on_failure, alert_address, language, recovery_requested, recovery_approved "
      "FROM user_security WHERE user_id = ?"));
  st.bind_all(user_id);
  SecuritySettings out;
  out.user_id = user_id;
  if (!TRY(st.step())) return out;
  out.totp_sealed = st.text(0);
  out.totp_pending_sealed = st.text(1);
  out.totp_last_step = st.int64(2);
  out.lockout_threshold = static_cast<int>(st.int64(3));
  out.failed_logins = static_cast<int>(st.int64(4));
  out.locked_since = st.opt_int64(5);
  out.alert_on_success = st.int64(6) != 0;
  out.alert_on_failure = st.int64(7) != 0;
  out.alert_address = st.text(8);
  out.language = st.text(9);
  out.recovery_requested = st.int64(10) != 0;
  out.recovery_approved = st.int64(11) != 0;
  return out;
}

Status SqliteStore::set_security_settings(const SecuritySettings& in) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      "INSERT OR REPLACE INTO user_security (user_id, totp_sealed, totp_pending_sealed, totp_last_step, "
      "lockout_threshold, failed_logins, locked_since, alert_on_success, alert_on_failure, alert_address, language, "
      "recovery_requested, recovery_approved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  st.bind(1, in.user_id).bind_blob(2, in.totp_sealed).bind_blob(3, in.totp_pending_sealed);
  st.bind(4, in.totp_last_step).bind(5, std::int64_t{in.lockout_threshold}).bind(6, std::int64_t{in.failed_logins});
  st.bind(7, in.locked_since).bind(8, std::int64_t{in.alert_on_success}).bind(9, std::int64_t{in.alert_on_failure});
  st.bind(10, in.alert_address).bind(11, in.language).bind(12, std::int64_t{in.recovery_requested});
  st.bind(13, std::int64_t{in.recovery_approved});
  return st.run();
}

Result<std::string> SqliteStore::preferences(Id user_id) {
  auto db = read();
  auto st = TRY(db->prepare("SELECT json FROM user_preferences WHERE user_id = ?"));
  st.bind_all(user_id);
  if (!TRY(st.step())) return std::string("{}");
  return st.text(0);
}

Status SqliteStore::set_preferences(Id user_id, const std::string& json, Time now) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("INSERT OR REPLACE INTO user_preferences (user_id, json, updated) VALUES (?, ?, ?)"));
  st.bind_all(user_id, json, now);
  return st.run();
}

Status SqliteStore::set_emergency_codes(Id user_id, const std::vector<std::string>& code_hashes) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto del = TRY(m_db->prepare("DELETE FROM emergency_code WHERE user_id = ?"));
  TRY(del.bind_all(user_id).run());
  auto ins = TRY(m_db->prepare("INSERT INTO emergency_code (user_id, code_hash) VALUES (?, ?)"));
  for (auto& h : code_hashes) {
    ins.bind(1, user_id).bind_blob(2, h);
    TRY(ins.run());
    ins.reset();
  }
  return tx.commit();
}

Result<bool> SqliteStore::use_emergency_code(Id user_id, const std::string& code_hash) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE emergency_code SET used = 1 WHERE user_id = ? AND code_hash = ? AND used = 0"));
  st.bind(1, user_id).bind_blob(2, code_hash);
  TRY(st.run());
  return m_db->changes() == 1;
}

Result<int> SqliteStore::emergency_codes_left(Id user_id) {
  auto db = read();
  auto st = TRY(db->prepare("SELECT count(*) FROM emergency_code WHERE user_id = ? AND used = 0"));
  st.bind_all(user_id);
  TRY(st.step());
  return static_cast<int>(st.int64(0));
}

// --- organisation policy

Result<OrgPolicy> SqliteStore::org_policy(Id org_id) {
  auto db = read();
  auto st = TRY(db->prepare("SELECT require_2fa, min_lockout_threshold FROM org_policy WHERE org_id = ?"));
  st.bind_all(org_id);
  OrgPolicy out;
  out.org_id = org_id;
  if (!TRY(st.step())) return out;
  out.require_2fa = st.int64(0) != 0;
  out.min_lockout_threshold = static_cast<int>(st.int64(1));
  return out;
}

Status SqliteStore::set_org_policy(const OrgPolicy& in) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(
      m_db->prepare("INSERT OR REPLACE INTO org_policy (org_id, require_2fa, min_lockout_threshold) VALUES (?, ?, ?)"));
  return st.bind_all(in.org_id, std::int64_t{in.require_2fa}, std::int64_t{in.min_lockout_threshold}).run();
}

// --- login history

Status SqliteStore::record_login(const LoginRecord& in) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      "INSERT INTO login_history (user_id, time, ip, user_agent, method, success, reason) VALUES (?, ?, ?, ?, ?, ?, "
      "?)"));
  return st
      .bind_all(in.user_id, in.time ? in.time : unix_now(), in.ip, in.user_agent, std::string(to_string(in.method)),
                std::int64_t{in.success}, in.reason)
      .run();
}

Result<std::vector<LoginRecord>> SqliteStore::login_history(Id user_id, Id before_id, std::size_t limit) {
  auto db = read();
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM login_history WHERE user_id = ?1 AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3",
                  kLoginColumns)));
  st.bind_all(user_id, before_id, static_cast<std::int64_t>(limit));
  return all<LoginRecord>(std::move(st), read_login);
}

Status SqliteStore::prune_login_history(Time before) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM login_history WHERE time < ?"));
  return st.bind_all(before).run();
}

}  // namespace sqlite
}  // namespace estafeta::store
