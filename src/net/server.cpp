// The listeners, the session registry and the graceful shutdown.
#include "net/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <malloc.h>

#include <csignal>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/log.hpp"
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

// Connections per peer address, for limits.max_connections_per_ip.
class PeerCounts {
 public:
  // Counts the connection; false when the peer is over the limit (then not counted).
  bool add(const std::string& ip, unsigned limit) {
    std::lock_guard lock(m_mutex);
    auto& n = m_counts[ip];
    if (limit && n >= limit) {
      if (n == 0) m_counts.erase(ip);
      return false;
    }
    ++n;
    return true;
  }
  void remove(const std::string& ip) {
    std::lock_guard lock(m_mutex);
    if (auto it = m_counts.find(ip); it != m_counts.end() && --it->second == 0) m_counts.erase(it);
  }

 private:
  std::mutex m_mutex;
  std::map<std::string, unsigned> m_counts;  // GUARDED_BY(m_mutex)
};

struct Runtime {
  Services* services;
  asio::io_context* ioc;
  asio::ssl::context* tls;
  asio::thread_pool* workers;
  SessionRegistry sessions;
  PeerCounts peers;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::atomic<bool> stopping{false};
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
  // Mail protocols count against the per-address limit; HTTP does not.
  bool counted = listener.protocol != Protocol::http && listener.protocol != Protocol::https;
  if (counted && !rt.peers.add(env.peer_ip, rt.services->config->limits.max_connections_per_ip)) {
    env.over_limit = true;
    counted = false;
    log::warn("listener.too_many_connections", {{"ip", env.peer_ip}, {"protocol", to_string(listener.protocol)}});
  }
  auto strand = asio::make_strand(*rt.ioc);
  auto signal = std::make_shared<asio::cancellation_signal>();
  auto id = rt.sessions.add({strand, signal});
  auto ip = env.peer_ip;  // copied before env moves into the session
  asio::co_spawn(strand, fn(std::move(socket), std::move(env)),
                 asio::bind_cancellation_slot(signal->slot(), [&rt, id, signal, proto = listener.protocol, counted,
                                                               ip](std::exception_ptr e) {
                   rt.sessions.remove(id);
                   if (counted) rt.peers.remove(ip);
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
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

Result<tcp::endpoint> endpoint_of(const ListenerConfig& l) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(l.host, ec);
  if (ec) return fail(ErrorKind::invalid, fmt::format("listener {}: bad address {}", to_string(l.protocol), l.host));
  return tcp::endpoint(addr, l.port);
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
  Runtime rt{&services, &ioc, &tls, &workers, {}, {}, {}};
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
    log::info("listener.ready", {{"protocol", to_string(l.protocol)}, {"address", listen_label(l)}});
    asio::co_spawn(ioc, accept_loop(rt, *acceptor, l, fn), asio::detached);
    rt.acceptors.push_back(std::move(acceptor));
  }
  asio::co_spawn(ioc, shutdown_on_signal(rt, signals, options.grace), asio::detached);
  asio::co_spawn(ioc, relay_event_log(rt, TRY(services.store->last_event_id())), asio::detached);
  asio::co_spawn(ioc, smtp::run_queue(services, workers, rt.stopping), asio::detached);
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
