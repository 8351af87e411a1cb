// An HTTP request and its response as the routes see them: plain values,
// no Beast, so handlers are testable without sockets (web/router.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace estafeta::web {

struct Request {
  std::string method;                          // "GET", …
  std::string target;                          // path and query, as received
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string peer_ip;
  bool tls = false;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds delay{0};  // the session holds the answer back this long (failed logins)
  // A body made piece by piece while it is sent (chunked), instead of
  // `body`: each call gives the next piece, an empty one at the end, and
  // nullopt when it cannot go on (the connection then closes without the
  // last chunk, so the client sees the download incomplete). Called on the
  // worker pool, one call at a time.
  std::function<std::optional<std::string>()> stream;
  // The streamed body's length when known (a file): sent as Content-Length,
  // the pieces as they are, instead of chunks.
  std::optional<std::uint64_t> stream_length;
};

// Leave to send a large body (web/router.hpp, may_send_body).
struct BodyLeave {
  bool known = false;                 // false: the body is held to kAnonymousBodyLimit
  std::optional<Response> refusal;    // known, but too many bodies at once: the answer (429), sent instead
  std::optional<Response> too_large;  // known: the answer to a body past the route's limit, in its own terms
  std::shared_ptr<void> hold;         // known and admitted: one of the caller's bodies, until destroyed
};

}  // namespace estafeta::web
