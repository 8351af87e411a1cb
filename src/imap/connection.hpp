// The IMAP listener's session coroutine: TLS (implicit or STARTTLS), reading
// and framing bytes, running each command on the worker pool, writing the
// replies, IDLE, and ending at once when the device is revoked.
#pragma once

#include "imap/deps.hpp"
#include "net/session.hpp"

namespace estafeta::imap {

// `deps` outlives the session.
net::asio::awaitable<void> imap_session(net::asio::ip::tcp::socket socket, net::SessionEnv env, const Deps& deps);

}  // namespace estafeta::imap
