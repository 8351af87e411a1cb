// Waiting for an SPF check of the dns::SpfRunner from a session coroutine,
// without holding a thread: the runner's callback wakes the coroutine on
// its own executor (net/thread_wait.hpp). Includes Asio: for transport
// files only.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <optional>

#include "dns/lookup_runner.hpp"
#include "dns/spf_runner.hpp"
#include "smtp/message_auth.hpp"

namespace estafeta::smtp {

// The verdict of `job`; temperror when it takes longer than the runner's
// timeout (the resolver may still be busy with it: its thread is the
// runner's, not ours); nullopt when it could not run (too many checks).
// Lifetime: safe when the session ends or the io_context is torn down
// while the check runs — the callback then finds no one to wake.
boost::asio::awaitable<std::optional<dns::SpfResult>> await_spf(dns::SpfRunner& runner, dns::SpfJob job);

// The DKIM and DMARC checks of `job` on `runner`, keyed by `client` (the
// peer's group); nullopt when they could not run (too many at once) or
// took longer than the runner's timeout. Same lifetime rules.
boost::asio::awaitable<std::optional<MessageAuth>> await_message_auth(dns::LookupRunner& runner, std::string client,
                                                                      MessageAuthJob job);

}  // namespace estafeta::smtp
