#include "imap/mailbox_names.hpp"

#include <vector>

namespace estafeta::imap {

bool list_match(std::string_view name, std::string_view pattern) {
  // reach[j]: the first i characters of the name can match the first j of the pattern.
  const std::size_t m = pattern.size();
  std::vector<char> reach(m + 1, 0), next(m + 1, 0);
  reach[0] = 1;
  for (std::size_t j = 1; j <= m; ++j) reach[j] = reach[j - 1] && (pattern[j - 1] == '*' || pattern[j - 1] == '%');
  for (char c : name) {
    next[0] = 0;
    for (std::size_t j = 1; j <= m; ++j) {
      char p = pattern[j - 1];
      if (p == '*') next[j] = next[j - 1] || reach[j];
      else if (p == '%') next[j] = next[j - 1] || (reach[j] && c != '/');
      else next[j] = reach[j - 1] && (p == c);
    }
    std::swap(reach, next);
  }
  return reach[m];
}

}  // namespace estafeta::imap
