#include "net/worker_pool.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <latch>
#include <set>
#include <stdexcept>

#include "net/offload.hpp"

namespace estafeta::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(WorkerPoolTest, TheThreadIdleLastTakesTheNextJob) {
  // One job at a time, as one busy session gives: each goes to the thread
  // that ran the one before (asio::thread_pool would wake another each time).
  WorkerPool pool(8);
  auto all_idle = [&pool] {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (pool.idle_threads() < 8 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
    return pool.idle_threads() == 8;
  };
  std::set<std::thread::id> ran_on;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(all_idle());  // the one that ran the last job too, on top
    std::latch done(1);
    pool.post([&] {
      ran_on.insert(std::this_thread::get_id());
      done.count_down();
    });
    done.wait();
  }
  EXPECT_EQ(ran_on.size(), 1u);
}

TEST(WorkerPoolTest, JobsWaitForAFreeThreadAndEveryOneRuns) {
  WorkerPool pool(2);
  std::latch release(1);
  std::atomic<int> busy = 0, ran = 0;
  for (int i = 0; i < 2; ++i)
    pool.post([&] {
      ++busy;
      release.wait();
    });
  for (int i = 0; i < 50; ++i) pool.post([&] { ++ran; });
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (busy < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(busy, 2);
  EXPECT_EQ(ran, 0) << "both threads are held";
  release.count_down();
  pool.join();
  EXPECT_EQ(ran, 50);
}

TEST(WorkerPoolTest, JoinRunsWhatIsQueuedFirst) {
  std::atomic<int> ran = 0;
  {
    std::latch release(1);  // outlives the pool, whose destructor joins
    WorkerPool pool(1);
    pool.post([&] { release.wait(); });
    for (int i = 0; i < 100; ++i) pool.post([&] { ++ran; });
    release.count_down();
  }  // the destructor joins
  EXPECT_EQ(ran, 100);
}

TEST(WorkerPoolTest, OffloadRunsOnThePoolAndResumesAtHome) {
  asio::io_context io;
  WorkerPool pool(2);
  auto home = std::this_thread::get_id();
  std::thread::id worked_on, resumed_on;
  int result = 0;
  bool caught = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        result = co_await offload(pool, [&] {
          worked_on = std::this_thread::get_id();
          return 42;
        });
        resumed_on = std::this_thread::get_id();
        try {
          co_await offload(pool, []() -> int { throw std::runtime_error("store error"); });
        } catch (const std::runtime_error&) {
          caught = true;
        }
      },
      asio::detached);
  io.run();
  EXPECT_EQ(result, 42);
  EXPECT_NE(worked_on, home);
  EXPECT_EQ(resumed_on, home);
  EXPECT_TRUE(caught) << "an exception comes back to the awaiting coroutine";
}

}  // namespace
}  // namespace estafeta::net
