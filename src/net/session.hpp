// The contract between the listeners (net/listeners.hpp) and a protocol's
// session coroutine. Includes Asio: only transport files include this header.
//
// A session coroutine owns its socket. It must end soon after `stop` is
// signalled (shutdown or revocation) — the listeners cancel its pending
// operations through the coroutine's cancellation slot — and should finish
// any in-flight delivery first, since a delivery is never cancelled midway.
//
// What a session may touch beyond its connection is its protocol's own
// dependency struct, bound into its SessionFn by the composition root
// (server/serve.cpp); the transport hands it nothing else.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "core/config.hpp"
#include "net/worker_pool.hpp"

namespace estafeta::net {

namespace asio = boost::asio;

struct SessionEnv {
  const ListenerConfig* listener = nullptr;
  const LimitsConfig* limits = nullptr;  // write timeouts, login deadline, sizes
  asio::ssl::context* tls = nullptr;     // for implicit TLS and STARTTLS
  WorkerPool* workers = nullptr;         // for blocking work: see net/offload.hpp
  std::string peer_ip;
  // The peer already has the most connections allowed: the session answers
  // with its protocol's refusal and closes (RFC 9051 §7.1.5 BYE, POP3 -ERR).
  // Only on plain mail listeners: the listeners close such connections on
  // TLS and HTTP listeners themselves, before any session starts.
  bool over_limit = false;
  // Set while the server holds more than three quarters of its connection
  // limit ([limits] max_connections); see wait_for. Null: never.
  const std::atomic<bool>* crowded = nullptr;
};

// While the server is crowded, how long it waits for a client with nothing
// under way is cut short: otherwise a few hundred addresses, each at its
// per-address limit and sending a little now and then, could keep every
// connection slot from everyone else. A wait already begun runs its
// course; the next one is short.
inline constexpr std::chrono::seconds kCrowdedIdle{5};    // between HTTP requests or DNS queries
inline constexpr std::chrono::seconds kCrowdedLogin{15};  // from connecting to a login (IMAP, POP3, submission)
inline std::chrono::seconds wait_for(const SessionEnv& env, std::chrono::seconds usual, std::chrono::seconds crowded) {
  bool now = env.crowded && env.crowded->load(std::memory_order_relaxed);
  return now ? std::min(usual, crowded) : usual;
}
// From connecting until a login must succeed: [limits] login_timeout_seconds, or kCrowdedLogin.
inline std::chrono::seconds login_deadline(const SessionEnv& env) {
  return wait_for(env, std::chrono::seconds(env.limits->login_timeout_seconds), kCrowdedLogin);
}

using SessionFn = std::function<asio::awaitable<void>(asio::ip::tcp::socket socket, SessionEnv env)>;

}  // namespace estafeta::net
