#include "dns/spf_runner.hpp"

#include <algorithm>

namespace estafeta::dns {

using Clock = std::chrono::steady_clock;

Status DeadlineResolver::check() const {
  if ((m_cancelled && m_cancelled->load()) || Clock::now() >= m_deadline)
    return fail(ErrorKind::temporary, "DNS lookups took too long", "SPF check deadline reached");
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

Result<std::vector<std::string>> DeadlineResolver::ptr(const IpAddress& ip) {
  TRY(check());
  return m_inner.ptr(ip);
}

std::string spf_client_key(std::string_view ip) {
  auto parsed = IpAddress::parse(ip);
  if (!parsed) return std::string(ip);
  auto a = parsed->unmapped();
  if (a.is_v4()) return a.to_string();
  std::array<std::uint8_t, 16> net{};
  std::copy_n(a.bytes().begin(), 8, net.begin());
  return IpAddress::v6(net).to_string() + "/64";
}

SpfRunner::SpfRunner(Resolver& resolver, SpfRunnerOptions options) : m_resolver(resolver), m_options(options) {}

SpfRunner::~SpfRunner() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  for (auto& t : m_threads) t.join();
}

bool SpfRunner::submit(SpfJob job, Done done) {
  {
    std::lock_guard lock(m_mutex);
    if (m_stopping || m_waiting.size() >= m_options.max_waiting) return false;
    // Threads start with the first check: processes that never check (the
    // admin commands) never have them.
    if (m_threads.empty())
      for (unsigned i = 0; i < std::max(1u, m_options.threads); ++i) m_threads.emplace_back([this] { work(); });
    auto key = spf_client_key(job.client_ip);
    m_waiting.push_back({std::move(job), std::move(done), std::move(key), Clock::now() + m_options.timeout});
  }
  m_wake.notify_one();
  return true;
}

void SpfRunner::work() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    // Checks that can no longer start in time (or at all): reported as never run.
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
          e.done(std::nullopt);
        } catch (const std::exception&) {
        }
      }
      lock.lock();
      continue;
    }
    if (m_stopping) return;
    // The oldest check whose client is under its cap.
    auto pick = std::find_if(m_waiting.begin(), m_waiting.end(), [&](const Entry& e) {
      auto it = m_running.find(e.key);
      return it == m_running.end() || it->second < m_options.per_client;
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
    SpfResult result;
    try {
      result = check_mail_from(bounded, e.job.client_ip, e.job.mail_from, e.job.helo, e.job.options);
    } catch (const std::exception&) {  // out of memory: no verdict, as for a DNS failure
      result.code = SpfResult::temperror;
      result.problem = "internal error";
    }
    try {
      e.done(std::move(result));
    } catch (const std::exception&) {  // the waiter is gone; nothing to tell
    }
    lock.lock();
    if (--m_running[e.key] == 0) m_running.erase(e.key);
    // A slot of this client is free: a check of its waiting for one may start.
    m_wake.notify_one();
  }
}

}  // namespace estafeta::dns
