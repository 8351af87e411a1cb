#include "server/dns_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "core/log.hpp"
#include "dns/ip_address.hpp"

namespace estafeta::server {

namespace beast = boost::beast;

namespace {

// The largest UDP query read; anything longer is cut and then answered
// FORMERR. Queries are a few dozen octets; EDNS options add little.
constexpr std::size_t kMaxUdpQuery = 4096;

}  // namespace

asio::awaitable<void> dns_tcp_session(asio::ip::tcp::socket socket, net::SessionEnv env, dns::ZoneSource& zones) {
  beast::tcp_stream stream(std::move(socket));
  if (env.over_limit) co_return;  // closed at once: DNS has no refusal line
  std::string message;
  for (;;) {
    // RFC 1035 §4.2.2: a two-octet length, then the message (so at most 65535 octets).
    unsigned char prefix[2];
    stream.expires_after(net::wait_for(env, std::chrono::seconds(env.limits->dns_tcp_idle_seconds), net::kCrowdedIdle));
    auto [ec, n] = co_await asio::async_read(stream, asio::buffer(prefix), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    std::size_t length = std::size_t{prefix[0]} << 8 | prefix[1];
    if (length == 0) co_return;
    message.resize(length);
    auto [ec2, n2] = co_await asio::async_read(stream, asio::buffer(message), asio::as_tuple(asio::use_awaitable));
    if (ec2) co_return;
    auto answer = dns::answer_query(message, zones, dns::DnsTransport::tcp);
    if (!answer) co_return;  // not a query: nothing to say, and nothing more to read from such a peer
    std::string out;
    out.reserve(answer->size() + 2);
    out.push_back(static_cast<char>(answer->size() >> 8));
    out.push_back(static_cast<char>(answer->size() & 0xFF));
    out += *answer;
    stream.expires_after(std::chrono::seconds(env.limits->dns_tcp_idle_seconds));
    auto [ec3, n3] = co_await asio::async_write(stream, asio::buffer(out), asio::as_tuple(asio::use_awaitable));
    if (ec3) co_return;
  }
}

asio::awaitable<void> dns_udp_loop(asio::ip::udp::socket& socket, dns::ZoneSource& zones, dns::ResponseLimiter& limiter,
                                   const std::atomic<bool>& stopping) {
  std::string buffer(kMaxUdpQuery, '\0');
  asio::ip::udp::endpoint peer;
  while (!stopping) {
    auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buffer), peer, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor || stopping) co_return;
      continue;  // ICMP errors from an earlier send (connection refused …): not this datagram's fault
    }
    auto ip = dns::IpAddress::parse(peer.address().to_string());
    if (!ip || !limiter.allow(*ip, dns::ResponseLimiter::Clock::now())) continue;
    auto answer = dns::answer_query(std::string_view(buffer.data(), n), zones, dns::DnsTransport::udp);
    if (!answer) continue;
    auto [ec2, sent] = co_await socket.async_send_to(asio::buffer(*answer), peer, asio::as_tuple(asio::use_awaitable));
    (void)sent;
    if (ec2 && (ec2 == asio::error::operation_aborted || stopping)) co_return;
  }
}

}  // namespace estafeta::server
