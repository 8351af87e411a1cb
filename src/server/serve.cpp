// The composition root of `estafeta serve` (see serve.hpp).
#include "server/serve.hpp"

#include <malloc.h>
#include <unistd.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <csignal>
#include <memory>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/log.hpp"
#include "imap/connection.hpp"
#include "net/certificate.hpp"
#include "net/listeners.hpp"
#include "net/offload.hpp"
#include "net/tls_session.hpp"
#include "pop3/connection.hpp"
#include "server/dns_listener.hpp"
#include "smtp/connection.hpp"
#include "smtp/outbound.hpp"
#include "smtp/submit.hpp"
#include "store/text_indexer.hpp"
#include "web/app_files.hpp"
#include "web/forwarded.hpp"
#include "web/http_session.hpp"
#include "web/jmap_http.hpp"

namespace estafeta::server {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Blocking work waits mostly on the disk (fsync), not on the CPU: enough
// threads that concurrent deliveries reach the store together and share a
// commit (store/sqlite/accept.cpp), and that a slow fsync does not hold up
// the IMAP reads queued behind it.
constexpr std::size_t kWorkerThreads = 16;
constexpr std::size_t kWebWorkerThreads = 4;

// Each protocol's dependencies: only what its sessions may touch.
struct Protocols {
  imap::Deps imap;
  pop3::Deps pop3;
  smtp::Deps smtp;
  smtp::QueueDeps queue;
  web::Deps web;
  web::api::ApiDeps api;                                // web.api points here
  dns::ZoneSource* dns_zones = nullptr;                 // the dns listener's (set when one is configured)
  std::unique_ptr<imap::FolderChanges> imap_changes;    // imap.changes points here
  std::unique_ptr<smtp::MessageBudget> message_budget;  // smtp.message_budget points here
};

// What the SMTP sessions may hold of arriving message data at once: an
// eighth of the machine's memory, and at least two messages of the
// largest size.
std::uint64_t message_budget_of(std::uint64_t max_message_size) {
  auto pages = sysconf(_SC_PHYS_PAGES);
  auto page = sysconf(_SC_PAGE_SIZE);
  std::uint64_t memory = pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
                                               : std::uint64_t{4} << 30;
  return std::max(memory / 8, 2 * max_message_size);
}

Protocols protocols_of(Services& s) {
  auto& config = *s.config;
  auto changes = std::make_unique<imap::FolderChanges>();
  auto* shared_changes = changes.get();
  auto budget = std::make_unique<smtp::MessageBudget>(message_budget_of(config.limits.max_message_size));
  auto* shared_budget = budget.get();
  return Protocols{
      .imap = {.hostname = config.hostname,
               .limits = config.limits,
               .mail = *s.store,
               .accounts = *s.store,
               .blobs = *s.blobs,
               .bus = *s.bus,
               .clock = *s.clock,
               .logins = *s.logins,
               .deliverer = *s.deliverer,
               .live = s.live_sessions.get(),
               .changes = shared_changes},
      .pop3 = {.hostname = config.hostname,
               .limits = config.limits,
               .mail = *s.store,
               .blobs = *s.blobs,
               .bus = *s.bus,
               .logins = *s.logins,
               .maildrop_locks = *s.maildrop_locks,
               .live = s.live_sessions.get()},
      .smtp = {.hostname = config.hostname,
               .limits = config.limits,
               .accounts = *s.store,
               .mailboxes = *s.store,
               .bus = *s.bus,
               .clock = *s.clock,
               .logins = *s.logins,
               .deliverer = *s.deliverer,
               .resolver = *s.resolver,
               .spf = s.spf.get(),
               .auth_lookups = s.auth_lookups.get(),
               .dkim_signer = s.dkim_signer.get(),
               .live = s.live_sessions.get(),
               .emails = s.store.get(),
               .message_budget = shared_budget},
      .queue = {.hostname = config.hostname,
                .queue = config.queue,
                .routes = config.routes,
                .outbound = *s.store,
                .accounts = *s.store,
                .mailboxes = *s.store,
                .blobs = *s.blobs,
                .clock = *s.clock,
                .deliverer = *s.deliverer,
                .route_lookups = *s.route_lookups},
      .web = {.hostname = config.hostname,
              .accounts = *s.store,
              .metrics = s.metrics.get(),
              .transfers = s.transfers.get()},
      .api = {.hostname = config.hostname,
              .store = *s.store,
              .logins = *s.web_logins,
              .manager = *s.manager,
              .clock = *s.clock,
              .live = s.live_sessions.get(),
              .resolver = s.fresh_resolver.get(),
              .zone_resolver = s.zone_resolver.get(),
              .certificate = [&config] { return certificate_view(config); },
              .transfers = s.transfers.get(),
              .drive = s.drive.get()},
      .imap_changes = std::move(changes),
      .message_budget = std::move(budget),
  };
}

// The dispatch: which session coroutine serves which listener kind, with
// its protocol's dependencies bound (every Protocol has one).
net::SessionFn session_for(Protocol protocol, const Protocols& p) {
  switch (protocol) {
    case Protocol::imap:
    case Protocol::imaps:
      return
          [&d = p.imap](tcp::socket s, net::SessionEnv e) { return imap::imap_session(std::move(s), std::move(e), d); };
    case Protocol::pop3:
    case Protocol::pop3s:
      return
          [&d = p.pop3](tcp::socket s, net::SessionEnv e) { return pop3::pop3_session(std::move(s), std::move(e), d); };
    case Protocol::smtp:
    case Protocol::submission:
    case Protocol::submissions:
      return
          [&d = p.smtp](tcp::socket s, net::SessionEnv e) { return smtp::smtp_session(std::move(s), std::move(e), d); };
    case Protocol::http:
    case Protocol::https:
      return
          [&d = p.web](tcp::socket s, net::SessionEnv e) { return web::http_session(std::move(s), std::move(e), d); };
    case Protocol::dns:  // and UDP beside it: see serve()
      return
          [&p](tcp::socket s, net::SessionEnv e) { return dns_tcp_session(std::move(s), std::move(e), *p.dns_zones); };
  }
  return {};
}

// JMAP's EmailSubmission sends as the submission port does.
jmap::Send jmap_sender(const smtp::Deps& smtp) {
  return [&smtp](const jmap::Outgoing& o) -> std::expected<std::string, jmap::SendRefusal> {
    auto r = smtp::submit_direct(smtp, {o.user_id, o.ip, o.mail_from, o.rcpt_to, o.message});
    if (r) return *r;
    using K = smtp::SubmitRefusal;
    const char* type = "serverFail";
    switch (r.error().kind) {
      case K::forbidden_from: type = "forbiddenFrom"; break;
      case K::invalid_recipients: type = "invalidRecipients"; break;
      case K::too_large: type = "tooLarge"; break;
      case K::no_recipients: type = "noRecipients"; break;
      case K::invalid_message: type = "invalidEmail"; break;
      case K::temporary: type = "serverFail"; break;
    }
    return std::unexpected(jmap::SendRefusal{type, r.error().recipients, r.error().text});
  };
}

// What the background loops share with the listeners.
struct Background {
  Services& services;
  asio::io_context& ioc;
  net::WorkerPool& workers;
  net::Listeners& listeners;
  const jmap::Deps* jmap = nullptr;  // held-back JMAP submissions to send
};

// Relays the store's event log (revocations and locks made by the CLI or
// another node) to this process's bus, every 200 ms; old entries are pruned.
asio::awaitable<void> relay_event_log(Background& bg, std::int64_t last) {
  asio::steady_timer timer(bg.ioc);
  auto& services = bg.services;
  auto& stopping = bg.listeners.stopping();
  int rounds = 0;
  std::size_t peak_sessions = 0;
  constexpr std::size_t kTrimAfterClosed = 1000;
  while (!stopping) {
    timer.expires_after(std::chrono::milliseconds(200));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || stopping) co_return;
    auto batch = co_await net::offload(bg.workers, [&] { return services.store->events_after(last, 1000); });
    if (!batch) {
      log::warn("event_log.read_failed", {{"detail", batch.error().detail}});
      continue;
    }
    for (auto& [id, event] : *batch) {
      last = id;
      services.bus->publish(event);
    }
    if (bg.jmap && rounds % 5 == 0)  // about every second: JMAP submissions whose undo window is over
      co_await net::offload(bg.workers, [&] { return jmap::send_due(*bg.jmap, services.clock->now()); });
    if (++rounds % 3000 == 0) {  // about every ten minutes: events for a day, logins for 90 days
      co_await net::offload(bg.workers, [&] { return services.store->prune_events(services.clock->now() - 86400); });
      co_await net::offload(bg.workers, [&] {
        return services.store->prune_login_history(services.clock->now() - store::kLoginHistoryDays * 86400);
      });
      // Expired transfer links, abandoned uploads, and their files.
      co_await net::offload(bg.workers, [&] {
        auto swept = services.transfers->sweep();
        if (!swept) log::warn("transfers.sweep_failed", {{"detail", swept.error().detail}});
        return swept.has_value();
      });
      // Drive uploads abandoned for a day, and bytes whose file is gone.
      co_await net::offload(bg.workers, [&] {
        auto swept = services.drive->sweep();
        if (!swept) log::warn("drive.sweep_failed", {{"detail", swept.error().detail}});
        return swept.has_value();
      });
      // Expired JMAP uploads, and their files once nothing else uses them.
      co_await net::offload(bg.workers, [&] {
        auto gone = services.store->expire_uploads(services.clock->now());
        if (gone)
          for (auto& hash : *gone) (void)services.blobs->remove(hash);
        return gone.has_value();
      });
    }
    if (rounds % 18000 == 1) {  // soon after the start, then hourly: DKIM rotations move on
      auto moved = co_await net::offload(bg.workers, [&] {
        auto actor = manage::Actor::operator_cli();
        actor.product = "server";
        return services.manager->advance_dkim(actor);
      });
      if (!moved)
        log::warn("dkim.advance_failed", {{"detail", moved.error().message}});
      else if (*moved)
        log::info("dkim.advanced", {{"keys", *moved}});
    }
    // Many sessions gone since the last look (a burst of clients left):
    // give the memory they freed back to the system, or it stays counted
    // against this process until reused.
    auto live = bg.listeners.live_sessions();
    if (live + kTrimAfterClosed < peak_sessions) {
      co_await net::offload(bg.workers, [] { return ::malloc_trim(0); });
      peak_sessions = live;
    }
    peak_sessions = std::max(peak_sessions, live);
  }
}

// Keeps the DNS listener's zones in step with the store (any process's
// changes) from a worker, so that answering never waits on the store.
asio::awaitable<void> refresh_dns_zones(Background& bg) {
  asio::steady_timer timer(bg.ioc);
  auto& stopping = bg.listeners.stopping();
  while (!stopping) {
    timer.expires_after(std::chrono::milliseconds(250));
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec || stopping) co_return;
    co_await net::offload(bg.workers, [&] {
      bg.services.dns_zones->refresh();
      return 0;
    });
  }
}

Status load_certificate(asio::ssl::context& tls, const net::CertificateFiles& files) {
  tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                  asio::ssl::context::single_dh_use);
  net::TlsSession::prepare_context(tls.native_handle());
  boost::system::error_code ec;
  tls.use_certificate_chain_file(files.cert.string(), ec);
  if (!ec) tls.use_private_key_file(files.key.string(), asio::ssl::context::pem, ec);
  if (ec)
    return fail(ErrorKind::invalid,
                fmt::format("tls: cannot load {} / {}: {}", files.cert.string(), files.key.string(), ec.message()));
  return {};
}

}  // namespace

manage::CertificateView certificate_view(const Config& config) {
  auto path = config.tls.cert.empty() ? config.data_dir / "tls" / "cert.pem" : config.tls.cert;
  manage::CertificateView cert;
  if (auto info = net::certificate_info(path)) {
    cert.dns_names = info->dns_names;
    cert.not_after = info->not_after;
    cert.self_signed = info->self_signed;
  }
  return cert;
}

Status serve(Services& services, const ServeOptions& options) {
  const Config& config = *services.config;
  unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  // An io_context per io thread, each run by its thread alone; sessions
  // are spread over them, and the first also accepts and runs the
  // background work (net/listeners.hpp says why).
  asio::io_context ioc(1);
  std::vector<std::unique_ptr<asio::io_context>> more;
  std::vector<asio::io_context*> others;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> idle_allowed;  // run() waits for work
  for (unsigned i = 1; i < threads; ++i) {
    others.push_back(more.emplace_back(std::make_unique<asio::io_context>(1)).get());
    idle_allowed.push_back(asio::make_work_guard(*others.back()));
  }

  // Two malloc arenas instead of one per thread (up to 8 × cores): the
  // worker pool's threads would otherwise each keep an arena of freed memory
  // (measured: 10,000 IDLE sessions 197 → 184 MiB). Set before the threads start.
  ::mallopt(M_ARENA_MAX, 2);
  // OpenSSL writes TLS records to the socket with write(2), which raises
  // SIGPIPE when the client has gone; the error return is all we need.
  ::signal(SIGPIPE, SIG_IGN);

  asio::ssl::context tls(asio::ssl::context::tls_server);
  TRY(load_certificate(tls, options.certificate));

  // Signals are caught from here on, before any listener is announced.
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  // Blocking work (store, fsync) runs here, never on io threads.
  net::WorkerPool workers(kWorkerThreads);
  // The HTTP routes' own (Argon2id for web logins among them): a flood of
  // logins never holds the threads mail sessions wait for.
  net::WorkerPool web_workers(kWebWorkerThreads);
  // Accepted mail's text goes into the full-text index from here, in batches.
  store::TextIndexer indexer(*services.store, services.bus.get());
  net::Listeners listeners(ioc, tls, workers, config.limits, others);
  dns::ResponseLimiter dns_limiter(config.zones.responses_per_second);
  bool dns = std::any_of(config.listeners.begin(), config.listeners.end(),
                         [](auto& l) { return l.protocol == Protocol::dns; });
  auto protocols = protocols_of(services);
  protocols.web.api = &protocols.api;
  protocols.web.pool = &web_workers;
  auto proxies =
      web::TrustedProxies::parse(config.web.trusted_proxies, config.web.forwarded_header == "forwarded"
                                                                 ? web::TrustedProxies::Field::forwarded
                                                                 : web::TrustedProxies::Field::x_forwarded_for);
  if (!proxies) return fail(ErrorKind::invalid, "web.trusted_proxies: expected numeric addresses or networks");
  protocols.web.proxies = &*proxies;
  web::JmapHttp jmap(jmap::Deps{.store = *services.store,
                                .blobs = *services.blobs,
                                .deliverer = *services.deliverer,
                                .bus = services.bus.get(),
                                .hostname = config.hostname,
                                .limits = {.max_size_upload = config.limits.max_message_size},
                                .send = jmap_sender(protocols.smtp)},
                     *services.logins, *services.web_logins, services.bus.get(), services.live_sessions.get(),
                     services.drive.get());
  protocols.web.jmap = &jmap;
  auto app = options.web_dir.empty() ? web::embedded_app() : web::app_folder(options.web_dir);
  protocols.web.app = app.get();
  if (dns) {
    services.dns_zones = std::make_unique<manage::StoreZones>(*services.store, manage::StoreZones::Background{});
    services.dns_zones->refresh();
    protocols.dns_zones = services.dns_zones.get();
  }
  for (auto& l : config.listeners) {
    // Each session counted in the open-connections metric while it runs.
    TRY(listeners.listen(l, session_for(l.protocol, protocols),
                         [&metrics = *services.metrics, protocol = to_string(l.protocol)](bool started) {
                           if (started)
                             metrics.connection_opened(protocol);
                           else
                             metrics.connection_closed(protocol);
                         }));
    if (l.protocol == Protocol::dns) {
      auto& zones = *protocols.dns_zones;
      auto& stopping = listeners.stopping();
      TRY(listeners.listen_datagrams(l, threads, [&zones, &dns_limiter, &stopping](asio::ip::udp::socket& socket) {
        return dns_udp_loop(socket, zones, dns_limiter, stopping);
      }));
    }
    log::info("listener.ready", {{"protocol", to_string(l.protocol)}, {"address", net::listen_label(l)}});
  }
  listeners.stop_on(signals, options.grace);
  Background background{services, ioc, workers, listeners, &jmap.deps()};
  asio::co_spawn(ioc, relay_event_log(background, TRY(services.store->last_event_id())), asio::detached);
  if (dns) asio::co_spawn(ioc, refresh_dns_zones(background), asio::detached);
  asio::co_spawn(asio::make_strand(ioc), smtp::run_queue(protocols.queue, workers, listeners.stopping()),
                 asio::detached);
  if (options.on_ready) options.on_ready();
  log::info("serve.started", {{"threads", threads}, {"listeners", listeners.bound()}});

  std::vector<std::thread> pool;
  for (auto* context : others) pool.emplace_back([context] { context->run(); });
  ioc.run();  // until the stop, which stops them all (Listeners::stop_on)
  for (auto& t : pool) t.join();
  // In-flight deliveries on the pool finish before the store closes, and
  // the routes running on theirs before the JMAP endpoint goes.
  workers.join();
  web_workers.join();
  log::info("serve.stopped");
  return {};
}

}  // namespace estafeta::server
