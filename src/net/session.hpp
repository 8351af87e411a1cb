// The contract between the server and a protocol's session coroutine.
// Includes Asio: only transport files include this header.
//
// A session coroutine owns its socket. It must end soon after `stop` is
// signalled (shutdown or revocation) — the server cancels its pending
// operations through the coroutine's cancellation slot — and should finish
// any in-flight delivery first, since a delivery is never cancelled midway.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <string>

#include "core/config.hpp"
#include "net/services.hpp"

namespace estafeta::net {

namespace asio = boost::asio;

struct SessionEnv {
  Services* services = nullptr;          // outlives every session
  const ListenerConfig* listener = nullptr;
  asio::ssl::context* tls = nullptr;     // for implicit TLS and STARTTLS
  asio::thread_pool* workers = nullptr;  // for blocking work: see net/offload.hpp
  std::string peer_ip;
  // The peer already has the most connections allowed: the session answers
  // with its protocol's refusal and closes (RFC 9051 §7.1.5 BYE, POP3 -ERR).
  // Only on plain mail listeners: the server closes such connections on TLS
  // and HTTP listeners itself, before any session starts.
  bool over_limit = false;
};

using SessionFn = asio::awaitable<void> (*)(asio::ip::tcp::socket socket, SessionEnv env);

}  // namespace estafeta::net
