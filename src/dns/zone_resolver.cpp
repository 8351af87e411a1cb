#include "dns/zone_resolver.hpp"

namespace estafeta::dns {

namespace {

// Answers "no resolver" for everything: the fallback when none is given.
class NoResolver final : public Resolver {
 public:
  Result<std::vector<std::string>> txt(std::string_view) override { return none(); }
  Result<std::vector<IpAddress>> a(std::string_view) override { return none(); }
  Result<std::vector<IpAddress>> aaaa(std::string_view) override { return none(); }
  Result<std::vector<MxRecord>> mx(std::string_view) override { return none(); }
  Result<std::vector<std::string>> ptr(const IpAddress&) override { return none(); }
  Result<std::vector<SrvRecord>> srv(std::string_view) override { return none(); }

 private:
  static std::unexpected<Error> none() {
    return fail(ErrorKind::temporary, "no DNS resolver for names outside this server's zones");
  }
};

template <class Out, class Convert>
Result<std::vector<Out>> from_zone(const std::vector<ZoneRecord>& records, Convert convert) {
  std::vector<Out> out;
  for (auto& r : records) out.push_back(convert(r));
  return out;
}

}  // namespace

Resolver& ZoneResolver::fallback() {
  static NoResolver none;
  return m_fallback ? *m_fallback : none;
}

Result<std::optional<std::vector<ZoneRecord>>> ZoneResolver::local(std::string& name, RrType type) {
  name = normalize_name(name);
  for (int hop = 0; hop <= kMaxCnameChain; ++hop) {
    auto zone = m_zones.zone_for(name);
    if (!zone) return std::optional<std::vector<ZoneRecord>>();
    auto found = lookup_in_zone(*zone, name, type);
    switch (found.status) {
      case ZoneLookup::Status::data: return std::optional(std::move(found.records));
      case ZoneLookup::Status::nodata: return std::optional(std::vector<ZoneRecord>());
      case ZoneLookup::Status::nxdomain: return fail(ErrorKind::not_found, "no such name", name);
      case ZoneLookup::Status::delegated: return std::optional<std::vector<ZoneRecord>>();
      case ZoneLookup::Status::cname: name = std::get<NameData>(found.records.front().data).target; break;
    }
  }
  return fail(ErrorKind::temporary, "CNAME chain too long", name);
}

Result<std::vector<std::string>> ZoneResolver::txt(std::string_view query) {
  std::string name(query);
  auto found = TRY(local(name, RrType::txt));
  if (!found) return fallback().txt(name);
  return from_zone<std::string>(*found, [](const ZoneRecord& r) { return std::get<TxtData>(r.data).joined(); });
}

Result<std::vector<IpAddress>> ZoneResolver::a(std::string_view query) {
  std::string name(query);
  auto found = TRY(local(name, RrType::a));
  if (!found) return fallback().a(name);
  return from_zone<IpAddress>(*found, [](const ZoneRecord& r) { return std::get<IpAddress>(r.data); });
}

Result<std::vector<IpAddress>> ZoneResolver::aaaa(std::string_view query) {
  std::string name(query);
  auto found = TRY(local(name, RrType::aaaa));
  if (!found) return fallback().aaaa(name);
  return from_zone<IpAddress>(*found, [](const ZoneRecord& r) { return std::get<IpAddress>(r.data); });
}

Result<std::vector<MxRecord>> ZoneResolver::mx(std::string_view query) {
  std::string name(query);
  auto found = TRY(local(name, RrType::mx));
  if (!found) return fallback().mx(name);
  return from_zone<MxRecord>(*found, [](const ZoneRecord& r) {
    auto& mx = std::get<MxData>(r.data);
    return MxRecord{mx.preference, mx.exchange};
  });
}

Result<std::vector<SrvRecord>> ZoneResolver::srv(std::string_view query) {
  std::string name(query);
  auto found = TRY(local(name, RrType::srv));
  if (!found) return fallback().srv(name);
  return from_zone<SrvRecord>(*found, [](const ZoneRecord& r) {
    auto& s = std::get<SrvData>(r.data);
    return SrvRecord{s.priority, s.weight, s.port, s.target};
  });
}

Result<std::vector<std::string>> ZoneResolver::ptr(const IpAddress& ip) { return fallback().ptr(ip); }

}  // namespace estafeta::dns
