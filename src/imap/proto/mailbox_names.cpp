#include "imap/proto/mailbox_names.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace estafeta::imap {

namespace {

bool is_wildcard(char c) { return c == '*' || c == '%'; }

// The pattern with each run of wildcards as one: "*" if the run holds a
// "*", "%" otherwise.
std::string collapse(std::string_view pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (!is_wildcard(pattern[i])) {
      out += pattern[i++];
      continue;
    }
    bool star = false;
    for (; i < pattern.size() && is_wildcard(pattern[i]); ++i) star |= pattern[i] == '*';
    out += star ? '*' : '%';
  }
  return out;
}

void set_bit(std::vector<std::uint64_t>& v, std::size_t bit) { v[bit / 64] |= std::uint64_t{1} << (bit % 64); }

}  // namespace

std::size_t wildcard_runs(std::string_view pattern) {
  std::size_t runs = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i)
    if (is_wildcard(pattern[i]) && (i == 0 || !is_wildcard(pattern[i - 1]))) ++runs;
  return runs;
}

ListMatcher::ListMatcher(const std::vector<std::string>& patterns) {
  // The patterns side by side: pattern k has the states off_k … off_k + m_k
  // (state off_k + j: its first j characters matched; the last: all). A
  // final state has no pattern character, so no transition leaves it and
  // the patterns never run into each other.
  std::vector<std::string> compiled;
  std::size_t states = 0;
  for (auto& p : patterns) {
    compiled.push_back(collapse(p));
    states += compiled.back().size() + 1;
  }
  m_words = std::max<std::size_t>(1, (states + 63) / 64);
  m_literal.assign(256 * m_words, 0);
  m_star.assign(m_words, 0);
  m_percent.assign(m_words, 0);
  m_final.assign(m_words, 0);
  m_rows.assign(m_words, 0);
  std::vector<Word> start(m_words, 0);
  std::size_t off = 0;
  for (auto& p : compiled) {
    set_bit(start, off);
    for (std::size_t j = 0; j < p.size(); ++j) {
      if (p[j] == '*')
        set_bit(m_star, off + j);
      else if (p[j] == '%')
        set_bit(m_percent, off + j);
      else
        m_literal[static_cast<unsigned char>(p[j]) * m_words + (off + j) / 64] |= Word{1} << ((off + j) % 64);
    }
    set_bit(m_final, off + p.size());
    off += p.size() + 1;
  }
  // Row 0: the start states, and past a leading wildcard (it may match nothing).
  for (std::size_t w = 0; w < m_words; ++w) m_rows[w] = start[w];
  Word carry = 0;
  for (std::size_t w = 0; w < m_words; ++w) {
    Word wild = m_rows[w] & (m_star[w] | m_percent[w]);
    m_rows[w] |= (wild << 1) | carry;
    carry = wild >> 63;
  }
}

bool ListMatcher::matches(std::string_view name) {
  std::size_t keep = 0;  // rows 0..keep are still right for `name`
  while (keep < m_name.size() && keep < name.size() && m_name[keep] == name[keep]) ++keep;
  m_rows.resize((name.size() + 1) * m_words);
  for (std::size_t i = keep; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    const Word* from = row(i);
    Word* to = row(i + 1);
    const Word* lit = m_literal.data() + c * m_words;
    const bool percent_ok = c != '/';
    // A literal state advances on its octet; "*" stays on any octet, "%" on
    // any but '/'; then past each wildcard reached (it may stop matching).
    // After collapse no two wildcards are adjacent: one step of that closure
    // is enough.
    Word carry = 0;
    for (std::size_t w = 0; w < m_words; ++w) {
      Word advanced = from[w] & lit[w];
      to[w] = (advanced << 1) | carry | (from[w] & m_star[w]) | (percent_ok ? from[w] & m_percent[w] : 0);
      carry = advanced >> 63;
    }
    carry = 0;
    for (std::size_t w = 0; w < m_words; ++w) {
      Word wild = to[w] & (m_star[w] | m_percent[w]);
      to[w] |= (wild << 1) | carry;
      carry = wild >> 63;
    }
    m_steps += m_words;
  }
  m_name.assign(name);
  const Word* last = row(name.size());
  for (std::size_t w = 0; w < m_words; ++w)
    if (last[w] & m_final[w]) return true;
  return false;
}

bool list_match(std::string_view name, std::string_view pattern) {
  ListMatcher m({std::string(pattern)});
  return m.matches(name);
}

std::optional<std::string> folder_name_problem(std::string_view name) {
  std::size_t depth = 1, element = 0, longest = 0;
  for (char c : name) {
    element = c == '/' ? 0 : element + 1;
    depth += c == '/';
    longest = std::max(longest, element);
  }
  if (depth > kMaxFolderDepth) return fmt::format("folders nest too deep (at most {} levels)", kMaxFolderDepth);
  if (longest > kMaxFolderElement)
    return fmt::format("folder name too long (at most {} octets between '/')", kMaxFolderElement);
  if (name.size() > kMaxFolderName) return fmt::format("folder name too long (at most {} octets)", kMaxFolderName);
  return std::nullopt;
}

}  // namespace estafeta::imap
