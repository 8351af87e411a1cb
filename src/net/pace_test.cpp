#include "net/pace.hpp"

#include <gtest/gtest.h>

namespace estafeta::net {
namespace {

using std::chrono::seconds;
const SteadyTime t0{};

TEST(Pace, BaseHoldsUntilTheRateEarnsMore) {
  EXPECT_EQ(paced_deadline(t0, seconds(600), 0, 16384), t0 + seconds(600));
  EXPECT_EQ(paced_deadline(t0, seconds(600), 600 * 16384, 16384), t0 + seconds(600));
  EXPECT_EQ(paced_deadline(t0, seconds(600), 601 * 16384, 16384), t0 + seconds(601));
  // 50 MiB at 16 KiB/s: 3200 s.
  EXPECT_EQ(paced_deadline(t0, seconds(600), 50ull << 20, 16384), t0 + seconds(3200));
  // Fractions of a second count; a trickle of bytes earns (almost) nothing.
  EXPECT_EQ(paced_deadline(t0, seconds(0), 3, 2), t0 + std::chrono::milliseconds(1500));
  EXPECT_EQ(paced_deadline(t0, seconds(60), 3600, 1024), t0 + seconds(60));
}

TEST(Pace, NoOverflowForHugeTransfers) {
  EXPECT_EQ(paced_deadline(t0, seconds(1), 4ull << 30, 1), t0 + seconds(10000000));
  EXPECT_EQ(paced_deadline(t0, seconds(1), ~0ull, 1), t0 + seconds(10000000));
  EXPECT_EQ(paced_deadline(t0, seconds(1), ~0ull, ~0ull), t0 + seconds(1));
}

TEST(Pace, WriteProgressIsDueWithinTheStallAndTheRate) {
  // A write just begun: the stall bounds the first wait.
  EXPECT_EQ(write_progress_deadline(t0, t0, seconds(60), 0, 1024), t0 + seconds(60));
  // A steady reader: each wait gets the whole stall while the rate holds.
  EXPECT_EQ(write_progress_deadline(t0, t0 + seconds(100), seconds(60), 1024 * 1000, 1024), t0 + seconds(160));
  // A reader that took 1 KiB a minute for ten minutes is past its allowance.
  EXPECT_EQ(write_progress_deadline(t0, t0 + seconds(600), seconds(60), 10 * 1024, 1024), t0 + seconds(60));
}

}  // namespace
}  // namespace estafeta::net
