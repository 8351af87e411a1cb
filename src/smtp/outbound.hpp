// The outbound queue worker: delivers queued mail to other servers
// (RFC 5321 §4.5.4 retry strategy, §5 routing), with opportunistic
// STARTTLS (RFC 3207), retries with backoff for temporary failures, and a
// bounce (RFC 3464) to the sender when a recipient fails for good or the
// message has waited too long. Every outcome goes into the message trace.
#pragma once

#include <atomic>

#include "net/session.hpp"
#include "smtp/deps.hpp"

namespace estafeta::smtp {

// Runs until `stopping` is set, on a strand: up to 16 deliveries (one
// message to one domain each) at once, each on that strand too, so that a
// slow domain delays only its own recipients. Blocking work goes to
// `workers`; MX lookups to deps.route_lookups (DNS may never answer).
net::asio::awaitable<void> run_queue(const QueueDeps& deps, net::WorkerPool& workers,
                                     const std::atomic<bool>& stopping);

}  // namespace estafeta::smtp
