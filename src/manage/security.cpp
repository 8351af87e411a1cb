// Account security that an organisation's admins manage: unlocking,
// the organisation's policy, second-factor recovery.
#include <fmt/format.h>

#include "manage/manager.hpp"

namespace estafeta::manage {

Result<bool> Manager::unlock_user(const Actor& actor, const std::string& login) {
  auto u = TRY(visible_user(actor, login));
  TRY(may_manage_org(actor, u.org_id));
  auto settings = TRY(m_store.security_settings(u.id));
  bool was_locked = settings.locked_since.has_value();
  settings.locked_since.reset();
  settings.failed_logins = 0;
  TRY(m_store.set_security_settings(settings));
  audit(actor, u.org_id, "security.unlock", u.login, was_locked ? "" : "was not locked");
  return was_locked;
}

Result<store::OrgPolicy> Manager::org_policy(const Actor& actor, const std::string& org) {
  auto o = TRY(visible_org(actor, org));
  return m_store.org_policy(o.id);
}

Result<store::OrgPolicy> Manager::set_org_policy(const Actor& actor, const std::string& org,
                                                 std::optional<bool> require_2fa,
                                                 std::optional<int> min_lockout_threshold) {
  auto o = TRY(visible_org(actor, org));
  TRY(may_manage_org(actor, o.id));
  auto p = TRY(m_store.org_policy(o.id));
  if (require_2fa) p.require_2fa = *require_2fa;
  if (min_lockout_threshold) {
    if (*min_lockout_threshold < 1 || *min_lockout_threshold > 100)
      return fail(ErrorKind::invalid, "the minimum lockout threshold must be between 1 and 100", "",
                  "min_lockout_threshold");
    p.min_lockout_threshold = *min_lockout_threshold;
  }
  TRY(m_store.set_org_policy(p));
  audit(actor, o.id, "security.policy", o.name,
        fmt::format("require_2fa={} min_lockout_threshold={}", p.require_2fa, p.min_lockout_threshold));
  return p;
}

Result<std::vector<store::User>> Manager::recovery_requests(const Actor& actor, const std::optional<std::string>& org) {
  if (!actor.is_operator()) TRY(may_manage_org(actor, actor.user->org_id));
  auto users = TRY(list_users(actor, org));
  std::vector<store::User> out;
  for (auto& u : users) {
    auto s = TRY(m_store.security_settings(u.id));
    if (s.recovery_requested && !s.recovery_approved) out.push_back(u);
  }
  return out;
}

Status Manager::approve_recovery(const Actor& actor, const std::string& login) {
  auto u = TRY(visible_user(actor, login));
  TRY(may_manage_org(actor, u.org_id));
  auto settings = TRY(m_store.security_settings(u.id));
  if (!settings.recovery_requested)
    return fail(ErrorKind::invalid, fmt::format("{} has not asked for a recovery", u.login));
  settings.recovery_approved = true;
  // The recovery flow also ends a lockout (DESIGN §2.2).
  bool was_locked = settings.locked_since.has_value();
  settings.locked_since.reset();
  settings.failed_logins = 0;
  TRY(m_store.set_security_settings(settings));
  audit(actor, u.org_id, "security.recovery_approved", u.login, was_locked ? "the account is unlocked" : "");
  return {};
}

}  // namespace estafeta::manage
