// Per-address settings (quota, Sent copy) and the per-domain SPF policy:
// who may change or read them, and the audit trail of each change.
#include <fmt/format.h>

#include "core/ascii.hpp"
#include "manage/manager.hpp"

namespace estafeta::manage {

namespace {

std::string limit_text(const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : "none"; }

}  // namespace

Result<store::Address> Manager::update_address(const Actor& actor, const std::string& address,
                                               const AddressChange& change) {
  auto a = TRY(visible_address(actor, address));
  TRY(may_manage_org(actor, a.org_id));
  if (change.empty()) return fail(ErrorKind::invalid, "nothing to change");
  auto settings = a.settings;
  if (change.quota_bytes) settings.quota_bytes = *change.quota_bytes;
  if (change.quota_messages) settings.quota_messages = *change.quota_messages;
  if (change.save_sent) settings.save_sent = *change.save_sent;
  TRY(m_store.set_address_settings(a.id, settings));
  a.settings = settings;
  audit(actor, a.org_id, "address.update", a.address,
        fmt::format("quota_bytes={} quota_messages={} save_sent={}", limit_text(settings.quota_bytes),
                    limit_text(settings.quota_messages), settings.save_sent));
  return a;
}

Result<AddressView> Manager::show_address(const Actor& actor, const std::string& address) {
  auto a = TRY(visible_address(actor, address));
  bool user_of_address = actor.user && m_store.find_access(a.id, actor.user->id).has_value();
  if (!user_of_address) TRY(may_manage_org(actor, a.org_id));
  return AddressView{a, TRY(m_store.address_usage(a.id))};
}

Result<std::vector<AddressView>> Manager::list_address_usage(const Actor& actor) {
  std::optional<store::Id> org_id;
  if (!actor.is_operator()) {
    org_id = actor.user->org_id;
    TRY(may_manage_org(actor, *org_id));
  }
  std::vector<AddressView> out;
  for (auto& a : TRY(m_store.list_addresses(org_id))) out.push_back(AddressView{a, TRY(m_store.address_usage(a.id))});
  return out;
}

Result<store::Domain> Manager::set_domain_spf_fail(const Actor& actor, const std::string& domain,
                                                   store::SpfFailPolicy policy) {
  auto [d, org_id] = TRY(managed_domain(actor, domain));
  TRY(m_store.set_domain_spf_fail(d.id, policy));
  d.spf_fail = policy;
  audit(actor, org_id, "domain.update", d.name, fmt::format("spf_fail={}", store::to_string(policy)));
  return d;
}

Result<store::Domain> Manager::set_domain_dmarc_reject(const Actor& actor, const std::string& domain,
                                                       store::DmarcRejectPolicy policy) {
  auto [d, org_id] = TRY(managed_domain(actor, domain));
  TRY(m_store.set_domain_dmarc_reject(d.id, policy));
  d.dmarc_reject = policy;
  audit(actor, org_id, "domain.update", d.name, fmt::format("dmarc_reject={}", store::to_string(policy)));
  return d;
}

}  // namespace estafeta::manage
