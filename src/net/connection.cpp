#include "net/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

#include "net/pace.hpp"

namespace estafeta::net {

namespace beast = boost::beast;
using asio::as_tuple;
using asio::use_awaitable;
using error_code = boost::system::error_code;

namespace {
constexpr std::size_t kReadChunk = 8192;
// A TLS handshake is a few round trips: a client that takes longer is
// holding the connection, not negotiating.

// What the socket must become before a TLS step that could not finish is
// tried again; nullopt when the step cannot be retried.
std::optional<asio::socket_base::wait_type> retry_when(TlsSession::Status s) {
  if (s == TlsSession::Status::want_read) return asio::socket_base::wait_read;
  if (s == TlsSession::Status::want_write) return asio::socket_base::wait_write;
  return std::nullopt;
}
}  // namespace

bool Input::timed_out() const { return error == beast::error::timeout; }

Connection::Connection(asio::any_io_executor strand, asio::ip::tcp::socket socket, asio::ssl::context& tls)
    : m_strand(strand), m_tcp(std::move(socket)), m_tls_context(tls), m_inbox(strand, 64), m_want(strand, 1) {}

Connection::~Connection() = default;

std::shared_ptr<Connection> Connection::create(asio::any_io_executor strand, asio::ip::tcp::socket socket,
                                               asio::ssl::context& tls) {
  std::shared_ptr<Connection> c(new Connection(strand, std::move(socket), tls));
  asio::co_spawn(strand, reader(c), asio::detached);
  return c;
}

asio::awaitable<error_code> Connection::wait(asio::socket_base::wait_type what,
                                             std::chrono::steady_clock::duration timeout) {
  asio::steady_timer timer(m_strand, timeout);
  using namespace asio::experimental::awaitable_operators;
  auto ready =
      co_await (m_tcp.socket().async_wait(what, as_tuple(use_awaitable)) || timer.async_wait(as_tuple(use_awaitable)));
  if (ready.index() == 1) co_return error_code(beast::error::timeout);
  co_return std::get<0>(std::get<0>(ready));
}

std::chrono::steady_clock::duration Connection::bounded(std::chrono::steady_clock::duration timeout) const {
  if (!m_deadline) return timeout;
  return std::min(timeout, *m_deadline - std::chrono::steady_clock::now());
}

asio::awaitable<std::pair<error_code, std::string>> Connection::read_tls() {
  auto deadline = std::chrono::steady_clock::now() + bounded(m_read_timeout);
  // Bytes already inside the session need no wait; after a read that asked
  // for more, only the socket can bring them.
  bool must_wait = !m_tls->has_pending();
  for (;;) {
    if (must_wait) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero())
        co_return std::pair{error_code(beast::error::timeout), std::string()};
      if (auto ec = co_await wait(asio::socket_base::wait_read, left)) co_return std::pair{ec, std::string()};
    }
    std::string buf(kReadChunk, '\0');
    auto io = m_tls->read(buf.data(), buf.size());
    switch (io.status) {
      case TlsSession::Status::done: buf.resize(io.n); co_return std::pair{error_code(), std::move(buf)};
      case TlsSession::Status::want_read: must_wait = true; break;
      case TlsSession::Status::want_write: {
        // A post-handshake message to send first (a TLS 1.3 KeyUpdate reply).
        if (auto ec = co_await wait(asio::socket_base::wait_write, m_write_stall))
          co_return std::pair{ec, std::string()};
        must_wait = false;
        break;
      }
      case TlsSession::Status::closed: co_return std::pair{error_code(asio::error::eof), std::string()};
      case TlsSession::Status::failed: co_return std::pair{error_code(asio::error::connection_reset), std::string()};
    }
  }
}

asio::awaitable<void> Connection::reader(std::shared_ptr<Connection> self) {
  for (;;) {
    auto [wec] = co_await self->m_want.async_receive(as_tuple(use_awaitable));
    if (wec) co_return;
    error_code ec;
    std::string buf;
    if (self->m_tls) {
      std::tie(ec, buf) = co_await self->read_tls();
    } else {
      // Wait for bytes without holding a buffer (most connections are idle).
      auto timeout = self->bounded(self->m_read_timeout);
      if (timeout <= std::chrono::steady_clock::duration::zero())
        ec = beast::error::timeout;
      else
        ec = co_await self->wait(asio::socket_base::wait_read, timeout);
      if (!ec) {
        buf.resize(kReadChunk);
        std::size_t n = 0;
        self->m_tcp.expires_after(timeout);
        std::tie(ec, n) = co_await self->m_tcp.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
        buf.resize(n);
      }
    }
    Input in;
    in.bytes = std::move(buf);
    in.error = ec;
    auto [sec] = co_await self->m_inbox.async_send(error_code{}, std::move(in), as_tuple(use_awaitable));
    if (sec || ec) co_return;
  }
}

void Connection::quick_ack() {
  // TCP_QUICKACK is not sticky: it sends the pending ACK now and leaves the
  // socket in quick-ACK mode only until the kernel's heuristics change it
  // back, which is what one late acknowledgement needs (tcp(7)).
  int on = 1;
  ::setsockopt(m_tcp.socket().native_handle(), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

void Connection::request_read() {
  if (m_read_pending) return;
  m_read_pending = m_want.try_send(error_code{});
}

asio::awaitable<Input> Connection::next() {
  auto [ec, in] = co_await m_inbox.async_receive(as_tuple(use_awaitable));
  if (ec) {
    Input closed;
    closed.kind = Input::Kind::closed;
    co_return closed;
  }
  if (in.kind == Input::Kind::data) m_read_pending = false;
  co_return in;
}

asio::awaitable<bool> Connection::start_tls() {
  error_code ec;
  m_tcp.socket().non_blocking(true, ec);
  if (ec) co_return false;
  auto tls = std::make_unique<TlsSession>(m_tls_context.native_handle(), m_tcp.socket().native_handle());
  if (!tls->valid()) co_return false;
  auto deadline = std::chrono::steady_clock::now() + bounded(m_handshake_timeout);
  for (;;) {
    auto st = tls->handshake();
    if (st == TlsSession::Status::done) break;
    auto left = deadline - std::chrono::steady_clock::now();
    auto when = retry_when(st);
    if (!when || left <= std::chrono::steady_clock::duration::zero()) co_return false;
    if (co_await wait(*when, left)) co_return false;
  }
  m_tls = std::move(tls);
  co_return true;
}

asio::awaitable<bool> Connection::write(std::string_view bytes) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::uint64_t taken = 0;
  // Progress moves the deadline, but no faster than the minimum rate.
  auto due = [&] { return write_progress_deadline(start, Clock::now(), m_write_stall, taken, m_write_min_rate); };
  while (!bytes.empty()) {
    auto deadline = due();
    if (deadline <= Clock::now()) co_return false;
    if (m_tls) {
      auto io = m_tls->write(bytes);
      if (io.status == TlsSession::Status::done) {
        bytes.remove_prefix(io.n);
        taken += io.n;
        continue;
      }
      auto when = retry_when(io.status);
      if (!when) co_return false;
      if (co_await wait(*when, deadline - Clock::now())) co_return false;
      continue;
    }
    // As much as the socket takes now; the stream closes the socket when
    // the deadline passes first.
    m_tcp.expires_at(deadline);
    auto [ec, n] = co_await m_tcp.async_write_some(asio::buffer(bytes), as_tuple(use_awaitable));
    if (ec) co_return false;
    bytes.remove_prefix(n);
    taken += n;
  }
  co_return true;
}

void Connection::follow(EventBus& bus, std::int64_t address_id) {
  if (m_subscription.active() && m_address == address_id) return;
  m_address = address_id;
  std::weak_ptr<Connection> weak = weak_from_this();
  // The bus calls this for the address's events and the service-wide ones.
  m_subscription = bus.subscribe({address_id}, [weak](const Event& e) {
    auto self = weak.lock();
    if (!self) return;
    asio::post(self->m_strand, [weak, e] {
      if (auto conn = weak.lock()) {
        Input in;
        in.kind = Input::Kind::event;
        in.event = e;
        (void)conn->m_inbox.try_send(error_code{}, std::move(in));  // full: the next poll still sees the change
      }
    });
  });
}

void Connection::end_from_outside() {
  asio::post(m_strand, [weak = weak_from_this()] {
    if (auto conn = weak.lock()) {
      Input in;
      in.kind = Input::Kind::event;
      in.event = Event{EventKind::connection_ended};
      (void)conn->m_inbox.try_send(error_code{}, std::move(in));
    }
  });
}

std::function<void()> Connection::ender() {
  return [weak = weak_from_this()] {
    if (auto conn = weak.lock()) conn->end_from_outside();
  };
}

asio::awaitable<void> Connection::close() {
  m_subscription.reset();
  m_want.close();
  m_inbox.close();
  if (m_tls) {
    // close_notify, waiting a little for room in the socket if need be.
    if (m_tls->shutdown() == TlsSession::Status::want_write &&
        !co_await wait(asio::socket_base::wait_write, std::chrono::seconds(5)))
      (void)m_tls->shutdown();
  }
  error_code ignored;
  m_tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  m_tcp.close();
}

asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket, SessionEnv env, std::string_view over_limit_reply,
                                       LineSession run) {
  auto c = Connection::create(co_await asio::this_coro::executor, std::move(socket), *env.tls);
  c->set_write_limits(std::chrono::seconds(env.limits->write_timeout_seconds), env.limits->write_min_rate);
  c->set_handshake_timeout(std::chrono::seconds(env.limits->tls_handshake_seconds));
  bool tls = implicit_tls(env.listener->protocol);
  if (env.over_limit) {
    // No handshake for a connection over the limit: it would hold the
    // socket (and OpenSSL state) for as long as the peer takes.
    if (!tls) co_await c->write(over_limit_reply);
  } else if (!tls || co_await c->start_tls()) {
    co_await run(*c, env);
  }
  co_await c->close();
}

}  // namespace estafeta::net
