// DNS zones of the served domains (DESIGN §2.4): the records a mail service
// starts with, and record changes checked against the whole zone.
//
// Every change runs inside the store's write transaction (edit_zone), so
// the check sees exactly the records the change lands on, and moves the SOA
// serial on (RFC 1912 §2.2 dates, RFC 1982 arithmetic).
#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "dns/zone.hpp"
#include "manage/manager.hpp"
#include "manage/zone_records.hpp"

namespace estafeta::manage {

ZoneDefaults ZoneDefaults::from_config(const Config& config) {
  ZoneDefaults d;
  d.mail_host = ascii_lower(config.hostname);
  d.nameservers = config.zones.nameservers;
  if (d.nameservers.empty()) d.nameservers = {d.mail_host};
  // parse_config fills these in; a Config made in code may leave them empty.
  d.hostmaster = config.zones.hostmaster.empty() ? "hostmaster@" + d.mail_host : config.zones.hostmaster;
  d.spf_host = config.zones.spf_host.empty() ? "spf." + d.mail_host : config.zones.spf_host;
  d.addresses = config.zones.addresses;
  return d;
}

std::uint32_t zone_day(store::Time now) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return static_cast<std::uint32_t>((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
}

Result<std::string> absolute_record_name(std::string_view input, std::string_view apex) {
  std::string name = ascii_lower(input);
  if (name.empty() || name == "@") return std::string(apex);
  if (name.ends_with('.')) {
    name.pop_back();
  } else if (name != apex && !name.ends_with("." + std::string(apex))) {
    name += "." + std::string(apex);
  }
  auto normal = TRY(dns::normalize_zone_name(name));
  if (!dns::in_zone(normal, apex))
    return fail(ErrorKind::invalid, fmt::format("the name {} is outside the zone {}", normal, apex));
  return normal;
}

Result<dns::ZoneRecord> zone_record(const store::DnsRecord& r) {
  auto type = dns::parse_rr_type(r.type);
  if (!type) return fail(ErrorKind::internal, "store error", "unknown record type " + r.type);
  auto data = dns::parse_record_data(*type, r.data);
  if (!data) return fail(ErrorKind::internal, "store error", fmt::format("record {}: {}", r.id, data.error().message));
  return dns::ZoneRecord{r.id, r.name, *type, r.ttl, std::move(*data)};
}

Result<std::vector<dns::ZoneRecord>> zone_records(const std::vector<store::DnsRecord>& records) {
  std::vector<dns::ZoneRecord> out;
  out.reserve(records.size());
  for (auto& r : records) out.push_back(TRY(zone_record(r)));
  return out;
}

store::DnsRecord stored_record(const dns::ZoneRecord& r) {
  store::DnsRecord out;
  out.id = r.id;
  out.name = r.name;
  out.type = dns::to_string(r.type);
  out.ttl = r.ttl;
  out.data = dns::format_record_data(r.type, r.data);
  return out;
}

Status bump_serial(const store::DnsZone& zone, const std::vector<dns::ZoneRecord>& records, store::Time now,
                   store::ZoneEdit& edit) {
  edit.serial = dns::next_serial(zone.serial, zone_day(now));
  // The SOA being edited by this change, or the stored one.
  for (auto& u : edit.update)
    if (u.type == "SOA") {
      auto soa = TRY(zone_record(u));
      std::get<dns::SoaData>(soa.data).serial = edit.serial;
      u = stored_record(soa);
      return {};
    }
  for (auto& r : records)
    if (r.type == dns::RrType::soa) {
      auto soa = r;
      std::get<dns::SoaData>(soa.data).serial = edit.serial;
      edit.update.push_back(stored_record(soa));
      return {};
    }
  return {};  // a zone without SOA (never made here): the serial is kept in the zone alone
}

namespace {

// "hostmaster@example.com" → "hostmaster.example.com" (RFC 1035 §8).
std::string rname_of(const std::string& mailbox) {
  auto at = mailbox.find('@');
  return at == std::string::npos ? mailbox : mailbox.substr(0, at) + "." + mailbox.substr(at + 1);
}

class ZoneBuilder {
 public:
  explicit ZoneBuilder(std::string apex) : m_apex(std::move(apex)) {}

  // A record the zone must have: an error stops the zone.
  Status add(const std::string& name, dns::RrType type, std::string_view text) {
    auto data = TRY(dns::parse_record_data(type, text));
    dns::ZoneRecord r{0, name, type, dns::kDefaultTtl, std::move(data)};
    TRY(dns::check_zone_change(m_apex, m_records, r));
    m_records.push_back(std::move(r));
    return {};
  }
  // A record that is left out when the zone cannot have it (the mail host
  // is itself autoconfig.<apex>, …).
  void add_if_possible(const std::string& name, dns::RrType type, std::string_view text) {
    (void)add(name, type, text);
  }
  void add_addresses(const std::string& name, const std::vector<std::string>& addresses) {
    if (!dns::in_zone(name, m_apex)) return;
    for (auto& a : addresses) {
      auto ip = dns::IpAddress::parse(a);
      if (ip) add_if_possible(name, ip->is_v4() ? dns::RrType::a : dns::RrType::aaaa, a);
    }
  }
  const std::string& apex() const { return m_apex; }
  std::vector<store::DnsRecord> stored() const {
    std::vector<store::DnsRecord> out;
    for (auto& r : m_records) out.push_back(stored_record(r));
    return out;
  }

 private:
  std::string m_apex;
  std::vector<dns::ZoneRecord> m_records;
};

// RFC 6186 §3: where clients find each service of the domain.
constexpr std::pair<const char*, int> kMailServices[] = {
    {"_imaps._tcp", 993}, {"_submission._tcp", 587}, {"_submissions._tcp", 465}, {"_pop3s._tcp", 995}};

}  // namespace

Result<std::vector<store::DnsRecord>> default_zone_records(const std::string& apex, const ZoneDefaults& defaults,
                                                           std::uint32_t serial,
                                                           const std::vector<store::DkimKey>& keys) {
  ZoneBuilder z(apex);
  const auto& host = defaults.mail_host;
  TRY(z.add(apex, dns::RrType::soa,
            fmt::format("{} {} {} 7200 3600 1209600 300", defaults.nameservers.at(0), rname_of(defaults.hostmaster),
                        serial)));
  for (auto& ns : defaults.nameservers) TRY(z.add(apex, dns::RrType::ns, ns));
  TRY(z.add(apex, dns::RrType::mx, "10 " + host));
  TRY(z.add(apex, dns::RrType::txt, fmt::format("v=spf1 include:{} -all", defaults.spf_host)));
  TRY(z.add("_dmarc." + apex, dns::RrType::txt, "v=DMARC1; p=none"));
  for (auto& [service, port] : kMailServices)
    TRY(z.add(fmt::format("{}.{}", service, apex), dns::RrType::srv, fmt::format("0 1 {} {}", port, host)));
  z.add_addresses(host, defaults.addresses);
  for (auto& ns : defaults.nameservers) z.add_addresses(ns, defaults.addresses);
  for (auto name : {"autoconfig", "autodiscover"})
    z.add_if_possible(fmt::format("{}.{}", name, apex), dns::RrType::cname, host);
  if (dns::in_zone(defaults.spf_host, apex) && !defaults.addresses.empty()) {
    std::string spf = "v=spf1";
    for (auto& a : defaults.addresses) spf += (a.find(':') == std::string::npos ? " ip4:" : " ip6:") + a;
    z.add_if_possible(defaults.spf_host, dns::RrType::txt, spf + " -all");
  }
  for (auto& k : keys)
    if (k.state != store::DkimKeyState::retired)
      TRY(z.add(dkim_record_name(k.selector, apex), dns::RrType::txt, k.public_record));
  return z.stored();
}

std::string dkim_record_name(const std::string& selector, const std::string& domain) {
  return selector + "._domainkey." + domain;
}

Result<store::DnsZone> Manager::managed_zone(const Actor& actor, const std::string& domain, store::Id* org_id) {
  auto [d, org] = TRY(managed_domain(actor, domain));
  if (org_id) *org_id = org;
  auto zone = m_store.zone_of_domain(d.id);
  if (!zone && zone.error().kind == ErrorKind::not_found)
    return fail(ErrorKind::not_found,
                fmt::format("the domain {} has no DNS zone yet (estafeta dns zone create {})", d.name, d.name));
  return zone;
}

Result<ZoneView> Manager::create_zone(const Actor& actor, const std::string& domain) {
  auto [d, org_id] = TRY(managed_domain(actor, domain));
  if (!d.verified)
    return fail(ErrorKind::invalid,
                fmt::format("the domain {} is not verified yet; its zone is made once it is", d.name));
  if (m_store.zone_of_domain(d.id)) return fail(ErrorKind::exists, fmt::format("the domain {} has a DNS zone", d.name));
  std::vector<store::DkimKey> keys;
  for (auto& k : TRY(m_store.dkim_keys(d.id)))
    if (k.state != store::DkimKeyState::retired) keys.push_back(k);
  if (keys.empty()) keys = TRY(new_dkim_keys(d, store::DkimKeyState::active));
  auto serial = dns::next_serial(0, zone_day(m_clock.now()));
  auto records = TRY(default_zone_records(d.name, m_zone_defaults, serial, keys));
  auto zone = TRY(m_store.create_zone(d.id, serial, records));
  audit(actor, org_id, "dns.zone.create", d.name, fmt::format("records={}", records.size()));
  return ZoneView{zone, TRY(m_store.zone_records(zone.id))};
}

void Manager::install_zone(const Actor& actor, const store::Domain& domain, store::Id org_id) {
  if (!domain.verified || m_store.zone_of_domain(domain.id)) return;
  if (auto z = create_zone(actor, domain.name); !z) {
    log::error("dns.zone_create_failed", {{"domain", domain.name}, {"error", z.error().message}});
    audit(actor, org_id, "dns.zone.create_failed", domain.name, z.error().message);
  }
}

Result<ZoneView> Manager::show_zone(const Actor& actor, const std::string& domain) {
  auto zone = TRY(managed_zone(actor, domain));
  return ZoneView{zone, TRY(m_store.zone_records(zone.id))};
}

Result<std::vector<store::DnsZone>> Manager::list_zones(const Actor& actor) {
  if (actor.is_operator()) return m_store.list_zones(std::nullopt);
  TRY(may_manage_org(actor, actor.user->org_id));
  return m_store.list_zones(actor.user->org_id);
}

namespace {

Result<dns::ZoneRecord> parse_input(const RecordInput& input, std::string_view apex, std::uint32_t default_ttl) {
  auto type = dns::parse_rr_type(input.type);
  if (!type)
    return fail(ErrorKind::invalid,
                fmt::format("unknown record type '{}' (A, AAAA, CAA, CNAME, MX, NS, SOA, SRV, TXT)", input.type));
  auto name = TRY(absolute_record_name(input.name, apex));
  auto data = dns::parse_record_data(*type, input.data);
  if (!data)
    return fail(ErrorKind::invalid,
                fmt::format("{} record for {}: {}", dns::to_string(*type), name, data.error().message));
  // A target of one label ("www") is a name in this zone, as in a zone
  // file; one with dots is taken as written (a host elsewhere).
  auto qualify = [&](std::string& target) {
    if (!target.empty() && target.find('.') == std::string::npos) target += "." + std::string(apex);
  };
  if (auto* n = std::get_if<dns::NameData>(&*data)) qualify(n->target);
  if (auto* mx = std::get_if<dns::MxData>(&*data)) qualify(mx->exchange);
  if (auto* srv = std::get_if<dns::SrvData>(&*data)) qualify(srv->target);
  return dns::ZoneRecord{0, std::move(name), *type, input.ttl.value_or(default_ttl), std::move(*data)};
}

std::string describe(const dns::ZoneRecord& r) {
  return fmt::format("{} {} {} {}", r.name, r.ttl, dns::to_string(r.type), dns::format_record_data(r.type, r.data));
}

}  // namespace

Result<store::DnsRecord> Manager::add_record(const Actor& actor, const std::string& domain, const RecordInput& input) {
  store::Id org_id = 0;
  auto zone = TRY(managed_zone(actor, domain, &org_id));
  auto change = TRY(parse_input(input, zone.apex, dns::kDefaultTtl));
  if (change.type == dns::RrType::soa)
    return fail(ErrorKind::invalid, "a zone has one SOA record, made with it: edit that one");
  auto now = m_clock.now();
  auto added = TRY(m_store.edit_zone(
      zone.id, [&](const store::DnsZone& z, const std::vector<store::DnsRecord>& stored) -> Result<store::ZoneEdit> {
        auto records = TRY(zone_records(stored));
        TRY(dns::check_zone_change(z.apex, records, change));
        store::ZoneEdit edit;
        edit.add.push_back(stored_record(change));
        TRY(bump_serial(z, records, now, edit));
        return edit;
      }));
  audit(actor, org_id, "dns.record.add", zone.apex, describe(change));
  return added.at(0);
}

Result<store::DnsRecord> Manager::update_record(const Actor& actor, const std::string& domain, store::Id id,
                                                const RecordInput& input) {
  store::Id org_id = 0;
  auto zone = TRY(managed_zone(actor, domain, &org_id));
  auto now = m_clock.now();
  std::optional<dns::ZoneRecord> before, after;
  TRY(m_store.edit_zone(
      zone.id, [&](const store::DnsZone& z, const std::vector<store::DnsRecord>& stored) -> Result<store::ZoneEdit> {
        auto records = TRY(zone_records(stored));
        auto old = std::find_if(records.begin(), records.end(), [&](auto& r) { return r.id == id; });
        if (old == records.end())
          return fail(ErrorKind::not_found, fmt::format("no record {} in the zone {}", id, z.apex));
        auto change = TRY(parse_input(input, z.apex, old->ttl));
        change.id = id;
        if ((old->type == dns::RrType::soa) != (change.type == dns::RrType::soa))
          return fail(ErrorKind::invalid, "the SOA record stays an SOA record, and no other record becomes one");
        TRY(dns::check_zone_change(z.apex, records, change));
        before = *old;
        after = change;
        store::ZoneEdit edit;
        edit.update.push_back(stored_record(change));
        TRY(bump_serial(z, records, now, edit));
        return edit;
      }));
  audit(actor, org_id, "dns.record.edit", zone.apex, fmt::format("{} → {}", describe(*before), describe(*after)));
  for (auto& r : TRY(m_store.zone_records(zone.id)))
    if (r.id == id) return r;
  return fail(ErrorKind::internal, "store error", "edited record vanished");
}

Status Manager::delete_record(const Actor& actor, const std::string& domain, store::Id id) {
  store::Id org_id = 0;
  auto zone = TRY(managed_zone(actor, domain, &org_id));
  auto now = m_clock.now();
  std::string what;
  TRY(m_store.edit_zone(
      zone.id, [&](const store::DnsZone& z, const std::vector<store::DnsRecord>& stored) -> Result<store::ZoneEdit> {
        auto records = TRY(zone_records(stored));
        auto old = std::find_if(records.begin(), records.end(), [&](auto& r) { return r.id == id; });
        if (old == records.end())
          return fail(ErrorKind::not_found, fmt::format("no record {} in the zone {}", id, z.apex));
        if (old->type == dns::RrType::soa) return fail(ErrorKind::invalid, "the SOA record stays as long as the zone");
        what = describe(*old);
        store::ZoneEdit edit;
        edit.remove.push_back(id);
        TRY(bump_serial(z, records, now, edit));
        return edit;
      }));
  audit(actor, org_id, "dns.record.delete", zone.apex, what);
  return {};
}

Result<dns::SpfAnalysis> Manager::analyze_spf(const Actor& actor, const std::string& domain, const std::string& record,
                                              dns::Resolver& resolver) {
  auto zone = TRY(managed_zone(actor, domain));
  std::string text = record;
  if (text.empty()) {
    for (auto& r : TRY(m_store.zone_records(zone.id)))
      if (r.name == zone.apex && r.type == "TXT") {
        auto z = TRY(zone_record(r));
        auto joined = std::get<dns::TxtData>(z.data).joined();
        auto start = ascii_lower(joined.substr(0, 7));
        if (start == "v=spf1" || start == "v=spf1 ") text = joined;  // RFC 7208 §4.5
      }
    if (text.empty()) return fail(ErrorKind::not_found, fmt::format("the zone {} has no SPF record", zone.apex));
  }
  return dns::analyze_spf(text, zone.apex, resolver);
}

}  // namespace estafeta::manage
