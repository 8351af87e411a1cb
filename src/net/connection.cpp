#include "net/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>

namespace estafeta::net {

namespace beast = boost::beast;
using asio::as_tuple;
using asio::use_awaitable;
using error_code = boost::system::error_code;

namespace {
constexpr std::size_t kReadChunk = 8192;
constexpr auto kWriteTimeout = std::chrono::minutes(2);
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

asio::awaitable<void> Connection::reader(std::shared_ptr<Connection> self) {
  for (;;) {
    auto [wec] = co_await self->m_want.async_receive(as_tuple(use_awaitable));
    if (wec) co_return;
    error_code ec;
    std::size_t n = 0;
    std::string buf;
    // Plain connections wait for bytes without holding a buffer (most are
    // idle). Not TLS: the TLS layer may already hold bytes read from the
    // socket that only a read can return.
    if (!self->m_ssl) {
      asio::steady_timer timer(self->m_strand, self->m_read_timeout);
      using namespace asio::experimental::awaitable_operators;
      auto ready = co_await (self->m_tcp.socket().async_wait(asio::ip::tcp::socket::wait_read, as_tuple(use_awaitable)) ||
                             timer.async_wait(as_tuple(use_awaitable)));
      if (ready.index() == 1) ec = beast::error::timeout;
      else ec = std::get<0>(std::get<0>(ready));
    }
    if (!ec) {
      buf.resize(kReadChunk);
      self->m_tcp.expires_after(self->m_read_timeout);
      if (self->m_ssl)
        std::tie(ec, n) = co_await self->m_ssl->async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
      else
        std::tie(ec, n) = co_await self->m_tcp.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
      buf.resize(n);
    }
    Input in;
    in.bytes = std::move(buf);
    in.error = ec;
    auto [sec] = co_await self->m_inbox.async_send(error_code{}, std::move(in), as_tuple(use_awaitable));
    if (sec || ec) co_return;
  }
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
  m_ssl.emplace(m_tcp, m_tls_context);
  m_tcp.expires_after(std::chrono::seconds(30));
  auto [ec] = co_await m_ssl->async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
  if (ec) {
    m_ssl.reset();
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Connection::write(std::string_view bytes) {
  if (bytes.empty()) co_return true;
  m_tcp.expires_after(kWriteTimeout);
  error_code ec;
  if (m_ssl)
    std::tie(ec, std::ignore) = co_await asio::async_write(*m_ssl, asio::buffer(bytes), as_tuple(use_awaitable));
  else
    std::tie(ec, std::ignore) = co_await asio::async_write(m_tcp, asio::buffer(bytes), as_tuple(use_awaitable));
  co_return !ec;
}

void Connection::follow(EventBus& bus, std::int64_t address_id) {
  m_address = address_id;
  if (m_subscription.active()) return;
  std::weak_ptr<Connection> weak = weak_from_this();
  m_subscription = bus.subscribe([weak](const Event& e) {
    auto self = weak.lock();
    if (!self) return;
    // Cheap filter on the publisher's thread: most events are for other addresses.
    bool service_wide = e.kind == EventKind::service_locked;
    if (!service_wide && e.address_id != self->m_address.load()) return;
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

asio::awaitable<void> Connection::close() {
  m_subscription.reset();
  m_want.close();
  m_inbox.close();
  if (m_ssl) {
    m_tcp.expires_after(std::chrono::seconds(5));
    co_await m_ssl->async_shutdown(as_tuple(use_awaitable));
  }
  error_code ignored;
  m_tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  m_tcp.close();
}

asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket, SessionEnv env, std::string_view over_limit_reply,
                                       LineSession run) {
  auto c = Connection::create(co_await asio::this_coro::executor, std::move(socket), *env.tls);
  if (!implicit_tls(env.listener->protocol) || co_await c->start_tls()) {
    if (env.over_limit) co_await c->write(over_limit_reply);
    else co_await run(*c, env);
  }
  co_await c->close();
}

}  // namespace estafeta::net
