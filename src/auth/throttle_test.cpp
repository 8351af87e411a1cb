#include "auth/throttle.hpp"

#include <gtest/gtest.h>

namespace estafeta::auth {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

struct FakeClock {
  Throttle::Clock::time_point t = Throttle::Clock::time_point() + 1h;
};

TEST(Throttle, FailuresFromOtherIpsNeverDelayASuccess) {
  FakeClock clock;
  Throttle t([&] { return clock.t; });
  for (int i = 2; i <= 11; ++i) t.failed("127.0.0." + std::to_string(i), "hello@demo.example");
  // The real user, from an address that has not failed: checked at once.
  EXPECT_EQ(t.pending("127.0.0.1", "hello@demo.example"), ms(0));
  EXPECT_EQ(t.pending("127.0.0.1", "HELLO@demo.example"), ms(0));
  // A further failure on that address is held back (per-account protection).
  EXPECT_EQ(t.failed("127.0.0.12", "hello@demo.example"), ms(8000));
}

TEST(Throttle, FailuresFromOneIpDelayItsNextAttempts) {
  FakeClock clock;
  Throttle t([&] { return clock.t; });
  EXPECT_EQ(t.failed("192.0.2.1", "a@x"), ms(250));
  EXPECT_EQ(t.failed("192.0.2.1", "b@x"), ms(500));
  EXPECT_EQ(t.pending("192.0.2.1", "c@x"), ms(0));  // a couple of typos are free
  EXPECT_EQ(t.failed("192.0.2.1", "c@x"), ms(1000));
  EXPECT_EQ(t.pending("192.0.2.1", "d@x"), ms(250));
  for (int i = 0; i < 10; ++i) t.failed("192.0.2.1", "e@x");
  EXPECT_EQ(t.pending("192.0.2.1", "a@x"), ms(8000)) << "at most 8 s";
  EXPECT_EQ(t.pending("192.0.2.2", "a@x"), ms(0)) << "another IP is not slowed";
}

TEST(Throttle, SuccessForgetsOnlyThatIpAndAddress) {
  FakeClock clock;
  Throttle t([&] { return clock.t; });
  for (int i = 0; i < 4; ++i) t.failed("192.0.2.1", "a@x");
  t.succeeded("192.0.2.1", "a@x");
  // The IP's failures still count (it may be guessing other accounts).
  EXPECT_EQ(t.pending("192.0.2.1", "b@x"), ms(500));
  EXPECT_EQ(t.pending("192.0.2.1", "a@x"), ms(500));
}

TEST(Throttle, ForgottenAfterFifteenMinutes) {
  FakeClock clock;
  Throttle t([&] { return clock.t; });
  for (int i = 0; i < 6; ++i) t.failed("192.0.2.1", "a@x");
  EXPECT_GT(t.pending("192.0.2.1", "a@x"), ms(0));
  clock.t += 16min;
  EXPECT_EQ(t.pending("192.0.2.1", "a@x"), ms(0));
  EXPECT_EQ(t.failed("192.0.2.1", "a@x"), ms(250));
}

TEST(Throttle, Ipv6CountsPerSlash64) {
  EXPECT_EQ(peer_group("2001:db8:1:2:aaaa::1"), "2001:0db8:0001:0002::/64");
  EXPECT_EQ(peer_group("2001:db8:1:2:bbbb::2"), "2001:0db8:0001:0002::/64");
  EXPECT_EQ(peer_group("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(peer_group("192.0.2.7"), "192.0.2.7");
  FakeClock clock;
  Throttle t([&] { return clock.t; });
  for (int i = 0; i < 5; ++i) t.failed("2001:db8:1:2::" + std::to_string(i + 1), "a@x");
  EXPECT_EQ(t.pending("2001:db8:1:2::99", "b@x"), ms(1000));
}

// 10.x.y.z, a different one for each i < 2^24.
std::string flood_ip(std::size_t i) {
  return "10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
}

TEST(Throttle, TablesAreBounded) {
  FakeClock clock;
  Throttle t([&] { return clock.t; });
  std::string long_address(100000, 'x');
  for (std::size_t i = 0; i < Throttle::kMaxEntries + 10; ++i) {
    clock.t += 1ms;
    t.failed(flood_ip(i), i % 2 ? long_address : "a@x");
  }
  EXPECT_LE(t.size(), 3 * Throttle::kMaxEntries);
  // Keys hold at most the 256 octets an address can have.
  std::string other_tail = long_address.substr(0, 256) + "y";
  EXPECT_EQ(t.pending("10.9.9.9", other_tail), ms(0));
  EXPECT_EQ(t.failed("10.9.9.9", other_tail), ms(8000)) << "counted with the long address's failures";
  // The newest failures are still known.
  EXPECT_EQ(t.pending("10.1.0.9", "a@x"), ms(0));
  EXPECT_GT(t.failed("10.1.0.9", "a@x"), ms(250));
}

TEST(Throttle, AFullTableLetsGoOfTheStalestFailure) {
  FakeClock clock;
  Throttle t([&] { return clock.t; });
  auto fail = [&](const std::string& ip, int times) {
    for (int i = 0; i < times; ++i) clock.t += 1ms, t.failed(ip, "a@x");
  };
  fail("192.0.2.1", 3);  // first, and never again
  fail("192.0.2.2", 3);  // first, then once more late in the flood: not stale
  // Two more IPs than fit: the two stalest go.
  for (std::size_t i = 0; i < Throttle::kMaxEntries; ++i) {
    clock.t += 1ms;
    t.failed(flood_ip(i), "a@x");
    if (i == Throttle::kMaxEntries - 100) fail("192.0.2.2", 1);
  }
  EXPECT_EQ(t.pending("192.0.2.1", "b@x"), ms(0)) << "the stalest IP made room";
  EXPECT_EQ(t.pending("192.0.2.2", "b@x"), ms(500)) << "four failures, refreshed late: kept";
  for (int i = 0; i < 3; ++i) clock.t += 1ms, t.failed(flood_ip(0), "b@x");
  EXPECT_EQ(t.pending(flood_ip(0), "c@x"), ms(250)) << "the oldest of the flood went second: counts anew";
  for (int i = 0; i < 2; ++i) clock.t += 1ms, t.failed(flood_ip(50000), "b@x");
  EXPECT_EQ(t.pending(flood_ip(50000), "c@x"), ms(250)) << "one of the flood kept: its third failure";
}

TEST(Throttle, ExpiredFailuresAreForgottenAsNewOnesCome) {
  FakeClock clock;
  Throttle t([&] { return clock.t; });
  for (int i = 0; i < 100; ++i) t.failed("10.0.0." + std::to_string(i), "a" + std::to_string(i) + "@x");
  EXPECT_EQ(t.size(), 300u);
  clock.t += 16min;
  t.failed("10.0.1.1", "b@x");
  EXPECT_EQ(t.size(), 3u) << "only the new failure is kept";
}

}  // namespace
}  // namespace estafeta::auth
