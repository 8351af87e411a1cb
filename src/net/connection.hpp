// A client connection for the line-based protocols (IMAP, POP3, SMTP): TLS
// (implicit or STARTTLS), reading on request, writing with deadlines, and the
// bus events that concern the connection's address — all delivered through
// one inbox the session coroutine waits on.
//
// Writes to a slow reader are bounded by progress, not by one deadline for
// the whole reply (a big FETCH to a slow but steady client must get
// through): each wait for the peer to take more bytes has the write stall
// timeout, and the whole write no more than that or one second per
// minimum-rate bytes taken, whichever is longer (net/pace.hpp). A client
// that reads one byte a minute is cut off; plain and TLS alike.
//
// Shape: one chunk of bytes is read only when asked (request_read) and
// posted to the inbox; bus events for the followed address are posted to
// the same inbox. A read is a wait for readability (ended by its timer when
// the peer is silent too long) and then one non-blocking read: nothing but
// the wait is ever cancelled, so a STARTTLS handshake starts from a quiet
// stream and TLS state is never torn. An idle connection, plain or TLS,
// holds one pending wait and its timer: no read buffer (it exists only
// while bytes are being taken) and no coroutine frame of its own (each
// costs KiBs, DESIGN §6). TLS is net::TlsSession on the socket itself (see
// there for why not asio::ssl).
// Everything runs on the session's strand; the bus callback only posts.
// Includes Asio: for transport files only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/channel.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/event_bus.hpp"
#include "net/session.hpp"
#include "net/tls_session.hpp"

namespace estafeta::net {

namespace asio = boost::asio;

struct Input {
  enum class Kind { data, event, closed } kind = Kind::data;
  std::string bytes;                // data: may be empty only with an error
  boost::system::error_code error;  // data: EOF, timeout, reset …
  Event event{EventKind::message_appended};
  bool timed_out() const;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Must be created on the session's strand.
  static std::shared_ptr<Connection> create(asio::any_io_executor strand, asio::ip::tcp::socket socket,
                                            asio::ssl::context& tls);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Server-side TLS handshake (implicit TLS, or after a STARTTLS reply).
  asio::awaitable<bool> start_tls();
  bool tls() const { return m_tls != nullptr; }

  // All of `bytes`, or false (the peer went, or was too slow: see above).
  asio::awaitable<bool> write(std::string_view bytes);
  // [limits] write_timeout_seconds and write_min_rate (serve_connection sets them).
  // How long a TLS handshake (implicit or STARTTLS) may take.
  void set_handshake_timeout(std::chrono::seconds t) { m_handshake_timeout = t; }
  void set_write_limits(std::chrono::seconds stall, std::uint64_t min_rate) {
    m_write_stall = stall;
    m_write_min_rate = std::max<std::uint64_t>(1, min_rate);
  }
  // Starts reading the next chunk (no effect while one is pending).
  void request_read();
  // Acknowledges what has arrived at once instead of after the kernel's
  // delayed-ACK timer (up to 40 ms on Linux). For the moment a session
  // waits for a client's few last bytes that the client's Nagle algorithm
  // holds back until its previous segment is acknowledged: an IMAP literal
  // sent in one write and its closing CRLF in another.
  void quick_ack();
  // The next input: a chunk of bytes, an event, or closed (shutdown, or
  // the session's cancellation). An operation to co_await, not a coroutine:
  // no frame of its own for every waiting connection.
  auto next() {
    return m_inbox.async_receive(asio::deferred([](boost::system::error_code ec, Input in) {
      if (ec) in = Input{.kind = Input::Kind::closed};
      return asio::deferred.values(std::move(in));
    }));
  }

  // The longest wait for the next bytes (reset by every chunk that arrives).
  void set_read_timeout(std::chrono::seconds t) { m_read_timeout = t; }
  // An absolute deadline for reads and TLS handshakes that no trickle of
  // bytes moves: once past, every read ends with a timeout. Sessions set it
  // from accepted_at() until a login succeeds (a client sending one byte
  // every minute must not hold a connection forever), then clear it.
  using TimePoint = std::chrono::steady_clock::time_point;
  void set_deadline(std::optional<TimePoint> deadline) { m_deadline = deadline; }
  bool past_deadline() const { return m_deadline && std::chrono::steady_clock::now() >= *m_deadline; }
  TimePoint accepted_at() const { return m_accepted; }
  // Events for this address (and service-wide ones) are delivered from now on.
  void follow(EventBus& bus, std::int64_t address_id);
  // From any thread: delivers a connection_ended event to this connection
  // alone (its user ended it from their session list), which the session
  // answers by closing (auth::ends_session).
  void end_from_outside();
  // end_from_outside as a callable that is safe to call once the connection is gone.
  std::function<void()> ender();
  // Ends the pending read and the subscription; then shuts TLS and the socket down.
  asio::awaitable<void> close();

 private:
  Connection(asio::any_io_executor strand, asio::ip::tcp::socket socket, asio::ssl::context& tls);
  // Waits until the socket is readable or writable, or `timeout` passes
  // (beast::error::timeout).
  asio::awaitable<boost::system::error_code> wait(asio::socket_base::wait_type what,
                                                  std::chrono::steady_clock::duration timeout);
  // The read in steps, each run on the strand: wait until the socket is
  // ready for `what` (a TLS read may need to write first) or the read is
  // due; then take what is there; then hand it to the inbox. Handlers of
  // an earlier read (m_read_generation moved on) do nothing.
  void await_socket(asio::socket_base::wait_type what);
  void socket_ready(std::uint64_t generation, boost::system::error_code ec);
  void take_bytes();
  void deliver(boost::system::error_code ec, std::string bytes);
  // `timeout` from now, or less when the deadline comes first.
  std::chrono::steady_clock::duration bounded(std::chrono::steady_clock::duration timeout) const;

  // What waits in the inbox is kept in a list: the default std::deque takes
  // 576 bytes the moment it exists, for every connection, idle or not.
  template <typename... Signatures>
  struct InboxTraits : asio::experimental::channel_traits<Signatures...> {
    template <typename... Other>
    struct rebind {
      using other = InboxTraits<Other...>;
    };
    template <typename Element>
    struct container {
      using type = std::list<Element>;
    };
  };
  using Inbox =
      asio::experimental::basic_channel<asio::any_io_executor, InboxTraits<>, void(boost::system::error_code, Input)>;

  asio::any_io_executor m_strand;
  // The TLS layer exists only once TLS starts: an idle plain connection
  // holds no OpenSSL state (memory per connection, DESIGN §6).
  asio::ip::tcp::socket m_socket;
  asio::ssl::context& m_tls_context;
  std::unique_ptr<TlsSession> m_tls;  // once TLS has started
  bool m_read_pending = false;
  std::chrono::seconds m_read_timeout{120};
  std::chrono::seconds m_write_stall{60};
  std::uint64_t m_write_min_rate = 1024;  // bytes per second
  std::chrono::seconds m_handshake_timeout{10};
  TimePoint m_accepted = std::chrono::steady_clock::now();
  std::optional<TimePoint> m_deadline;
  Inbox m_inbox;
  // The read in progress: when it is due, the timer that ends its wait
  // for the socket (through m_read_cancel) at that moment, and whether it did.
  TimePoint m_read_due;
  asio::steady_timer m_read_timer;
  asio::cancellation_signal m_read_cancel;
  std::uint64_t m_read_generation = 0;
  bool m_read_timed_out = false;
  std::int64_t m_address = 0;  // whose events m_subscription brings
  EventBus::Subscription m_subscription;
};

// The life of a line-protocol connection: when the peer is over its
// connection limit, the protocol's refusal (a complete reply line) on a
// plain listener, nothing on an implicit-TLS one (no handshake is started
// for it: a TLS client could not read a plain line anyway); otherwise the
// TLS handshake first on an implicit-TLS listener, then `run`; then an
// orderly close. `over_limit_reply` must outlive the call (a string literal).
using LineSession = std::function<asio::awaitable<void>(Connection& connection, SessionEnv& env)>;
asio::awaitable<void> serve_connection(asio::ip::tcp::socket socket, SessionEnv env, std::string_view over_limit_reply,
                                       LineSession run);

}  // namespace estafeta::net
