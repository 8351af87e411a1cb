// DNS zones as the console edits them: typed record data with its
// presentation form (RFC 1035 §5.1) and the rules a change must keep.
//
//   zone_record.cpp  record data: parsing and printing each type
//                    (RFC 1035 §3.3, RFC 3596, RFC 2782 SRV, RFC 8659 CAA)
//   zone_rules.cpp   the rules of a zone: names inside it, CNAME alone at
//                    its name (RFC 1034 §3.6.2, RFC 2181 §10.1), MX and SRV
//                    targets that are not aliases (RFC 2181 §10.3), one SPF
//                    record per name (RFC 7208 §3.2), the SOA at the apex
//
// Names are kept absolute, lower case, without the final dot ("" is the
// root). Pure functions: no I/O. Every input comes from a user of the
// console or the API and is bounded here (names ≤ 253 octets, labels ≤ 63,
// TXT values ≤ kMaxTxtLength).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "dns/ip_address.hpp"

namespace estafeta::dns {

enum class RrType : std::uint16_t {
  a = 1,
  ns = 2,
  cname = 5,
  soa = 6,
  mx = 15,
  txt = 16,
  aaaa = 28,
  srv = 33,
  caa = 257,
};

const char* to_string(RrType type);                       // "A", "MX", …
std::optional<RrType> parse_rr_type(std::string_view s);  // case-insensitive

inline constexpr std::uint32_t kDefaultTtl = 3600;
inline constexpr std::uint32_t kMaxTtl = 0x7fffffff;  // RFC 2181 §8
inline constexpr std::size_t kMaxTxtLength = 4000;    // all strings of one TXT record together

struct SoaData {
  std::string mname;  // the primary name server
  std::string rname;  // the contact mailbox as a name ("hostmaster.example.com")
  std::uint32_t serial = 1;
  std::uint32_t refresh = 7200;
  std::uint32_t retry = 3600;
  std::uint32_t expire = 1209600;
  std::uint32_t minimum = 3600;  // the negative-answer TTL (RFC 2308 §4)
  bool operator==(const SoaData&) const = default;
};
struct MxData {
  std::uint16_t preference = 10;
  std::string exchange;  // "" for a null MX (RFC 7505)
  bool operator==(const MxData&) const = default;
};
struct SrvData {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // "" (".") for "no service" (RFC 2782)
  bool operator==(const SrvData&) const = default;
};
struct CaaData {
  std::uint8_t flags = 0;
  std::string tag;  // "issue", "issuewild", "iodef", …
  std::string value;
  bool operator==(const CaaData&) const = default;
};
struct TxtData {
  std::vector<std::string> strings;  // each ≤ 255 octets (RFC 1035 §3.3.14)
  std::string joined() const;        // the strings concatenated (how SPF and DKIM read them)
  bool operator==(const TxtData&) const = default;
};
struct NameData {  // NS, CNAME
  std::string target;
  bool operator==(const NameData&) const = default;
};

using RecordData = std::variant<IpAddress, NameData, SoaData, MxData, TxtData, SrvData, CaaData>;

// Parses `text` as the data of a record of `type`, in presentation form:
//   A 192.0.2.1 · AAAA 2001:db8::1 · NS/CNAME host · MX "10 host" ·
//   SRV "priority weight port target" · CAA 'flags tag "value"' ·
//   SOA "mname rname serial refresh retry expire minimum" ·
//   TXT: one or more quoted strings ("a" "b"), or unquoted text taken whole;
//   a string over 255 octets is split into 255-octet pieces.
// Host names may end with a dot; they are absolute either way.
// Errors: invalid, the message says what is wrong and where.
Result<RecordData> parse_record_data(RrType type, std::string_view text);

// The presentation form parse_record_data reads back (TXT: quoted strings).
std::string format_record_data(RrType type, const RecordData& data);

// A name checked and normalised: lower case, no final dot, labels 1–63
// octets of letters, digits, '-' and '_' (SRV and DKIM names), '*' only as
// the whole first label. Errors: invalid.
Result<std::string> normalize_zone_name(std::string_view name);

struct ZoneRecord {
  std::int64_t id = 0;  // the store's id; 0 for a record not stored yet
  std::string name;     // absolute, normalised
  RrType type = RrType::a;
  std::uint32_t ttl = kDefaultTtl;
  RecordData data;
};

// Whether `name` is `apex` or below it.
bool in_zone(std::string_view name, std::string_view apex);

// Checks that `records` (a whole zone with apex `apex`) would be valid with
// `change` added, or replacing the record of the same id when change.id is
// set. Errors (invalid), with the record in the way named: a name outside
// the zone; a CNAME beside other data at its name, or at the apex; an MX or
// SRV target (or NS at the apex) that is a CNAME in this zone; a second
// "v=spf1" TXT at a name (the message says to merge them); a second SOA or
// one off the apex; a TTL over kMaxTtl. Error::field names the part of the
// change at fault: "name", "type", "ttl" or "data".
Status check_zone_change(std::string_view apex, const std::vector<ZoneRecord>& records, const ZoneRecord& change);

// The zone's SOA serial after a change on `today` (YYYYMMDD as a number):
// the RFC 1912 §2.2 date form YYYYMMDDnn, counting up within a day, and
// always greater than `current` in serial arithmetic (RFC 1982).
std::uint32_t next_serial(std::uint32_t current, std::uint32_t today);

}  // namespace estafeta::dns
