// Folder names: LIST pattern matching (RFC 9051 §6.3.9) and the limits on
// names a client may create. No I/O.
//
// Security: a client chooses both the patterns and (by CREATE) the names,
// so matching must never backtrack: ListMatcher simulates the pattern's
// automaton over bit sets, one pass over the states per name character,
// and a run of wildcards counts as one ("****" costs what "*" costs). The
// parser bounds pattern lengths and wildcard runs (ParserLimits), CREATE
// and RENAME bound the names (folder_name_problem), the configuration
// bounds how many folders an address has (limits.max_folders_per_address).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace estafeta::imap {

// The number of runs of wildcards in a pattern: "a**%b*" has two.
std::size_t wildcard_runs(std::string_view pattern);

// LIST patterns compiled once, matched against many names: "*" matches any
// run of characters, "%" any run without the hierarchy separator '/'
// (RFC 9051 §6.3.9). Runs of wildcards collapse first ("**" is "*", "*%"
// and "%*" are "*", "%%" is "%").
//
// Cost: each name character costs ⌈states/64⌉ word operations, states
// being the collapsed patterns' lengths plus one each — O(name × pattern /
// 64), never exponential. Names given in sorted order share the work on
// their common prefix (a folder and its children), so a sorted folder list
// costs its distinct prefixes, not the sum of its names.
class ListMatcher {
 public:
  explicit ListMatcher(const std::vector<std::string>& patterns);

  // Whether any pattern matches the whole name.
  bool matches(std::string_view name);
  // Word operations so far (tests: work without timing).
  std::uint64_t steps() const { return m_steps; }

 private:
  using Word = std::uint64_t;
  // Row `i` of m_rows: the states reached after the name's first i characters.
  Word* row(std::size_t i) { return m_rows.data() + i * m_words; }

  std::size_t m_words = 1;
  std::vector<Word> m_literal;  // 256 masks: the states whose pattern character is that octet
  std::vector<Word> m_star, m_percent, m_final;
  std::vector<Word> m_rows;  // rows 0..m_name.size()
  std::string m_name;        // the name m_rows were computed for
  std::uint64_t m_steps = 0;
};

// One pattern against one name (ListMatcher for a single use).
bool list_match(std::string_view name, std::string_view pattern);

// Limits on a folder name a client creates or renames to (stored form,
// UTF-8): every LIST walks every name, and names nest.
inline constexpr std::size_t kMaxFolderDepth = 32;     // levels: "a/b/c" has 3
inline constexpr std::size_t kMaxFolderElement = 255;  // octets between separators
inline constexpr std::size_t kMaxFolderName = 512;     // octets in all

// nullopt when a folder may have this (stored) name; otherwise why not,
// for the client.
std::optional<std::string> folder_name_problem(std::string_view name);

}  // namespace estafeta::imap
