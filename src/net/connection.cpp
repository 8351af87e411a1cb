#include "net/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
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
    : m_strand(strand), m_stream(beast::tcp_stream(std::move(socket)), tls), m_inbox(strand, 64), m_want(strand, 1) {}

Connection::~Connection() = default;

std::shared_ptr<Connection> Connection::create(asio::any_io_executor strand, asio::ip::tcp::socket socket,
                                               asio::ssl::context& tls) {
  std::shared_ptr<Connection> c(new Connection(strand, std::move(socket), tls));
  asio::co_spawn(strand, reader(c), asio::detached);
  return c;
}

asio::awaitable<void> Connection::reader(std::shared_ptr<Connection> self) {
  std::string buf(kReadChunk, '\0');
  for (;;) {
    auto [wec] = co_await self->m_want.async_receive(as_tuple(use_awaitable));
    if (wec) co_return;
    beast::get_lowest_layer(self->m_stream).expires_after(self->m_read_timeout);
    error_code ec;
    std::size_t n = 0;
    if (self->m_tls)
      std::tie(ec, n) = co_await self->m_stream.async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
    else
      std::tie(ec, n) = co_await self->m_stream.next_layer().async_read_some(asio::buffer(buf), as_tuple(use_awaitable));
    Input in;
    in.bytes.assign(buf.data(), n);
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
  beast::get_lowest_layer(m_stream).expires_after(std::chrono::seconds(30));
  auto [ec] = co_await m_stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
  if (ec) co_return false;
  m_tls = true;
  co_return true;
}

asio::awaitable<bool> Connection::write(std::string_view bytes) {
  if (bytes.empty()) co_return true;
  beast::get_lowest_layer(m_stream).expires_after(kWriteTimeout);
  error_code ec;
  if (m_tls)
    std::tie(ec, std::ignore) = co_await asio::async_write(m_stream, asio::buffer(bytes), as_tuple(use_awaitable));
  else
    std::tie(ec, std::ignore) =
        co_await asio::async_write(m_stream.next_layer(), asio::buffer(bytes), as_tuple(use_awaitable));
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
  if (m_tls) {
    beast::get_lowest_layer(m_stream).expires_after(std::chrono::seconds(5));
    co_await m_stream.async_shutdown(as_tuple(use_awaitable));
  }
  error_code ignored;
  beast::get_lowest_layer(m_stream).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(m_stream).close();
}

}  // namespace estafeta::net
