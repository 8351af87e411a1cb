// The SMTP listeners' session coroutine (smtp, submission, submissions).
#pragma once

#include "net/session.hpp"
#include "smtp/deps.hpp"

namespace estafeta::smtp {

// `deps` outlives the session.
net::asio::awaitable<void> smtp_session(net::asio::ip::tcp::socket socket, net::SessionEnv env, const Deps& deps);

}  // namespace estafeta::smtp
