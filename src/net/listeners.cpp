#include "net/listeners.hpp"

#include <sys/resource.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "auth/throttle.hpp"
#include "core/log.hpp"

namespace estafeta::net {

namespace {

using tcp = asio::ip::tcp;

// Live sessions, so a shutdown can ask each to stop.
class SessionRegistry {
 public:
  struct Entry {
    asio::any_io_executor executor;
    std::shared_ptr<asio::cancellation_signal> signal;
  };

  std::uint64_t add(Entry e) {
    std::lock_guard lock(m_mutex);
    auto id = m_next++;
    m_live.emplace(id, std::move(e));
    return id;
  }
  void remove(std::uint64_t id) {
    std::lock_guard lock(m_mutex);
    m_live.erase(id);
  }
  std::size_t size() {
    std::lock_guard lock(m_mutex);
    return m_live.size();
  }
  void stop_all() {
    std::lock_guard lock(m_mutex);
    for (auto& [id, e] : m_live)
      asio::post(e.executor, [sig = e.signal] { sig->emit(asio::cancellation_type::terminal); });
  }

 private:
  std::mutex m_mutex;
  std::uint64_t m_next = 1;               // GUARDED_BY(m_mutex)
  std::map<std::uint64_t, Entry> m_live;  // GUARDED_BY(m_mutex)
};

// Connections at once per peer (auth::peer_group: an IPv4 address or an
// IPv6 /64) and in all, for [limits] max_connections_per_ip and
// max_connections. Every listener kind counts, HTTP included.
class ConnectionCounts {
 public:
  enum class Admit { ok, peer_over, total_over };

  // `total`: the limit in all (0: none), [limits] max_connections within
  // the file descriptor limit.
  explicit ConnectionCounts(unsigned total) : m_cap(total) {}

  // Counts the connection when it is admitted (a per-peer limit of 0: none).
  Admit add(const std::string& group, unsigned per_peer) {
    std::lock_guard lock(m_mutex);
    if (m_cap && m_total >= m_cap) return Admit::total_over;
    auto it = m_counts.find(group);
    if (per_peer && it != m_counts.end() && it->second >= per_peer) return Admit::peer_over;
    ++m_counts[group];
    ++m_total;
    note_crowding();
    return Admit::ok;
  }
  void remove(const std::string& group) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_counts.find(group); it != m_counts.end() && --it->second == 0) m_counts.erase(it);
    --m_total;
    note_crowding();
  }
  // SessionEnv::crowded: more than three quarters of the limit in use.
  const std::atomic<bool>& crowded() const { return m_crowded; }

 private:
  void note_crowding() { m_crowded.store(m_cap && m_total * 4 > std::size_t{m_cap} * 3, std::memory_order_relaxed); }

  const unsigned m_cap;
  std::mutex m_mutex;
  std::map<std::string, unsigned> m_counts;  // GUARDED_BY(m_mutex)
  std::size_t m_total = 0;                   // GUARDED_BY(m_mutex)
  std::atomic<bool> m_crowded{false};
};

// Refused connections are logged at most once a second, with how many more
// were refused meanwhile: a flood of connections must not flood the log.
class RefusalLog {
 public:
  void note(const char* event, const std::string& ip, Protocol protocol) {
    std::lock_guard lock(m_mutex);
    auto now = std::chrono::steady_clock::now();
    if (m_logged && now - m_last < std::chrono::seconds(1)) {
      ++m_unlogged;
      return;
    }
    log::warn(event, {{"ip", ip}, {"protocol", to_string(protocol)}, {"also_refused", m_unlogged}});
    m_logged = true;
    m_last = now;
    m_unlogged = 0;
  }

 private:
  std::mutex m_mutex;
  bool m_logged = false;                         // GUARDED_BY(m_mutex)
  std::chrono::steady_clock::time_point m_last;  // GUARDED_BY(m_mutex)
  std::uint64_t m_unlogged = 0;                  // GUARDED_BY(m_mutex)
};

// Each connection is a file descriptor. The soft limit is raised to the
// hard one (a soft limit of 1024 would refuse clients long before
// max_connections); if even that is too low, the cap is lowered to fit, with
// room for the store, blobs, DNS and outbound SMTP, so that new clients are
// refused cleanly rather than by failing accepts.
unsigned connection_cap(unsigned configured) {
  constexpr rlim_t kReserve = 256;
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return configured;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max == RLIM_INFINITY ? std::max<rlim_t>(rl.rlim_cur, 1 << 20) : rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  if (rl.rlim_cur == RLIM_INFINITY) return configured;
  auto fit = rl.rlim_cur > 2 * kReserve ? static_cast<unsigned>(rl.rlim_cur - kReserve)
                                        : static_cast<unsigned>(rl.rlim_cur / 2);
  if (configured == 0) return fit;
  if (configured <= fit) return configured;
  log::warn("serve.connection_cap_lowered",
            {{"max_connections", configured},
             {"now", fit},
             {"reason", "the file descriptor limit (ulimit -n) is " + std::to_string(rl.rlim_cur)}});
  return fit;
}

Result<tcp::endpoint> endpoint_of(const ListenerConfig& l) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(l.host, ec);
  if (ec) return fail(ErrorKind::invalid, fmt::format("listener {}: bad address {}", to_string(l.protocol), l.host));
  return tcp::endpoint(addr, l.port);
}

}  // namespace

struct Listeners::State {
  State(asio::io_context& i, asio::ssl::context& t, WorkerPool& w, const LimitsConfig& l,
        std::vector<asio::io_context*> others)
      : contexts(std::move(others)), tls(t), workers(w), limits(l), connections(connection_cap(l.max_connections)) {
    contexts.insert(contexts.begin(), &i);
  }

  // Where acceptors, datagram sockets and the stop run.
  asio::io_context& ioc() { return *contexts.front(); }
  // The next session's io_context, in turn.
  asio::io_context& next_context() { return *contexts[next++ % contexts.size()]; }

  std::vector<asio::io_context*> contexts;  // ioc() first
  std::atomic<std::size_t> next{0};
  asio::ssl::context& tls;
  WorkerPool& workers;
  const LimitsConfig& limits;
  SessionRegistry sessions;
  ConnectionCounts connections;
  RefusalLog refusals;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  // What each listener runs: its sessions refer to it until they end.
  struct Served {
    SessionFn fn;
    SessionCounter count;
  };
  std::vector<std::unique_ptr<Served>> served;
  // Each UDP socket with the strand its loop runs on.
  struct UdpSocket {
    asio::strand<asio::io_context::executor_type> strand;
    asio::ip::udp::socket socket;
  };
  std::vector<std::unique_ptr<UdpSocket>> udp_sockets;
  std::atomic<bool> stopping{false};

  void start_session(const ListenerConfig& listener, const Served& served, tcp::socket socket,
                     asio::io_context& context);
  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, const ListenerConfig& listener, const Served& served);
  asio::awaitable<void> stop_on(asio::signal_set& signals, std::chrono::seconds grace);
};

void Listeners::State::start_session(const ListenerConfig& listener, const Served& served, tcp::socket socket,
                                     asio::io_context& context) {
  SessionEnv env;
  env.listener = &listener;
  env.limits = &limits;
  env.tls = &tls;
  env.workers = &workers;
  env.crowded = &connections.crowded();
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  env.peer_ip = ec ? std::string("?") : peer.address().to_string();
  // Counted before anything is read or a TLS handshake is started: a peer
  // over its limit never holds a connection for long.
  auto group = auth::peer_group(env.peer_ip);
  auto admit = connections.add(group, limits.max_connections_per_ip);
  if (admit != ConnectionCounts::Admit::ok) {
    bool total = admit == ConnectionCounts::Admit::total_over;
    refusals.note(total ? "listener.server_full" : "listener.too_many_connections", env.peer_ip, listener.protocol);
    // A plain mail listener answers with its protocol's refusal line (no
    // read, one short write); TLS listeners, HTTP and a full server close
    // at once.
    bool line = !total && !implicit_tls(listener.protocol) && listener.protocol != Protocol::http;
    if (!line) {
      socket.close(ec);
      return;
    }
    env.over_limit = true;
  }
  bool counted = admit == ConnectionCounts::Admit::ok;
  auto strand = asio::make_strand(context);
  auto signal = std::make_shared<asio::cancellation_signal>();
  auto id = sessions.add({strand, signal});
  if (served.count) served.count(true);
  asio::co_spawn(strand, served.fn(std::move(socket), std::move(env)),
                 asio::bind_cancellation_slot(signal->slot(), [this, id, signal, proto = listener.protocol, counted,
                                                               group, &served](std::exception_ptr e) {
                   sessions.remove(id);
                   if (served.count) served.count(false);
                   if (counted) connections.remove(group);
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const boost::system::system_error& ex) {
                     // At the stop the session's pending operation is
                     // cancelled (stop_all) and the coroutine ends with
                     // operation_aborted: the end asked for, not a fault.
                     if (stopping && ex.code() == asio::error::operation_aborted)
                       log::debug("session.closed", {{"protocol", to_string(proto)}, {"reason", "shutdown"}});
                     else
                       log::error("session.crashed", {{"protocol", to_string(proto)}, {"what", ex.what()}});
                   } catch (const std::exception& ex) {
                     log::error("session.crashed", {{"protocol", to_string(proto)}, {"what", ex.what()}});
                   }
                 }));
}

asio::awaitable<void> Listeners::State::accept_loop(tcp::acceptor& acceptor, const ListenerConfig& listener,
                                                    const Served& served) {
  for (;;) {
    // The connection lives on the io_context whose turn it is.
    auto& context = next_context();
    tcp::socket socket(context);
    auto [ec] = co_await acceptor.async_accept(socket, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      // EMFILE and friends: back off briefly rather than spin.
      log::warn("listener.accept_failed", {{"protocol", to_string(listener.protocol)}, {"error", ec.message()}});
      asio::steady_timer t(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    // Replies are small and answer a request: send them at once (no Nagle
    // delay waiting for an ACK the client delays too).
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    start_session(listener, served, std::move(socket), context);
  }
}

asio::awaitable<void> Listeners::State::stop_on(asio::signal_set& signals, std::chrono::seconds grace) {
  auto [ec, signo] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  log::info("serve.stopping", {{"signal", signo}, {"sessions", sessions.size()}});
  stopping = true;
  for (auto& a : acceptors) {
    boost::system::error_code ignored;
    a->close(ignored);
  }
  for (auto& u : udp_sockets)
    asio::post(u->strand, [&socket = u->socket] {
      boost::system::error_code ignored;
      socket.close(ignored);
    });
  sessions.stop_all();
  auto deadline = std::chrono::steady_clock::now() + grace;
  asio::steady_timer timer(ioc());
  while (sessions.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (auto left = sessions.size()) log::warn("serve.sessions_abandoned", {{"count", left}});
  for (auto* c : contexts) c->stop();
}

Listeners::Listeners(asio::io_context& ioc, asio::ssl::context& tls, WorkerPool& workers, const LimitsConfig& limits,
                     std::vector<asio::io_context*> others)
    : m_state(std::make_unique<State>(ioc, tls, workers, limits, std::move(others))) {}

Listeners::~Listeners() = default;

Status Listeners::listen(const ListenerConfig& l, SessionFn session, SessionCounter count) {
  auto ep = TRY(endpoint_of(l));
  auto acceptor = std::make_unique<tcp::acceptor>(m_state->ioc());
  boost::system::error_code ec;
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(ErrorKind::in_use,
                fmt::format("listener {} on {}: {}", to_string(l.protocol), listen_label(l), ec.message()));
  auto& served = *m_state->served.emplace_back(
      std::make_unique<State::Served>(State::Served{std::move(session), std::move(count)}));
  asio::co_spawn(m_state->ioc(), m_state->accept_loop(*acceptor, l, served), asio::detached);
  m_state->acceptors.push_back(std::move(acceptor));
  return {};
}

Status Listeners::listen_datagrams(const ListenerConfig& l, unsigned count, DatagramLoop loop) {
  auto ep = TRY(endpoint_of(l));
  asio::ip::udp::endpoint udp_ep(ep.address(), ep.port());
  using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
  for (unsigned i = 0; i < count; ++i) {
    auto strand = asio::make_strand(*m_state->contexts[i % m_state->contexts.size()]);
    auto u = std::make_unique<State::UdpSocket>(State::UdpSocket{strand, asio::ip::udp::socket(strand)});
    boost::system::error_code ec;
    u->socket.open(udp_ep.protocol(), ec);
    if (!ec) u->socket.set_option(reuse_port(true), ec);
    if (!ec) u->socket.bind(udp_ep, ec);
    if (ec)
      return fail(ErrorKind::in_use,
                  fmt::format("listener {} (udp) on {}: {}", to_string(l.protocol), listen_label(l), ec.message()));
    asio::co_spawn(u->strand, loop(u->socket), asio::detached);
    m_state->udp_sockets.push_back(std::move(u));
  }
  return {};
}

void Listeners::stop_on(asio::signal_set& signals, std::chrono::seconds grace) {
  asio::co_spawn(m_state->ioc(), m_state->stop_on(signals, grace), asio::detached);
}

const std::atomic<bool>& Listeners::stopping() const { return m_state->stopping; }
std::size_t Listeners::live_sessions() const { return m_state->sessions.size(); }
std::size_t Listeners::bound() const { return m_state->acceptors.size(); }

std::string listen_label(const ListenerConfig& l) {
  return l.host.find(':') != std::string::npos ? fmt::format("[{}]:{}", l.host, l.port)
                                               : fmt::format("{}:{}", l.host, l.port);
}

}  // namespace estafeta::net
