#include "dns/lookup_runner.hpp"

#include <algorithm>

namespace estafeta::dns {

using Clock = std::chrono::steady_clock;

Status DeadlineResolver::check() const {
  if ((m_cancelled && m_cancelled->load()) || Clock::now() >= m_deadline)
    return fail(ErrorKind::temporary, "DNS lookups took too long", "lookup deadline reached");
  return {};
}

Result<std::vector<std::string>> DeadlineResolver::txt(std::string_view name) {
  TRY(check());
  return m_inner.txt(name);
}

Result<std::vector<IpAddress>> DeadlineResolver::a(std::string_view name) {
  TRY(check());
  return m_inner.a(name);
}

Result<std::vector<IpAddress>> DeadlineResolver::aaaa(std::string_view name) {
  TRY(check());
  return m_inner.aaaa(name);
}

Result<std::vector<MxRecord>> DeadlineResolver::mx(std::string_view name) {
  TRY(check());
  return m_inner.mx(name);
}

Result<std::vector<SrvRecord>> DeadlineResolver::srv(std::string_view name) {
  TRY(check());
  return m_inner.srv(name);
}

Result<std::vector<std::string>> DeadlineResolver::ptr(const IpAddress& ip) {
  TRY(check());
  return m_inner.ptr(ip);
}

LookupRunner::LookupRunner(Resolver& resolver, LookupRunnerOptions options)
    : m_resolver(resolver), m_options(options) {}

LookupRunner::~LookupRunner() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  for (auto& t : m_threads) t.join();
}

bool LookupRunner::submit(std::string key, Job job) {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping || m_waiting.size() >= m_options.max_waiting) return false;
    // Threads start with the first job: processes that never ask (the
    // admin commands) never have them.
    if (m_threads.empty())
      for (unsigned i = 0; i < std::max(1u, m_options.threads); ++i) m_threads.emplace_back([this] { work(); });
    m_waiting.push_back({std::move(job), std::move(key), Clock::now() + m_options.timeout});
  }
  m_wake.notify_one();
  return true;
}

void LookupRunner::work() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    // Jobs that can no longer start in time (or at all): run as never run.
    std::vector<Entry> dropped;
    auto now = Clock::now();
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
      if (m_stopping || it->deadline <= now) {
        dropped.push_back(std::move(*it));
        it = m_waiting.erase(it);
      } else {
        ++it;
      }
    }
    if (!dropped.empty()) {
      lock.unlock();
      for (auto& e : dropped) {
        try {
          e.job(nullptr);
        } catch (const std::exception&) {}
      }
      lock.lock();
      continue;
    }
    if (m_stopping) return;
    // The oldest job whose key is under its cap.
    auto pick = std::find_if(m_waiting.begin(), m_waiting.end(), [&](const Entry& e) {
      auto it = m_running.find(e.key);
      return it == m_running.end() || it->second < m_options.per_key;
    });
    if (pick == m_waiting.end()) {
      if (m_waiting.empty()) {
        m_wake.wait(lock);
      } else {
        auto first = std::min_element(m_waiting.begin(), m_waiting.end(),
                                      [](const Entry& x, const Entry& y) { return x.deadline < y.deadline; });
        auto until = first->deadline;  // a copy: the entry may go while this thread waits
        m_wake.wait_until(lock, until);
      }
      continue;
    }
    Entry e = std::move(*pick);
    m_waiting.erase(pick);
    ++m_running[e.key];
    lock.unlock();
    DeadlineResolver bounded(m_resolver, e.deadline, &m_stopping);
    try {
      e.job(&bounded);
    } catch (const std::exception&) {  // the job reports its own failures; nothing to tell
    }
    lock.lock();
    if (--m_running[e.key] == 0) m_running.erase(e.key);
    // A slot of this key is free: a job of its waiting for one may start.
    m_wake.notify_one();
  }
}

}  // namespace estafeta::dns
