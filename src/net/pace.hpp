// Deadlines that bytes in transit move only at a minimum rate (plain C++,
// no Asio): what a trickle of bytes must not extend.
//
// A transfer begun at `start` gets `base` in any case, and one second for
// every `rate` bytes moved so far: a peer at `rate` bytes a second or
// faster never reaches the deadline, one that sends or reads a byte now and
// then reaches it after `base`. Used for the MX's message data (RFC 5321
// §4.5.3.2 gives 10 minutes for it; a client that sends faster than the
// minimum rate gets longer) and for replies to slow readers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace estafeta::net {

using SteadyTime = std::chrono::steady_clock::time_point;

// start + max(base, moved / rate); 0 < `rate` <= 2^40 (bytes per second).
inline SteadyTime paced_deadline(SteadyTime start, std::chrono::seconds base, std::uint64_t moved, std::uint64_t rate) {
  // At most about four months earned: the sum stays far from the clock's range.
  constexpr std::uint64_t kMaxEarned = 10000000;  // seconds
  std::chrono::microseconds earned(static_cast<std::int64_t>(kMaxEarned * 1000000));
  if (moved / rate < kMaxEarned)
    earned = std::chrono::microseconds(moved / rate * 1000000 + moved % rate * 1000000 / rate);
  return start + std::max<std::chrono::steady_clock::duration>(base, earned);
}

// A write to a slow reader: the next progress is due within `stall` of
// `now` (the last progress), and the whole write within
// paced_deadline(start, stall, taken, rate).
inline SteadyTime write_progress_deadline(SteadyTime start, SteadyTime now, std::chrono::seconds stall,
                                          std::uint64_t taken, std::uint64_t rate) {
  return std::min(now + stall, paced_deadline(start, stall, taken, rate));
}

}  // namespace estafeta::net
