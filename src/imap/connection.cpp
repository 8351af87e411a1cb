// One IMAP connection (RFC 9051 §2.2, §5.4 autologout, §6.2.1 STARTTLS;
// RFC 2177 IDLE) on a net::Connection: frame and parse commands, run them
// on the worker pool (net::offload; those pipelined together in one
// hand-off), write the replies; in IDLE, report changes as the bus
// announces them; end at once when the device is revoked.
//
// Security: bytes pipelined after STARTTLS are discarded (they came in
// clear); idle clients are logged out (30 minutes once authenticated, RFC
// 9051 §5.4; 2 minutes before); a client must log in within
// [limits] login_timeout_seconds of connecting, however it trickles bytes;
// before login only small literals are taken (a user name, a password), so
// a client that has not logged in cannot make us hold megabytes; revocation
// ends the session with BYE.
#include "imap/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "imap/proto/framer.hpp"
#include "imap/session.hpp"
#include "net/connection.hpp"
#include "net/offload.hpp"

namespace estafeta::imap {

namespace asio = boost::asio;

namespace {

// Before login: literals of up to 8 KiB (more than any user name, password
// or SASL response needs) and commands of up to one line's length. A bigger
// synchronizing literal gets NO [TOOBIG] without a continuation; a bigger
// non-synchronizing one BAD and BYE (RFC 7888 §4: its octets are coming).
FramerLimits pre_login_limits() {
  FramerLimits l;
  l.max_literal = 8 * 1024;
  l.max_command = l.max_line;
  return l;
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  if (d.count() <= 0) co_return;
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

enum class Mode { command, authenticate, idle };

// At most this many pipelined commands, or this many bytes of their
// replies, are run in one hand-off to the worker pool.
constexpr int kBatchCommands = 32;
constexpr std::size_t kBatchReplyBytes = 64 * 1024;

// Runs a command, then those the client pipelined behind it that are
// already complete in `pending` (RFC 9051 §5.5), on the worker pool in one
// hand-off, their replies joined in order: a client that fetches message
// after message (mbsync) costs a thread switch and a write per read, not per
// command. Stops before going on from a reply that changes how the
// connection goes on (a reply in parts, a delayed one, a login, IDLE,
// AUTHENTICATE, STARTTLS, LOGOUT), at the bounds above, or at a framer event
// that is not a command — left in `stopped_at` for the caller to handle.
Reply run_pipelined(Session& session, CommandFramer& framer, std::string_view& pending, std::string text,
                    bool logged_in, std::optional<CommandFramer::Event>& stopped_at) {
  auto run_one = [&session](const std::string& t) {
    auto parsed = session.parse(t);
    return parsed ? session.execute(std::move(*parsed)) : session.bad_syntax(parsed.error());
  };
  Reply reply = run_one(text);
  std::string out;
  for (int n = 1; n < kBatchCommands && !pending.empty(); ++n) {
    bool plain = reply.next == Reply::Next::read && !reply.more && reply.delay.count() <= 0 &&
                 (logged_in || !session.context().who);
    if (!plain || out.size() + reply.out.size() >= kBatchReplyBytes) break;
    auto event = framer.feed(pending);
    if (event != CommandFramer::Event::command) {
      stopped_at = event;
      break;
    }
    out += reply.out;
    reply = run_one(framer.take_command());
  }
  if (!out.empty()) reply.out = std::move(out += reply.out);
  return reply;
}

// What lives as long as the connection. The loop in run() waits with only
// this in its frame; the work on what arrives runs in coroutines of its own
// (on_event, on_bytes) whose frames exist only while they run: an idle
// connection does not keep the locals and temporaries of every branch
// (DESIGN §6, memory per IDLE connection).
struct Conversation {
  Conversation(net::Connection& connection, net::SessionEnv& environment, const Deps& d, SessionOptions options)
      : c(connection), env(environment), deps(d), session(d, options) {
    limits.max_literal = options.append_limit;
    limits.max_command = options.append_limit + 64 * 1024;
  }

  net::Connection& c;
  net::SessionEnv& env;
  const Deps& deps;
  Session session;
  FramerLimits limits;  // once logged in: APPEND up to APPENDLIMIT
  CommandFramer framer{pre_login_limits()};
  bool logged_in = false;
  auth::LiveSessions::Registration live;  // in the user's session list while logged in
  Mode mode = Mode::command;
};

// A bus event: a BYE when it ends the session, the updates it brings in
// IDLE. False: the connection is over.
asio::awaitable<bool> on_event(Conversation& s, Event event) {
  if (auto why = s.session.ended_by(event)) {
    co_await s.c.write("* BYE " + *why + "\r\n");
    log::info("imap.session_ended", {{"ip", s.env.peer_ip}, {"reason", *why}});
    co_return false;
  }
  if (s.mode != Mode::idle || !s.session.concerns(event)) co_return true;
  // Most often without the worker pool: many sessions in IDLE on one
  // folder share one read of what changed (FolderChanges).
  auto updates = s.session.idle_updates_at_once(event);
  if (!updates) updates = co_await net::offload(*s.env.workers, [&] { return s.session.idle_updates(event); });
  if (!updates->out.empty() && !co_await s.c.write(updates->out)) co_return false;
  co_return updates->next != Reply::Next::close;
}

// A chunk of bytes from the client: every command complete in it run and
// answered, the rest kept by the framer. False: the connection is over.
asio::awaitable<bool> on_bytes(Conversation& s, std::string bytes) {
  auto& c = s.c;
  auto& session = s.session;
  auto& framer = s.framer;
  std::string_view pending = bytes;
  std::optional<CommandFramer::Event> stopped_at;  // met by run_pipelined, not yet handled
  while (stopped_at || !pending.empty()) {
    auto event = stopped_at ? *std::exchange(stopped_at, std::nullopt) : framer.feed(pending);
    if (event == CommandFramer::Event::need_more) {
      if (framer.after_literal()) c.quick_ack();
      break;
    }
    if (event == CommandFramer::Event::continuation) {
      if (!co_await c.write("+ go ahead\r\n")) co_return false;
      continue;
    }
    if (event == CommandFramer::Event::fatal) {
      // RFC 7888 §4, §5: reject the command (BAD [TOOBIG]), then close,
      // since the literal's octets are on their way regardless.
      co_await c.write(framer.tag() + " BAD [TOOBIG] " + framer.error() + "\r\n* BYE [TOOBIG] " + framer.error() +
                       "\r\n");
      co_return false;
    }
    if (event == CommandFramer::Event::error) {
      auto reply = framer.error_is_too_big() ? framer.tag() + " NO [TOOBIG] " + framer.error() + "\r\n"
                                             : framer.tag() + " BAD " + framer.error() + "\r\n";
      if (!co_await c.write(reply)) co_return false;
      continue;
    }
    auto text = framer.take_command();
    Reply reply;
    if (s.mode == Mode::idle) {
      reply = co_await net::offload(*s.env.workers, [&] { return session.idle_end(text); });
      s.mode = Mode::command;
    } else if (s.mode == Mode::authenticate) {
      reply = co_await net::offload(*s.env.workers, [&] { return session.authenticate_step(text); });
      s.mode = Mode::command;
    } else {
      reply = co_await net::offload(*s.env.workers, [&] {
        return run_pipelined(session, framer, pending, std::move(text), s.logged_in, stopped_at);
      });
    }
    co_await pause(reply.delay);
    if (!co_await c.write(reply.out)) co_return false;
    // A long reply in parts (FETCH): each written before the next is made.
    while (reply.more) {
      reply = co_await net::offload(*s.env.workers, [&] { return session.resume(reply); });
      if (!co_await c.write(reply.out)) co_return false;
    }
    if (auto& who = session.context().who; who && !s.logged_in) {
      s.logged_in = true;
      c.set_read_timeout(std::chrono::seconds(s.deps.limits.imap_idle_seconds));
      c.set_deadline(std::nullopt);
      framer.set_limits(s.limits);
      c.follow(s.deps.bus, who->address.id);
      if (s.deps.live)
        s.live = s.deps.live->add(auth::live_info(*who, "imap", s.env.peer_ip, s.deps.clock.now()), c.ender());
    }
    switch (reply.next) {
      case Reply::Next::read: break;
      case Reply::Next::authenticate: s.mode = Mode::authenticate; break;
      case Reply::Next::idle: s.mode = Mode::idle; break;
      case Reply::Next::close: co_return false;
      case Reply::Next::start_tls:
        // Anything the client pipelined after STARTTLS came in clear: drop it.
        pending = {};
        framer = CommandFramer(s.logged_in ? s.limits : pre_login_limits());
        if (!co_await c.start_tls()) co_return false;
        session.tls_started();
        break;
    }
  }
  co_return true;
}

asio::awaitable<void> run(net::Connection& c, net::SessionEnv& env, const Deps& deps) {
  SessionOptions options;
  options.hostname = deps.hostname;
  options.peer_ip = env.peer_ip;
  options.tls_active = c.tls();
  options.starttls_available = !c.tls() && env.tls != nullptr;
  options.plaintext_auth = env.listener->plaintext_auth;
  options.append_limit = deps.limits.max_message_size;
  Conversation s(c, env, deps, std::move(options));
  c.set_read_timeout(std::chrono::seconds(deps.limits.imap_login_idle_seconds));
  c.set_deadline(c.accepted_at() + net::login_deadline(env));

  if (!co_await c.write(s.session.greeting())) co_return;
  c.request_read();
  for (;;) {
    auto in = co_await c.next();
    if (in.kind == net::Input::Kind::closed) {
      // The server is shutting down: BYE says so (RFC 9051 §7.1.5). The
      // shutdown cancelled this coroutine; the write, bounded by the write
      // limits, must not be.
      co_await asio::this_coro::reset_cancellation_state();
      co_await c.write("* BYE the server is shutting down\r\n");
      co_return;
    }
    if (in.kind == net::Input::Kind::event) {
      if (!co_await on_event(s, in.event)) co_return;
      continue;
    }
    if (in.bytes.empty()) {
      // EOF, error or timeout (RFC 9051 §5.4 autologout).
      if (in.timed_out() && c.past_deadline())
        co_await c.write("* BYE no login in time\r\n");
      else if (in.timed_out())
        co_await c.write("* BYE autologout: idle for too long\r\n");
      co_return;
    }
    if (!co_await on_bytes(s, std::move(in.bytes))) co_return;
    c.request_read();
  }
}

}  // namespace

asio::awaitable<void> imap_session(asio::ip::tcp::socket socket, net::SessionEnv env, const Deps& deps) {
  return net::serve_connection(std::move(socket), std::move(env), "* BYE too many connections from your address\r\n",
                               [&deps](net::Connection& c, net::SessionEnv& e) { return run(c, e, deps); });
}

}  // namespace estafeta::imap
