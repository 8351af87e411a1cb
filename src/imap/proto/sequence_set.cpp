#include "imap/proto/sequence_set.hpp"

#include <algorithm>

namespace estafeta::imap {

SeqIntervals::SeqIntervals(const SequenceSet& set, std::uint32_t star) {
  std::vector<Interval> all;
  all.reserve(set.ranges.size());
  for (auto& r : set.ranges) {
    std::uint32_t a = r.first == kStar ? star : r.first;
    std::uint32_t b = r.last == kStar ? star : r.last;
    if (a > b) std::swap(a, b);
    all.emplace_back(a, b);
  }
  std::sort(all.begin(), all.end());
  for (auto& iv : all) {
    // Overlapping or adjacent (last + 1 == first): one interval.
    if (!m_intervals.empty() && std::uint64_t{iv.first} <= std::uint64_t{m_intervals.back().second} + 1)
      m_intervals.back().second = std::max(m_intervals.back().second, iv.second);
    else
      m_intervals.push_back(iv);
  }
}

bool SeqIntervals::contains(std::uint32_t n) const {
  // The first interval that starts after n; the one before it may hold n.
  auto it = std::upper_bound(m_intervals.begin(), m_intervals.end(), n,
                             [](std::uint32_t v, const Interval& iv) { return v < iv.first; });
  return it != m_intervals.begin() && std::prev(it)->second >= n;
}

}  // namespace estafeta::imap
