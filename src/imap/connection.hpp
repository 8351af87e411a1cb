// The IMAP listener's session coroutine: TLS (implicit or STARTTLS), reading
// and framing bytes, running each command on the worker pool, writing the
// replies, IDLE, and ending at once when the device is revoked.
#pragma once

#include "net/session.hpp"

namespace estafeta::imap {

net::asio::awaitable<void> imap_session(net::asio::ip::tcp::socket socket, net::SessionEnv env);

}  // namespace estafeta::imap
