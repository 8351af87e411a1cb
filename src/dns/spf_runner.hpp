// SPF checks (RFC 7208) for the SMTP server on threads of their own
// (a dns::LookupRunner: see there for the bounds), so a slow or silent DNS
// server never holds the worker pool that every IMAP, POP3 and SMTP session
// shares.
//
// The caps count per client (an IPv4 address, or an IPv6 /64: one host
// usually has a whole /64); each check has `timeout` from submission,
// waiting included: DNS lookups past it fail, which makes the verdict
// temperror (RFC 7208 §4.6.4 allows a check 20 s at most).
// A check whose time runs out before it starts is reported as never run
// (the caller answers "try later", RFC 7208 §8.6 temperror's 451 4.4.3,
// rather than letting congestion turn a fail into temperror).
//
// Plain C++ (std::thread), no Asio: the SMTP transport waits for the
// callback on its own executor (smtp/spf_wait.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "dns/lookup_runner.hpp"
#include "dns/resolver.hpp"
#include "dns/spf.hpp"

namespace estafeta::dns {

struct SpfRunnerOptions {
  unsigned threads = 8;                      // checks running at once, all clients together
  unsigned per_client = 2;                   // checks running at once for one client
  std::size_t max_waiting = 256;             // checks waiting for a thread; more are refused
  std::chrono::milliseconds timeout{10000};  // per check, from submission
};

struct SpfJob {
  std::string client_ip;
  std::string mail_from;  // "" for the null reverse-path (the HELO identity is checked)
  std::string helo;
  SpfOptions options;
};

// The key the per-client cap counts by: an IPv4 address (IPv4-mapped IPv6
// included) as it is, an IPv6 address as its /64, anything else as given.
std::string spf_client_key(std::string_view ip);

class SpfRunner {
 public:
  // Called once for every accepted job, on a runner thread: the verdict, or
  // nullopt when the check never ran (its time ran out while it waited, or
  // the runner is shutting down).
  using Done = std::function<void(std::optional<SpfResult>)>;

  // `resolver` must outlive the runner and be safe to call from several
  // threads (CaresResolver, a filled StaticResolver).
  SpfRunner(Resolver& resolver, SpfRunnerOptions options);
  // Drops waiting checks (their Done gets nullopt), lets running ones end.
  ~SpfRunner() = default;
  SpfRunner(const SpfRunner&) = delete;
  SpfRunner& operator=(const SpfRunner&) = delete;

  // Queues a check. False when `max_waiting` checks wait already: `done`
  // is then never called.
  bool submit(SpfJob job, Done done);

  const SpfRunnerOptions& options() const { return m_options; }

 private:
  const SpfRunnerOptions m_options;
  LookupRunner m_runner;
};

}  // namespace estafeta::dns
