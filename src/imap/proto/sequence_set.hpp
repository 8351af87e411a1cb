// Sequence sets as ordered, disjoint intervals (RFC 9051 §9 sequence-set).
//
// A client may repeat and overlap ranges at will ("1:*,1:*,…", 10,000 of
// them): the set names each message once all the same. Normalising first
// — "*" replaced, each range ordered, the ranges sorted and coalesced —
// makes every later use cost the folder's size (or a binary search per
// message), never the number of ranges times the folder's size. No I/O.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "imap/proto/command.hpp"

namespace estafeta::imap {

class SeqIntervals {
 public:
  using Interval = std::pair<std::uint32_t, std::uint32_t>;  // first <= last

  SeqIntervals() = default;
  // `star` stands for "*" (the last message, or the highest UID). "$" (the
  // saved result) is not a range: callers resolve it themselves. A range
  // written backwards ("5:2") is the same as "2:5" (RFC 9051 §9 seq-range).
  // O(r log r) for r ranges.
  SeqIntervals(const SequenceSet& set, std::uint32_t star);

  // O(log intervals).
  bool contains(std::uint32_t n) const;
  // Ascending, disjoint, not adjacent ("1:3,4" is one interval 1:4).
  const std::vector<Interval>& intervals() const { return m_intervals; }
  bool empty() const { return m_intervals.empty(); }

 private:
  std::vector<Interval> m_intervals;
};

}  // namespace estafeta::imap
