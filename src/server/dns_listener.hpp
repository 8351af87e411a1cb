// The authoritative DNS server's transport (the `dns` listener): UDP and
// TCP on the same address (RFC 1035 §4.2, RFC 7766), answers from
// dns::answer_query over the zones of the store. Includes Asio: for
// transport files only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>

#include <atomic>

#include "dns/authority.hpp"
#include "dns/response_limiter.hpp"
#include "net/session.hpp"

namespace estafeta::server {

namespace asio = boost::asio;

// One TCP connection: length-prefixed queries answered in order, several
// per connection (RFC 7766 §6.2.1). Each query must arrive whole within
// [limits] dns_tcp_idle_seconds of the previous answer (RFC 7766 §6.2.3),
// so an idle or trickling client does not hold the connection.
asio::awaitable<void> dns_tcp_session(asio::ip::tcp::socket socket, net::SessionEnv env, dns::ZoneSource& zones);

// Answers datagrams on `socket` until it is closed or `stopping` is set.
// Several may run on one socket at once (one per io thread). Answers past
// the source's rate (`limiter`) are not sent.
asio::awaitable<void> dns_udp_loop(asio::ip::udp::socket& socket, dns::ZoneSource& zones, dns::ResponseLimiter& limiter,
                                   const std::atomic<bool>& stopping);

}  // namespace estafeta::server
