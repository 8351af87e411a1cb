// DNS work on threads of its own, so a slow or silent DNS server never holds
// the worker pool that every IMAP, POP3 and SMTP session shares. Two users:
// SPF checks of inbound mail (dns/spf_runner.hpp) and the outbound queue's
// MX and address lookups (smtp/outbound.cpp), each with a runner of its own
// so that neither can starve the other.
//
// Bounds, all known before a job starts:
//   - `threads` jobs run at once, all keys together (the global cap);
//   - `per_key` of them for one key (SPF: a client's address or IPv6 /64;
//     outbound: a domain); the key's other jobs wait;
//   - at most `max_waiting` jobs wait; more are refused at once;
//   - each job has `timeout` from submission, waiting included: lookups
//     past it fail (ErrorKind::temporary, through DeadlineResolver). A
//     lookup under way when the time runs out still ends by the resolver's
//     own bound (c-ares: timeout × tries), and keeps its thread until then.
// A job whose time runs out before it starts is run with no resolver (it
// reports "never ran"; its caller answers "try later").
//
// Plain C++ (std::thread), no Asio: coroutines wait for a job's callback on
// their own executor (net/thread_wait.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dns/resolver.hpp"

namespace estafeta::dns {

struct LookupRunnerOptions {
  unsigned threads = 8;                      // jobs running at once, all keys together
  unsigned per_key = 2;                      // jobs running at once for one key
  std::size_t max_waiting = 256;             // jobs waiting for a thread; more are refused
  std::chrono::milliseconds timeout{10000};  // per job, from submission
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
  Result<std::vector<SrvRecord>> srv(std::string_view name) override;

 private:
  Status check() const;

  Resolver& m_inner;
  std::chrono::steady_clock::time_point m_deadline;
  const std::atomic<bool>* m_cancelled;  // checked between lookups
};

class LookupRunner {
 public:
  // Called once for every accepted job, on a runner thread: with a
  // resolver bounded by the job's deadline (DeadlineResolver), or with
  // nullptr when the job never ran (its time ran out while it waited, or
  // the runner is shutting down). Exceptions it throws are dropped.
  using Job = std::function<void(Resolver* resolver)>;

  // `resolver` must outlive the runner and be safe to call from several
  // threads (CaresResolver, a filled StaticResolver).
  LookupRunner(Resolver& resolver, LookupRunnerOptions options);
  // Runs waiting jobs with nullptr, lets running ones end.
  ~LookupRunner();
  LookupRunner(const LookupRunner&) = delete;
  LookupRunner& operator=(const LookupRunner&) = delete;

  // Queues a job. False when `max_waiting` jobs wait already (or the
  // runner is stopping): `job` is then never called.
  bool submit(std::string key, Job job);

  const LookupRunnerOptions& options() const { return m_options; }

 private:
  struct Entry {
    Job job;
    std::string key;
    std::chrono::steady_clock::time_point deadline;
  };
  void work();

  Resolver& m_resolver;
  const LookupRunnerOptions m_options;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  std::deque<Entry> m_waiting;                // GUARDED_BY(m_mutex)
  std::map<std::string, unsigned> m_running;  // GUARDED_BY(m_mutex): per key
  std::atomic<bool> m_stopping{false};        // set under m_mutex; read by running jobs
  std::vector<std::thread> m_threads;         // GUARDED_BY(m_mutex): started by the first submit()
};

}  // namespace estafeta::dns
