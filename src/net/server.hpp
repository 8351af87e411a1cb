// `estafeta serve`: the process skeleton.
//
// An io_context on `threads` threads; one acceptor per configured listener
// whose protocol this build serves; a TLS context from the certificate files;
// SIGINT/SIGTERM start a graceful shutdown: acceptors close, sessions are
// asked to stop and given up to `grace` to finish (in-flight deliveries
// complete, since the delivery path is never cancelled midway), then the
// process exits.
#pragma once

#include <chrono>
#include <functional>

#include "core/result.hpp"
#include "net/certificate.hpp"
#include "net/services.hpp"

namespace estafeta::net {

struct ServeOptions {
  CertificateFiles certificate;
  std::chrono::seconds grace{10};
  // Called once every listener is bound (e.g. to print a banner).
  std::function<void()> on_ready;
};

// Runs until a signal arrives. Errors: a listener that cannot bind, a bad
// certificate.
Status run_server(Services& services, const ServeOptions& options);

// Whether this build has a session for the protocol.
bool serves(Protocol protocol);

}  // namespace estafeta::net
