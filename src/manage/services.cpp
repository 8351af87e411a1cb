// Mail services, their domains and addresses.
#include <fmt/format.h>

#include "core/ascii.hpp"
#include "manage/manager.hpp"

namespace estafeta::manage {

Result<store::MailService> Manager::create_service(const Actor& actor, const std::string& org_name,
                                                   const std::string& name) {
  auto org = TRY(visible_org(actor, org_name));
  TRY(may_manage_org(actor, org.id));
  TRY(check_label("a mail service name", name, 200));
  auto s = TRY(m_store.create_service(org.id, name));
  audit(actor, org.id, "service.create", name);
  return s;
}

Result<std::vector<store::MailService>> Manager::list_services(const Actor& actor,
                                                               const std::optional<std::string>& org_name) {
  std::optional<store::Id> org_id;
  if (org_name) org_id = TRY(visible_org(actor, *org_name)).id;
  if (!actor.is_operator()) org_id = actor.user->org_id;
  return m_store.list_services(org_id);
}

Status Manager::set_service_locked(const Actor& actor, const std::string& name, bool locked) {
  auto s = TRY(m_store.find_service(name));
  if (!actor.is_operator() && actor.user->org_id != s.org_id) return fail(ErrorKind::not_found, "no such mail service");
  TRY(may_manage_org(actor, s.org_id));
  TRY(m_store.set_service_locked(s.id, locked));
  if (locked) {
    Event e{EventKind::service_locked};
    e.service_id = s.id;
    m_bus.publish(e);
  }
  audit(actor, s.org_id, locked ? "service.lock" : "service.unlock", name);
  return {};
}

Result<std::vector<store::Domain>> Manager::list_domains(const Actor& actor,
                                                         const std::optional<std::string>& service) {
  if (service) {
    auto s = TRY(m_store.find_service(*service));
    if (!actor.is_operator() && actor.user->org_id != s.org_id)
      return fail(ErrorKind::not_found, "no such mail service");
    return m_store.list_domains(s.id);
  }
  if (actor.is_operator()) return m_store.list_domains(std::nullopt);
  std::vector<store::Domain> out;
  for (auto& s : TRY(m_store.list_services(actor.user->org_id)))
    for (auto& d : TRY(m_store.list_domains(s.id))) out.push_back(d);
  return out;
}

Status Manager::remove_domain(const Actor& actor, const std::string& domain) {
  auto [d, org_id] = TRY(managed_domain(actor, domain));
  TRY(m_store.remove_domain(d.id));
  audit(actor, org_id, "domain.remove", d.name);
  return {};
}

Result<store::Address> Manager::create_address(const Actor& actor, const std::string& address) {
  auto at = address.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == address.size())
    return fail(ErrorKind::invalid, fmt::format("'{}' is not an address of the form name@domain", address));
  auto local = address.substr(0, at);
  auto domain_name = ascii_lower(address.substr(at + 1));
  TRY(check_local_part(local));
  auto domain = m_store.find_domain(domain_name);
  if (!domain)
    return fail(ErrorKind::not_found,
                fmt::format("the domain '{}' is not in any mail service; add it first (estafeta admin domain add)",
                            domain_name));
  auto s = TRY(m_store.service(domain->service_id));
  if (!actor.is_operator() && actor.user->org_id != s.org_id)
    return fail(ErrorKind::not_found, fmt::format("the domain '{}' is not in any of your mail services", domain_name));
  TRY(may_manage_org(actor, s.org_id));
  if (!domain->verified)
    return fail(ErrorKind::invalid,
                fmt::format("the domain '{}' is not verified yet: publish a TXT record {} with \"{}\" and run "
                            "'estafeta admin domain verify {}'",
                            domain_name, verification_name(domain_name), verification_value(domain->verify_token),
                            domain_name));
  auto a = TRY(m_store.create_address(domain->id, local));
  audit(actor, s.org_id, "address.create", a.address);
  return a;
}

Result<std::vector<store::Address>> Manager::list_addresses(const Actor& actor,
                                                            const std::optional<std::string>& org_name) {
  std::optional<store::Id> org_id;
  if (org_name) org_id = TRY(visible_org(actor, *org_name)).id;
  if (!actor.is_operator()) org_id = actor.user->org_id;
  return m_store.list_addresses(org_id);
}

Status Manager::delete_address(const Actor& actor, const std::string& address) {
  auto a = TRY(visible_address(actor, address));
  TRY(may_manage_org(actor, a.org_id));
  auto accesses = TRY(m_store.list_accesses(a.id));
  TRY(m_store.delete_address(a.id));
  for (auto& x : accesses) {
    Event e{EventKind::access_revoked};
    e.access_id = x.id;
    e.address_id = a.id;
    m_bus.publish(e);
  }
  audit(actor, a.org_id, "address.delete", a.address);
  return {};
}

}  // namespace estafeta::manage
