// Organisations and their user accounts.
#include <fmt/format.h>

#include "auth/password.hpp"
#include "core/ascii.hpp"
#include "manage/manager.hpp"

namespace estafeta::manage {

Result<store::Organisation> Manager::create_organisation(const Actor& actor, const std::string& name) {
  TRY(operator_only(actor));
  TRY(check_label("an organisation name", name, 200));
  auto org = TRY(m_store.create_organisation(name));
  audit(actor, org.id, "org.create", name);
  return org;
}

Result<std::vector<store::Organisation>> Manager::list_organisations(const Actor& actor) {
  if (actor.is_operator()) return m_store.list_organisations();
  auto org = TRY(m_store.organisation(actor.user->org_id));
  return std::vector<store::Organisation>{org};
}

Status Manager::delete_organisation(const Actor& actor, const std::string& name) {
  TRY(operator_only(actor));
  auto org = TRY(m_store.find_organisation(name));
  // Sessions of its addresses must end: they are about to disappear.
  auto services = TRY(m_store.list_services(org.id));
  TRY(m_store.delete_organisation(org.id));
  for (auto& s : services) {
    Event e{EventKind::service_locked};
    e.service_id = s.id;
    m_bus.publish(e);
  }
  audit(actor, 0, "org.delete", name);
  return {};
}

Result<store::User> Manager::create_user(const Actor& actor, const std::string& org_name, const std::string& login,
                                         const std::string& display_name, store::Role role,
                                         const std::string& password) {
  auto org = TRY(visible_org(actor, org_name));
  TRY(may_manage_org(actor, org.id));
  TRY(check_login(login));
  TRY(check_label("a display name", display_name, 200));
  // A login identifier that is an address shared with others would let its
  // owner's login be used by them: refused (DESIGN §2.1).
  if (auto addr = m_store.find_address(login)) {
    auto accesses = TRY(m_store.list_accesses(addr->id));
    if (!accesses.empty())
      return fail(ErrorKind::invalid,
                  fmt::format("the address '{}' is shared with other users; it cannot be a login identifier", login));
  }
  // A login inside a domain another organisation holds (verified or
  // claimed), or below one, would pass for one of its addresses: refused.
  if (auto at = login.rfind('@'); at != std::string::npos) {
    auto domain = ascii_lower(login.substr(at + 1));
    if (domain.empty() || domain.ends_with('.'))
      return fail(ErrorKind::invalid, fmt::format("'{}' does not end in a domain name", login));
    if (auto holder = TRY(holder_of(domain, true)); holder && *holder != org.id)
      return fail(ErrorKind::invalid,
                  fmt::format("'{}' is inside a domain of another organisation; choose another login", login));
  }
  store::User u;
  u.org_id = org.id;
  u.login = login;
  u.display_name = display_name;
  u.role = role;
  if (!password.empty()) {
    TRY(auth::check_password_policy(password));
    u.password_hash = TRY(auth::hash_password(password));
  }
  auto created = TRY(m_store.create_user(u));
  audit(actor, org.id, "user.create", login, fmt::format("role={}", to_string(role)));
  return created;
}

Result<std::vector<store::User>> Manager::list_users(const Actor& actor, const std::optional<std::string>& org_name) {
  std::optional<store::Id> org_id;
  if (org_name) org_id = TRY(visible_org(actor, *org_name)).id;
  if (!actor.is_operator()) org_id = actor.user->org_id;
  return m_store.list_users(org_id);
}

Result<store::User> Manager::update_user(const Actor& actor, const std::string& login, std::optional<store::Role> role,
                                         const std::optional<std::string>& display_name) {
  auto u = TRY(visible_user(actor, login));
  bool self = actor.user && actor.user->id == u.id;
  if (role || !self) TRY(may_manage_org(actor, u.org_id));
  if (display_name) TRY(check_label("display name", *display_name, 200));
  auto manages = [](store::Role r) { return r == store::Role::admin || r == store::Role::legal; };
  if (role && manages(u.role) && !manages(*role)) {
    auto members = TRY(m_store.list_users(u.org_id));
    int others = 0;
    for (auto& m : members)
      if (m.id != u.id && manages(m.role)) ++others;
    if (others == 0)
      return fail(ErrorKind::in_use, "this is the organisation's last administrator: name another one first", "",
                  "role");
  }
  store::User out = u;
  if (role) out.role = *role;
  if (display_name) out.display_name = *display_name;
  TRY(m_store.set_user_profile(u.id, out.role, out.display_name));
  audit(actor, u.org_id, "user.update", u.login,
        fmt::format("role={} name={}", store::to_string(out.role), out.display_name));
  return out;
}

Status Manager::set_password(const Actor& actor, const std::string& login, const std::string& password) {
  auto u = TRY(visible_user(actor, login));
  bool self = actor.user && actor.user->id == u.id;
  if (!self) TRY(may_manage_org(actor, u.org_id));
  TRY(auth::check_password_policy(password));
  TRY(m_store.set_user_password_hash(u.id, TRY(auth::hash_password(password))));
  // In the activity log under security, wherever the change came from.
  Actor as_security = actor;
  as_security.product = "security";
  audit(as_security, u.org_id, self ? "security.password_changed" : "security.password_reset", u.login, "");
  return {};
}

Status Manager::delete_user(const Actor& actor, const std::string& login) {
  auto u = TRY(visible_user(actor, login));
  bool self = actor.user && actor.user->id == u.id;  // anyone may delete their own account (DESIGN §2.2)
  if (!self) TRY(may_manage_org(actor, u.org_id));
  auto members = TRY(m_store.list_users(u.org_id));
  if (members.size() == 1)
    return fail(ErrorKind::in_use, "this is the last account of its organisation: delete the organisation instead");
  bool manages = u.role == store::Role::admin || u.role == store::Role::legal;
  if (manages) {
    int others = 0;
    for (auto& m : members)
      if (m.id != u.id && (m.role == store::Role::admin || m.role == store::Role::legal)) ++others;
    if (others == 0)
      return fail(ErrorKind::in_use, "this is the organisation's last administrator: name another one first");
  }
  // Its accesses go with it; their sessions must end.
  auto accesses = TRY(m_store.list_user_accesses(u.id));
  TRY(m_store.delete_user(u.id));
  for (auto& a : accesses) {
    Event e{EventKind::access_revoked};
    e.access_id = a.id;
    e.address_id = a.address_id;
    m_bus.publish(e);
  }
  audit(actor, u.org_id, "user.delete", login);
  return {};
}

}  // namespace estafeta::manage
