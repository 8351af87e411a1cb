// Mail this server writes itself about a message it received: a vacation
// reply, a delivery report. To a local address it goes straight into its
// INBOX; to any other, through the queue with the null reverse-path, so
// that nothing answers it (RFC 3834 §3.3, RFC 3461 §6.2).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "smtp/deps.hpp"

namespace estafeta::smtp {

// `from_address_id`: the local address the notice is on behalf of (its
// trace of the outgoing copy), 0 for the mail system itself. Blocking
// (store): call from a worker thread.
Status send_notice(const Deps& deps, const std::string& to, const std::string& message, store::Id from_address_id,
                   std::int64_t now);

// A new queue id ("250 … queued as X", the trace, the queue).
std::string new_queue_id();

}  // namespace estafeta::smtp
