// What the HTTP routes may touch, built once by the composition root
// (server/serve.cpp) and alive until every session ended.
#pragma once

#include <string>

#include "core/metrics.hpp"
#include "store/accounts.hpp"
#include "web/api/api.hpp"

namespace estafeta::drive {
class TransferService;
}

namespace estafeta::net {
class WorkerPool;
}

namespace estafeta::web {

class JmapHttp;
class AppFiles;
class TrustedProxies;

struct Deps {
  std::string hostname;               // /healthz, the mail endpoints of autoconfig and autodiscover
  store::Accounts& accounts;          // organisations (the health check), served domains
  const api::ApiDeps* api = nullptr;  // /api/v1; absent: those routes answer 404
  Metrics* metrics = nullptr;         // /metrics, from loopback; absent: 404
  JmapHttp* jmap = nullptr;           // /jmap/…, /.well-known/jmap; absent: 404
  const AppFiles* app = nullptr;      // the web app at every other GET; absent: 404
  net::WorkerPool* pool = nullptr;    // where routes run (they block); absent: the shared worker pool
  // Reverse proxies whose forwarding fields name the client (web/forwarded.hpp); absent: none.
  const TrustedProxies* proxies = nullptr;
  drive::TransferService* transfers = nullptr;  // /t/…: transfer links' pages and downloads; absent: 404
};

}  // namespace estafeta::web
