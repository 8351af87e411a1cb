// The DNS as mail code needs it: a resolver interface in mail terms (TXT for
// SPF, addresses, MX, PTR) and StaticResolver, an in-memory zone for tests
// and for the configuration's static routes.
//
// Contract for every lookup (what SPF, RFC 7208 §4.4 and §5, relies on):
//   - an answer:            the records, in the order the server gave them;
//   - NOERROR with no data: an empty vector;
//   - NXDOMAIN:             ErrorKind::not_found (an empty vector is also
//                           accepted: both are "void lookups", §4.6.4);
//   - anything else (SERVFAIL, REFUSED, timeout, CNAME loop, no server):
//                           ErrorKind::temporary. Callers treat every error
//                           other than not_found as temporary (SPF: temperror).
// Names are given without a trailing dot (one is tolerated) and compared
// case-insensitively. CNAMEs are followed by the resolver, never by callers.
// Calls may block (a network resolver waits for the answer): never on an
// io_context thread; the server's lookups (SPF checks of inbound mail, the
// outbound queue's MX lookups) run on dns::LookupRunner threads of their
// own, so that slow DNS cannot hold the shared worker pool. An
// implementation bounds the time of each query itself.
//
// Later: a c-ares implementation (src/dns/cares/) of the same interface.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dns/ip_address.hpp"

namespace estafeta::dns {

struct MxRecord {
  std::uint16_t preference = 0;
  std::string host;  // as published; "" or "." is a null MX (RFC 7505)
};

// RFC 2782: where a service of a domain is (RFC 6186 for mail clients).
struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // "" or "." : the service is not offered
};

enum class RecordType { a, aaaa, mx, txt, ptr, cname, srv };

const char* to_string(RecordType type);

// A name as DNS holds it: an internationalised name (UTF-8) as its A-labels
// ("bücher.example" → "xn--bcher-kva.example", IDNA2008), an ASCII one
// unchanged; without a trailing dot. nullopt: no valid IDN.
std::optional<std::string> ascii_name(std::string_view name);
// A DNS name as lookups compare it: ascii_name (when valid) in lower case,
// without a trailing dot.
std::string normalize_name(std::string_view name);

class Resolver {
 public:
  virtual ~Resolver() = default;

  // TXT records of `name`, each one's character-strings concatenated without
  // separators (RFC 7208 §3.3).
  virtual Result<std::vector<std::string>> txt(std::string_view name) = 0;
  // IPv4 addresses (A records) of `name`.
  virtual Result<std::vector<IpAddress>> a(std::string_view name) = 0;
  // IPv6 addresses (AAAA records) of `name`.
  virtual Result<std::vector<IpAddress>> aaaa(std::string_view name) = 0;
  // Mail exchangers of `name`, unsorted.
  virtual Result<std::vector<MxRecord>> mx(std::string_view name) = 0;
  // Names of `ip` (PTR records under in-addr.arpa or ip6.arpa).
  virtual Result<std::vector<std::string>> ptr(const IpAddress& ip) = 0;
  // Service locations (SRV records) of `name`, e.g. "_imaps._tcp.example.com".
  virtual Result<std::vector<SrvRecord>> srv(std::string_view name) = 0;

  // What this resolver can answer without waiting for the network (a
  // cache's live answers), as a resolver of its own that lives no longer
  // than this one: a lookup it cannot answer at once fails (temporary) and
  // sets `missed`. Null when nothing is ever at hand.
  virtual std::unique_ptr<Resolver> at_hand(bool& missed) {
    (void)missed;
    return nullptr;
  }
};

// An in-memory zone. Records are added before use; lookups never change it,
// so one StaticResolver may serve several threads once filled.
// A name that has no record of any type, no CNAME and no timeout does not
// exist (not_found); a name that exists but lacks the type asked for gives
// an empty answer.
class StaticResolver final : public Resolver {
 public:
  // Adds one record in zone-file form:
  //   A "192.0.2.1"; AAAA "2001:db8::1"; MX "10 mx.example.com" (or just a
  //   host, preference 0); TXT any text (one record, already concatenated);
  //   PTR a host name, under `name` = the reverse name ("1.2.0.192.in-addr.arpa");
  //   CNAME the target name (a name with a CNAME has no other records);
  //   SRV "priority weight port target".
  // Errors: invalid (bad address, bad preference).
  Status add(std::string_view name, RecordType type, std::string_view value);
  void add_txt(std::string_view name, std::string text);
  void add_address(std::string_view name, const IpAddress& ip);  // A or AAAA by family
  void add_mx(std::string_view name, std::uint16_t preference, std::string host);
  void add_ptr(const IpAddress& ip, std::string host);

  // Queries of `name` for `type` (for every type when nullopt) fail with
  // ErrorKind::temporary, as if the server never answered.
  void add_timeout(std::string_view name, std::optional<RecordType> type = std::nullopt);

  // Lookups answered so far (each CNAME hop not counted separately).
  std::size_t queries() const { return m_queries.load(); }

  Result<std::vector<std::string>> txt(std::string_view name) override;
  Result<std::vector<IpAddress>> a(std::string_view name) override;
  Result<std::vector<IpAddress>> aaaa(std::string_view name) override;
  Result<std::vector<MxRecord>> mx(std::string_view name) override;
  Result<std::vector<std::string>> ptr(const IpAddress& ip) override;
  Result<std::vector<SrvRecord>> srv(std::string_view name) override;
  void add_srv(std::string_view name, SrvRecord record);

 private:
  struct Node {
    std::vector<std::string> txt;
    std::vector<IpAddress> a;
    std::vector<IpAddress> aaaa;
    std::vector<MxRecord> mx;
    std::vector<std::string> ptr;
    std::vector<SrvRecord> srv;
    std::optional<std::string> cname;
    std::set<RecordType> timeouts;
    bool all_timeout = false;
  };

  Node& node(std::string_view name);
  // The node that answers (name, type) after following CNAMEs.
  Result<const Node*> find(std::string_view name, RecordType type);

  std::map<std::string, Node, std::less<>> m_nodes;  // key: lowercase, no trailing dot
  std::atomic<std::size_t> m_queries{0};
};

}  // namespace estafeta::dns
