// The POP3 listener's session coroutine (pop3 and pop3s).
#pragma once

#include "net/session.hpp"
#include "pop3/deps.hpp"

namespace estafeta::pop3 {

// `deps` outlives the session.
net::asio::awaitable<void> pop3_session(net::asio::ip::tcp::socket socket, net::SessionEnv env, const Deps& deps);

}  // namespace estafeta::pop3
