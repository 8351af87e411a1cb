// The listeners, the connection limits (per peer and in all, counted at
// accept), the session registry and the graceful shutdown.
#include "net/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <malloc.h>
#include <sys/resource.h>

#include <csignal>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "auth/throttle.hpp"
#include "core/log.hpp"
#include "net/dns_listener.hpp"
#include "net/offload.hpp"
#include "net/tls_session.hpp"
#include "store/text_indexer.hpp"
#include "net/session.hpp"
#include "imap/connection.hpp"
#include "pop3/connection.hpp"
#include "smtp/connection.hpp"
#include "smtp/outbound.hpp"
#include "web/http_session.hpp"

namespace estafeta::net {

namespace {

using tcp = asio::ip::tcp;

// Blocking work waits mostly on the disk (fsync), not on the CPU: enough
// threads that concurrent deliveries reach the store together and share a
// commit (store/sqlite/accept.cpp), and that a slow fsync does not hold up
// the IMAP reads queued behind it.
constexpr std::size_t kWorkerThreads = 16;

// The dispatch table: which session coroutine serves which listener kind.
// Protocols absent here are not served by this build.
constexpr std::pair<Protocol, SessionFn> kSessions[] = {
    {Protocol::imap, &imap::imap_session},
    {Protocol::imaps, &imap::imap_session},
    {Protocol::pop3, &pop3::pop3_session},
    {Protocol::pop3s, &pop3::pop3_session},
    {Protocol::smtp, &smtp::smtp_session},
    {Protocol::submission, &smtp::smtp_session},
    {Protocol::submissions, &smtp::smtp_session},
    {Protocol::http, &web::http_session},
    {Protocol::https, &web::http_session},
    {Protocol::dns, &dns_tcp_session},  // and UDP beside it: see start_dns_udp
};

SessionFn session_for(Protocol p) {
  for (auto& [proto, fn] : kSessions)
    if (proto == p) return fn;
  return nullptr;
}

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
  std::uint64_t m_next = 1;                 // GUARDED_BY(m_mutex)
  std::map<std::uint64_t, Entry> m_live;    // GUARDED_BY(m_mutex)
};

// Connections at once per peer (auth::peer_group: an IPv4 address or an
// IPv6 /64) and in all, for [limits] max_connections_per_ip and
// max_connections. Every listener kind counts, HTTP included.
class ConnectionCounts {
 public:
  enum class Admit { ok, peer_over, total_over };

  // Counts the connection when it is admitted (a limit of 0: none).
  Admit add(const std::string& group, unsigned per_peer, unsigned total) {
    std::lock_guard lock(m_mutex);
    if (total && m_total >= total) return Admit::total_over;
    auto it = m_counts.find(group);
    if (per_peer && it != m_counts.end() && it->second >= per_peer) return Admit::peer_over;
    ++m_counts[group];
    ++m_total;
    return Admit::ok;
  }
  void remove(const std::string& group) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_counts.find(group); it != m_counts.end() && --it->second == 0) m_counts.erase(it);
    --m_total;
  }

 private:
  std::mutex m_mutex;
  std::map<std::string, unsigned> m_counts;  // GUARDED_BY(m_mutex)
  std::size_t m_total = 0;                   // GUARDED_BY(m_mutex)
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

struct Runtime {
  Services* services;
  asio::io_context* ioc;
  asio::ssl::context* tls;
  asio::thread_pool* workers;
  SessionRegistry sessions;
  ConnectionCounts connections;
  RefusalLog refusals;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  // The dns listeners' UDP sockets, each with the strand its loop runs on.
  struct UdpSocket {
    asio::strand<asio::io_context::executor_type> strand;
    asio::ip::udp::socket socket;
  };
  std::vector<std::unique_ptr<UdpSocket>> udp_sockets;
  std::atomic<bool> stopping{false};
  unsigned max_connections = 0;  // limits.max_connections, within the file descriptor limit
};

void start_session(Runtime& rt, const ListenerConfig& listener, SessionFn fn, tcp::socket socket) {
  SessionEnv env;
  env.services = rt.services;
  env.listener = &listener;
  env.tls = rt.tls;
  env.workers = rt.workers;
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  env.peer_ip = ec ? std::string("?") : peer.address().to_string();
  // Counted before anything is read or a TLS handshake is started: a peer
  // over its limit never holds a connection for long.
  auto& limits = rt.services->config->limits;
  auto group = auth::peer_group(env.peer_ip);
  auto admit = rt.connections.add(group, limits.max_connections_per_ip, rt.max_connections);
  if (admit != ConnectionCounts::Admit::ok) {
    bool total = admit == ConnectionCounts::Admit::total_over;
    rt.refusals.note(total ? "listener.server_full" : "listener.too_many_connections", env.peer_ip, listener.protocol);
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
  auto strand = asio::make_strand(*rt.ioc);
  auto signal = std::make_shared<asio::cancellation_signal>();
  auto id = rt.sessions.add({strand, signal});
  asio::co_spawn(strand, fn(std::move(socket), std::move(env)),
                 asio::bind_cancellation_slot(signal->slot(), [&rt, id, signal, proto = listener.protocol, counted,
                                                               group](std::exception_ptr e) {
                   rt.sessions.remove(id);
                   if (counted) rt.connections.remove(group);
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const boost::system::system_error& ex) {
                     // At shutdown the session's pending operation is
                     // cancelled (stop_all) and the coroutine ends with
                     // operation_aborted: the end asked for, not a fault.
                     if (rt.stopping && ex.code() == asio::error::operation_aborted)
                       log::debug("session.closed", {{"protocol", to_string(proto)}, {"reason", "shutdown"}});
                     else
                       log::error("session.crashed", {{"protocol", to_string(proto)}, {"what", ex.what()}});
                   } catch (const std::exception& ex) {
                     log::error("session.crashed", {{"protocol", to_string(proto)}, {"what", ex.what()}});
                   }
                 }));
}

asio::awaitable<void> accept_loop(Runtime& rt, tcp::acceptor& acceptor, const ListenerConfig& listener, SessionFn fn) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (rt.stopping || ec == asio::error::operation_aborted) co_return;
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
    start_session(rt, listener, fn, std::move(socket));
  }
}

asio::awaitable<void> shutdown_on_signal(Runtime& rt, asio::signal_set& signals, std::chrono::seconds grace) {
  auto [ec, signo] = co_await signals.async_wait(asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  log::info("serve.stopping", {{"signal", signo}, {"sessions", rt.sessions.size()}});
  rt.stopping = true;
  for (auto& a : rt.acceptors) {
    boost::system::error_code ignored;
    a->close(ignored);
  }
  for (auto& u : rt.udp_sockets)
    asio::post(u->strand, [&socket = u->socket] {
      boost::system::error_code ignored;
      socket.close(ignored);
    });
  rt.sessions.stop_all();
  auto deadline = std::chrono::steady_clock::now() + grace;
  asio::steady_timer timer(*rt.ioc);
  while (rt.sessions.size() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (auto left = rt.sessions.size()) log::warn("serve.sessions_abandoned", {{"count", left}});
  rt.ioc->stop();
}

std::string listen_label(const ListenerConfig& l) {
  return l.host.find(':') != std::string::npos ? fmt::format("[{}]:{}", l.host, l.port) : fmt::format("{}:{}", l.host, l.port);
}

// Relays the store's event log (revocations and locks made by the CLI or
// another node) to this process's bus, every 200 ms; old entries are pruned.
asio::awaitable<void> relay_event_log(Runtime& rt, std::int64_t last) {
  asio::steady_timer timer(*rt.ioc);
  auto& services = *rt.services;
  int rounds = 0;
  std::size_t peak_sessions = 0;
  constexpr std::size_t kTrimAfterClosed = 1000;
  while (!rt.stopping) {
    timer.expires_after(std::chrono::milliseconds(200));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || rt.stopping) co_return;
    auto batch = co_await offload(*rt.workers, [&] { return services.store->events_after(last, 1000); });
    if (!batch) {
      log::warn("event_log.read_failed", {{"detail", batch.error().detail}});
      continue;
    }
    for (auto& [id, event] : *batch) {
      last = id;
      services.bus->publish(event);
    }
    if (++rounds % 3000 == 0)  // about every ten minutes: keep a day
      co_await offload(*rt.workers, [&] { return services.store->prune_events(services.clock->now() - 86400); });
    if (rounds % 18000 == 1) {  // soon after the start, then hourly: DKIM rotations move on
      auto moved = co_await offload(*rt.workers, [&] {
        auto actor = manage::Actor::operator_cli();
        actor.product = "server";
        return services.manager->advance_dkim(actor);
      });
      if (!moved) log::warn("dkim.advance_failed", {{"detail", moved.error().message}});
      else if (*moved) log::info("dkim.advanced", {{"keys", *moved}});
    }
    // Many sessions gone since the last look (a burst of clients left):
    // give the memory they freed back to the system, or it stays counted
    // against this process until reused.
    auto live = rt.sessions.size();
    if (live + kTrimAfterClosed < peak_sessions) {
      co_await offload(*rt.workers, [] { return ::malloc_trim(0); });
      peak_sessions = live;
    }
    peak_sessions = std::max(peak_sessions, live);
  }
}

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
  auto fit = rl.rlim_cur > 2 * kReserve ? static_cast<unsigned>(rl.rlim_cur - kReserve) : static_cast<unsigned>(rl.rlim_cur / 2);
  if (configured == 0) return fit;
  if (configured <= fit) return configured;
  log::warn("serve.connection_cap_lowered", {{"max_connections", configured},
                                             {"now", fit},
                                             {"reason", "the file descriptor limit (ulimit -n) is "
                                                        + std::to_string(rl.rlim_cur)}});
  return fit;
}

Result<tcp::endpoint> endpoint_of(const ListenerConfig& l) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(l.host, ec);
  if (ec) return fail(ErrorKind::invalid, fmt::format("listener {}: bad address {}", to_string(l.protocol), l.host));
  return tcp::endpoint(addr, l.port);
}

// The UDP side of a dns listener: one socket per io thread on the same
// address (SO_REUSEPORT: the kernel spreads the datagrams), each read by
// one loop on its own strand.
Status start_dns_udp(Runtime& rt, const ListenerConfig& l, unsigned threads, dns::ResponseLimiter& limiter) {
  auto ep = TRY(endpoint_of(l));
  asio::ip::udp::endpoint udp_ep(ep.address(), ep.port());
  using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
  for (unsigned i = 0; i < threads; ++i) {
    auto strand = asio::make_strand(*rt.ioc);
    auto u = std::make_unique<Runtime::UdpSocket>(Runtime::UdpSocket{strand, asio::ip::udp::socket(strand)});
    boost::system::error_code ec;
    u->socket.open(udp_ep.protocol(), ec);
    if (!ec) u->socket.set_option(reuse_port(true), ec);
    if (!ec) u->socket.bind(udp_ep, ec);
    if (ec)
      return fail(ErrorKind::in_use, fmt::format("listener dns (udp) on {}: {}", listen_label(l), ec.message()));
    asio::co_spawn(u->strand, dns_udp_loop(u->socket, *rt.services->dns_zones, limiter, rt.stopping), asio::detached);
    rt.udp_sockets.push_back(std::move(u));
  }
  return {};
}

// Keeps the DNS listener's zones in step with the store (any process's
// changes) from a worker, so that answering never waits on the store.
asio::awaitable<void> refresh_dns_zones(Runtime& rt) {
  asio::steady_timer timer(*rt.ioc);
  while (!rt.stopping) {
    timer.expires_after(std::chrono::milliseconds(250));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || rt.stopping) co_return;
    co_await offload(*rt.workers, [&] {
      rt.services->dns_zones->refresh();
      return 0;
    });
  }
}

}  // namespace

bool serves(Protocol protocol) { return session_for(protocol) != nullptr; }

Status run_server(Services& services, const ServeOptions& options) {
  const Config& config = *services.config;
  unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context ioc(static_cast<int>(threads));

  // Two malloc arenas instead of one per thread (up to 8 × cores): the
  // worker pool's threads would otherwise each keep an arena of freed memory
  // (measured: 10,000 IDLE sessions 197 → 184 MiB). Set before the threads start.
  ::mallopt(M_ARENA_MAX, 2);
  // OpenSSL writes TLS records to the socket with write(2), which raises
  // SIGPIPE when the client has gone; the error return is all we need.
  ::signal(SIGPIPE, SIG_IGN);

  asio::ssl::context tls(asio::ssl::context::tls_server);
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                  asio::ssl::context::single_dh_use);
  TlsSession::prepare_context(tls.native_handle());
  boost::system::error_code ec;
  tls.use_certificate_chain_file(options.certificate.cert.string(), ec);
  if (!ec) tls.use_private_key_file(options.certificate.key.string(), asio::ssl::context::pem, ec);
  if (ec) return fail(ErrorKind::invalid, fmt::format("tls: cannot load {} / {}: {}", options.certificate.cert.string(),
                                                      options.certificate.key.string(), ec.message()));

  // Signals are caught from here on, before any listener is announced.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  // Blocking work (store, fsync, Argon2) runs here, never on io threads.
  asio::thread_pool workers(kWorkerThreads);
  // Accepted mail's text goes into the full-text index from here, in batches.
  store::TextIndexer indexer(*services.store, services.bus.get());
  Runtime rt{&services, &ioc, &tls, &workers};
  rt.max_connections = connection_cap(config.limits.max_connections);
  dns::ResponseLimiter dns_limiter(config.zones.responses_per_second);
  bool dns = std::any_of(config.listeners.begin(), config.listeners.end(),
                         [](auto& l) { return l.protocol == Protocol::dns; });
  if (dns) {
    services.dns_zones = std::make_unique<manage::StoreZones>(*services.store, manage::StoreZones::Background{});
    services.dns_zones->refresh();
  }
  for (auto& l : config.listeners) {
    auto fn = session_for(l.protocol);
    if (!fn) {
      log::warn("listener.skipped", {{"protocol", to_string(l.protocol)},
                                     {"address", listen_label(l)},
                                     {"reason", "this version does not serve this protocol"}});
      continue;
    }
    auto ep = TRY(endpoint_of(l));
    auto acceptor = std::make_unique<tcp::acceptor>(ioc);
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return fail(ErrorKind::in_use, fmt::format("listener {} on {}: {}", to_string(l.protocol), listen_label(l), ec.message()));
    if (l.protocol == Protocol::dns) TRY(start_dns_udp(rt, l, threads, dns_limiter));
    log::info("listener.ready", {{"protocol", to_string(l.protocol)}, {"address", listen_label(l)}});
    asio::co_spawn(ioc, accept_loop(rt, *acceptor, l, fn), asio::detached);
    rt.acceptors.push_back(std::move(acceptor));
  }
  asio::co_spawn(ioc, shutdown_on_signal(rt, signals, options.grace), asio::detached);
  asio::co_spawn(ioc, relay_event_log(rt, TRY(services.store->last_event_id())), asio::detached);
  if (dns) asio::co_spawn(ioc, refresh_dns_zones(rt), asio::detached);
  asio::co_spawn(asio::make_strand(ioc), smtp::run_queue(services, workers, rt.stopping), asio::detached);
  if (options.on_ready) options.on_ready();
  log::info("serve.started", {{"threads", threads}, {"listeners", rt.acceptors.size()}});

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  // In-flight deliveries on the pool finish before the store closes.
  workers.join();
  log::info("serve.stopped");
  return {};
}

}  // namespace estafeta::net
