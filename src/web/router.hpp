// HTTP routing as a pure function: request in, response out. No I/O, no
// Beast: the session converts, so handlers are testable without sockets.
//
// Routes are declared once in a table (router.cpp) with the methods they
// answer and the largest body they take. The session asks body_limit()
// once the header is in, before any body octet is read, so a request can
// make the server hold no more than its route needs (nothing for GET
// /healthz); a larger one gets 413 (RFC 9110 §15.5.14).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "web/deps.hpp"
#include "web/message.hpp"

namespace estafeta::web {

// The body limit where no route declares one: nothing is logged in yet,
// so no request needs more than a small form.
inline constexpr std::size_t kDefaultBodyLimit = 16 * 1024;

// The largest body (octets) a request for `target` may carry: its route's
// limit, or kDefaultBodyLimit for a path no route serves.
std::size_t body_limit(const Deps& deps, std::string_view method, std::string_view target);

// Bodies larger than this are read only from a caller the route knows
// (may_send_body), so that nobody unauthenticated makes the server hold
// an upload's worth of memory per connection.
inline constexpr std::size_t kAnonymousBodyLimit = 1024 * 1024;
// Whether the request (its header only; no body yet) may bring a body
// larger than kAnonymousBodyLimit: only a known caller, and only as many at
// once as the route allows that caller (JMAP: maxConcurrentUpload,
// maxConcurrentRequests), so that what one caller makes the server hold
// is bounded before any of it is read. Blocking (store).
BodyLeave may_send_body(const Deps& deps, const Request& head);

// Routes one request. Blocking (store): from the worker pool.
Response handle(const Deps& deps, const Request& request);

}  // namespace estafeta::web
