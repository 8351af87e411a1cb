// The rules a zone keeps through every change (see zone.hpp).
#include <fmt/format.h>

#include "dns/spf.hpp"
#include "dns/zone.hpp"

namespace estafeta::dns {

namespace {

std::string describe(const ZoneRecord& r) {
  auto value = format_record_data(r.type, r.data);
  if (value.size() > 80) value = value.substr(0, 77) + "...";
  return fmt::format("{} {} {}", r.name.empty() ? "." : r.name, to_string(r.type), value);
}

bool is_spf(const ZoneRecord& r) { return r.type == RrType::txt && is_spf_record(std::get<TxtData>(r.data).joined()); }

// The host name a record points to where an alias is not allowed
// (RFC 2181 §10.3: MX and NS; RFC 2782: SRV), if it has one.
const std::string* host_target(const ZoneRecord& r) {
  if (r.type == RrType::mx) return &std::get<MxData>(r.data).exchange;
  if (r.type == RrType::srv) return &std::get<SrvData>(r.data).target;
  if (r.type == RrType::ns) return &std::get<NameData>(r.data).target;
  return nullptr;
}

// A refusal naming the part of the change at fault ("name", "type", "ttl"
// or "data", as ZoneRecord calls them), so a form can show it by its field.
std::unexpected<Error> refuse(const char* part, std::string message) {
  return fail(ErrorKind::invalid, std::move(message), {}, part);
}

}  // namespace

bool in_zone(std::string_view name, std::string_view apex) {
  if (apex.empty() || name == apex) return true;
  return name.size() > apex.size() && name.ends_with(apex) && name[name.size() - apex.size() - 1] == '.';
}

Status check_zone_change(std::string_view apex, const std::vector<ZoneRecord>& records, const ZoneRecord& change) {
  if (!in_zone(change.name, apex))
    return refuse("name", fmt::format("{} is not inside the zone {}", change.name, apex));
  if (change.ttl > kMaxTtl) return refuse("ttl", fmt::format("a TTL is at most {} seconds", kMaxTtl));
  std::vector<const ZoneRecord*> others;
  for (auto& r : records)
    if (change.id == 0 || r.id != change.id) others.push_back(&r);

  for (auto* r : others) {
    if (r->name == change.name && r->type == change.type && r->data == change.data)
      return fail(ErrorKind::exists, fmt::format("the record {} exists already", describe(*r)), {}, "data");
  }
  if (change.type == RrType::soa) {
    if (change.name != apex) return refuse("name", "the SOA record belongs at the zone's apex");
    for (auto* r : others)
      if (r->type == RrType::soa) return refuse("type", "the zone has its SOA record already: edit that one");
  }
  // RFC 1034 §3.6.2, RFC 2181 §10.1: a CNAME is alone at its name; the apex
  // has SOA and NS, so it can have no CNAME.
  if (change.type == RrType::cname) {
    if (change.name == apex)
      return refuse("name", "a CNAME cannot be at the zone's apex (it must be alone at its name)");
    for (auto* r : others)
      if (r->name == change.name)
        return refuse("name", fmt::format("a CNAME must be alone at its name, and {} is there", describe(*r)));
    for (auto* r : others)
      if (auto* t = host_target(*r); t && *t == change.name)
        return refuse("name", fmt::format("{} points to {}: an {} target cannot be an alias (RFC 2181 §10.3)",
                                          describe(*r), change.name, to_string(r->type)));
  } else {
    for (auto* r : others)
      if (r->name == change.name && r->type == RrType::cname)
        return refuse("name", fmt::format("{} is an alias (CNAME): nothing else can be at that name", change.name));
  }
  if (auto* t = host_target(change); t && !t->empty())
    for (auto* r : others)
      if (r->name == *t && r->type == RrType::cname)
        return refuse(
            "data", fmt::format("{} is an alias (CNAME): an {} target must be the host's own name (RFC 2181 §10.3)", *t,
                                to_string(change.type)));
  // RFC 7208 §3.2 (and §4.5: two records make every check a permerror).
  if (is_spf(change))
    for (auto* r : others)
      if (r->name == change.name && is_spf(*r))
        return refuse(
            "name", fmt::format("{} has an SPF record already ({}); a name can have only one (RFC 7208 §3.2): "
                                "merge the two policies into one record (estafeta dns spf merge) and edit that record",
                                change.name.empty() ? "." : change.name, describe(*r)));
  return {};
}

std::uint32_t next_serial(std::uint32_t current, std::uint32_t today) {
  std::uint32_t dated = today * 100u;
  // RFC 1982 §3.2: s1 > s2 when (s1 - s2) mod 2^32 is in (0, 2^31).
  std::uint32_t diff = dated - current;
  if (diff != 0 && diff < 0x80000000u) return dated;
  return current + 1 == 0 ? 1 : current + 1;
}

}  // namespace estafeta::dns
