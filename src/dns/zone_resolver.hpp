// A resolver that answers from the zones this server serves before asking
// the network: the SPF analysis of a zone being edited, the domain
// diagnostic and the MX's checks of mail between served domains all see
// the zones as they are now, not as a cache somewhere remembers them.
//
// A name inside a served zone gets the zone's answer (NXDOMAIN and NODATA
// included); CNAMEs are followed (at most kMaxCnameChain hops, inside and
// across zones); a name outside every zone, or below a delegation, goes to
// the fallback resolver. PTR always goes to the fallback.
#pragma once

#include "dns/authority.hpp"
#include "dns/resolver.hpp"

namespace estafeta::dns {

class ZoneResolver final : public Resolver {
 public:
  static constexpr int kMaxCnameChain = 8;

  // Both must outlive the resolver. `fallback` may be null: then names
  // outside the zones are temporary failures (no network resolver).
  ZoneResolver(ZoneSource& zones, Resolver* fallback) : m_zones(zones), m_fallback(fallback) {}

  Result<std::vector<std::string>> txt(std::string_view name) override;
  Result<std::vector<IpAddress>> a(std::string_view name) override;
  Result<std::vector<IpAddress>> aaaa(std::string_view name) override;
  Result<std::vector<MxRecord>> mx(std::string_view name) override;
  Result<std::vector<std::string>> ptr(const IpAddress& ip) override;
  Result<std::vector<SrvRecord>> srv(std::string_view name) override;

 private:
  // The records of `type` at `name` after CNAMEs inside the zones; nullopt
  // with `name` set to where the fallback must continue.
  Result<std::optional<std::vector<ZoneRecord>>> local(std::string& name, RrType type);
  Resolver& fallback();

  ZoneSource& m_zones;
  Resolver* m_fallback;
};

}  // namespace estafeta::dns
