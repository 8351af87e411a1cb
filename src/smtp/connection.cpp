// One SMTP connection on a net::Connection: command lines (pipelined replies
// in order), DATA through a DataReader, BDAT chunks read raw, STARTTLS,
// AUTH continuations. Timeouts per RFC 5321 §4.5.3.2: 5 minutes for a
// command, 10 minutes for data; commands run on the worker pool, SPF checks
// on the SPF runner's threads (never the pool: DNS may be slow). On the MX
// the SPF check starts as soon as MAIL has named the sender (RFC 7208 §2.4),
// so its lookups overlap the RCPT and DATA round trips instead of following
// the message.
//
// Deadlines that no trickle of bytes moves ([limits]): submission (587,
// 465) must log in (RFC 4954 AUTH) within login_timeout_seconds of the
// connection, as IMAP and POP3; after that only the timeouts above apply.
// The MX (25) has no login: its command phase (from the greeting or the end
// of a message until DATA or the first BDAT) has mx_command_deadline_seconds
// in all, and the message data mx_data_deadline_seconds, longer at
// mx_data_min_rate (net/pace.hpp). Past a deadline: 421 4.4.2, then close.
//
// Security: bytes pipelined after STARTTLS are dropped (they came in clear);
// a revoked device ends an authenticated submission session at once. Every
// buffer is bounded before it is filled: command lines by RFC 5321
// §4.5.3.1.4 (AUTH lines by RFC 4954 §4), DATA by the DataReader's limits,
// a BDAT chunk by the size the session accepted for it (the message limit
// less what came before); a refused chunk is read and dropped.
#include "smtp/connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "auth/throttle.hpp"
#include "core/log.hpp"
#include "net/connection.hpp"
#include "net/line_framer.hpp"
#include "net/offload.hpp"
#include "net/pace.hpp"
#include "smtp/parser.hpp"
#include "smtp/reply.hpp"
#include "smtp/session.hpp"
#include "smtp/spf_wait.hpp"

namespace estafeta::smtp {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxAuthLine = 12288;  // RFC 4954 §4: 12288 octets for an AUTH response

enum class Mode { command, data, bdat };

// An SPF check started early, and its verdict once it is in. Shared with
// the coroutine that runs it, which may outlive the connection.
struct EarlySpf {
  explicit EarlySpf(const asio::any_io_executor& ex, dns::SpfJob j) : job(std::move(j)), done(ex) {
    done.expires_at(asio::steady_timer::time_point::max());
  }
  dns::SpfJob job;
  std::optional<std::optional<dns::SpfResult>> verdict;  // outer: finished; inner: as await_spf
  asio::steady_timer done;                               // cancelled when the verdict is in
};

bool same_identity(const dns::SpfJob& a, const dns::SpfJob& b) {
  return a.client_ip == b.client_ip && a.mail_from == b.mail_from && a.helo == b.helo;
}

asio::awaitable<void> run_early_spf(dns::SpfRunner& runner, std::shared_ptr<EarlySpf> early) {
  early->verdict = co_await await_spf(runner, early->job);
  early->done.cancel();
}

// The per-connection state; its member coroutines take no lambda captures
// (coroutine lambdas with captures are unsafe, notes/cpp-stack.md).
class Driver {
 public:
  Driver(net::Connection& c, net::SessionEnv& env, const Deps& deps, const SessionOptions& options)
      : m_c(c),
        m_env(env),
        m_deps(deps),
        m_session(deps, options),
        m_limits(deps.limits),
        m_mx(options.role == Role::mx) {}

  asio::awaitable<void> run();

 private:
  asio::awaitable<bool> handle(Reply reply);
  // Runs the SPF check the session still needs (Session::spf_job), if any,
  // and hands it the verdict.
  asio::awaitable<void> supply_spf();
  // MX: starts the check of a transaction that has a sender now.
  void start_spf(const asio::any_io_executor& strand);
  // After Next::message_auth: runs the waiting message's DKIM and DMARC
  // checks on the DNS threads and returns the session's real reply.
  asio::awaitable<Reply> finish_message(Reply reply);
  // One command line, with the SPF check between two tries when RCPT asks for it.
  asio::awaitable<Reply> run_command(const std::string& line);
  void set_timeout(std::chrono::seconds t) { m_c.set_read_timeout(t); }
  // The MX's phase deadlines (see the top of the file).
  void start_command_phase();
  void start_data_phase();
  void data_arrived(std::size_t n);
  // Submission: the login deadline ends once a login succeeded.
  void note_login();

  enum class Phase { command, data };

  net::Connection& m_c;
  net::SessionEnv& m_env;
  const Deps& m_deps;
  Session m_session;
  net::LineFramer m_in;  // bytes received and not yet used: command lines, DATA and BDAT octets
  Mode m_mode = Mode::command;
  bool m_in_auth = false;
  std::optional<DataReader> m_data;
  std::uint64_t m_bdat_left = 0;
  bool m_bdat_last = false;
  bool m_bdat_discard = false;  // the chunk was refused: drop its octets, then send m_bdat_reply
  std::string m_bdat_reply;
  std::string m_chunk;  // at most the accepted chunk size
  const LimitsConfig& m_limits;
  const bool m_mx;
  bool m_logged_in = false;
  Phase m_phase = Phase::command;
  net::SteadyTime m_data_start;
  std::uint64_t m_data_bytes = 0;  // received in this data phase (for the minimum rate)
  std::shared_ptr<EarlySpf> m_early_spf;
  auth::LiveSessions::Registration m_live;  // in the user's session list while logged in (submission)
  bool m_live_registered = false;           // the check started at MAIL, until supply_spf takes its verdict
};

void Driver::start_command_phase() {
  m_phase = Phase::command;
  if (m_mx)
    m_c.set_deadline(std::chrono::steady_clock::now() + std::chrono::seconds(m_limits.mx_command_deadline_seconds));
}

void Driver::start_data_phase() {
  if (!m_mx || m_phase == Phase::data) return;  // BDAT: one phase for all the chunks of a message
  m_phase = Phase::data;
  m_data_start = std::chrono::steady_clock::now();
  m_data_bytes = 0;
  data_arrived(0);
}

void Driver::data_arrived(std::size_t n) {
  if (!m_mx || m_phase != Phase::data) return;
  // What counts towards the rate is bounded by what a message may be (and
  // a little for BDAT command lines): the phase ends by
  // max(mx_data_deadline_seconds, max_message_size / mx_data_min_rate) at the latest.
  auto cap = m_session.max_message_size() + 64 * 1024;
  m_data_bytes = std::min<std::uint64_t>(cap, m_data_bytes + n);
  m_c.set_deadline(net::paced_deadline(m_data_start, std::chrono::seconds(m_limits.mx_data_deadline_seconds),
                                       m_data_bytes, m_limits.mx_data_min_rate));
}

void Driver::note_login() {
  if (m_mx || m_logged_in || !m_session.address_id()) return;
  m_logged_in = true;
  m_c.set_deadline(std::nullopt);  // RFC 4954 AUTH done: the idle timeouts alone from now on
}

void Driver::start_spf(const asio::any_io_executor& strand) {
  if (!m_deps.spf) return;
  auto job = m_session.spf_job();
  if (!job || (m_early_spf && same_identity(m_early_spf->job, *job))) return;
  // A check for an earlier sender of this connection still running is left
  // to finish on its own (the runner bounds the checks per client).
  m_early_spf = std::make_shared<EarlySpf>(strand, std::move(*job));
  asio::co_spawn(strand, run_early_spf(*m_deps.spf, m_early_spf), asio::detached);
}

asio::awaitable<void> Driver::supply_spf() {
  auto job = m_session.spf_job();
  if (!job || !m_deps.spf) co_return;
  std::optional<dns::SpfResult> verdict;
  if (auto early = std::exchange(m_early_spf, nullptr); early && same_identity(early->job, *job)) {
    while (!early->verdict) co_await early->done.async_wait(asio::as_tuple(asio::use_awaitable));
    verdict = std::move(*early->verdict);
  } else {
    verdict = co_await await_spf(*m_deps.spf, std::move(*job));
  }
  m_session.set_spf(std::move(verdict));
}

asio::awaitable<Reply> Driver::finish_message(Reply r) {
  if (r.next != Reply::Next::message_auth) co_return r;
  std::optional<MessageAuth> result;
  if (auto job = m_session.message_auth_job(); job && m_deps.auth_lookups)
    result = co_await await_message_auth(*m_deps.auth_lookups, auth::peer_group(m_env.peer_ip), std::move(*job));
  m_session.set_message_auth(std::move(result));
  co_return co_await net::offload(*m_env.workers, [this] { return m_session.resume_message(); });
}

asio::awaitable<Reply> Driver::run_command(const std::string& line) {
  auto& workers = *m_env.workers;
  if (!m_session.may_block(line)) co_return m_session.command(line);
  auto r = co_await net::offload(workers, [this, &line] { return m_session.command(line); });
  if (r.next != Reply::Next::spf) co_return r;
  co_await supply_spf();
  r = co_await net::offload(workers, [this, &line] { return m_session.command(line); });
  if (r.next == Reply::Next::spf) r = spf_unavailable();  // cannot happen: the verdict is in
  co_return r;
}

// Runs one reply's consequences; false: the session ends.
asio::awaitable<bool> Driver::handle(Reply reply) {
  if (reply.delay.count() > 0) {
    asio::steady_timer t(co_await asio::this_coro::executor, reply.delay);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  if (reply.next == Reply::Next::bdat && reply.bdat_discard) {
    m_bdat_reply = std::move(reply.out);  // answered once the chunk's octets are dropped
  } else if (!co_await m_c.write(reply.out)) {
    co_return false;
  }
  if (auto id = m_session.address_id()) {
    m_c.follow(m_deps.bus, *id);
    if (m_deps.live && !m_live_registered) {
      m_live =
          m_deps.live->add(auth::live_info(*m_session.who(), "smtp", m_env.peer_ip, m_deps.clock.now()), m_c.ender());
      m_live_registered = true;
    }
  }
  note_login();
  start_spf(co_await asio::this_coro::executor);
  m_in_auth = reply.next == Reply::Next::auth;
  switch (reply.next) {
    case Reply::Next::close: co_return false;
    case Reply::Next::data:
      m_mode = Mode::data;
      m_data.emplace(m_session.max_message_size(), kMaxDataLine, m_session.message_budget());
      set_timeout(std::chrono::seconds(m_limits.smtp_data_idle_seconds));
      start_data_phase();
      break;
    case Reply::Next::bdat:
      start_data_phase();
      m_mode = Mode::bdat;
      m_bdat_left = reply.bdat_size;
      m_bdat_last = reply.bdat_last;
      m_bdat_discard = reply.bdat_discard;
      m_chunk.clear();
      set_timeout(std::chrono::seconds(m_limits.smtp_data_idle_seconds));
      break;
    case Reply::Next::start_tls:
      m_in.clear();  // pipelined in clear: dropped
      if (!co_await m_c.start_tls()) co_return false;
      m_session.tls_started();
      if (m_logged_in) {
        // The login made in clear is forgotten (RFC 3207 §4.2): the client
        // logs in again, within the login deadline.
        m_logged_in = false;
        m_live = {};
        m_live_registered = false;
        m_c.set_deadline(std::chrono::steady_clock::now() + net::login_deadline(m_env));
      }
      break;
    default: break;
  }
  co_return true;
}

asio::awaitable<void> Driver::run() {
  auto& workers = *m_env.workers;
  set_timeout(std::chrono::seconds(m_limits.smtp_command_idle_seconds));
  if (!m_mx) m_c.set_deadline(m_c.accepted_at() + net::login_deadline(m_env));
  start_command_phase();
  if (!co_await m_c.write(m_session.greeting())) co_return;
  m_c.request_read();
  for (;;) {
    auto in = co_await m_c.next();
    if (in.kind == net::Input::Kind::closed) {
      // The server is shutting down: RFC 5321 §3.8 asks for a 421 first.
      // (The shutdown cancelled this coroutine; the write, bounded by the
      // write limits, must not be.)
      co_await asio::this_coro::reset_cancellation_state();
      co_await m_c.write(reply(421, "4.3.2", m_deps.hostname + " shutting down"));
      co_return;
    }
    if (in.kind == net::Input::Kind::event) {
      if (auto why = m_session.ended_by(in.event)) {
        co_await m_c.write(reply(421, "4.7.0", *why));
        log::info("smtp.session_ended", {{"ip", m_env.peer_ip}, {"reason", *why}});
        co_return;
      }
      continue;
    }
    if (in.bytes.empty()) {
      // RFC 5321 §4.2: 421 <domain>, closing the transmission channel.
      if (in.timed_out()) {
        co_await m_c.write(reply(421, "4.4.2", m_deps.hostname + " timeout"));
        if (m_c.past_deadline())
          log::info("smtp.deadline", {{"ip", m_env.peer_ip},
                                      {"phase", !m_mx                    ? "login"
                                                : m_phase == Phase::data ? "data"
                                                                         : "command"}});
      }
      co_return;
    }
    data_arrived(in.bytes.size());
    m_in.append(in.bytes);
    for (bool progress = true; progress;) {
      progress = false;
      if (m_mode == Mode::data) {
        auto& pending = m_in.pending();
        std::string_view view = pending;
        auto status = m_data->feed(view);
        pending.erase(0, pending.size() - view.size());
        if (status == DataReader::Status::need_more) break;
        if (m_data->problem() == DataReader::Problem::none) co_await supply_spf();
        auto r = co_await net::offload(workers, [this] { return m_session.finish_data(*m_data); });
        r = co_await finish_message(std::move(r));
        m_data.reset();
        m_mode = Mode::command;
        set_timeout(std::chrono::seconds(m_limits.smtp_command_idle_seconds));
        start_command_phase();
        if (!co_await handle(std::move(r))) co_return;
        progress = true;
        continue;
      }
      if (m_mode == Mode::bdat) {
        auto& pending = m_in.pending();
        auto take = static_cast<std::size_t>(std::min<std::uint64_t>(m_bdat_left, pending.size()));
        if (!m_bdat_discard) m_chunk.append(pending, 0, take);  // bounded: the session accepted this size
        pending.erase(0, take);
        m_bdat_left -= take;
        if (m_bdat_left > 0) break;
        Reply r;
        if (m_bdat_discard) {
          r.out = std::move(m_bdat_reply);
        } else {
          if (m_bdat_last) co_await supply_spf();
          r = co_await net::offload(workers, [this] { return m_session.bdat_chunk(std::move(m_chunk), m_bdat_last); });
          r = co_await finish_message(std::move(r));
        }
        m_chunk.clear();
        m_chunk.shrink_to_fit();
        m_bdat_discard = false;
        m_mode = Mode::command;
        set_timeout(std::chrono::seconds(m_limits.smtp_command_idle_seconds));
        if (m_bdat_last) start_command_phase();  // the message is complete (or refused)
        if (!co_await handle(std::move(r))) co_return;
        progress = true;
        continue;
      }
      // A line past the limit is dropped as it comes (the framer holds at
      // most the limit) and answered once its end arrives, in order.
      auto line = m_in.next(m_in_auth ? kMaxAuthLine : kMaxCommandLine);
      if (!line) break;
      Reply r;
      if (line->too_long)
        r = m_session.line_too_long();
      else
        r = co_await run_command(line->text);
      if (!co_await handle(std::move(r))) co_return;
      progress = true;
    }
    m_c.request_read();
  }
}

SessionOptions options_for(const net::Connection& c, const net::SessionEnv& env, const Deps& deps) {
  SessionOptions o;
  o.role = env.listener->protocol == Protocol::smtp ? Role::mx : Role::submission;
  o.hostname = deps.hostname;
  o.peer_ip = env.peer_ip;
  o.tls_active = c.tls();
  o.starttls_available = !c.tls() && env.tls != nullptr;
  o.plaintext_auth = env.listener->plaintext_auth;
  o.max_message_size = deps.limits.max_message_size;
  o.spf_by_transport = deps.spf != nullptr;
  o.message_auth_by_transport = deps.auth_lookups != nullptr;
  return o;
}

asio::awaitable<void> run(net::Connection& c, net::SessionEnv& env, const Deps& deps) {
  Driver driver(c, env, deps, options_for(c, env, deps));
  co_await driver.run();
}

}  // namespace

asio::awaitable<void> smtp_session(asio::ip::tcp::socket socket, net::SessionEnv env, const Deps& deps) {
  return net::serve_connection(std::move(socket), std::move(env),
                               "421 4.7.0 too many connections from your address\r\n",
                               [&deps](net::Connection& c, net::SessionEnv& e) { return run(c, e, deps); });
}

}  // namespace estafeta::smtp
