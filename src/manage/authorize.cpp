// Who may do what, and the audit trail of what was done.
#include "manage/manager.hpp"

#include "core/ascii.hpp"
#include "core/log.hpp"

namespace estafeta::manage {

Status Manager::operator_only(const Actor& actor) {
  if (actor.is_operator()) return {};
  return fail(ErrorKind::permission, "only the server operator may do this");
}

Status Manager::may_manage_org(const Actor& actor, store::Id org_id) {
  if (actor.is_operator()) return {};
  auto& u = *actor.user;
  if (u.org_id == org_id && (u.role == store::Role::admin || u.role == store::Role::legal)) return {};
  return fail(ErrorKind::permission, "only an administrator or legal representative of the organisation may do this");
}

// Objects of other organisations are "not found" to a user: no existence leak.
Result<store::Organisation> Manager::visible_org(const Actor& actor, const std::string& name) {
  auto org = m_store.find_organisation(name);
  if (!org) return org;
  if (!actor.is_operator() && actor.user->org_id != org->id) return fail(ErrorKind::not_found, "no such organisation");
  return org;
}

Result<store::Address> Manager::visible_address(const Actor& actor, const std::string& address) {
  auto a = m_store.find_address(address);
  if (!a) return a;
  if (!actor.is_operator() && actor.user->org_id != a->org_id) return fail(ErrorKind::not_found, "no such address");
  return a;
}

Result<std::pair<store::Domain, store::Id>> Manager::managed_domain(const Actor& actor, const std::string& domain) {
  auto name = ascii_lower(domain);
  if (name.ends_with('.')) name.pop_back();
  auto d = TRY(m_store.find_domain(name));
  auto s = TRY(m_store.service(d.service_id));
  if (!actor.is_operator() && actor.user->org_id != s.org_id) return fail(ErrorKind::not_found, "no such domain");
  TRY(may_manage_org(actor, s.org_id));
  return std::pair{std::move(d), s.org_id};
}

Result<store::User> Manager::visible_user(const Actor& actor, const std::string& login) {
  auto u = m_store.find_user(login);
  if (!u) return u;
  if (!actor.is_operator() && actor.user->org_id != u->org_id) return fail(ErrorKind::not_found, "no such user");
  return u;
}

void Manager::audit(const Actor& actor, store::Id org_id, const std::string& action, const std::string& target,
                    const std::string& detail) {
  store::AuditEntry e;
  e.org_id = org_id;
  if (actor.user) e.actor_user_id = actor.user->id;
  e.actor = actor.label();
  e.action = action;
  e.target = target;
  e.product = actor.product;
  e.ip = actor.ip;
  e.detail = detail;
  e.time = m_clock.now();
  // The action is done; a failed audit write must not undo it, but it is logged.
  if (auto r = m_store.append_audit(e); !r)
    log::error("audit.write_failed", {{"action", action}, {"target", target}, {"detail", r.error().detail}});
}

}  // namespace estafeta::manage
