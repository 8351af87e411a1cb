// SpfRunner and the LookupRunner under it: the caps (per client or key,
// waiting), the deadline, and DeadlineResolver, against resolvers that
// answer when the test says so.
#include "dns/spf_runner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

namespace estafeta::dns {
namespace {

using namespace std::chrono_literals;

// TXT lookups wait until open() (or `delay` passes); every other lookup
// answers at once with nothing.
class GateResolver final : public Resolver {
 public:
  explicit GateResolver(std::string record, std::chrono::milliseconds delay = 60s)
      : m_record(std::move(record)), m_delay(delay) {}
  void open() {
    {
      std::lock_guard lock(m_mutex);
      m_open = true;
    }
    m_cv.notify_all();
  }
  int max_in_flight() const { return m_max; }
  int in_flight() const { return m_in_flight; }

  Result<std::vector<std::string>> txt(std::string_view) override {
    int now = ++m_in_flight;
    for (int seen = m_max; now > seen && !m_max.compare_exchange_weak(seen, now);) {}
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, m_delay, [&] { return m_open; });
    --m_in_flight;
    return std::vector<std::string>{m_record};
  }
  Result<std::vector<IpAddress>> a(std::string_view) override { return std::vector<IpAddress>{}; }
  Result<std::vector<IpAddress>> aaaa(std::string_view) override { return std::vector<IpAddress>{}; }
  Result<std::vector<MxRecord>> mx(std::string_view) override { return std::vector<MxRecord>{}; }
  Result<std::vector<SrvRecord>> srv(std::string_view) override { return std::vector<SrvRecord>{}; }
  Result<std::vector<std::string>> ptr(const IpAddress&) override { return std::vector<std::string>{}; }

 private:
  std::string m_record;
  std::chrono::milliseconds m_delay;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  bool m_open = false;
  std::atomic<int> m_in_flight{0}, m_max{0};
};

// Collects what the runner reports, and waits for it.
class Results {
 public:
  SpfRunner::Done callback(std::size_t index) {
    return [this, index](std::optional<SpfResult> r) {
      std::lock_guard lock(m_mutex);
      m_results[index] = std::move(r);
      m_cv.notify_all();
    };
  }
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, timeout, [&] { return m_results.size() >= count; });
  }
  std::optional<SpfResult> at(std::size_t index) {
    std::lock_guard lock(m_mutex);
    return m_results.at(index);
  }
  std::size_t size() {
    std::lock_guard lock(m_mutex);
    return m_results.size();
  }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::map<std::size_t, std::optional<SpfResult>> m_results;
};

SpfJob job(std::string ip, std::string from = "a@sender.example") {
  SpfJob j;
  j.client_ip = std::move(ip);
  j.mail_from = std::move(from);
  j.helo = "client.example";
  return j;
}

bool eventually(const std::function<bool()>& f) {
  for (int i = 0; i < 500; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(DeadlineResolver, FailsAfterTheDeadlineWithoutAsking) {
  StaticResolver zone;
  zone.add_txt("x.example", "v=spf1 -all");
  DeadlineResolver late(zone, std::chrono::steady_clock::now() - 1ms);
  auto r = late.txt("x.example");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::temporary);
  EXPECT_EQ(zone.queries(), 0u);
  DeadlineResolver early(zone, std::chrono::steady_clock::now() + 60s);
  EXPECT_EQ(early.txt("x.example").value(), std::vector<std::string>{"v=spf1 -all"});
  std::atomic<bool> cancelled{true};
  DeadlineResolver stopped(zone, std::chrono::steady_clock::now() + 60s, &cancelled);
  EXPECT_FALSE(stopped.a("x.example"));
  EXPECT_EQ(zone.queries(), 1u);
}

TEST(SpfRunner, ClientKeys) {
  EXPECT_EQ(spf_client_key("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(spf_client_key("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(spf_client_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(spf_client_key("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64") << "one /64, one client";
  EXPECT_EQ(spf_client_key("?"), "?");
}

TEST(SpfRunner, CapsChecksPerClientButNotOthers) {
  GateResolver dns("v=spf1 -all");
  SpfRunnerOptions o;
  o.threads = 4;
  o.per_client = 2;
  o.timeout = 30s;
  Results results;
  {
    SpfRunner runner(dns, o);
    for (std::size_t i = 0; i < 5; ++i) ASSERT_TRUE(runner.submit(job("192.0.2.1"), results.callback(i)));
    ASSERT_TRUE(eventually([&] { return dns.in_flight() == 2; }));
    // Another client gets a thread at once although the first one waits.
    ASSERT_TRUE(runner.submit(job("198.51.100.9"), results.callback(5)));
    ASSERT_TRUE(eventually([&] { return dns.in_flight() == 3; }));
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(dns.in_flight(), 3) << "the first client's other checks wait";
    EXPECT_EQ(results.size(), 0u);
    dns.open();
    ASSERT_TRUE(results.wait_for(6));
  }
  EXPECT_EQ(dns.max_in_flight(), 3);
  for (std::size_t i = 0; i < 6; ++i) {
    auto r = results.at(i);
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->code, SpfResult::fail) << i;
  }
}

TEST(SpfRunner, RefusesWhenTooManyWait) {
  GateResolver dns("v=spf1 -all");
  SpfRunnerOptions o;
  o.threads = 1;
  o.per_client = 1;
  o.max_waiting = 2;
  Results results;
  SpfRunner runner(dns, o);
  ASSERT_TRUE(runner.submit(job("192.0.2.1"), results.callback(0)));
  ASSERT_TRUE(eventually([&] { return dns.in_flight() == 1; }));
  ASSERT_TRUE(runner.submit(job("192.0.2.2"), results.callback(1)));
  ASSERT_TRUE(runner.submit(job("192.0.2.3"), results.callback(2)));
  EXPECT_FALSE(runner.submit(job("192.0.2.4"), results.callback(3))) << "the global cap";
  dns.open();
  ASSERT_TRUE(results.wait_for(3));
  EXPECT_EQ(results.size(), 3u);
}

TEST(SpfRunner, DeadlineGivesTemperrorOrNoRun) {
  // Each TXT lookup takes 300 ms; the record needs a second lookup (a:),
  // which comes after the 200 ms deadline.
  GateResolver dns("v=spf1 a:host.sender.example -all", 300ms);
  SpfRunnerOptions o;
  o.threads = 1;
  o.per_client = 1;
  o.timeout = 200ms;
  Results results;
  SpfRunner runner(dns, o);
  ASSERT_TRUE(runner.submit(job("192.0.2.1"), results.callback(0)));
  ASSERT_TRUE(runner.submit(job("192.0.2.1"), results.callback(1)));  // waits behind the first: never starts
  ASSERT_TRUE(results.wait_for(2));
  auto first = results.at(0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->code, SpfResult::temperror) << "without the deadline, a: finds nothing and -all fails";
  EXPECT_NE(first->problem.find("DNS"), std::string::npos) << first->problem;
  EXPECT_FALSE(results.at(1)) << "its time ran out while it waited";
}

TEST(SpfRunner, ShutdownReportsWaitingChecksAsNotRun) {
  GateResolver dns("v=spf1 -all", 300ms);
  SpfRunnerOptions o;
  o.threads = 1;
  o.per_client = 1;
  Results results;
  {
    SpfRunner runner(dns, o);
    ASSERT_TRUE(runner.submit(job("192.0.2.1"), results.callback(0)));
    ASSERT_TRUE(runner.submit(job("192.0.2.1"), results.callback(1)));
  }
  ASSERT_EQ(results.size(), 2u) << "every callback ran before the runner was gone";
  EXPECT_FALSE(results.at(1));
}

TEST(LookupRunner, ASlowKeyHoldsOneThreadAndDelaysOnlyItsOwnJobs) {
  // The outbound queue's use: one lookup per domain at a time.
  GateResolver dns("silent");
  LookupRunnerOptions o;
  o.threads = 3;
  o.per_key = 1;
  o.timeout = 30s;
  std::atomic<int> slow_done{0}, fast_done{0}, never_ran{0};
  {
    LookupRunner runner(dns, o);
    auto slow = [&](Resolver* r) {
      if (!r)
        ++never_ran;
      else if (r->txt("slow.example"))
        ++slow_done;
    };
    ASSERT_TRUE(runner.submit("slow.example", slow));
    ASSERT_TRUE(runner.submit("slow.example", slow));
    ASSERT_TRUE(eventually([&] { return dns.in_flight() == 1; }));
    for (int i = 0; i < 10; ++i)
      ASSERT_TRUE(runner.submit("good" + std::to_string(i) + ".example", [&](Resolver* r) {
        if (r && r->mx("good.example")) ++fast_done;
      }));
    ASSERT_TRUE(eventually([&] { return fast_done == 10; })) << "the other domains went past the silent one";
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(dns.in_flight(), 1) << "the silent domain's second lookup waits for its first";
    EXPECT_EQ(slow_done, 0);
    dns.open();
    ASSERT_TRUE(eventually([&] { return slow_done == 2; }));
  }
  EXPECT_EQ(dns.max_in_flight(), 1);
  EXPECT_EQ(never_ran, 0);
}

TEST(LookupRunner, AJobPastItsDeadlineRunsWithoutAResolver) {
  GateResolver dns("x", 300ms);
  LookupRunnerOptions o;
  o.threads = 1;
  o.per_key = 1;
  o.timeout = 100ms;
  std::promise<bool> first, second;
  LookupRunner runner(dns, o);
  ASSERT_TRUE(runner.submit("a", [&](Resolver* r) { first.set_value(r && r->txt("a").has_value()); }));
  ASSERT_TRUE(runner.submit("b", [&](Resolver* r) { second.set_value(r != nullptr); }));
  EXPECT_TRUE(first.get_future().get()) << "a lookup under way ends by the resolver's own bound";
  EXPECT_FALSE(second.get_future().get()) << "its time ran out while it waited";
}

}  // namespace
}  // namespace estafeta::dns
