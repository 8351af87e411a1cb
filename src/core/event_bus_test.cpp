#include "core/event_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace estafeta {
namespace {

TEST(EventBus, DeliversToEverySubscriberUntilUnsubscribed) {
  EventBus bus;
  std::vector<std::uint32_t> a, b;
  auto sa = bus.subscribe([&](const Event& e) { a.push_back(e.uid); });
  {
    auto sb = bus.subscribe([&](const Event& e) { b.push_back(e.uid); });
    bus.publish(Event{EventKind::message_appended, 1, 2, 0, 0, 0, 7});
  }
  bus.publish(Event{EventKind::message_appended, 1, 2, 0, 0, 0, 8});
  EXPECT_EQ(a, (std::vector<std::uint32_t>{7, 8}));
  EXPECT_EQ(b, (std::vector<std::uint32_t>{7}));
}

TEST(EventBus, MovedSubscriptionStaysActive) {
  EventBus bus;
  int n = 0;
  EventBus::Subscription kept;
  {
    auto s = bus.subscribe([&](const Event&) { ++n; });
    kept = std::move(s);
  }
  bus.publish(Event{EventKind::flags_changed});
  EXPECT_EQ(n, 1);
  kept.reset();
  bus.publish(Event{EventKind::flags_changed});
  EXPECT_EQ(n, 1);
}

TEST(EventBus, CallbackMayUnsubscribeItself) {
  EventBus bus;
  int n = 0;
  EventBus::Subscription s;
  s = bus.subscribe([&](const Event&) {
    ++n;
    s.reset();
  });
  bus.publish(Event{EventKind::device_revoked});
  bus.publish(Event{EventKind::device_revoked});
  EXPECT_EQ(n, 1);
}

TEST(EventBus, ConcurrentPublishAndSubscribe) {
  EventBus bus;
  std::atomic<int> seen{0};
  auto s = bus.subscribe([&](const Event&) { seen++; });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        auto tmp = bus.subscribe([](const Event&) {});
        bus.publish(Event{EventKind::message_appended});
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(seen.load(), 4000);
}

}  // namespace
}  // namespace estafeta
