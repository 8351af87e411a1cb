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

Event appended_to(std::int64_t address, std::uint32_t uid) {
  Event e{EventKind::message_appended};
  e.address_id = address;
  e.uid = uid;
  return e;
}

TEST(EventBus, AddressedSubscriberGetsItsAddressesAndTheServiceWideOnly) {
  EventBus bus;
  std::vector<std::uint32_t> one, both, every;
  auto s1 = bus.subscribe({10}, [&](const Event& e) { one.push_back(e.uid); });
  auto s2 = bus.subscribe({10, 20, 10}, [&](const Event& e) { both.push_back(e.uid); });
  auto s3 = bus.subscribe([&](const Event& e) { every.push_back(e.uid); });
  bus.publish(appended_to(10, 1));
  bus.publish(appended_to(20, 2));
  bus.publish(appended_to(30, 3));
  Event locked{EventKind::service_locked};  // of no one address: every session of a service
  locked.service_id = 5;
  locked.uid = 4;
  bus.publish(locked);
  EXPECT_EQ(one, (std::vector<std::uint32_t>{1, 4}));
  EXPECT_EQ(both, (std::vector<std::uint32_t>{1, 2, 4}));  // once each, the repeated address too
  EXPECT_EQ(every, (std::vector<std::uint32_t>{1, 2, 3, 4}));
}

TEST(EventBus, AddressedSubscriptionEndsOnEveryAddress) {
  EventBus bus;
  int a = 0, b = 0;
  auto keep = bus.subscribe({20}, [&](const Event&) { ++b; });
  {
    auto gone = bus.subscribe({10, 20}, [&](const Event&) { ++a; });
    bus.publish(appended_to(20, 1));
  }
  bus.publish(appended_to(10, 2));
  bus.publish(appended_to(20, 3));
  bus.publish(Event{EventKind::service_locked});
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 3);
}

TEST(EventBus, AddressedCallbackMayResubscribe) {
  EventBus bus;
  std::vector<std::int64_t> seen;
  EventBus::Subscription s;
  s = bus.subscribe({1}, [&](const Event& e) {
    seen.push_back(e.address_id);
    s = bus.subscribe({2}, [&](const Event& f) { seen.push_back(f.address_id); });
  });
  bus.publish(appended_to(1, 1));
  bus.publish(appended_to(1, 2));  // the first subscription is gone
  bus.publish(appended_to(2, 3));
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2}));
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
