// The authoritative DNS server's answers (RFC 1034 §4.3.2, RFC 2308 for
// negative answers, RFC 4592 wildcards, RFC 6604 rcodes in CNAME chains):
// one query in, one response out, from the zones a ZoneSource gives.
// No I/O: the listener (dns/listener) feeds packets from UDP and TCP.
//
// Names outside every zone are REFUSED: this server never recurses.
// Zone transfers are refused too.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/zone.hpp"

namespace estafeta::dns {

struct Zone {
  std::string apex;
  std::vector<ZoneRecord> records;
};

// Where answers come from. Thread-safe: the listener calls it from several
// threads.
class ZoneSource {
 public:
  virtual ~ZoneSource() = default;
  // The zone whose apex is the longest suffix of `name` (normalised), or
  // null. The zone is an immutable snapshot: changes show in the next call.
  virtual std::shared_ptr<const Zone> zone_for(std::string_view name) = 0;
};

// A fixed set of zones (tests; a cache's contents).
class StaticZones final : public ZoneSource {
 public:
  void add(Zone zone) { m_zones.push_back(std::make_shared<const Zone>(std::move(zone))); }
  std::shared_ptr<const Zone> zone_for(std::string_view name) override;

 private:
  std::vector<std::shared_ptr<const Zone>> m_zones;
};

// One step of a lookup inside a zone, as an authoritative server sees it
// (for the zone-first resolver; no CNAME is followed).
struct ZoneLookup {
  enum class Status {
    data,       // records: the records of the type asked for
    cname,      // records: the name's CNAME (asked for another type)
    nodata,     // the name exists without that type (RFC 2308 §2.2)
    nxdomain,   // the name does not exist
    delegated,  // the name is below a delegation: another server answers
  };
  Status status = Status::nxdomain;
  std::vector<ZoneRecord> records;
};
ZoneLookup lookup_in_zone(const Zone& zone, std::string_view name, RrType type);

enum class DnsTransport { udp, tcp };

// The largest UDP response sent, whatever the client offers (the DNS flag
// day 2020 value: no IP fragmentation on common paths).
inline constexpr std::uint16_t kMaxUdpPayload = 1232;

// The response to `packet`, or nullopt when nothing must be sent (a
// response packet, a runt). Over UDP a response that does not fit the
// client's size (512 without EDNS) is truncated (TC) for a retry over TCP.
std::optional<std::string> answer_query(std::string_view packet, ZoneSource& zones, DnsTransport transport);

}  // namespace estafeta::dns
