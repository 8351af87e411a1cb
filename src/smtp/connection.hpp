// The SMTP listeners' session coroutine (smtp, submission, submissions).
#pragma once

#include "net/session.hpp"

namespace estafeta::smtp {

net::asio::awaitable<void> smtp_session(net::asio::ip::tcp::socket socket, net::SessionEnv env);

}  // namespace estafeta::smtp
