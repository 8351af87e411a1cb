// The part of the Store that holds DNS zones and DKIM keys (DESIGN §2.4).
//
// A zone belongs to one domain of a mail service and has that domain's name
// as its apex. Records are kept in presentation form (dns/zone.hpp reads
// and checks them); the store does not interpret them. A zone changes only
// through edit_zone, which runs the caller's plan inside one write
// transaction, so a check of the whole zone and the change it allows see
// the same records even when two admins edit at once.
//
// DKIM private keys are stored sealed (the caller seals them with the
// server key before they get here): the store never sees one in clear.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store {

struct DnsZone {
  Id id = 0;
  Id domain_id = 0;
  Id org_id = 0;
  std::string apex;  // the domain's name, lower case
  std::uint32_t serial = 0;
  Time created = 0;
};

struct DnsRecord {
  Id id = 0;
  Id zone_id = 0;
  std::string name;  // absolute, lower case, no final dot
  std::string type;  // "A", "MX", …
  std::uint32_t ttl = 3600;
  std::string data;  // presentation form
  Time created = 0;
};

// What a plan asks edit_zone to do; all of it or none.
struct ZoneEdit {
  std::vector<DnsRecord> add;     // id ignored; zone_id set by the store
  std::vector<DnsRecord> update;  // by id: name, type, ttl and data replaced
  std::vector<Id> remove;
  std::uint32_t serial = 0;  // the zone's new serial (0: unchanged)
};

enum class DkimKeyState {
  published,  // in the zone, not signing yet (a rotation's new key)
  active,     // signs outgoing mail
  retiring,   // no longer signs; its record stays while mail signed with it may still be checked
  retired,    // withdrawn from the zone
};
const char* to_string(DkimKeyState state);
std::optional<DkimKeyState> parse_dkim_key_state(std::string_view text);

struct DkimKey {
  Id id = 0;
  Id domain_id = 0;
  std::string selector;
  std::string algorithm;       // "ed25519-sha256" | "rsa-sha256"
  std::string sealed_private;  // the PEM, sealed with the server key
  std::string public_record;   // the TXT at SELECTOR._domainkey.DOMAIN
  DkimKeyState state = DkimKeyState::published;
  Time created = 0;
  Time changed = 0;  // when the state last changed
};

class Zones {
 public:
  virtual ~Zones() = default;

  // A zone for the domain, with `records` and serial `serial`, in one
  // transaction. exists when the domain has one.
  virtual Result<DnsZone> create_zone(Id domain_id, std::uint32_t serial, const std::vector<DnsRecord>& records) = 0;
  virtual Result<DnsZone> zone_of_domain(Id domain_id) = 0;
  // The zone whose apex is the longest of `apexes` that has one (a query
  // name's suffixes, longest first). not_found when none does.
  virtual Result<DnsZone> find_zone(const std::vector<std::string>& apexes) = 0;
  virtual Result<std::vector<DnsZone>> list_zones(std::optional<Id> org_id) = 0;
  virtual Result<std::vector<DnsRecord>> zone_records(Id zone_id) = 0;
  // Runs `plan` on the zone as it is now, inside a write transaction, and
  // applies what it returns. An error from the plan is returned and
  // nothing changes. Returns the records added (with their ids).
  using ZonePlan = std::function<Result<ZoneEdit>(const DnsZone&, const std::vector<DnsRecord>&)>;
  virtual Result<std::vector<DnsRecord>> edit_zone(Id zone_id, const ZonePlan& plan) = 0;
  virtual Status delete_zone(Id zone_id) = 0;
  // A number that every zone change (in any process sharing the database)
  // makes larger: a cache of zones compares it to know when to reload. One
  // primary-key read.
  virtual Result<std::uint64_t> zones_generation() = 0;

  // DKIM keys. exists when the domain has the selector already. `created`
  // (and `changed`) is the key's; 0: now.
  virtual Result<DkimKey> add_dkim_key(const DkimKey& key) = 0;
  virtual Result<std::vector<DkimKey>> dkim_keys(Id domain_id) = 0;
  virtual Status set_dkim_key_state(Id key_id, DkimKeyState state, Time when) = 0;
  // The keys that sign mail from `domain` (by name, case-insensitive): the
  // active ones.
  virtual Result<std::vector<DkimKey>> signing_keys(const std::string& domain) = 0;
};

}  // namespace estafeta::store
