// `estafeta serve`: the composition root. Builds each protocol's dependency
// struct from the process-wide services, tells the listeners which session
// serves which listener, and runs the background work (the outbound queue,
// the event-log relay, DKIM rotation, the DNS zones' refresh, the full-text
// indexer) until a signal stops it all (net/listeners.hpp: the graceful stop).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>

#include "core/result.hpp"
#include "net/certificate.hpp"
#include "server/services.hpp"

namespace estafeta::server {

struct ServeOptions {
  net::CertificateFiles certificate;
  std::chrono::seconds grace{10};
  // The web app from this folder (a `vite build` output) instead of the
  // files built into the binary.
  std::filesystem::path web_dir;
  // Called once every listener is bound (e.g. to print a banner).
  std::function<void()> on_ready;
};

// Runs until a signal arrives. Errors: a listener that cannot bind, a bad
// certificate.
Status serve(Services& services, const ServeOptions& options);

// What the domain diagnostic checks of the certificate the mail listeners
// present (the configured one, or the self-signed one made on first start),
// read from its file now.
manage::CertificateView certificate_view(const Config& config);

}  // namespace estafeta::server
