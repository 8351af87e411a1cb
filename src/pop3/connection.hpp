// The POP3 listener's session coroutine (pop3 and pop3s).
#pragma once

#include "net/session.hpp"

namespace estafeta::pop3 {

net::asio::awaitable<void> pop3_session(net::asio::ip::tcp::socket socket, net::SessionEnv env);

}  // namespace estafeta::pop3
