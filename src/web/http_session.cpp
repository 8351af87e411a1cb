// One HTTP connection: read a request (bounded), route it, write the answer,
// repeat while keep-alive; a deadline before every read and write.
#include "web/http_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "core/log.hpp"
#include "net/offload.hpp"
#include "web/router.hpp"

namespace estafeta::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// For a whole request (headers and body), and for each answer: one
// deadline that a trickle of bytes does not move.
constexpr auto kTimeout = std::chrono::seconds(30);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);  // a few round trips
constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kBodyLimit = 1024 * 1024;

template <class Stream>
asio::awaitable<void> serve_requests(Stream& stream, beast::tcp_stream& tcp, net::SessionEnv& env, bool tls) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    tcp.expires_after(kTimeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout) co_return;
    if (ec) {
      // Malformed or over-limit: answer 400/413 once and close.
      http::response<http::string_body> bad{ec == http::error::body_limit ? http::status::payload_too_large
                                                                           : http::status::bad_request, 11};
      bad.set(http::field::content_type, "text/plain; charset=utf-8");
      bad.set(http::field::connection, "close");
      bad.body() = ec == http::error::body_limit ? "request body too large\n" : "bad request\n";
      bad.prepare_payload();
      tcp.expires_after(kTimeout);
      co_await http::async_write(stream, bad, asio::as_tuple(asio::use_awaitable));
      co_return;
    }
    auto& req = parser.get();
    Request in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    for (auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in.headers[name] = std::string(f.value());
    }
    in.body = std::move(req.body());
    in.peer_ip = env.peer_ip;
    in.tls = tls;
    // The router touches the store: blocking, so on the worker pool.
    Response out = co_await net::offload(*env.workers, [&] { return handle(*env.services, in); });

    http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
    res.set(http::field::server, "Estafeta");
    res.set(http::field::content_type, out.content_type);
    for (auto& [k, v] : out.headers) res.set(k, v);
    res.keep_alive(req.keep_alive());
    if (in.method != "HEAD") res.body() = std::move(out.body);
    res.prepare_payload();
    tcp.expires_after(kTimeout);
    auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (wec || !res.keep_alive()) co_return;
  }
}

}  // namespace

asio::awaitable<void> http_session(asio::ip::tcp::socket socket, net::SessionEnv env) {
  beast::tcp_stream tcp(std::move(socket));
  if (implicit_tls(env.listener->protocol)) {
    beast::ssl_stream<beast::tcp_stream&> tls(tcp, *env.tls);
    tcp.expires_after(kHandshakeTimeout);
    auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      log::debug("http.tls_failed", {{"ip", env.peer_ip}, {"error", ec.message()}});
      co_return;
    }
    co_await serve_requests(tls, tcp, env, true);
    tcp.expires_after(std::chrono::seconds(5));
    co_await tls.async_shutdown(asio::as_tuple(asio::use_awaitable));
  } else {
    co_await serve_requests(tcp, tcp, env, false);
    boost::system::error_code ignored;
    tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
}

}  // namespace estafeta::web
