#include "smtp/outbound.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <functional>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "core/log.hpp"
#include "net/offload.hpp"
#include "net/thread_wait.hpp"
#include "smtp/dsn.hpp"
#include "smtp/parser.hpp"
#include "smtp/reply.hpp"
#include "smtp/routing.hpp"

namespace estafeta::smtp {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(30);
constexpr auto kCommandTimeout = std::chrono::minutes(5);  // RFC 5321 §4.5.3.2
constexpr auto kDataTimeout = std::chrono::minutes(10);
// What is kept of a remote server's reply: lines are read up to 64 KiB each
// and 100 of them, but RFC 5321 §4.5.3.1.5 allows 512 octets a line; the
// joined text (EHLO keywords are looked up in it) and the last line (kept in
// the queue and quoted in bounces) are cut at these sizes.
constexpr std::size_t kMaxReplyText = 16384;
constexpr std::size_t kMaxReplyLine = 1000;

struct ServerReply {
  int code = 0;      // 0: no reply (connection trouble)
  std::string text;  // all lines, joined with " / "
  std::string line;  // "550 5.1.1 …": the last line as sent
};

// One SMTP client conversation over a plain or TLS stream.
class Client {
 public:
  Client(asio::any_io_executor ex, asio::ssl::context& tls) : m_tcp(ex), m_tls_ctx(tls) {}

  asio::awaitable<bool> connect(const Hop& hop) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(hop.ip, ec);
    if (ec) co_return false;
    m_tcp.expires_after(kConnectTimeout);
    auto [cec] = co_await m_tcp.async_connect(asio::ip::tcp::endpoint(addr, hop.port), as_tuple(use_awaitable));
    if (!cec) m_tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
    co_return !cec;
  }

  asio::awaitable<ServerReply> read_reply(std::chrono::seconds timeout) {
    ServerReply r;
    for (int lines = 0; lines < 100; ++lines) {
      m_tcp.expires_after(timeout);
      boost::system::error_code ec;
      std::size_t n = 0;
      if (m_ssl)
        std::tie(ec, n) =
            co_await asio::async_read_until(*m_ssl, asio::dynamic_buffer(m_in, 65536), "\r\n", as_tuple(use_awaitable));
      else
        std::tie(ec, n) =
            co_await asio::async_read_until(m_tcp, asio::dynamic_buffer(m_in, 65536), "\r\n", as_tuple(use_awaitable));
      if (ec) co_return ServerReply{};
      std::string line = m_in.substr(0, n - 2);
      m_in.erase(0, n);
      if (line.size() < 3) co_return ServerReply{};
      int code = std::atoi(line.substr(0, 3).c_str());
      if (code < 200 || code > 599) co_return ServerReply{};
      if (line.size() > kMaxReplyLine) line.resize(kMaxReplyLine);
      if (r.text.size() + line.size() + 3 <= kMaxReplyText) {
        if (!r.text.empty()) r.text += " / ";
        r.text += line;
      }
      r.line = line;
      r.code = code;
      if (line.size() == 3 || line[3] == ' ') co_return r;
    }
    co_return ServerReply{};
  }

  asio::awaitable<bool> send(
      std::string_view bytes,
      std::chrono::seconds timeout = std::chrono::duration_cast<std::chrono::seconds>(kCommandTimeout)) {
    m_tcp.expires_after(timeout);
    boost::system::error_code ec;
    if (m_ssl)
      std::tie(ec, std::ignore) = co_await asio::async_write(*m_ssl, asio::buffer(bytes), as_tuple(use_awaitable));
    else
      std::tie(ec, std::ignore) = co_await asio::async_write(m_tcp, asio::buffer(bytes), as_tuple(use_awaitable));
    co_return !ec;
  }

  // `line` must stay alive until the reply is read. g++ 12 mishandles
  // temporaries inside co_await expressions: callers pass named strings.
  asio::awaitable<ServerReply> command(std::string_view line) {
    std::string wire(line);
    wire += "\r\n";
    bool sent = co_await send(wire);
    if (!sent) co_return ServerReply{};
    auto reply = co_await read_reply(std::chrono::duration_cast<std::chrono::seconds>(kCommandTimeout));
    co_return reply;
  }

  // Opportunistic TLS: no certificate check (RFC 7435); a failed handshake
  // means the connection is unusable.
  asio::awaitable<bool> start_tls(const std::string& server_name) {
    m_ssl.emplace(m_tcp, m_tls_ctx);
    if (!server_name.empty()) SSL_set_tlsext_host_name(m_ssl->native_handle(), server_name.c_str());
    m_tcp.expires_after(std::chrono::seconds(30));
    auto [ec] = co_await m_ssl->async_handshake(asio::ssl::stream_base::client, as_tuple(use_awaitable));
    co_return !ec;
  }

  void close() {
    boost::system::error_code ignored;
    m_tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    m_tcp.close();
  }

 private:
  beast::tcp_stream m_tcp;
  asio::ssl::context& m_tls_ctx;
  std::optional<beast::ssl_stream<beast::tcp_stream&>> m_ssl;
  std::string m_in;
};

std::string dot_stuffed(std::string_view m) {
  std::string out;
  out.reserve(m.size() + 64);
  bool start = true;
  for (char c : m) {
    if (start && c == '.') out += '.';
    out += c;
    start = c == '\n';
  }
  if (!m.ends_with("\r\n")) out += "\r\n";
  out += ".\r\n";
  return out;
}

struct Outcome {
  int code = 0;       // the reply that decided this recipient (0: no answer)
  std::string reply;  // its text
  std::string host;   // who answered
  bool dsn = false;   // the next hop announced DSN: reports are its to send now (RFC 3461 §5.2.2)
};

// One delivery attempt of one message to one domain's recipients.
struct Group {
  std::vector<store::QueuedRecipient> recipients;
  std::string message;
};

asio::awaitable<std::vector<Outcome>> deliver_to(Client& c, const Hop& hop, const std::string& helo, const Group& g,
                                                 bool& usable) {
  std::vector<Outcome> out(g.recipients.size(), Outcome{0, "", hop.name});
  usable = false;
  auto fail_all = [&](const ServerReply& r, std::string why) {
    for (auto& o : out) {
      o.code = r.code;
      o.reply = r.code ? r.line : why;
    }
  };
  auto greeting = co_await c.read_reply(std::chrono::duration_cast<std::chrono::seconds>(kCommandTimeout));
  if (greeting.code != 220) {
    fail_all(greeting, "no greeting");
    co_return out;
  }
  const std::string ehlo_line = "EHLO " + helo, helo_line = "HELO " + helo;
  auto ehlo = co_await c.command(ehlo_line);
  bool esmtp = ehlo.code == 250;
  if (!esmtp) ehlo = co_await c.command(helo_line);
  if (ehlo.code != 250) {
    fail_all(ehlo, "no answer to EHLO");
    co_return out;
  }
  if (esmtp && ehlo.text.find("STARTTLS") != std::string::npos) {
    auto st = co_await c.command("STARTTLS");
    if (st.code == 220) {
      bool tls_ok = co_await c.start_tls(hop.name);
      if (!tls_ok) {
        fail_all({}, "TLS handshake failed");
        co_return out;
      }
      ehlo = co_await c.command(ehlo_line);
      if (ehlo.code != 250) {
        fail_all(ehlo, "no answer to EHLO after STARTTLS");
        co_return out;
      }
    }
  }
  usable = true;
  auto& first = g.recipients.front();
  // Envelope addresses as RFC 5321 §4.1.2 writes them: a local part that is
  // no Dot-string goes as a Quoted-string ("a b"@x, never a b@x).
  std::string mail = fmt::format("MAIL FROM:<{}>", format_envelope_address(first.sender));
  if (esmtp && ehlo.text.find("SIZE") != std::string::npos) mail += fmt::format(" SIZE={}", g.message.size());
  bool eight_bit =
      std::any_of(g.message.begin(), g.message.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; });
  if (eight_bit && ehlo.text.find("8BITMIME") != std::string::npos) mail += " BODY=8BITMIME";
  bool dsn = esmtp && ehlo.text.find("DSN") != std::string::npos;
  if (dsn) mail += dsn_mail_parameters(first.envid, first.ret_full);
  auto from = co_await c.command(mail);
  if (from.code / 100 != 2) {
    fail_all(from, "no answer to MAIL FROM");
    co_return out;
  }
  std::vector<std::size_t> accepted;
  for (std::size_t i = 0; i < g.recipients.size(); ++i) {
    auto& r = g.recipients[i];
    std::string rcpt_line = fmt::format("RCPT TO:<{}>", format_envelope_address(r.recipient));
    if (dsn)
      rcpt_line += dsn_rcpt_parameters(r.notify_never, r.notify_success, r.notify_failure, r.notify_delay, r.orcpt);
    auto rc = co_await c.command(rcpt_line);
    out[i].dsn = dsn;
    out[i].code = rc.code;
    out[i].reply = rc.code ? rc.line : "no answer to RCPT TO";
    if (rc.code / 100 == 2) accepted.push_back(i);
    if (rc.code == 0) co_return out;
  }
  if (accepted.empty()) {
    (void)co_await c.command("QUIT");
    co_return out;
  }
  auto data = co_await c.command("DATA");
  if (data.code != 354) {
    for (auto i : accepted) {
      out[i].code = data.code;
      out[i].reply = data.code ? data.line : "no answer to DATA";
    }
    co_return out;
  }
  ServerReply done;
  const std::string body = dot_stuffed(g.message);
  bool sent = co_await c.send(body, std::chrono::duration_cast<std::chrono::seconds>(kDataTimeout));
  if (sent) done = co_await c.read_reply(std::chrono::duration_cast<std::chrono::seconds>(kDataTimeout));
  for (auto i : accepted) {
    out[i].code = done.code;
    out[i].reply = done.code ? done.line : "no answer after the message data";
  }
  (void)co_await c.command("QUIT");
  co_return out;
}

std::int64_t next_retry(const QueueConfig& q, int attempts, std::int64_t now) {
  std::int64_t wait = q.first_retry_seconds;
  for (int i = 0; i < attempts && wait < 3600; ++i) wait *= 2;
  return now + std::min<std::int64_t>(wait, 3600);
}

// Sends the sender a report about some recipients of the group's message:
// a bounce (failed for good) or a delay warning. Only to a local sender,
// never for the null sender; delivered to its INBOX like any mail.
void report(const QueueDeps& s, const Group& g, std::vector<FailedRecipient> about, ReportAction action) {
  auto& first = g.recipients.front();
  if (about.empty() || first.sender.empty()) return;
  auto sender = s.accounts.find_address(first.sender);
  if (!sender) return;
  auto inbox = s.mailboxes.find_mailbox(sender->id, "INBOX");
  if (!inbox) return;
  auto now = s.clock.now();
  BounceInput b;
  b.reporting_mta = s.hostname;
  b.sender = first.sender;
  b.envid = first.envid;
  b.arrival = first.created;
  b.now = now;
  b.full_message = first.ret_full;
  b.original = g.message;
  b.failed = std::move(about);
  b.action = action;
  b.retry_until = first.created + static_cast<std::int64_t>(s.queue.max_age_hours) * 3600;
  auto bounce = make_bounce(b);
  store::TraceEntry t{.address_id = sender->id,
                      .queue_id = first.public_id,
                      .direction = store::TraceDirection::in,
                      .recipient = first.sender,
                      .status = store::TraceStatus::delivered,
                      .remote_host = s.hostname,
                      .reply = action == ReportAction::delayed ? "delay notification" : "delivery status notification",
                      .time = now};
  if (auto r = s.deliverer.accept(bounce, {{inbox->ref(), 0, {}, now}}, std::nullopt, {t}); !r)
    log::error("queue.bounce_failed", {{"detail", r.error().detail}});
}

// Records outcomes, writes the trace, sends bounces for final failures and,
// once per recipient, a delay warning for one still not delivered after
// [queue] delay_warning_seconds (RFC 3461 NOTIFY=DELAY, the default).
void settle(const QueueDeps& s, const Group& g, const std::vector<Outcome>& outcomes) {
  auto now = s.clock.now();
  auto& q = s.queue;
  std::vector<FailedRecipient> failed, delayed, relayed;
  for (std::size_t i = 0; i < g.recipients.size(); ++i) {
    auto& r = g.recipients[i];
    auto& o = outcomes[i];
    bool expired = now - r.created > static_cast<std::int64_t>(q.max_age_hours) * 3600;
    store::RecipientState state = store::RecipientState::pending;
    auto status = store::TraceStatus::deferred;
    if (o.code / 100 == 2) {
      state = store::RecipientState::delivered;
      status = store::TraceStatus::delivered;
      // NOTIFY=SUCCESS through a system that sends no reports: the last
      // one is ours (RFC 3461 §5.2.2 (b)).
      if (r.notify_success && !r.notify_never && !o.dsn)
        relayed.push_back({r.recipient, r.orcpt, "2.0.0", o.host, o.reply});
    } else if (o.code / 100 == 5 || expired) {
      state = store::RecipientState::failed;
      status = store::TraceStatus::bounced;
      if (!r.notify_never && r.notify_failure)
        failed.push_back(
            {r.recipient, r.orcpt, expired && o.code / 100 != 5 ? "4.4.7" : status_of(o.reply), o.host,
             expired && o.code / 100 != 5 ? "the message could not be delivered in time: " + o.reply : o.reply});
    } else if (q.delay_warning_seconds > 0 && now - r.created >= static_cast<std::int64_t>(q.delay_warning_seconds) &&
               !r.delay_warned) {
      if (!r.notify_never && r.notify_delay) {
        auto code = status_of(o.reply);
        delayed.push_back({r.recipient, r.orcpt, code.starts_with('4') ? code : "4.4.1", o.host, o.reply});
      }
      if (auto st = s.outbound.mark_delay_warned(r.id); !st)
        log::error("queue.record_failed", {{"detail", st.error().detail}});
    }
    if (auto st = s.outbound.record_attempt(r.id, state, next_retry(q, r.attempts, now), o.reply, o.host); !st)
      log::error("queue.record_failed", {{"detail", st.error().detail}});
    if (r.sender_address_id)
      (void)s.outbound.append_trace({.address_id = r.sender_address_id,
                                     .queue_id = r.public_id,
                                     .direction = store::TraceDirection::out,
                                     .sender = r.sender,
                                     .recipient = r.recipient,
                                     .status = status,
                                     .remote_host = o.host,
                                     .reply = o.reply,
                                     .time = now});
    log::info("queue.attempt", {{"queue", r.queue_id},
                                {"to", r.recipient},
                                {"status", store::to_string(status)},
                                {"host", o.host},
                                {"reply", o.reply}});
  }
  report(s, g, std::move(failed), ReportAction::failed);
  report(s, g, std::move(delayed), ReportAction::delayed);
  report(s, g, std::move(relayed), ReportAction::relayed);
}

// The queue's bookkeeping, shared by its deliveries. Used on the queue's
// strand only; each delivery holds it, so it outlives them all.
struct QueueState {
  QueueState(const QueueDeps& s, net::WorkerPool& w) : deps(s), workers(w) {
    tls.set_verify_mode(asio::ssl::verify_none);  // opportunistic (RFC 7435)
  }
  const QueueDeps& deps;
  net::WorkerPool& workers;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::set<store::Id> in_flight;  // recipients under delivery: later rounds leave them alone
  unsigned running = 0;           // deliveries under way
};

// Deliveries (one message to one domain) under way at once: a slow domain
// (silent DNS, a tarpit MX) holds only its own.
constexpr unsigned kMaxDeliveries = 16;

// Gives a delivery's recipients back to the queue however it ends.
struct Release {
  std::shared_ptr<QueueState> q;
  std::vector<store::Id> ids;
  ~Release() {
    for (auto id : ids) q->in_flight.erase(id);
    --q->running;
  }
};

// Where mail for `domain` goes: a static route at once; otherwise the MX
// lookups, on the route runner's threads (not the worker pool: DNS may
// never answer), bounded by [dns] route_timeout_seconds.
asio::awaitable<Result<std::vector<Hop>>> find_route(const QueueDeps& deps, std::string domain) {
  using Found = Result<std::vector<Hop>>;
  if (auto hops = static_route(deps.routes, domain)) co_return std::move(*hops);
  auto& runner = deps.route_lookups;
  std::chrono::steady_clock::duration timeout = runner.options().timeout + std::chrono::milliseconds(500);
  auto submit = [&runner, &domain](std::function<void(Found)> deliver) {
    return runner.submit(domain, [domain, deliver](dns::Resolver* resolver) {
      if (!resolver)
        deliver(fail(ErrorKind::temporary, fmt::format("DNS lookups for {} took too long", domain)));
      else
        deliver(mx_route(*resolver, domain));
    });
  };
  auto waited = co_await net::wait_for_thread<Found>(timeout, std::move(submit));
  using End = net::ThreadResult<Found>::End;
  if (waited.end == End::done) co_return std::move(*waited.value);
  if (waited.end == End::refused) co_return fail(ErrorKind::temporary, "too many DNS lookups waiting");
  co_return fail(ErrorKind::temporary, fmt::format("DNS lookups for {} took too long", domain));
}

// One delivery attempt of `group` (one message, one domain), then its outcomes recorded.
asio::awaitable<void> deliver_group(std::shared_ptr<QueueState> q, Group group, std::string domain) {
  Release release{q, {}};
  for (auto& r : group.recipients) release.ids.push_back(r.id);
  auto& deps = q->deps;
  auto& workers = q->workers;
  auto hash = group.recipients.front().blob_hash;
  auto bytes = co_await net::offload(workers, [&] { return deps.blobs.get(hash); });
  if (!bytes) {
    log::error("queue.blob_missing", {{"queue", group.recipients.front().queue_id}, {"detail", bytes.error().detail}});
    co_return;
  }
  group.message = std::move(*bytes);
  auto hops = co_await find_route(deps, domain);
  std::vector<Outcome> outcomes(group.recipients.size());
  if (!hops) {
    auto [code, reply] = route_failure(hops.error());
    for (auto& o : outcomes) o = {code, reply, ""};
  } else {
    auto ex = co_await asio::this_coro::executor;
    for (auto& hop : *hops) {
      Client client(ex, q->tls);
      if (!co_await client.connect(hop)) {
        for (auto& o : outcomes) o = {0, fmt::format("cannot connect to {} port {}", hop.name, hop.port), hop.name};
        continue;
      }
      bool usable = false;
      outcomes = co_await deliver_to(client, hop, deps.hostname, group, usable);
      client.close();
      // Another host is worth trying only when this one could not take part (RFC 5321 §5.1).
      bool any_final =
          std::any_of(outcomes.begin(), outcomes.end(), [](auto& o) { return o.code / 100 == 2 || o.code / 100 == 5; });
      if (usable || any_final) break;
    }
  }
  co_await net::offload(workers, [&] {
    settle(deps, group, outcomes);
    return 0;
  });
}

}  // namespace

asio::awaitable<void> run_queue(const QueueDeps& deps, net::WorkerPool& workers, const std::atomic<bool>& stopping) {
  auto ex = co_await asio::this_coro::executor;
  auto q = std::make_shared<QueueState>(deps, workers);
  asio::steady_timer timer(ex);
  while (!stopping) {
    timer.expires_after(std::chrono::milliseconds(500));
    co_await timer.async_wait(as_tuple(use_awaitable));
    if (stopping) co_return;
    if (q->running >= kMaxDeliveries) continue;
    // Recipients under delivery are still due until their attempt is
    // recorded: ask for enough beyond them.
    auto limit = 200 + q->in_flight.size();
    auto due = co_await net::offload(workers, [&] { return deps.outbound.due_recipients(deps.clock.now(), limit); });
    if (!due) {
      log::warn("queue.read_failed", {{"detail", due.error().detail}});
      continue;
    }
    // One SMTP transaction per message and domain.
    std::map<std::pair<store::Id, std::string>, Group> groups;
    for (auto& r : *due)
      if (!q->in_flight.contains(r.id)) groups[{r.queue_id, r.domain}].recipients.push_back(r);
    for (auto& [key, group] : groups) {
      if (stopping || q->running >= kMaxDeliveries) break;
      for (auto& r : group.recipients) q->in_flight.insert(r.id);
      ++q->running;
      asio::co_spawn(ex, deliver_group(q, std::move(group), key.second), asio::detached);
    }
  }
}

}  // namespace estafeta::smtp
