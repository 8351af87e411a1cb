// DKIM keys of the served domains (RFC 6376 §3.6, RFC 8463): made with
// the zone, one Ed25519 and one RSA-2048 side by side, and rotated.
//
// A rotation never leaves mail unverifiable: the new keys are published
// first and sign only once resolvers can see them (kDkimPublishGrace); the
// old ones stop signing then, and their records stay until mail signed
// with them has been checked (kDkimRetireGrace). Private keys reach the
// store sealed with the server key.
#include <fmt/format.h>

#include <algorithm>

#include "dns/dkim.hpp"
#include "manage/manager.hpp"
#include "manage/zone_records.hpp"

namespace estafeta::manage {

namespace {

constexpr const char* kSealPurpose = "dkim-private-key";

const char* selector_prefix(dns::dkim::Algorithm a) { return a == dns::dkim::Algorithm::ed25519_sha256 ? "ed" : "rsa"; }

DkimKeyView view_of(store::DkimKey key, const std::string& domain) {
  key.sealed_private.clear();
  auto name = dkim_record_name(key.selector, domain);
  return {std::move(key), std::move(name)};
}

}  // namespace

std::string_view dkim_seal_purpose() { return kSealPurpose; }

Result<std::vector<store::DkimKey>> Manager::new_dkim_keys(const store::Domain& domain, store::DkimKeyState state) {
  auto existing = TRY(m_store.dkim_keys(domain.id));
  auto taken = [&](const std::string& selector) {
    return std::any_of(existing.begin(), existing.end(), [&](auto& k) { return k.selector == selector; });
  };
  std::vector<store::DkimKey> out;
  for (auto algorithm : {dns::dkim::Algorithm::ed25519_sha256, dns::dkim::Algorithm::rsa_sha256}) {
    auto key = TRY(dns::dkim::PrivateKey::generate(algorithm));
    auto base = fmt::format("{}-{}", selector_prefix(algorithm), zone_day(m_clock.now()));
    auto selector = base;
    for (int n = 2; taken(selector); ++n) selector = fmt::format("{}-{}", base, n);
    store::DkimKey k;
    k.domain_id = domain.id;
    k.selector = selector;
    k.algorithm = dns::dkim::to_string(algorithm);
    k.sealed_private = m_keyring.seal(key.pem(), kSealPurpose);
    k.public_record = key.public_record();
    k.state = state;
    k.created = m_clock.now();
    auto stored = TRY(m_store.add_dkim_key(k));
    existing.push_back(stored);
    out.push_back(std::move(stored));
  }
  return out;
}

Result<std::vector<DkimKeyView>> Manager::dkim_keys(const Actor& actor, const std::string& domain) {
  auto [d, org_id] = TRY(managed_domain(actor, domain));
  auto keys = TRY(m_store.dkim_keys(d.id));
  std::sort(keys.begin(), keys.end(), [](auto& a, auto& b) { return a.id > b.id; });
  std::vector<DkimKeyView> out;
  for (auto& k : keys) out.push_back(view_of(std::move(k), d.name));
  return out;
}

Result<std::vector<DkimKeyView>> Manager::rotate_dkim(const Actor& actor, const std::string& domain, bool now) {
  store::Id org_id = 0;
  auto zone = TRY(managed_zone(actor, domain, &org_id));
  auto [d, _] = TRY(managed_domain(actor, domain));
  auto keys = TRY(new_dkim_keys(d, store::DkimKeyState::published));
  auto when = m_clock.now();
  TRY(m_store.edit_zone(
      zone.id, [&](const store::DnsZone& z, const std::vector<store::DnsRecord>& stored) -> Result<store::ZoneEdit> {
        auto records = TRY(zone_records(stored));
        store::ZoneEdit edit;
        for (auto& k : keys) {
          auto data = TRY(dns::parse_record_data(dns::RrType::txt, k.public_record));
          dns::ZoneRecord r{0, dkim_record_name(k.selector, z.apex), dns::RrType::txt, dns::kDefaultTtl,
                            std::move(data)};
          TRY(dns::check_zone_change(z.apex, records, r));
          records.push_back(r);
          edit.add.push_back(stored_record(r));
        }
        TRY(bump_serial(z, records, when, edit));
        return edit;
      }));
  for (auto& k : keys)
    audit(actor, org_id, "dns.dkim.publish", d.name, fmt::format("selector={} {}", k.selector, k.algorithm));
  if (now) TRY(advance_domain_dkim(actor, d, org_id, true));
  return dkim_keys(actor, domain);
}

Result<int> Manager::advance_domain_dkim(const Actor& actor, const store::Domain& domain, store::Id org_id, bool now) {
  auto keys = TRY(m_store.dkim_keys(domain.id));
  auto t = m_clock.now();
  int changed = 0;
  std::vector<std::string> withdrawn;
  for (auto algorithm : {"ed25519-sha256", "rsa-sha256"}) {
    // The newest published key of the algorithm that has waited long enough.
    const store::DkimKey* next = nullptr;
    for (auto& k : keys)
      if (k.algorithm == algorithm && k.state == store::DkimKeyState::published &&
          (now || t - k.created >= kDkimPublishGrace) && (!next || k.id > next->id))
        next = &k;
    if (!next) continue;
    for (auto& k : keys) {
      if (k.algorithm != algorithm || &k == next) continue;
      if (k.state == store::DkimKeyState::active || (k.state == store::DkimKeyState::published && k.id < next->id)) {
        TRY(m_store.set_dkim_key_state(k.id, store::DkimKeyState::retiring, t));
        k.state = store::DkimKeyState::retiring;
        k.changed = t;
        audit(actor, org_id, "dns.dkim.retire", domain.name, "selector=" + k.selector);
        ++changed;
      }
    }
    TRY(m_store.set_dkim_key_state(next->id, store::DkimKeyState::active, t));
    audit(actor, org_id, "dns.dkim.activate", domain.name, "selector=" + next->selector);
    ++changed;
  }
  for (auto& k : keys)
    if (k.state == store::DkimKeyState::retiring && t - k.changed >= kDkimRetireGrace) {
      TRY(m_store.set_dkim_key_state(k.id, store::DkimKeyState::retired, t));
      withdrawn.push_back(dkim_record_name(k.selector, domain.name));
      audit(actor, org_id, "dns.dkim.withdraw", domain.name, "selector=" + k.selector);
      ++changed;
    }
  if (withdrawn.empty()) return changed;
  auto zone = m_store.zone_of_domain(domain.id);
  if (!zone) return changed;
  TRY(m_store.edit_zone(
      zone->id, [&](const store::DnsZone& z, const std::vector<store::DnsRecord>& stored) -> Result<store::ZoneEdit> {
        store::ZoneEdit edit;
        for (auto& r : stored)
          if (r.type == "TXT" && std::find(withdrawn.begin(), withdrawn.end(), r.name) != withdrawn.end())
            edit.remove.push_back(r.id);
        if (edit.remove.empty()) return edit;
        TRY(bump_serial(z, TRY(zone_records(stored)), t, edit));
        return edit;
      }));
  return changed;
}

Result<int> Manager::advance_dkim(const Actor& actor) {
  TRY(operator_only(actor));
  int changed = 0;
  for (auto& d : TRY(m_store.list_domains(std::nullopt))) {
    auto keys = TRY(m_store.dkim_keys(d.id));
    bool moving = std::any_of(keys.begin(), keys.end(), [](auto& k) {
      return k.state == store::DkimKeyState::published || k.state == store::DkimKeyState::retiring;
    });
    if (!moving) continue;
    auto s = TRY(m_store.service(d.service_id));
    changed += TRY(advance_domain_dkim(actor, d, s.org_id, false));
  }
  return changed;
}

}  // namespace estafeta::manage
