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
std::size_t body_limit(std::string_view method, std::string_view target);

// Routes one request. Blocking (store): from the worker pool.
Response handle(const Deps& deps, const Request& request);

}  // namespace estafeta::web
