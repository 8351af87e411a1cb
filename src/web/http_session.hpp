// The HTTP listener's session: Beast, HTTP/1.1 keep-alive, implicit TLS on
// `https` listeners. Routing and responses live in router.hpp (no Asio).
#pragma once

#include "net/session.hpp"

namespace estafeta::web {

net::asio::awaitable<void> http_session(net::asio::ip::tcp::socket socket, net::SessionEnv env);

}  // namespace estafeta::web
