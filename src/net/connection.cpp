#include "net/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
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
// How often a write waiting for room looks at what the peer took.
constexpr std::chrono::seconds kQueueLook{1};

// Bytes in the socket's send queue that the peer has not acknowledged
// (SIOCOUTQ); nullopt if the kernel does not say.
std::optional<std::uint64_t> unsent_bytes(int fd) {
  int n = 0;
  if (::ioctl(fd, SIOCOUTQ, &n) != 0 || n < 0) return std::nullopt;
  return static_cast<std::uint64_t>(n);
}
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
    : m_strand(strand), m_socket(std::move(socket)), m_tls_context(tls), m_inbox(strand, 64), m_read_timer(strand) {}

Connection::~Connection() = default;

std::shared_ptr<Connection> Connection::create(asio::any_io_executor strand, asio::ip::tcp::socket socket,
                                               asio::ssl::context& tls) {
  std::shared_ptr<Connection> c(new Connection(strand, std::move(socket), tls));
  // Reads take what is there (take_bytes); the writes and waits here are
  // asynchronous and unaffected.
  error_code ignored;
  c->m_socket.non_blocking(true, ignored);
  return c;
}

asio::awaitable<error_code> Connection::wait(asio::socket_base::wait_type what,
                                             std::chrono::steady_clock::duration timeout) {
  asio::steady_timer timer(m_strand, timeout);
  using namespace asio::experimental::awaitable_operators;
  auto ready =
      co_await (m_socket.async_wait(what, as_tuple(use_awaitable)) || timer.async_wait(as_tuple(use_awaitable)));
  if (ready.index() == 1) co_return error_code(beast::error::timeout);
  co_return std::get<0>(std::get<0>(ready));
}

std::chrono::steady_clock::duration Connection::bounded(std::chrono::steady_clock::duration timeout) const {
  if (!m_deadline) return timeout;
  return std::min(timeout, *m_deadline - std::chrono::steady_clock::now());
}

void Connection::request_read() {
  if (m_read_pending) return;
  m_read_pending = true;
  m_read_due = std::chrono::steady_clock::now() + bounded(m_read_timeout);
  // Bytes already inside the TLS session need no wait: only the socket
  // could wake us, and it may have nothing more to say.
  if (m_tls && m_tls->has_pending())
    take_bytes();
  else
    await_socket(asio::socket_base::wait_read);
}

void Connection::await_socket(asio::socket_base::wait_type what) {
  auto left = m_read_due - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return deliver(beast::error::timeout, {});
  auto generation = ++m_read_generation;
  m_read_timed_out = false;
  m_read_timer.expires_after(left);
  m_read_timer.async_wait([self = shared_from_this(), generation](error_code ec) {
    if (ec || generation != self->m_read_generation) return;  // the socket was ready first
    self->m_read_timed_out = true;
    self->m_read_cancel.emit(asio::cancellation_type::terminal);
  });
  m_socket.async_wait(what, asio::bind_cancellation_slot(
                                m_read_cancel.slot(),
                                asio::bind_executor(m_strand, [self = shared_from_this(), generation](error_code ec) {
                                  self->socket_ready(generation, ec);
                                })));
}

void Connection::socket_ready(std::uint64_t generation, error_code ec) {
  if (generation != m_read_generation) return;  // ended by close()
  ++m_read_generation;                          // a timer that fired meanwhile must not touch the next wait
  m_read_timer.cancel();
  if (ec == asio::error::operation_aborted && m_read_timed_out) return deliver(beast::error::timeout, {});
  if (ec) return deliver(ec, {});
  take_bytes();
}

void Connection::take_bytes() {
  std::string buf(kReadChunk, '\0');
  if (m_tls) {
    auto io = m_tls->read(buf.data(), buf.size());
    switch (io.status) {
      case TlsSession::Status::done: buf.resize(io.n); return deliver({}, std::move(buf));
      case TlsSession::Status::want_read: return await_socket(asio::socket_base::wait_read);
      // A post-handshake message to send first (a TLS 1.3 KeyUpdate reply).
      case TlsSession::Status::want_write: return await_socket(asio::socket_base::wait_write);
      case TlsSession::Status::closed: return deliver(asio::error::eof, {});
      case TlsSession::Status::failed: return deliver(asio::error::connection_reset, {});
    }
    return deliver(asio::error::connection_reset, {});
  }
  // Non-blocking (create() sets it): readiness can be spurious.
  error_code ec;
  auto n = m_socket.read_some(asio::buffer(buf), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) return await_socket(asio::socket_base::wait_read);
  buf.resize(n);
  deliver(ec, std::move(buf));
}

void Connection::deliver(error_code ec, std::string bytes) {
  m_read_pending = false;  // the next request_read may start another
  Input in;
  in.bytes = std::move(bytes);
  in.error = ec;
  // Waits for room behind the events queued before it, keeping the order.
  m_inbox.async_send(error_code{}, std::move(in), [](error_code) {});
}

void Connection::quick_ack() {
  // TCP_QUICKACK is not sticky: it sends the pending ACK now and leaves the
  // socket in quick-ACK mode only until the kernel's heuristics change it
  // back, which is what one late acknowledgement needs (tcp(7)).
  int on = 1;
  ::setsockopt(m_socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

asio::awaitable<bool> Connection::start_tls() {
  if (!m_socket.non_blocking()) co_return false;  // OpenSSL must not block the thread
  auto tls = std::make_unique<TlsSession>(m_tls_context.native_handle(), m_socket.native_handle());
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
  // Progress: bytes the socket takes at once; once it has no room, the
  // bytes the peer takes from the send queue. The kernel says "writable"
  // only after a good part of its send buffer has drained — autotuned up
  // to tcp_wmem's maximum (4 MiB by default), more than a steady reader may
  // take within the stall allowed — so a wait for room looks at the queue
  // every second. The next progress is due within the stall, and all of it
  // at the minimum rate counting only what reached the peer: bytes still
  // queued are not moved (a reader that takes a byte now and then is cut
  // off as before, however much the queue holds).
  std::uint64_t moved = 0;
  auto last_progress = start;
  std::optional<std::uint64_t> queued;  // the send queue as last seen, with what was written since
  while (!bytes.empty()) {
    std::optional<asio::socket_base::wait_type> need;
    std::size_t n = 0;
    if (m_tls) {
      auto io = m_tls->write(bytes);
      if (io.status == TlsSession::Status::done)
        n = io.n;
      else if (need = retry_when(io.status); !need)
        co_return false;
    } else {
      // Most replies fit in the socket's buffer at once: offered first
      // without a wait, a timer or a suspension (the socket is non-blocking).
      error_code ec;
      n = m_socket.write_some(asio::buffer(bytes), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again)
        need = asio::socket_base::wait_write;
      else if (ec)
        co_return false;
    }
    if (!need) {
      bytes.remove_prefix(n);
      if (queued)
        *queued += n;  // moved once the peer takes it
      else
        moved += n;
      last_progress = Clock::now();
      continue;
    }
    // The rest once the socket is ready, if it is before the deadline.
    if (*need == asio::socket_base::wait_write && !queued) {
      queued = unsent_bytes(m_socket.native_handle());
      if (queued) moved -= std::min(moved, *queued);  // this write's bytes still queued have not moved
    }
    for (;;) {
      auto now = Clock::now();
      auto deadline = write_progress_deadline(start, last_progress, m_write_stall, moved, m_write_min_rate);
      if (deadline <= now) co_return false;
      auto ec = co_await wait(*need, std::min<Clock::duration>(deadline - now, kQueueLook));
      if (!ec) break;
      if (ec != beast::error::timeout) co_return false;
      if (*need != asio::socket_base::wait_write) continue;
      auto left = unsent_bytes(m_socket.native_handle());
      if (queued && left && *left < *queued) {
        moved += *queued - *left;
        last_progress = Clock::now();
      }
      queued = left;
    }
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
  ++m_read_generation;  // a pending read ends quietly: its wait is aborted below
  m_read_timer.cancel();
  m_inbox.close();
  if (m_tls) {
    // close_notify, waiting a little for room in the socket if need be.
    if (m_tls->shutdown() == TlsSession::Status::want_write &&
        !co_await wait(asio::socket_base::wait_write, std::chrono::seconds(5)))
      (void)m_tls->shutdown();
  }
  error_code ignored;
  m_socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  m_socket.close(ignored);
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
