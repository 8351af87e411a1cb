// The listeners of `estafeta serve`, whatever protocols they serve: binding,
// accepting, the connection limits per peer and in all (refusals logged at
// most once a second), one strand per session, and the graceful stop —
// acceptors and datagram sockets close, every session is asked to stop and
// given up to `grace` to finish (in-flight deliveries complete, since the
// delivery path is never cancelled midway), then the io_contexts stop.
//
// Sessions are spread over the io_contexts given (one per io thread, each
// run by its thread alone), accepting on the first: two threads running one
// io_context hand each other the work — for one SMTP sender, 12 context
// switches and a fifth of the server's CPU per message more than one
// thread (bench/README.md).
//
// Which protocol a listener serves is the caller's choice (the SessionFn it
// passes): this file knows no protocol. Includes Asio: transport files only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/signal_set.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"
#include "net/session.hpp"

namespace estafeta::net {

class Listeners {
 public:
  // The connection limit is [limits] max_connections, lowered to fit the
  // file descriptor limit (raised to its hard limit first).
  // `ioc` accepts, stops, and runs sessions too; so does each of `others`.
  // All must outlive the Listeners.
  Listeners(asio::io_context& ioc, asio::ssl::context& tls, WorkerPool& workers, const LimitsConfig& limits,
            std::vector<asio::io_context*> others = {});
  ~Listeners();
  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;

  // Told of each session of a listener as it starts (true) and as it ends
  // (false), those over the connection limit included.
  using SessionCounter = std::function<void(bool started)>;

  // Binds the listener's address and accepts on it from now on; each
  // connection admitted runs `session` on a strand of its own, counted by
  // `count` when given. Errors: in_use (cannot bind), invalid (bad address).
  Status listen(const ListenerConfig& listener, SessionFn session, SessionCounter count = {});

  // UDP beside a listener: `count` sockets on its address (SO_REUSEPORT:
  // the kernel spreads the datagrams), each read by one `loop` on a strand
  // of its own until the socket closes at the stop.
  using DatagramLoop = std::function<asio::awaitable<void>(asio::ip::udp::socket& socket)>;
  Status listen_datagrams(const ListenerConfig& listener, unsigned count, DatagramLoop loop);

  // The graceful stop (see above) when a signal of `signals` arrives.
  void stop_on(asio::signal_set& signals, std::chrono::seconds grace);

  // Set once the stop has begun; background loops end when they see it.
  const std::atomic<bool>& stopping() const;
  std::size_t live_sessions() const;
  std::size_t bound() const;  // listeners accepting

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

// "host:port", with brackets around an IPv6 host.
std::string listen_label(const ListenerConfig& listener);

}  // namespace estafeta::net
