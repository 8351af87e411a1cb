// The process-wide services, opened once by `estafeta serve` (and by the
// CLI's commands) and alive until every session has ended. The composition
// root (server/serve.cpp) hands each protocol only the ones it names in its
// own dependency struct.
#pragma once

#include <memory>

#include "auth/device_password.hpp"
#include "auth/mail_login.hpp"
#include "auth/throttle.hpp"
#include "auth/web_login.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/event_bus.hpp"
#include "core/id_locks.hpp"
#include "core/metrics.hpp"
#include "delivery/deliverer.hpp"
#include "dns/lookup_runner.hpp"
#include "dns/resolver.hpp"
#include "dns/spf_runner.hpp"
#include "dns/zone_resolver.hpp"
#include "drive/drive.hpp"
#include "drive/transfers.hpp"
#include "manage/dkim_signer.hpp"
#include "manage/manager.hpp"
#include "manage/zone_source.hpp"
#include "store/blob_store.hpp"
#include "store/event_log.hpp"
#include "store/store.hpp"

namespace estafeta::server {

struct Services {
  std::shared_ptr<const Config> config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::BlobStore> blobs;
  std::unique_ptr<auth::DeviceKeyring> keyring;
  std::unique_ptr<Clock> clock;
  std::unique_ptr<Metrics> metrics;                // /metrics: connections, logins, deliveries, queue, index backlog
  std::unique_ptr<EventBus> bus;                   // in-process: sessions subscribe here
  std::unique_ptr<store::EventLogSink> event_log;  // across processes: relayed to `bus` by the server
  std::unique_ptr<delivery::Deliverer> deliverer;
  std::unique_ptr<manage::Manager> manager;
  std::unique_ptr<auth::Throttle> throttle;           // failed logins, shared by IMAP, POP3 and SMTP sessions
  std::unique_ptr<auth::MailLogins> logins;           // their device-password logins, through `throttle`
  std::unique_ptr<auth::Throttle> web_throttle;       // failed web and API logins
  std::unique_ptr<auth::WebLogins> web_logins;        // the web app's and the API's logins and sessions
  std::unique_ptr<auth::LiveSessions> live_sessions;  // logged-in mail connections, for the users' session lists
  std::unique_ptr<IdLocks> maildrop_locks;            // POP3: one session per address (RFC 1939 §8)
  // Blocking, and DNS may be slow: the server asks it only through `spf` and
  // `route_lookups` (threads of their own), never from the worker pool.
  // It keeps answers for their TTL (mail from one domain: one lookup per TTL).
  std::unique_ptr<dns::Resolver> resolver;
  // The same upstream servers without a cache, for what an administrator
  // asks and wants answered as the DNS stands now (a domain's verification,
  // the diagnostic, the zone editor's SPF analysis).
  std::unique_ptr<dns::Resolver> fresh_resolver;
  std::unique_ptr<dns::SpfRunner> spf;  // SPF checks of the MX on threads of their own ([dns]); asks `resolver`
  std::unique_ptr<dns::LookupRunner> route_lookups;  // the outbound queue's MX/address lookups, own threads ([dns])
  // The MX's DKIM and DMARC checks, on threads of their own ([dns] SPF limits).
  std::unique_ptr<dns::LookupRunner> auth_lookups;
  std::unique_ptr<manage::DkimSigner> dkim_signer;  // submission: DKIM signatures of served domains
  std::unique_ptr<manage::StoreZones> zones;        // the served zones, checked on demand (CLI, management)
  // The served zones as the DNS listener answers them: never touches the
  // store when asked; the server refreshes it from a worker (set by serve).
  std::unique_ptr<manage::StoreZones> dns_zones;
  // The served zones first, then `resolver`: for the zone editor's SPF
  // analysis. Blocking like `resolver`.
  std::unique_ptr<dns::ZoneResolver> zone_resolver;
  std::unique_ptr<drive::PieceFiles> transfer_files;  // transfer links' bytes, under <data_dir>/transfers
  std::unique_ptr<drive::TransferService> transfers;  // transfer links (the API, the /t/ pages, the sweeper)
  std::unique_ptr<drive::PieceFiles> drive_files;     // the drives' bytes, under <data_dir>/drive
  // The users' and organisations' drives (the API, JMAP's bridges, the sweeper).
  std::unique_ptr<drive::DriveService> drive;
};

// Opens everything under config.data_dir (creating the folder, the database,
// the blob folder and the device key on first use).
Result<std::unique_ptr<Services>> open_services(std::shared_ptr<const Config> config);

}  // namespace estafeta::server
