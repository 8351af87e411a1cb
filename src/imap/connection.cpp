// One IMAP connection (RFC 9051 §2.2, §5.4 autologout, §6.2.1 STARTTLS;
// RFC 2177 IDLE).
//
// Shape: a reader coroutine reads one chunk of bytes only when asked, and
// posts it to the connection's inbox channel; bus events (new mail, flag
// changes, revocations) are posted to the same inbox. The main coroutine
// takes from the inbox, frames and parses commands, runs them on the worker
// pool (net::offload) and writes the replies. Reads are never cancelled, so
// a STARTTLS handshake starts from a quiet stream and TLS state is never
// torn.
//
// Security: bytes pipelined after STARTTLS are discarded (they were sent in
// clear); idle clients are logged out (30 minutes once authenticated, RFC
// 9051 §5.4; 2 minutes before); revocation ends the session with BYE.
#include "imap/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>

#include "core/log.hpp"
#include "imap/framer.hpp"
#include "imap/session.hpp"
#include "net/offload.hpp"

namespace estafeta::imap {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::as_tuple;
using asio::use_awaitable;
using error_code = boost::system::error_code;

namespace {

constexpr auto kPreAuthTimeout = std::chrono::minutes(2);
constexpr auto kAutologout = std::chrono::minutes(30);
constexpr auto kWriteTimeout = std::chrono::minutes(2);
constexpr std::size_t kReadChunk = 8192;

struct Input {
  enum class Kind { data, event } kind = Kind::data;
  std::string bytes;
  Event event{EventKind::message_appended};
};

using Inbox = asio::experimental::channel<void(error_code, Input)>;
using Want = asio::experimental::channel<void(error_code)>;

// Everything here is touched only on `executor` (the session's strand).
struct Conn {
  Conn(asio::any_io_executor ex, asio::ip::tcp::socket socket, asio::ssl::context& tls)
      : executor(ex), stream(beast::tcp_stream(std::move(socket)), tls), inbox(ex, 64), want(ex, 1) {}
  asio::any_io_executor executor;
  beast::ssl_stream<beast::tcp_stream> stream;
  bool tls = false;
  std::chrono::seconds read_timeout{std::chrono::duration_cast<std::chrono::seconds>(kPreAuthTimeout)};
  Inbox inbox;
  Want want;
  std::atomic<store::Id> address_id{0};  // after login: events for other addresses are ignored
};

// Reads one chunk each time it is asked to, and posts it to the inbox.
asio::awaitable<void> reader(std::shared_ptr<Conn> c) {
  std::string buf(kReadChunk, '\0');
  for (;;) {
    auto [wec] = co_await c->want.async_receive(as_tuple(use_awaitable));
    if (wec) co_return;
    beast::get_lowest_layer(c->stream).expires_after(c->read_timeout);
    error_code ec;
    std::size_t n = 0;
    if (c->tls) std::tie(ec, n) = co_await c->stream.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
    else std::tie(ec, n) = co_await c->stream.next_layer().async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
    Input in;
    in.bytes.assign(buf.data(), n);
    auto [sec] = co_await c->inbox.async_send(ec, std::move(in), as_tuple(use_awaitable));
    if (sec || ec) co_return;
  }
}

asio::awaitable<bool> write(Conn& c, std::string_view bytes) {
  if (bytes.empty()) co_return true;
  beast::get_lowest_layer(c.stream).expires_after(kWriteTimeout);
  error_code ec;
  if (c.tls) std::tie(ec, std::ignore) = co_await asio::async_write(c.stream, asio::buffer(bytes), as_tuple(use_awaitable));
  else std::tie(ec, std::ignore) = co_await asio::async_write(c.stream.next_layer(), asio::buffer(bytes), as_tuple(use_awaitable));
  co_return !ec;
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  if (d.count() <= 0) co_return;
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(as_tuple(use_awaitable));
}

enum class Mode { command, authenticate, idle };

asio::awaitable<void> run(std::shared_ptr<Conn> c, net::SessionEnv env) {
  auto& services = *env.services;
  SessionOptions options;
  options.hostname = services.config->hostname;
  options.peer_ip = env.peer_ip;
  options.tls_active = c->tls;
  options.starttls_available = !c->tls && env.tls != nullptr;
  options.plaintext_auth = env.listener->plaintext_auth;
  options.append_limit = services.config->limits.max_message_size;
  Session session(services, *services.throttle, options);

  // Bus events: only those for our address are worth a wake-up.
  std::weak_ptr<Conn> weak = c;
  auto subscription = services.bus->subscribe([weak](const Event& e) {
    auto conn = weak.lock();
    if (!conn) return;
    auto mine = conn->address_id.load();
    bool service_wide = e.kind == EventKind::service_locked;
    if (!service_wide && (mine == 0 || e.address_id != mine)) return;
    asio::post(conn->executor, [weak, e] {
      if (auto conn = weak.lock()) {
        Input in;
        in.kind = Input::Kind::event;
        in.event = e;
        (void)conn->inbox.try_send(error_code{}, std::move(in));  // full: the next poll still sees the change
      }
    });
  });

  FramerLimits limits;
  limits.max_literal = options.append_limit;
  limits.max_command = options.append_limit + 64 * 1024;
  CommandFramer framer(limits);
  Mode mode = Mode::command;

  if (!co_await write(*c, session.greeting())) co_return;
  (void)c->want.try_send(error_code{});
  for (;;) {
    auto [ec, in] = co_await c->inbox.async_receive(as_tuple(use_awaitable));
    if (ec) co_return;  // the inbox was closed: shutdown
    if (in.kind == Input::Kind::event) {
      if (auto why = session.ended_by(in.event)) {
        co_await write(*c, "* BYE " + *why + "\r\n");
        log::info("imap.session_ended", {{"ip", env.peer_ip}, {"reason", *why}});
        co_return;
      }
      if (mode == Mode::idle && session.concerns(in.event)) {
        auto updates = co_await net::offload(*env.workers, [&] { return session.idle_updates(); });
        if (!co_await write(*c, updates)) co_return;
      }
      continue;
    }
    if (in.bytes.empty()) {
      // EOF, error or timeout (RFC 9051 §5.4 autologout).
      if (ec == beast::error::timeout) co_await write(*c, "* BYE autologout: idle for too long\r\n");
      co_return;
    }
    std::string_view pending = in.bytes;
    while (!pending.empty()) {
      auto event = framer.feed(pending);
      if (event == CommandFramer::Event::need_more) break;
      if (event == CommandFramer::Event::continuation) {
        if (!co_await write(*c, "+ go ahead\r\n")) co_return;
        continue;
      }
      if (event == CommandFramer::Event::fatal) {
        co_await write(*c, "* BYE " + framer.error() + "\r\n");
        co_return;
      }
      if (event == CommandFramer::Event::error) {
        auto reply = framer.error_is_too_big() ? framer.tag() + " NO [TOOBIG] " + framer.error() + "\r\n"
                                               : framer.tag() + " BAD " + framer.error() + "\r\n";
        if (!co_await write(*c, reply)) co_return;
        continue;
      }
      auto text = framer.take_command();
      Reply reply;
      if (mode == Mode::idle) {
        reply = co_await net::offload(*env.workers, [&] { return session.idle_end(text); });
        mode = Mode::command;
      } else if (mode == Mode::authenticate) {
        reply = co_await net::offload(*env.workers, [&] { return session.authenticate_step(text); });
        mode = Mode::command;
      } else {
        auto parsed = parse_command(text);
        if (!parsed) reply = session.bad_syntax(parsed.error());
        else reply = co_await net::offload(*env.workers, [&] { return session.execute(std::move(*parsed)); });
      }
      co_await pause(reply.delay);
      if (!co_await write(*c, reply.out)) co_return;
      if (session.state() != State::not_authenticated) {
        c->read_timeout = std::chrono::duration_cast<std::chrono::seconds>(kAutologout);
        if (auto& who = session.context().who) c->address_id = who->address.id;
      }
      switch (reply.next) {
        case Reply::Next::read: break;
        case Reply::Next::authenticate: mode = Mode::authenticate; break;
        case Reply::Next::idle: mode = Mode::idle; break;
        case Reply::Next::close: co_return;
        case Reply::Next::start_tls: {
          // Anything the client pipelined after STARTTLS came in clear: drop it.
          pending = {};
          framer = CommandFramer(limits);
          beast::get_lowest_layer(c->stream).expires_after(std::chrono::seconds(30));
          auto [hec] = co_await c->stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
          if (hec) {
            log::debug("imap.tls_failed", {{"ip", env.peer_ip}, {"error", hec.message()}});
            co_return;
          }
          c->tls = true;
          session.tls_started();
          break;
        }
      }
    }
    (void)c->want.try_send(error_code{});
  }
}

}  // namespace

asio::awaitable<void> imap_session(asio::ip::tcp::socket socket, net::SessionEnv env) {
  auto c = std::make_shared<Conn>(co_await asio::this_coro::executor, std::move(socket), *env.tls);
  asio::co_spawn(c->executor, reader(c), asio::detached);
  if (implicit_tls(env.listener->protocol)) {
    beast::get_lowest_layer(c->stream).expires_after(std::chrono::seconds(30));
    auto [ec] = co_await c->stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
    if (ec) {
      c->want.close();
      c->inbox.close();
      co_return;
    }
    c->tls = true;
  }
  try {
    co_await run(c, env);
  } catch (...) {
    c->want.close();
    c->inbox.close();
    throw;
  }
  c->want.close();
  c->inbox.close();
  error_code ignored;
  if (c->tls) {
    beast::get_lowest_layer(c->stream).expires_after(std::chrono::seconds(5));
    co_await c->stream.async_shutdown(as_tuple(use_awaitable));
  }
  beast::get_lowest_layer(c->stream).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(c->stream).close();
}

}  // namespace estafeta::imap
