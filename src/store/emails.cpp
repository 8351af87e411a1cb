#include "store/emails.hpp"

#include <set>

namespace estafeta::store {

Time Email::received_at() const {
  Time t = 0;
  for (auto& c : copies)
    if (t == 0 || c.internal_date < t) t = c.internal_date;
  return t;
}

std::uint32_t Email::all_flags() const {
  std::uint32_t f = 0;
  for (auto& c : copies) f |= c.flags;
  return f;
}

std::vector<std::string> Email::all_keywords() const {
  std::set<std::string> all;
  for (auto& c : copies) all.insert(c.keywords.begin(), c.keywords.end());
  return {all.begin(), all.end()};
}

}  // namespace estafeta::store
