#include "server/services.hpp"

#include "auth/login_alert.hpp"
#include "core/ascii.hpp"
#include "core/log.hpp"

#include "core/fs.hpp"
#include "dns/cares/cares_resolver.hpp"
#include "mime/parsed_message.hpp"

namespace estafeta::server {

namespace {

// A login alert goes into the INBOX of the address the user chose for
// alerts, or the one that is their login, or their first address: always
// one they have access to (the API refuses any other), so alerts never
// send mail anywhere else, and one nobody else has access to, so that
// colleagues sharing an address never read where and when one logs in. A
// user without such an address gets none.
void deliver_login_alert(store::Store& store, delivery::Deliverer& deliverer, const std::string& hostname,
                         const auth::LoginAlert& alert, const store::SecuritySettings& settings) {
  auto accesses = store.list_user_accesses(alert.user.id);
  if (!accesses || accesses->empty()) return;
  std::optional<store::Address> chosen, login, first;
  for (auto& a : *accesses) {
    auto address = store.address(a.address_id);
    if (!address) continue;
    auto readers = store.list_accesses(a.address_id);
    if (!readers || readers->size() != 1) continue;  // shared (or unknown): not for alerts
    if (!first) first = *address;
    if (address->address == settings.alert_address) chosen = *address;
    if (address->address == ascii_lower(alert.user.login)) login = *address;
  }
  auto target = chosen ? chosen : login ? login : first;
  if (!target) return;
  auto message = auth::login_alert_message(alert, {hostname, target->address, settings.language});
  auto inbox = deliverer.inbox_of(target->id);
  auto delivered = inbox ? deliverer.deliver(message, {{*inbox, 0, {}, alert.time}})
                         : Result<std::vector<store::Appended>>(std::unexpected(inbox.error()));
  if (!delivered) log::error("web.alert_failed", {{"login", alert.user.login}, {"detail", delivered.error().message}});
}

// What the metrics count, told by the services that see it happen.
void observe(Services& s) {
  auto* m = s.metrics.get();
  s.logins->set_observer([m](const char* protocol, bool ok) { m->login(protocol, ok); });
  s.web_logins->set_observer([m](bool ok) { m->login("web", ok); });
  s.deliverer->set_observer([m](double total, double store) {
    m->delivery(total);
    m->store_commit(store);
  });
  s.metrics->set_sampler([&store = *s.store, &clock = *s.clock] {
    Metrics::Sample out;
    if (auto q = store.queue_size()) {
      out.queue_messages = static_cast<double>(q->first);
      out.queue_oldest_seconds = q->second ? static_cast<double>(clock.now() - q->second) : 0;
    }
    if (auto waiting = store.text_backlog()) {
      out.text_index_backlog = static_cast<double>(waiting->messages);
      out.text_index_backlog_bytes = static_cast<double>(waiting->bytes);
    }
    return out;
  });
}

}  // namespace

Result<std::unique_ptr<Services>> open_services(std::shared_ptr<const Config> config) {
  auto s = std::make_unique<Services>();
  s->config = config;
  TRY(make_directories(config->data_dir, 0700));
  s->store = TRY(store::open_sqlite_store({config->data_dir / "estafeta.db", true}));
  s->blobs = TRY(store::BlobStore::open(config->data_dir / "blobs", s->store.get()));
  s->keyring =
      std::make_unique<auth::DeviceKeyring>(TRY(auth::DeviceKeyring::load_or_create(config->data_dir / "device-key")));
  s->clock = std::make_unique<SystemClock>();
  s->metrics = std::make_unique<Metrics>();
  s->bus = std::make_unique<EventBus>();
  mime::Limits limits;
  limits.max_size = config->limits.max_message_size;
  s->deliverer = std::make_unique<delivery::Deliverer>(*s->store, *s->blobs, *s->bus, limits);
  s->event_log = std::make_unique<store::EventLogSink>(*s->store);
  s->manager = std::make_unique<manage::Manager>(*s->store, *s->keyring, *s->event_log, *s->clock);
  s->manager->set_zone_defaults(manage::ZoneDefaults::from_config(*config));
  s->throttle = std::make_unique<auth::Throttle>();
  s->logins = std::make_unique<auth::MailLogins>(*s->store, *s->keyring, *s->throttle, *s->clock);
  s->web_throttle = std::make_unique<auth::Throttle>();
  s->web_logins = std::make_unique<auth::WebLogins>(*s->store, *s->keyring, *s->web_throttle, *s->clock);
  s->web_logins->set_alert_sink([&store = *s->store, &deliverer = *s->deliverer, hostname = config->hostname](
                                    const auth::LoginAlert& alert, const store::SecuritySettings& settings) {
    deliver_login_alert(store, deliverer, hostname, alert, settings);
  });
  s->maildrop_locks = std::make_unique<IdLocks>();
  s->live_sessions = std::make_unique<auth::LiveSessions>();
  observe(*s);
  dns::CaresOptions dns_options;
  dns_options.servers = config->dns.servers;
  s->fresh_resolver = TRY(dns::CaresResolver::create(dns_options));
  dns_options.cache_entries = 4096;
  s->resolver = TRY(dns::CaresResolver::create(dns_options));
  dns::SpfRunnerOptions spf;
  spf.threads = config->dns.max_spf_checks;
  spf.per_client = config->dns.max_spf_checks_per_ip;
  spf.timeout = std::chrono::seconds(config->dns.spf_timeout_seconds);
  s->spf = std::make_unique<dns::SpfRunner>(*s->resolver, spf);
  dns::LookupRunnerOptions routes;
  routes.threads = config->dns.max_route_lookups;
  routes.per_key = 1;         // one lookup of a domain at a time: a silent domain holds one thread
  routes.max_waiting = 4096;  // the queue has at most a few hundred groups under way
  routes.timeout = std::chrono::seconds(config->dns.route_timeout_seconds);
  s->route_lookups = std::make_unique<dns::LookupRunner>(*s->resolver, routes);
  dns::LookupRunnerOptions auth;
  auth.threads = config->dns.max_spf_checks;
  auth.per_key = config->dns.max_spf_checks_per_ip;
  auth.timeout = std::chrono::seconds(config->dns.spf_timeout_seconds);
  s->auth_lookups = std::make_unique<dns::LookupRunner>(*s->resolver, auth);
  s->dkim_signer = std::make_unique<manage::DkimSigner>(*s->store, *s->keyring);
  s->transfer_files = TRY(drive::PieceFiles::open(config->data_dir / "transfers"));
  s->transfers = std::make_unique<drive::TransferService>(*s->store, *s->transfer_files, *s->keyring, *s->clock);
  s->drive_files = TRY(drive::PieceFiles::open(config->data_dir / "drive"));
  s->drive = std::make_unique<drive::DriveService>(*s->store, *s->drive_files, *s->clock);
  s->zones = std::make_unique<manage::StoreZones>(*s->store);
  s->zone_resolver = std::make_unique<dns::ZoneResolver>(*s->zones, s->fresh_resolver.get());
  return s;
}

}  // namespace estafeta::server
