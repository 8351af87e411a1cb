// Between the store's records (presentation text) and dns::ZoneRecord, and
// the records a new zone starts with. Pure functions, exposed for tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dns/zone.hpp"
#include "manage/manager.hpp"
#include "store/zones.hpp"

namespace estafeta::manage {

// YYYYMMDD of `now` (UTC), for SOA serials.
std::uint32_t zone_day(store::Time now);

// A record name as typed ("@", "www", "www.example.com", "host.") made
// absolute in `apex`. Errors: invalid (syntax, or outside the zone).
Result<std::string> absolute_record_name(std::string_view input, std::string_view apex);

Result<dns::ZoneRecord> zone_record(const store::DnsRecord& record);
Result<std::vector<dns::ZoneRecord>> zone_records(const std::vector<store::DnsRecord>& records);
store::DnsRecord stored_record(const dns::ZoneRecord& record);

// Moves the zone's serial on in `edit` (the SOA record's too).
Status bump_serial(const store::DnsZone& zone, const std::vector<dns::ZoneRecord>& records, store::Time now,
                   store::ZoneEdit& edit);

// SELECTOR._domainkey.DOMAIN (RFC 6376 §3.6.2.1).
std::string dkim_record_name(const std::string& selector, const std::string& domain);

// What DKIM private keys are sealed for (auth::DeviceKeyring::seal).
std::string_view dkim_seal_purpose();

// What a mail service's zone starts with (see Manager::create_zone).
Result<std::vector<store::DnsRecord>> default_zone_records(const std::string& apex, const ZoneDefaults& defaults,
                                                           std::uint32_t serial,
                                                           const std::vector<store::DkimKey>& keys);

}  // namespace estafeta::manage
