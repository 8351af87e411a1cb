// SPF checks (RFC 7208) for the SMTP server on threads of their own, so a
// slow or silent DNS server never holds the worker pool that every IMAP,
// POP3 and SMTP session shares.
//
// Bounds, all known before a check starts:
//   - `threads` checks run at once, all clients together (the global cap);
//   - `per_client` of them for one client (an IPv4 address, or an IPv6 /64:
//     one host usually has a whole /64); the client's other checks wait;
//   - at most `max_waiting` checks wait; more are refused at once;
//   - each check has `timeout` from submission, waiting included: DNS
//     lookups past it fail, which makes the verdict temperror (RFC 7208
//     §4.6.4 allows a check 20 s at most). A lookup under way when the time
//     runs out still ends by the resolver's own bound (c-ares: timeout ×
//     tries), and keeps its thread until then.
// A check whose time runs out before it starts is reported as never run
// (the caller answers "try later", RFC 7208 §8.6 temperror's 451 4.4.3,
// rather than letting congestion turn a fail into temperror).
//
// Plain C++ (std::thread), no Asio: the SMTP transport waits for the
// callback on its own executor (smtp/spf_wait.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

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

// A resolver whose lookups fail (ErrorKind::temporary) once `deadline` has
// passed or `*cancelled` is set; until then it asks `inner`.
class DeadlineResolver final : public Resolver {
 public:
  DeadlineResolver(Resolver& inner, std::chrono::steady_clock::time_point deadline,
                   const std::atomic<bool>* cancelled = nullptr)
      : m_inner(inner), m_deadline(deadline), m_cancelled(cancelled) {}

  Result<std::vector<std::string>> txt(std::string_view name) override;
  Result<std::vector<IpAddress>> a(std::string_view name) override;
  Result<std::vector<IpAddress>> aaaa(std::string_view name) override;
  Result<std::vector<MxRecord>> mx(std::string_view name) override;
  Result<std::vector<std::string>> ptr(const IpAddress& ip) override;

 private:
  Status check() const;

  Resolver& m_inner;
  std::chrono::steady_clock::time_point m_deadline;
  const std::atomic<bool>* m_cancelled;  // checked between lookups
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
  ~SpfRunner();
  SpfRunner(const SpfRunner&) = delete;
  SpfRunner& operator=(const SpfRunner&) = delete;

  // Queues a check. False when `max_waiting` checks wait already: `done`
  // is then never called.
  bool submit(SpfJob job, Done done);

  const SpfRunnerOptions& options() const { return m_options; }

 private:
  struct Entry {
    SpfJob job;
    Done done;
    std::string key;
    std::chrono::steady_clock::time_point deadline;
  };
  void work();

  Resolver& m_resolver;
  const SpfRunnerOptions m_options;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<Entry> m_waiting;                  // GUARDED_BY(m_mutex)
  std::map<std::string, unsigned> m_running;    // GUARDED_BY(m_mutex): per client key
  std::atomic<bool> m_stopping{false};          // set under m_mutex; read by running checks
  std::vector<std::thread> m_threads;           // GUARDED_BY(m_mutex): started by the first submit()
};

}  // namespace estafeta::dns
