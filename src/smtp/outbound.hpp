// The outbound queue worker: delivers queued mail to other servers
// (RFC 5321 §4.5.4 retry strategy, §5 routing), with opportunistic
// STARTTLS (RFC 3207), retries with backoff for temporary failures, and a
// bounce (RFC 3464) to the sender when a recipient fails for good or the
// message has waited too long. Every outcome goes into the message trace.
#pragma once

#include <atomic>

#include "net/session.hpp"

namespace estafeta::smtp {

// Runs until `stopping` is set. Blocking work goes to `workers`.
net::asio::awaitable<void> run_queue(net::Services& services, net::asio::thread_pool& workers,
                                     const std::atomic<bool>& stopping);

}  // namespace estafeta::smtp
