// Answering one query from a zone: RFC 1034 §4.3.2's algorithm without
// recursion, negative answers with the SOA (RFC 2308 §3, §5), wildcards
// (RFC 4592 §3.3.1), empty non-terminals (RFC 8020: NODATA, not NXDOMAIN),
// referrals at delegations with glue, and additional addresses for MX, SRV
// and NS targets inside the zone.
#include "dns/authority.hpp"

#include <algorithm>
#include <set>

#include "core/ascii.hpp"
#include "dns/wire.hpp"

namespace estafeta::dns {

namespace {

using wire::Response;
using Section = Response::Section;

constexpr int kMaxChain = 8;  // CNAMEs followed inside one zone

Response::Rdata rdata_of(const ZoneRecord& r) {
  Response::Rdata d;
  switch (r.type) {
    case RrType::a:
    case RrType::aaaa: {
      auto bytes = std::get<IpAddress>(r.data).bytes();
      d.bytes.assign(bytes.begin(), bytes.end());
      break;
    }
    case RrType::ns:
    case RrType::cname: d.names.push_back({0, std::get<NameData>(r.data).target, true}); break;
    case RrType::soa: {
      auto& s = std::get<SoaData>(r.data);
      d.names.push_back({0, s.mname, true});
      d.names.push_back({0, s.rname, true});
      for (auto v : {s.serial, s.refresh, s.retry, s.expire, s.minimum}) wire::put32(d.bytes, v);
      break;
    }
    case RrType::mx: {
      auto& mx = std::get<MxData>(r.data);
      wire::put16(d.bytes, mx.preference);
      d.names.push_back({2, mx.exchange, true});
      break;
    }
    case RrType::txt:
      for (auto& s : std::get<TxtData>(r.data).strings) {
        d.bytes.push_back(static_cast<char>(s.size()));
        d.bytes += s;
      }
      break;
    case RrType::srv: {
      auto& srv = std::get<SrvData>(r.data);
      wire::put16(d.bytes, srv.priority);
      wire::put16(d.bytes, srv.weight);
      wire::put16(d.bytes, srv.port);
      d.names.push_back({6, srv.target, false});  // RFC 2782: never compressed
      break;
    }
    case RrType::caa: {
      auto& caa = std::get<CaaData>(r.data);
      d.bytes.push_back(static_cast<char>(caa.flags));
      d.bytes.push_back(static_cast<char>(caa.tag.size()));
      d.bytes += caa.tag + caa.value;
      break;
    }
  }
  return d;
}

// The names of one zone as RFC 1034 §4.3.2 and RFC 4592 see them.
class ZoneIndex {
 public:
  explicit ZoneIndex(const Zone& zone) : m_zone(&zone) {}

  const Zone& zone() const { return *m_zone; }

  std::vector<const ZoneRecord*> at(const std::string& name) const {
    std::vector<const ZoneRecord*> out;
    for (auto& r : m_zone->records)
      if (r.name == name) out.push_back(&r);
    return out;
  }

  bool has_descendants(const std::string& name) const {
    for (auto& r : m_zone->records)
      if (r.name.size() > name.size() && in_zone(r.name, name)) return true;
    return false;
  }

  bool exists(const std::string& name) const { return !at(name).empty() || has_descendants(name); }

  static std::string parent(const std::string& name) {
    auto dot = name.find('.');
    return dot == std::string::npos ? std::string() : name.substr(dot + 1);
  }

  // RFC 4592 §3.3.1: the closest encloser is the longest existing ancestor;
  // its "*" child answers, if there is one.
  std::vector<const ZoneRecord*> wildcard(const std::string& name) const {
    for (auto encloser = parent(name); in_zone(encloser, m_zone->apex); encloser = parent(encloser)) {
      if (!exists(encloser)) {
        if (encloser == m_zone->apex) break;
        continue;
      }
      return at("*." + encloser);
    }
    return {};
  }

  // The delegation point (NS records below the apex) at or above `name`.
  std::optional<std::string> delegation(const std::string& name) const {
    std::optional<std::string> cut;
    for (auto n = name; n != m_zone->apex && in_zone(n, m_zone->apex); n = parent(n)) {
      for (auto& r : m_zone->records)
        if (r.name == n && r.type == RrType::ns) cut = n;  // the highest cut wins
      if (n.empty()) break;
    }
    return cut;
  }

  // The records at `name`, or at the wildcard that stands for it; empty
  // when neither exists (then the name exists only if it has descendants).
  std::vector<const ZoneRecord*> records_for(const std::string& name) const {
    auto records = at(name);
    if (records.empty() && !has_descendants(name)) records = wildcard(name);
    return records;
  }

 private:
  const Zone* m_zone;
};

class Answerer {
 public:
  Answerer(ZoneSource& zones, std::shared_ptr<const Zone> zone, Response& response)
      : m_zones(zones), m_zone_ptr(std::move(zone)), m_index(*m_zone_ptr), m_response(response) {}

  void run(const std::string& qname, std::uint16_t qtype) {
    std::string name = qname;
    std::set<std::string> seen;
    for (int hop = 0; hop <= kMaxChain; ++hop) {
      if (!seen.insert(name).second) return;  // a CNAME loop: what was found so far
      if (auto cut = m_index.delegation(name)) {
        if (hop == 0) referral(*cut);
        return;
      }
      auto owner = hop == 0 ? qname : name;
      auto records = m_index.records_for(name);
      if (records.empty()) {
        if (!m_index.has_descendants(name)) m_response.set_rcode(wire::Rcode::nxdomain);
        negative();
        return;
      }
      auto cname = std::find_if(records.begin(), records.end(), [](auto* r) { return r->type == RrType::cname; });
      if (cname != records.end() && qtype != static_cast<std::uint16_t>(RrType::cname) && qtype != wire::kTypeAny) {
        add(Section::answer, owner, **cname);
        auto& target = std::get<NameData>((*cname)->data).target;
        if (!in_zone(target, zone().apex)) {
          // RFC 1034 §4.3.2 step 3a: go on from the zone of the canonical
          // name when this server holds it too; otherwise the resolver
          // follows it elsewhere.
          auto next = m_zones.zone_for(target);
          if (!next) return;
          m_zone_ptr = std::move(next);
          m_index = ZoneIndex(*m_zone_ptr);
        }
        name = target;
        continue;
      }
      std::vector<const ZoneRecord*> matching;
      for (auto* r : records)
        if (qtype == wire::kTypeAny || static_cast<std::uint16_t>(r->type) == qtype) matching.push_back(r);
      if (matching.empty()) {
        negative();
        return;
      }
      for (auto* r : matching) add(Section::answer, owner, *r);
      for (auto* r : matching) add_addresses_of_target(*r);
      return;
    }
  }

 private:
  void referral(const std::string& cut) {
    m_response.set_authoritative(false);
    std::vector<const ZoneRecord*> ns;
    for (auto& r : zone().records)
      if (r.name == cut && r.type == RrType::ns) ns.push_back(&r);
    for (auto* r : ns) add(Section::authority, cut, *r);
    // Glue: the addresses of servers inside the delegated zone are needed
    // to reach it at all (RFC 9471 §2.1); a sibling's are a courtesy.
    for (auto* r : ns) {
      auto& target = std::get<NameData>(r->data).target;
      add_addresses(target, !in_zone(target, cut));
    }
  }

  void negative() {
    for (auto& r : zone().records)
      if (r.type == RrType::soa && r.name == zone().apex) {
        // RFC 2308 §5: the negative TTL is the smaller of the SOA's TTL and MINIMUM.
        auto copy = r;
        copy.ttl = std::min(r.ttl, std::get<SoaData>(r.data).minimum);
        add(Section::authority, r.name, copy);
        return;
      }
  }

  // The addresses of an answer's targets help the resolver; the answer is
  // whole without them (left out first when the message is too large).
  void add_addresses_of_target(const ZoneRecord& r) {
    if (r.type == RrType::mx) add_addresses(std::get<MxData>(r.data).exchange, true);
    if (r.type == RrType::srv) add_addresses(std::get<SrvData>(r.data).target, true);
    if (r.type == RrType::ns) add_addresses(std::get<NameData>(r.data).target, true);
  }

  void add_addresses(const std::string& host, bool optional) {
    if (host.empty() || !in_zone(host, zone().apex) || !m_additional.insert(host).second) return;
    for (auto& r : zone().records)
      if (r.name == host && (r.type == RrType::a || r.type == RrType::aaaa))
        add(Section::additional, host, r, optional);
  }

  void add(Section section, const std::string& owner, const ZoneRecord& r, bool optional = false) {
    m_response.add(section, owner, static_cast<std::uint16_t>(r.type), r.ttl, rdata_of(r), optional);
  }

  const Zone& zone() const { return *m_zone_ptr; }

  ZoneSource& m_zones;
  std::shared_ptr<const Zone> m_zone_ptr;  // the zone answering now (a CNAME may lead to another)
  ZoneIndex m_index;
  Response& m_response;
  std::set<std::string> m_additional;
};

}  // namespace

std::shared_ptr<const Zone> StaticZones::zone_for(std::string_view name) {
  std::shared_ptr<const Zone> best;
  for (auto& z : m_zones)
    if (in_zone(name, z->apex) && (!best || z->apex.size() > best->apex.size())) best = z;
  return best;
}

ZoneLookup lookup_in_zone(const Zone& zone, std::string_view name, RrType type) {
  ZoneIndex index(zone);
  auto n = ascii_lower(name);
  ZoneLookup out;
  if (index.delegation(n)) {
    out.status = ZoneLookup::Status::delegated;
    return out;
  }
  auto records = index.records_for(n);
  if (records.empty()) {
    out.status = index.has_descendants(n) ? ZoneLookup::Status::nodata : ZoneLookup::Status::nxdomain;
    return out;
  }
  for (auto* r : records)
    if (r->type == RrType::cname && type != RrType::cname) {
      out.status = ZoneLookup::Status::cname;
      out.records.push_back(*r);
      return out;
    }
  for (auto* r : records)
    if (r->type == type) out.records.push_back(*r);
  out.status = out.records.empty() ? ZoneLookup::Status::nodata : ZoneLookup::Status::data;
  return out;
}

std::optional<std::string> answer_query(std::string_view packet, ZoneSource& zones, DnsTransport transport) {
  auto query = wire::parse_query(packet);
  std::size_t max_size = transport == DnsTransport::tcp ? 65535 : 512;
  if (!query) {
    if (!query.error().answerable) return std::nullopt;
    return Response(query.error()).finish(max_size);
  }
  if (transport == DnsTransport::udp && query->edns) max_size = std::min<std::size_t>(query->udp_size, kMaxUdpPayload);
  Response response(*query);
  if (query->edns && query->edns_version > 0) {
    response.set_rcode(wire::Rcode::badvers);  // RFC 6891 §6.1.3
    return response.finish(max_size, kMaxUdpPayload);
  }
  auto name = ascii_lower(query->name);
  if ((query->klass != wire::kClassIn && query->klass != wire::kClassAny) || query->type == wire::kTypeAxfr ||
      query->type == wire::kTypeIxfr || query->type == wire::kTypeOpt) {
    response.set_rcode(query->type == wire::kTypeOpt ? wire::Rcode::formerr : wire::Rcode::refused);
    return response.finish(max_size, kMaxUdpPayload);
  }
  // A name with odd octets (\DDD: dots, spaces, 8-bit) inside one of our
  // zones is answered like any other: no record has such a name, so it is
  // NXDOMAIN, a wildcard's or a referral (RFC 4343 §2: labels are octets).
  auto zone = zones.zone_for(name);
  if (!zone) {
    response.set_rcode(wire::Rcode::refused);
    return response.finish(max_size, kMaxUdpPayload);
  }
  response.set_authoritative(true);
  Answerer(zones, zone, response).run(name, query->type);
  return response.finish(max_size, kMaxUdpPayload);
}

}  // namespace estafeta::dns
