// One POP3 connection on a net::Connection: lines in, Session replies out,
// each command on the worker pool. Autologout after 10 minutes without a
// command (RFC 1939 §3); a client must log in within [limits]
// login_timeout_seconds of connecting, however it trickles bytes; bytes
// pipelined after STLS are dropped; a revoked device ends the session at
// once.
#include "pop3/connection.hpp"

#include <ctime>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "net/connection.hpp"
#include "net/line_framer.hpp"
#include "net/offload.hpp"
#include "pop3/session.hpp"

namespace estafeta::pop3 {

namespace asio = boost::asio;

namespace {

asio::awaitable<void> run(net::Connection& c, net::SessionEnv& env, const Deps& deps) {
  SessionOptions options;
  options.hostname = deps.hostname;
  options.peer_ip = env.peer_ip;
  options.tls_active = c.tls();
  options.starttls_available = !c.tls() && env.tls != nullptr;
  options.plaintext_auth = env.listener->plaintext_auth;
  Session session(deps, options);
  c.set_read_timeout(std::chrono::seconds(deps.limits.pop3_idle_seconds));
  c.set_deadline(c.accepted_at() + net::login_deadline(env));
  net::LineFramer lines;
  auth::LiveSessions::Registration live;  // in the user's session list while logged in
  bool live_registered = false;

  if (!co_await c.write(session.greeting())) co_return;
  c.request_read();
  for (;;) {
    auto in = co_await c.next();
    if (in.kind == net::Input::Kind::closed) co_return;
    if (in.kind == net::Input::Kind::event) {
      if (auto why = session.ended_by(in.event)) {
        co_await c.write("-ERR [SYS/PERM] " + *why + "\r\n");
        log::info("pop3.session_ended", {{"ip", env.peer_ip}, {"reason", *why}});
        co_return;
      }
      continue;
    }
    if (in.bytes.empty()) {
      // EOF, error or timeout: no UPDATE state, nothing deleted.
      if (in.timed_out() && c.past_deadline()) co_await c.write("-ERR no login in time\r\n");
      co_return;
    }
    lines.append(in.bytes);
    // SASL responses may be longer than a command line (RFC 5034 §4).
    while (auto line = lines.next(session.in_sasl() ? 16384 : kMaxLine)) {
      if (line->too_long) {
        if (!co_await c.write(session.line_too_long().out)) co_return;
        continue;
      }
      auto reply = co_await net::offload(*env.workers, [&] { return session.execute(line->text); });
      if (reply.delay.count() > 0) {
        asio::steady_timer t(co_await asio::this_coro::executor, reply.delay);
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      }
      if (!co_await c.write(reply.out)) co_return;
      if (auto id = session.address_id()) {
        c.set_deadline(std::nullopt);
        c.follow(deps.bus, *id);
        if (deps.live && !live_registered) {
          live = deps.live->add(auth::live_info(*session.who(), "pop3", env.peer_ip, std::time(nullptr)), c.ender());
          live_registered = true;
        }
      }
      if (reply.next == Reply::Next::close) co_return;
      if (reply.next == Reply::Next::start_tls) {
        lines.clear();  // pipelined in clear: dropped
        if (!co_await c.start_tls()) co_return;
        session.tls_started();
      }
    }
    c.request_read();
  }
}

}  // namespace

asio::awaitable<void> pop3_session(asio::ip::tcp::socket socket, net::SessionEnv env, const Deps& deps) {
  return net::serve_connection(std::move(socket), std::move(env),
                               "-ERR [SYS/TEMP] too many connections from your address\r\n",
                               [&deps](net::Connection& c, net::SessionEnv& e) { return run(c, e, deps); });
}

}  // namespace estafeta::pop3
