// One HTTP connection: read a request (bounded), route it, write the answer,
// repeat while keep-alive; a deadline before every read and write.
//
// Bounds before anything is buffered: the header to [limits]
// http_max_header_bytes octets and kMaxFields fields (431, RFC 6585 §5); the body to what the route declares
// (web/router.hpp: nothing for GET /healthz), checked against Content-Length
// once the header is in and before a body octet is read (413, RFC 9110
// §15.5.14), and against chunked bodies as they come. A refused request's
// body is read and dropped for a moment before the connection closes, so
// that the client sees the answer rather than a reset.
#include "web/http_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <iterator>

#include "core/log.hpp"
#include "net/offload.hpp"
#include "web/forwarded.hpp"
#include "web/jmap_push.hpp"
#include "web/router.hpp"

namespace estafeta::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// For a whole request (headers and body), and for each answer: one
// deadline that a trickle of bytes does not move.
constexpr std::size_t kMaxFields = 100;
// After a refusal: how long and how much of the rest of the request is
// read (into a fixed buffer) and dropped before closing.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;

// A short plain-text answer.
Response plain(http::status status, std::string body) {
  Response r;
  r.status = static_cast<int>(status);
  r.body = std::move(body);
  return r;
}

// Waits `delay` (a failed login's answer is held back: auth/throttle.hpp).
asio::awaitable<void> hold_back(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) co_return;
  asio::steady_timer wait(co_await asio::this_coro::executor, delay);
  co_await wait.async_wait(asio::as_tuple(asio::use_awaitable));
}

// Sends the answer to a request refused before it is routed; the
// connection closes after it.
template <class Stream>
asio::awaitable<void> refuse(Stream& stream, beast::tcp_stream& tcp, std::chrono::seconds idle, const Response& out) {
  http::response<http::string_body> res{static_cast<http::status>(out.status), 11};
  res.set(http::field::server, "Estafeta");
  res.set(http::field::content_type, out.content_type);
  for (auto& [k, v] : out.headers) res.set(k, v);
  res.set(http::field::connection, "close");
  res.body() = out.body;
  res.prepare_payload();
  tcp.expires_after(idle);
  auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
  if (wec) co_return;
  // Drop what the client is still sending, a little while: closing with
  // unread bytes would reset the connection before it reads the answer.
  std::array<char, 8192> sink;
  std::size_t dropped = 0;
  tcp.expires_after(kLingerTime);
  while (dropped < kLingerBytes) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    dropped += n;
  }
}

// The request's line and header fields as the routes see them (no body),
// its client and scheme those a trusted proxy forwarded (web/forwarded.hpp).
template <class Header>
Request request_of(const Header& req, const net::SessionEnv& env, bool tls, const Deps& deps) {
  Request in;
  in.method = std::string(req.method_string());
  in.target = std::string(req.target());
  for (auto& f : req) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    in.headers[name] = std::string(f.value());
  }
  in.peer_ip = env.peer_ip;
  in.tls = tls;
  if (deps.proxies) resolve_client(in, *deps.proxies);
  return in;
}

// Sends a streamed answer (Response::stream) with chunked transfer coding
// (RFC 9112 §7.1), or as it is behind a Content-Length when its length is
// known (Response::stream_length), each piece made on the pool while the
// last one is on its way; false when the connection cannot be used any more
// (a body that ends short of its length is cut with the connection).
template <class Stream>
asio::awaitable<bool> write_streamed(Stream& stream, beast::tcp_stream& tcp, http::response<http::empty_body>& res,
                                     const Response& out, bool head, net::WorkerPool& pool, std::chrono::seconds idle) {
  bool sized = out.stream_length.has_value();
  if (sized)
    res.content_length(*out.stream_length);
  else
    res.chunked(true);
  http::response_serializer<http::empty_body> header{res};
  tcp.expires_after(idle);
  auto [ec, n] = co_await http::async_write_header(stream, header, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return false;
  if (head && sized) co_return true;
  if (head) {
    auto [lec, ln] = co_await asio::async_write(stream, http::make_chunk_last(), asio::as_tuple(asio::use_awaitable));
    co_return !lec;
  }
  std::uint64_t sent = 0;
  for (;;) {
    auto piece = co_await net::offload(pool, [&] { return out.stream(); });
    if (!piece) co_return false;
    tcp.expires_after(idle);
    if (sized) {
      if (piece->empty()) co_return sent == *out.stream_length;
      if (sent + piece->size() > *out.stream_length) co_return false;
      sent += piece->size();
      auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(*piece), asio::as_tuple(asio::use_awaitable));
      if (wec) co_return false;
      continue;
    }
    if (piece->empty()) {
      auto [lec, ln] = co_await asio::async_write(stream, http::make_chunk_last(), asio::as_tuple(asio::use_awaitable));
      co_return !lec;
    }
    auto [wec, wn] =
        co_await asio::async_write(stream, http::make_chunk(asio::buffer(*piece)), asio::as_tuple(asio::use_awaitable));
    if (wec) co_return false;
  }
}

template <class Stream>
asio::awaitable<void> serve_requests(Stream& stream, beast::tcp_stream& tcp, net::SessionEnv& env, const Deps& deps,
                                     bool tls) {
  beast::flat_buffer buffer;
  auto idle = std::chrono::seconds(env.limits->http_idle_seconds);
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(env.limits->http_max_header_bytes);
    // No limit while the header is read (Beast would refuse a Content-Length
    // past it before the route is known); once the header is in, the
    // route's limit is checked against Content-Length before any body
    // octet is parsed, and set for chunked bodies.
    parser.body_limit(boost::none);
    tcp.expires_after(net::wait_for(env, idle, net::kCrowdedIdle));
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
    bool anonymous_big = false;
    BodyLeave leave;                // held until the request is answered
    std::optional<Response> early;  // the answer, decided before the body (which is small) is read
    if (!ec) {
      tcp.expires_after(idle);  // the request under way has the usual time, crowded or not
      auto& head = parser.get();
      auto limit = body_limit(deps, head.method_string(), head.target());
      if (limit > kAnonymousBodyLimit && !parser.is_done()) {
        // A large body only from a known caller with one to spare: asked before it is read.
        Request who = request_of(head, env, tls, deps);
        leave = co_await net::offload(deps.pool ? *deps.pool : *env.workers, [&] { return may_send_body(deps, who); });
        if (!leave.known) limit = kAnonymousBodyLimit, anonymous_big = true;
        if (leave.refusal) {
          auto length = parser.content_length();
          if (!length || *length > kAnonymousBodyLimit) {
            // Refused before a large (or chunked) body is read; the connection closes.
            co_await hold_back(leave.refusal->delay);
            co_await refuse(stream, tcp, idle, *leave.refusal);
            co_return;
          }
          early = std::move(leave.refusal);  // a small body is read, and the connection kept
          limit = kAnonymousBodyLimit;
        }
      }
      if (static_cast<std::size_t>(std::distance(head.begin(), head.end())) > kMaxFields) {
        ec = http::error::header_limit;
      } else if (auto length = parser.content_length(); length && *length > limit) {
        ec = http::error::body_limit;
      } else if (!parser.is_done()) {
        parser.body_limit(limit);  // chunked bodies: checked as the chunks come
        std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      }
    }
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout)
      co_return;
    if (ec) {
      Response out;
      if (ec == http::error::body_limit && anonymous_big)
        out = plain(http::status::unauthorized, "log in before sending a large body\n");
      else if (ec == http::error::body_limit && leave.too_large)
        out = std::move(*leave.too_large);
      else if (ec == http::error::body_limit)
        out = plain(http::status::payload_too_large, "request body too large\n");
      else if (ec == http::error::header_limit)
        out = plain(http::status::request_header_fields_too_large, "request header too large\n");
      else
        out = plain(http::status::bad_request, "bad request\n");
      leave = {};  // answered: the caller's body slot is free while the rest of the body is dropped
      co_await refuse(stream, tcp, idle, out);
      co_return;
    }
    auto& req = parser.get();
    Request in = request_of(req, env, tls, deps);
    // JMAP push takes the connection over (web/jmap_push.hpp).
    auto& pool = deps.pool ? *deps.pool : *env.workers;
    if (deps.jmap && is_jmap_eventsource(in)) {
      co_await jmap_eventsource(stream, tcp, in, deps, pool);
      co_return;
    }
    if (deps.jmap && is_jmap_websocket(in)) {
      co_await jmap_websocket(stream, tcp, std::move(req), in, deps, pool);
      co_return;
    }
    in.body = std::move(req.body());
    // The router touches the store: blocking, so on the worker pool.
    Response out;
    if (early)
      out = std::move(*early);
    else
      out = co_await net::offload(deps.pool ? *deps.pool : *env.workers, [&] { return handle(deps, in); });
    co_await hold_back(out.delay);  // a failed login: its answer is held back (auth/web_login.hpp)

    if (out.stream) {
      http::response<http::empty_body> res{static_cast<http::status>(out.status), req.version()};
      res.set(http::field::server, "Estafeta");
      res.set(http::field::content_type, out.content_type);
      for (auto& [k, v] : out.headers) res.set(k, v);
      res.keep_alive(req.keep_alive());
      bool usable = co_await write_streamed(stream, tcp, res, out, in.method == "HEAD", pool, idle);
      if (!usable || !res.keep_alive()) co_return;
      continue;
    }
    http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
    res.set(http::field::server, "Estafeta");
    res.set(http::field::content_type, out.content_type);
    for (auto& [k, v] : out.headers) res.set(k, v);
    res.keep_alive(req.keep_alive());
    if (in.method != "HEAD") res.body() = std::move(out.body);
    res.prepare_payload();
    tcp.expires_after(idle);
    auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (wec || !res.keep_alive()) co_return;
  }
}

}  // namespace

asio::awaitable<void> http_session(asio::ip::tcp::socket socket, net::SessionEnv env, const Deps& deps) {
  beast::tcp_stream tcp(std::move(socket));
  if (implicit_tls(env.listener->protocol)) {
    beast::ssl_stream<beast::tcp_stream&> tls(tcp, *env.tls);
    tcp.expires_after(std::chrono::seconds(env.limits->tls_handshake_seconds));
    auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      log::debug("http.tls_failed", {{"ip", env.peer_ip}, {"error", ec.message()}});
      co_return;
    }
    co_await serve_requests(tls, tcp, env, deps, true);
    tcp.expires_after(std::chrono::seconds(5));
    co_await tls.async_shutdown(asio::as_tuple(asio::use_awaitable));
  } else {
    co_await serve_requests(tcp, tcp, env, deps, false);
    boost::system::error_code ignored;
    tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  }
}

}  // namespace estafeta::web
