// DNS messages on the wire (RFC 1035 §4): reading queries and building
// responses, with name compression (§4.1.4) and EDNS(0) (RFC 6891).
// No I/O: the DNS listener hands bytes in and sends bytes out.
//
// Security: a query is attacker-controlled. Reading is bounded by the
// packet (every read is checked), names by 255 octets and 128 labels,
// compression pointers must point backwards (no loops), additional records
// other than the OPT are skipped without being kept.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace estafeta::dns::wire {

enum class Rcode : std::uint16_t {
  noerror = 0,
  formerr = 1,
  servfail = 2,
  nxdomain = 3,
  notimp = 4,
  refused = 5,
  badvers = 16,  // extended: needs an OPT (RFC 6891 §6.1.3)
};

inline constexpr std::uint16_t kClassIn = 1;
inline constexpr std::uint16_t kClassAny = 255;
inline constexpr std::uint16_t kTypeOpt = 41;
inline constexpr std::uint16_t kTypeAny = 255;
inline constexpr std::uint16_t kTypeAxfr = 252;
inline constexpr std::uint16_t kTypeIxfr = 251;
inline constexpr std::size_t kHeaderSize = 12;

struct Query {
  std::uint16_t id = 0;
  std::uint8_t opcode = 0;
  bool recursion_desired = false;
  bool checking_disabled = false;
  std::string name;  // as asked, case kept, without the final dot ("" for the root)
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  // EDNS(0): present when the query had an OPT record.
  bool edns = false;
  std::uint8_t edns_version = 0;
  std::uint16_t udp_size = 512;  // the requestor's payload size (at least 512)
  bool dnssec_ok = false;
};

// Why a packet could not be read as a query, and whether it can be answered
// at all (a header to echo) or must be dropped.
struct QueryError {
  Rcode rcode = Rcode::formerr;
  bool answerable = false;  // the header could be read: answer with rcode
  std::uint16_t id = 0;
  std::uint8_t opcode = 0;
  bool recursion_desired = false;
};

// Reads a query: QR clear, one question. A response (QR set) or a packet
// shorter than a header is not answerable (dropped, never reflected).
std::expected<Query, QueryError> parse_query(std::string_view packet);

// The wire form of a name ("" is the root): labels of ≤ 63 octets, ≤ 255 in
// all. Errors: invalid.
Result<std::string> encode_name(std::string_view name);

// A response under construction. Sections are filled in order: answer,
// authority, additional; names are compressed against everything before.
class Response {
 public:
  enum class Section { answer, authority, additional };

  // Starts the response to `query`: its id, opcode, RD and CD echoed, QR
  // set, the question copied (its name as asked).
  explicit Response(const Query& query);
  // A bare response to an unreadable query: header only.
  explicit Response(const QueryError& error);

  void set_rcode(Rcode rcode) { m_rcode = rcode; }
  void set_dnssec_ok(bool d) { m_do = d; }
  void set_authoritative(bool aa) { m_aa = aa; }
  Rcode rcode() const { return m_rcode; }

  // Adds a resource record. `rdata` is the record's data with any domain
  // names in it given as positions: see RdataBuilder.
  struct Rdata {
    std::string bytes;
    // Names inside the data (MX exchange, CNAME target, SOA names …),
    // inserted at `offset` of `bytes` when the message is written;
    // compressed only where RFC 3597 §4 allows (NS, CNAME, SOA, MX), never
    // in SRV (RFC 2782).
    struct Name {
      std::size_t offset;
      std::string name;
      bool compress;
    };
    std::vector<Name> names;
  };
  // `optional`: an additional record the answer is complete without (the
  // addresses of an MX or SRV target, glue outside the delegated zone).
  void add(Section section, std::string_view owner, std::uint16_t type, std::uint32_t ttl, const Rdata& rdata,
           bool optional = false);

  // The message, at most `max_size` octets. When the records do not fit,
  // optional additional records are left out first, whole RRsets from the
  // last one, without TC (RFC 2181 §9: TC is not set merely because extra
  // information did not fit); when that is not enough, every section
  // after the question is left out and TC is set (the client retries over
  // TCP; RFC 9471 §3: in-domain glue that does not fit counts so). With an
  // OPT in the query, one is added (payload size `our_udp_size`).
  std::string finish(std::size_t max_size, std::uint16_t our_udp_size = 1232) const;

  std::size_t answer_count() const { return m_counts[0]; }

 private:
  struct Record {
    Section section;
    std::string owner;
    std::uint16_t type;
    std::uint32_t ttl;
    Rdata rdata;
    bool optional;
  };
  // `optional_kept`: how many of the optional records (in order) go in.
  std::string render(bool truncated, std::uint16_t our_udp_size, std::size_t optional_kept) const;

  std::uint16_t m_id = 0;
  std::uint8_t m_opcode = 0;
  bool m_rd = false;
  bool m_cd = false;
  bool m_aa = false;
  Rcode m_rcode = Rcode::noerror;
  bool m_has_question = false;
  std::string m_qname;
  std::uint16_t m_qtype = 0;
  std::uint16_t m_qclass = 0;
  bool m_edns = false;
  bool m_do = false;
  std::vector<Record> m_records;
  std::size_t m_counts[3] = {0, 0, 0};
};

// Helpers for record data.
void put16(std::string& out, std::uint16_t v);
void put32(std::string& out, std::uint32_t v);

}  // namespace estafeta::dns::wire
