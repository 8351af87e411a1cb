// What SMTP may touch besides its connections, built once by the
// composition root (server/serve.cpp) and alive until every session and the
// queue worker ended: one struct for the sessions (MX and submission), one
// for the outbound queue.
#pragma once

#include <string>
#include <vector>

#include "auth/live_sessions.hpp"
#include "auth/mail_login.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/event_bus.hpp"
#include "delivery/deliverer.hpp"
#include "dns/lookup_runner.hpp"
#include "dns/resolver.hpp"
#include "dns/spf_runner.hpp"
#include "manage/dkim_signer.hpp"
#include "smtp/message_budget.hpp"
#include "store/accounts.hpp"
#include "store/blob_store.hpp"
#include "store/emails.hpp"
#include "store/mailboxes.hpp"
#include "store/queue.hpp"

namespace estafeta::smtp {

struct Deps {
  std::string hostname;         // greeting, Received:, replies
  const LimitsConfig& limits;   // message size, deadlines, write limits
  store::Accounts& accounts;    // domains, addresses, accesses, quotas
  store::Mailboxes& mailboxes;  // INBOX, Junk, Sent
  EventBus& bus;                // revocations end a submission session
  const Clock& clock;
  auth::MailLogins& logins;        // submission's AUTH
  delivery::Deliverer& deliverer;  // accepted mail, durable before the 250
  // SPF, DKIM and DMARC checks the session runs itself when the transport
  // has no runner for them (below): blocking, DNS may be slow.
  dns::Resolver& resolver;
  // The MX's SPF checks and its DKIM/DMARC lookups on threads of their own
  // ([dns]); null: the session asks `resolver` itself.
  dns::SpfRunner* spf = nullptr;
  dns::LookupRunner* auth_lookups = nullptr;
  manage::DkimSigner* dkim_signer = nullptr;  // submission: DKIM signatures of served domains
  auth::LiveSessions* live = nullptr;         // logged-in connections, listed to their users (may be absent)
  store::Emails* emails = nullptr;            // vacation responses of local recipients (absent: none are sent)
  MessageBudget* message_budget = nullptr;    // message data all sessions may hold at once (absent: no bound)
};

struct QueueDeps {
  std::string hostname;                    // EHLO, bounces' Reporting-MTA
  const QueueConfig& queue;                // retries, delay warnings, maximum age
  const std::vector<RouteConfig>& routes;  // static routes before MX lookups
  store::Queue& outbound;                  // due recipients, attempts, the trace
  store::Accounts& accounts;               // a local sender, for its bounce
  store::Mailboxes& mailboxes;             // its INBOX
  store::BlobStore& blobs;                 // the queued messages' bytes
  const Clock& clock;
  delivery::Deliverer& deliverer;    // bounces and delay warnings to local senders
  dns::LookupRunner& route_lookups;  // MX and address lookups, on threads of their own
};

}  // namespace estafeta::smtp
