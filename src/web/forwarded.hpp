// Requests through a reverse proxy: who the client is, and over which
// scheme it came.
//
// Behind a proxy every request comes from the proxy's address. For the
// proxies the configuration trusts (WebConfig::trusted_proxies), and only
// for them, what they forward is believed, from the one field they are
// configured to write (the other is the client's own, passed through):
// - the client: X-Forwarded-For, or RFC 7239 Forwarded's for= (§5.2),
//   read from the right (the hop nearest to us) past the trusted proxies;
//   the first address that is not one is the client. What lies left of it
//   is the client's own say and never believed. An "unknown" or obfuscated
//   node (§6) stops the walk at the last hop known.
// - the scheme: X-Forwarded-Proto (the value at the same position, or its
//   only value) beside X-Forwarded-For, or that element's proto= (§5.4)
//   in Forwarded: "https" counts as
//   TLS, "http" as clear text; none leaves the proxy's own connection.
// Plain C++ over web::Request: the session calls it once per request,
// before anything reads the request's peer or scheme.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/ip_address.hpp"
#include "web/message.hpp"

namespace estafeta::web {

class TrustedProxies {
 public:
  // Which field the proxies write (WebConfig::forwarded_header); only that
  // one is read.
  enum class Field { x_forwarded_for, forwarded };

  // Numeric addresses, or networks as "10.0.0.0/8"; nullopt when one is
  // neither (the configuration has refused those already).
  static std::optional<TrustedProxies> parse(const std::vector<std::string>& items,
                                             Field field = Field::x_forwarded_for);

  Field field() const { return m_field; }

  bool empty() const { return m_networks.empty(); }
  bool contains(const dns::IpAddress& ip) const;
  bool contains(std::string_view ip) const;

 private:
  struct Network {
    dns::IpAddress address;
    int prefix;
  };
  std::vector<Network> m_networks;
  Field m_field = Field::x_forwarded_for;
};

// When the request's peer is a trusted proxy, sets its peer_ip to the
// client's address and its tls to the client's scheme, from the
// forwarding fields (as above); otherwise leaves it as it is.
void resolve_client(Request& request, const TrustedProxies& proxies);

// Whether the request carries a forwarding field (Forwarded,
// X-Forwarded-For): it came through a proxy, trusted or not.
bool forwarded(const Request& request);

}  // namespace estafeta::web
