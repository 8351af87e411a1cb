#include "web/jmap_push.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "jmap/json_input.hpp"
#include "net/offload.hpp"
#include "web/api/http_json.hpp"
#include "web/jmap_http.hpp"

namespace estafeta::web {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using nlohmann::json;

namespace {

constexpr auto kCoalesce = std::chrono::milliseconds(10);
constexpr auto kWriteTimeout = std::chrono::seconds(30);
constexpr int kMaxPing = 600;
constexpr std::size_t kMaxQueued = 64 * 1024 * 1024;  // answers waiting for a WebSocket client to read them
constexpr int kDefaultRecheck = 300;                  // seconds: credentials checked again this often without a ping

// Wakes a push loop from the bus (any thread), on the loop's strand.
struct Waker : std::enable_shared_from_this<Waker> {
  explicit Waker(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  std::atomic<bool> changed{false}, recheck{false}, ended{false};
  void poke() {
    asio::post(timer.get_executor(), [self = shared_from_this()] { self->timer.cancel(); });
  }
  bool pending() const { return changed || recheck || ended; }
};

EventBus::Subscription follow(JmapHttp& jm, const JmapHttp::Caller& caller, const std::shared_ptr<Waker>& waker) {
  if (!jm.bus()) return {};
  std::vector<std::int64_t> addresses;
  for (auto& a : caller.principal.accounts) addresses.push_back(a.address.id);
  // The events of the caller's addresses, and the service-wide ones: a
  // revocation elsewhere cannot concern it.
  return jm.bus()->subscribe(std::move(addresses), [weak = std::weak_ptr<Waker>(waker)](const Event& e) {
    auto w = weak.lock();
    if (!w) return;
    switch (e.kind) {
      case EventKind::device_revoked:
      case EventKind::access_revoked:
      case EventKind::service_locked: w->recheck = true; break;
      case EventKind::connection_ended: return;  // for one mail connection; ours come through LiveSessions
      default: w->changed = true;
    }
    w->poke();
  });
}

// Listed in the user's session list when it is a device login; ending it
// there ends the stream.
auth::LiveSessions::Registration list_live(JmapHttp& jm, const JmapHttp::Caller& caller, const char* protocol,
                                           const std::shared_ptr<Waker>& waker) {
  if (!jm.live() || !caller.device) return {};
  auto& d = *caller.device;
  auth::LiveSessions::Info info{.user_id = d.user.id,
                                .address = d.address.address,
                                .device_id = d.device.id,
                                .device_label = d.device.label,
                                .protocol = protocol,
                                .ip = caller.principal.ip,
                                .since = static_cast<std::int64_t>(std::time(nullptr))};
  return jm.live()->add(info, [weak = std::weak_ptr<Waker>(waker)] {
    if (auto w = weak.lock()) {
      w->ended = true;
      w->poke();
    }
  });
}

template <class Stream>
asio::awaitable<bool> write_all(Stream& stream, beast::tcp_stream& tcp, std::string text) {
  tcp.expires_after(kWriteTimeout);
  auto [ec, n] = co_await asio::async_write(stream, asio::buffer(text), asio::as_tuple(asio::use_awaitable));
  tcp.expires_never();
  co_return !ec;
}

std::string http_refusal(const Response& r) {
  return fmt::format(
      "HTTP/1.1 {} Refused\r\nServer: Estafeta\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}"
      "Connection: close\r\n\r\n{}",
      r.status, r.content_type, r.body.size(),
      r.headers.contains("www-authenticate") ? "WWW-Authenticate: " + r.headers.at("www-authenticate") + "\r\n"
                                             : std::string(),
      r.body);
}

std::vector<std::string> split_types(std::string_view v) {
  std::vector<std::string> out;
  while (!v.empty()) {
    auto comma = v.find(',');
    auto item = v.substr(0, comma);
    if (!item.empty()) out.emplace_back(item);
    v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
  }
  return out;
}

std::string trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// A stream serves the accounts it was opened with, and only while they
// hold: a revoked access, a locked service or lowered rights end it (the
// client opens another with its new session), and a WebSocket answers a
// request only after checking them again. Blocking: from the pool.
bool same_accounts(const jmap::Principal& a, const jmap::Principal& b) {
  return std::ranges::equal(a.accounts, b.accounts, [](const jmap::Account& x, const jmap::Account& y) {
    return x.address.id == y.address.id && x.access.id == y.access.id &&
           x.access.may_change_special_folders == y.access.may_change_special_folders;
  });
}

bool still_serves(JmapHttp& jm, const Request& request, const JmapHttp::Caller& opened) {
  Response ignored;
  auto now = jm.authenticate(request, ignored);
  return now && same_accounts(now->principal, opened.principal);
}

// The accounts whose states differ between two snapshots.
json changed_between(const json& before, const json& now) {
  json out = json::object();
  for (auto& [account, types] : now.items())
    if (!before.contains(account) || before[account] != types) out[account] = types;
  return out;
}

// Waits for the bus, a deadline, or an end; true when the stream goes on.
// `recheck` re-runs the caller's authentication on the pool.
asio::awaitable<void> wait(Waker& w, std::chrono::steady_clock::time_point until) {
  if (w.pending()) co_return;
  w.timer.expires_at(until);
  co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

// One JMAP WebSocket (RFC 8887): the reader answers requests and push
// settings; a pusher sends StateChanges; writes go one at a time through
// the outbox (both run on the session's strand).
template <class Stream>
class WsSession {
 public:
  WsSession(Stream& stream, beast::tcp_stream& tcp, const Request& request, JmapHttp& jm, net::WorkerPool& pool,
            JmapHttp::Caller caller)
      : m_ws(stream), m_tcp(tcp), m_request(request), m_jm(jm), m_pool(pool), m_caller(std::move(caller)) {}

  asio::awaitable<void> run(http::request<http::string_body> upgrade) {
    m_tcp.expires_never();
    m_ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    m_ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "Estafeta");
      res.set(http::field::sec_websocket_protocol, "jmap");
    }));
    m_ws.read_message_max(m_jm.deps().limits.max_size_request);
    auto [aec] = co_await m_ws.async_accept(upgrade, asio::as_tuple(asio::use_awaitable));
    if (aec) co_return;
    auto executor = co_await asio::this_coro::executor;
    m_waker = std::make_shared<Waker>(executor);
    m_pusher_gone.emplace(executor, std::chrono::steady_clock::time_point::max());
    auto subscription = follow(m_jm, m_caller, m_waker);
    auto listed = list_live(m_jm, m_caller, "jmap-websocket", m_waker);
    asio::co_spawn(executor, push_loop(), asio::detached);
    co_await read_loop();
    m_closed = true;
    m_waker->ended = true;
    m_waker->poke();
    // The pusher uses this object: it must be gone before it is.
    while (!m_pusher_done) co_await m_pusher_gone->async_wait(asio::as_tuple(asio::use_awaitable));
  }

 private:
  asio::awaitable<void> send(std::string text) {
    // A client that sends requests and does not read the answers is cut
    // off, not queued for without end; a write it stalls ends it too.
    if (!m_outbox.empty() && m_queued + text.size() > kMaxQueued) {
      m_closed = true;
      m_tcp.close();
      co_return;
    }
    m_queued += text.size();
    m_outbox.push_back(std::move(text));
    if (m_writing) co_return;
    m_writing = true;
    while (!m_outbox.empty() && !m_closed) {
      auto next = std::move(m_outbox.front());
      m_outbox.pop_front();
      m_ws.text(true);
      m_tcp.expires_after(kWriteTimeout);
      auto [ec, n] = co_await m_ws.async_write(asio::buffer(next), asio::as_tuple(asio::use_awaitable));
      m_tcp.expires_never();
      m_queued -= next.size();
      if (ec) m_closed = true;
    }
    m_writing = false;
  }

  asio::awaitable<void> read_loop() {
    beast::flat_buffer buffer;
    while (!m_closed) {
      buffer.clear();
      auto [ec, n] = co_await m_ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      std::string text = beast::buffers_to_string(buffer.data());
      bool too_deep = false;
      auto message = jmap::parse_json_input(text, too_deep);
      std::string type = message.is_object() && message.contains("@type") && message["@type"].is_string()
                             ? message["@type"].get<std::string>()
                             : "";
      if (type == "Request") {
        auto answer = co_await net::offload(m_pool, [&]() -> std::optional<std::string> {
          if (!still_serves(m_jm, m_request, m_caller)) return std::nullopt;
          return m_jm.websocket_request(m_caller, text, message.value("id", json(nullptr)));
        });
        if (!answer) {
          co_await close_as_policy();
          co_return;
        }
        co_await send(std::move(*answer));
      } else if (type == "WebSocketPushEnable") {
        m_push = true;
        m_types.clear();
        if (message.contains("dataTypes") && message["dataTypes"].is_array())
          for (auto& t : message["dataTypes"])
            if (t.is_string()) m_types.push_back(t.get<std::string>());
        auto states = co_await net::offload(m_pool, [&] { return m_jm.states(m_caller.principal, m_types); });
        // With the pushState it last saw, a client hears at once of what it missed.
        bool behind = message.contains("pushState") && message["pushState"] != states.id;
        m_sent = behind ? json::object() : states.changed;
        if (behind) {
          m_waker->changed = true;
          m_waker->poke();
        }
      } else if (type == "WebSocketPushDisable") {
        m_push = false;
      } else {
        // RFC 8887 §4.3.4 with RFC 8620 §3.6.1: not JSON at all, or not a known object.
        bool not_json = message.is_discarded() || too_deep;
        json error = {
            {"@type", "RequestError"},
            {"type", not_json ? "urn:ietf:params:jmap:error:notJSON" : "urn:ietf:params:jmap:error:notRequest"},
            {"status", 400},
            {"detail", not_json ? "the message is not valid JSON"
                                : "expected a Request, WebSocketPushEnable or WebSocketPushDisable object"}};
        if (message.is_object() && message.contains("id")) error["requestId"] = message["id"];
        co_await send(error.dump());
      }
    }
  }

  asio::awaitable<void> push_loop() {
    auto next_check = std::chrono::steady_clock::now() + std::chrono::seconds(kDefaultRecheck);
    while (!m_closed) {
      co_await wait(*m_waker, next_check);
      if (m_closed || m_waker->ended) break;
      bool due = std::chrono::steady_clock::now() >= next_check;
      if (m_waker->recheck.exchange(false) || due) {
        if (!co_await net::offload(m_pool, [&] { return still_serves(m_jm, m_request, m_caller); })) break;
        next_check = std::chrono::steady_clock::now() + std::chrono::seconds(kDefaultRecheck);
      }
      if (m_waker->changed.exchange(false) && m_push) {
        asio::steady_timer settle(co_await asio::this_coro::executor, kCoalesce);
        co_await settle.async_wait(asio::as_tuple(asio::use_awaitable));
        m_waker->changed = false;
        auto states = co_await net::offload(m_pool, [&] { return m_jm.states(m_caller.principal, m_types); });
        auto changed = changed_between(m_sent, states.changed);
        if (!changed.empty()) {
          m_sent = states.changed;
          // Built outside the co_await: GCC 12 cannot put this initializer in a coroutine frame.
          std::string text = json{{"@type", "StateChange"}, {"changed", changed}, {"pushState", states.id}}.dump();
          co_await send(std::move(text));
        }
      }
    }
    // Ended from outside (revoked, ended from the session list): close,
    // which also ends the reader's wait.
    co_await close_as_policy();
    m_pusher_done = true;
    m_pusher_gone->cancel();
  }

  // Closed by us: the caller may no longer use it.
  asio::awaitable<void> close_as_policy() {
    if (m_closed) co_return;
    m_closed = true;
    if (!m_writing) co_await m_ws.async_close(websocket::close_code::policy_error, asio::as_tuple(asio::use_awaitable));
    m_tcp.close();
  }

  websocket::stream<Stream&> m_ws;
  beast::tcp_stream& m_tcp;
  const Request& m_request;
  JmapHttp& m_jm;
  net::WorkerPool& m_pool;
  JmapHttp::Caller m_caller;
  std::shared_ptr<Waker> m_waker;
  std::optional<asio::steady_timer> m_pusher_gone;
  std::deque<std::string> m_outbox;
  std::size_t m_queued = 0;  // bytes in m_outbox and in the write under way
  bool m_writing = false, m_closed = false, m_pusher_done = false, m_push = false;
  std::vector<std::string> m_types;
  json m_sent = json::object();
};

}  // namespace

bool is_jmap_eventsource(const Request& r) {
  return r.method == "GET" && api::path_of(r.target) == "/jmap/eventsource";
}

bool is_jmap_websocket(const Request& r) {
  auto upgrade = r.headers.find("upgrade");
  return r.method == "GET" && api::path_of(r.target) == "/jmap/ws" && upgrade != r.headers.end() &&
         ascii_lower(upgrade->second) == "websocket";
}

template <class Stream>
asio::awaitable<void> jmap_eventsource(Stream& stream, beast::tcp_stream& tcp, const Request& request, const Deps& deps,
                                       net::WorkerPool& pool) {
  if (!deps.jmap) co_return;
  auto& jm = *deps.jmap;
  Response refusal;
  auto caller = co_await net::offload(pool, [&] { return jm.authenticate(request, refusal); });
  if (!caller) {
    co_await write_all(stream, tcp, http_refusal(refusal));
    co_return;
  }
  // RFC 8620 §7.3: types (comma-separated, "*" for all), closeafter
  // (state|no), ping (seconds; 0: none).
  auto types = split_types(api::query_param(request.target, "types").value_or("*"));
  bool close_after = api::query_param(request.target, "closeafter").value_or("no") == "state";
  int ping = 0;
  if (auto p = api::query_param(request.target, "ping")) ping = std::clamp(std::atoi(p->c_str()), 0, kMaxPing);
  std::string head =
      "HTTP/1.1 200 OK\r\nServer: Estafeta\r\nContent-Type: text/event-stream\r\n"
      "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n";
  if (!co_await write_all(stream, tcp, std::move(head))) co_return;

  auto waker = std::make_shared<Waker>(co_await asio::this_coro::executor);
  auto subscription = follow(jm, *caller, waker);
  auto listed = list_live(jm, *caller, "jmap-eventsource", waker);
  auto states = co_await net::offload(pool, [&] { return jm.states(caller->principal, types); });
  // A client that reconnects with the id of an older state hears of the
  // change at once (the EventSource's Last-Event-ID).
  if (auto last = request.headers.find("last-event-id"); last != request.headers.end() && last->second != states.id)
    waker->changed = true;
  auto now = std::chrono::steady_clock::now;
  auto next_ping = now() + std::chrono::seconds(ping > 0 ? ping : kDefaultRecheck);
  json sent = json::object();
  if (waker->changed)
    sent = json::object();  // everything counts as changed
  else
    sent = states.changed;
  for (;;) {
    co_await wait(*waker, next_ping);
    if (waker->ended) co_return;
    bool due = now() >= next_ping;
    if (waker->recheck.exchange(false) || due) {
      if (!co_await net::offload(pool, [&] { return still_serves(jm, request, *caller); }))
        co_return;  // revoked, logged out, locked
    }
    if (waker->changed.exchange(false)) {
      asio::steady_timer settle(co_await asio::this_coro::executor, kCoalesce);
      co_await settle.async_wait(asio::as_tuple(asio::use_awaitable));
      waker->changed = false;
      states = co_await net::offload(pool, [&] { return jm.states(caller->principal, types); });
      auto changed = changed_between(sent, states.changed);
      if (!changed.empty()) {
        json event = {{"@type", "StateChange"}, {"changed", changed}};
        if (!co_await write_all(stream, tcp,
                                fmt::format("event: state\nid: {}\ndata: {}\n\n", states.id, event.dump())))
          co_return;
        sent = states.changed;
        if (close_after) co_return;
      }
    }
    if (due) {
      if (ping > 0 && !co_await write_all(stream, tcp, fmt::format("event: ping\ndata: {{\"interval\":{}}}\n\n", ping)))
        co_return;
      next_ping = now() + std::chrono::seconds(ping > 0 ? ping : kDefaultRecheck);
    }
  }
}

template <class Stream>
asio::awaitable<void> jmap_websocket(Stream& stream, beast::tcp_stream& tcp, http::request<http::string_body> upgrade,
                                     const Request& request, const Deps& deps, net::WorkerPool& pool) {
  if (!deps.jmap) co_return;
  auto& jm = *deps.jmap;
  Response refusal;
  auto caller = co_await net::offload(pool, [&] { return jm.authenticate(request, refusal); });
  // A browser cannot set Authorization on a WebSocket; its cookie comes
  // with any page's request, so the Origin must be ours (cross-site
  // WebSocket hijacking).
  if (caller && caller->cookie) {
    auto origin = request.headers.find("origin");
    auto host = request.headers.find("host");
    auto scheme = origin == request.headers.end() ? std::string::npos : origin->second.find("://");
    if (scheme == std::string::npos || host == request.headers.end() ||
        ascii_lower(origin->second.substr(scheme + 3)) != ascii_lower(host->second)) {
      refusal.status = 403;
      refusal.content_type = "text/plain; charset=utf-8";
      refusal.body = "cross-site WebSocket refused\n";
      caller.reset();
    }
  }
  auto protocols = request.headers.find("sec-websocket-protocol");
  bool jmap_protocol = false;
  if (protocols != request.headers.end())
    for (auto& p : split_types(protocols->second)) jmap_protocol = jmap_protocol || ascii_lower(trimmed(p)) == "jmap";
  if (caller && !jmap_protocol) {
    refusal.status = 400;
    refusal.content_type = "text/plain; charset=utf-8";
    refusal.body = "the WebSocket subprotocol must be \"jmap\" (RFC 8887)\n";
    caller.reset();
  }
  if (!caller) {
    co_await write_all(stream, tcp, http_refusal(refusal));
    co_return;
  }

  WsSession<Stream> session(stream, tcp, request, jm, pool, std::move(*caller));
  co_await session.run(std::move(upgrade));
}

template asio::awaitable<void> jmap_eventsource<beast::tcp_stream>(beast::tcp_stream&, beast::tcp_stream&,
                                                                   const Request&, const Deps&, net::WorkerPool&);
template asio::awaitable<void> jmap_eventsource<beast::ssl_stream<beast::tcp_stream&>>(
    beast::ssl_stream<beast::tcp_stream&>&, beast::tcp_stream&, const Request&, const Deps&, net::WorkerPool&);
template asio::awaitable<void> jmap_websocket<beast::tcp_stream>(beast::tcp_stream&, beast::tcp_stream&,
                                                                 http::request<http::string_body>, const Request&,
                                                                 const Deps&, net::WorkerPool&);
template asio::awaitable<void> jmap_websocket<beast::ssl_stream<beast::tcp_stream&>>(
    beast::ssl_stream<beast::tcp_stream&>&, beast::tcp_stream&, http::request<http::string_body>, const Request&,
    const Deps&, net::WorkerPool&);

}  // namespace estafeta::web
