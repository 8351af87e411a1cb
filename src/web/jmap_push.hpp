// JMAP push on an HTTP connection that the session hands over: the
// EventSource stream (RFC 8620 §7.3, GET /jmap/eventsource) and the JMAP
// WebSocket (RFC 8887, GET /jmap/ws with Upgrade: websocket and the "jmap"
// subprotocol: requests over the socket, WebSocketPushEnable/Disable).
//
// A StateChange goes out when the store's state of one of the caller's
// accounts moved, whatever moved it (JMAP, IMAP, SMTP delivery, the CLI
// through the event log): the bus wakes the stream, changes within 10 ms
// are sent as one. Credentials are checked again on every revocation event
// for the caller's addresses and at every ping; a revoked device ends the
// stream at once. Streams of device logins are listed in the user's
// session list (auth::LiveSessions) and can be ended from there.
// Includes Asio and Beast: for transport files only.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include "net/worker_pool.hpp"

#include <string_view>

#include "web/deps.hpp"
#include "web/message.hpp"

namespace estafeta::web {

// Whether the request is one of the two push endpoints.
bool is_jmap_eventsource(const Request& request);
bool is_jmap_websocket(const Request& request);

template <class Stream>
boost::asio::awaitable<void> jmap_eventsource(Stream& stream, boost::beast::tcp_stream& tcp, const Request& request,
                                              const Deps& deps, net::WorkerPool& pool);

template <class Stream>
boost::asio::awaitable<void> jmap_websocket(Stream& stream, boost::beast::tcp_stream& tcp,
                                            boost::beast::http::request<boost::beast::http::string_body> upgrade,
                                            const Request& request, const Deps& deps, net::WorkerPool& pool);

}  // namespace estafeta::web
