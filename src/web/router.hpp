// HTTP routing as a pure function: request in, response out. No I/O, no
// Beast: the session converts, so handlers are testable without sockets.
#pragma once

#include <map>
#include <string>

#include "net/services.hpp"

namespace estafeta::web {

struct Request {
  std::string method;   // "GET", …
  std::string target;   // path and query, as received
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
};

// Routes one request. `services` outlives the call.
Response handle(net::Services& services, const Request& request);

}  // namespace estafeta::web
