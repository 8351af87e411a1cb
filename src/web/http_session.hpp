// The HTTP listener's session: Beast, HTTP/1.1 keep-alive, implicit TLS on
// `https` listeners. Routing and responses live in router.hpp (no Asio).
#pragma once

#include "net/session.hpp"
#include "web/deps.hpp"

namespace estafeta::web {

// `deps` outlives the session.
net::asio::awaitable<void> http_session(net::asio::ip::tcp::socket socket, net::SessionEnv env, const Deps& deps);

}  // namespace estafeta::web
