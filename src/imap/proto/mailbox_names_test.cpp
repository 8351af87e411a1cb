#include "imap/proto/mailbox_names.hpp"

#include <gtest/gtest.h>

#include <random>

namespace estafeta::imap {
namespace {

// The textbook definition, by recursion (exponential on purpose): the
// reference the matcher is checked against on small inputs.
bool reference_match(std::string_view name, std::string_view pattern) {
  if (pattern.empty()) return name.empty();
  char p = pattern[0];
  if (p == '*' || p == '%') {
    for (std::size_t n = 0; n <= name.size(); ++n) {
      if (reference_match(name.substr(n), pattern.substr(1))) return true;
      if (n < name.size() && p == '%' && name[n] == '/') break;
    }
    return false;
  }
  return !name.empty() && name[0] == p && reference_match(name.substr(1), pattern.substr(1));
}

TEST(ListMatcher, AgreesWithTheDefinition) {
  std::mt19937 rng(42);
  const std::string alphabet = "ab/*%";
  auto random = [&](std::size_t max, bool wild) {
    std::string s(rng() % (max + 1), 'a');
    for (auto& c : s) c = alphabet[rng() % (wild ? alphabet.size() : 3)];
    return s;
  };
  for (int i = 0; i < 20000; ++i) {
    auto name = random(8, false), pattern = random(6, true);
    EXPECT_EQ(list_match(name, pattern), reference_match(name, pattern)) << name << " ~ " << pattern;
  }
}

TEST(ListMatcher, SeveralPatternsAndSortedNames) {
  ListMatcher m({"Archive/%", "INBOX", "x*y"});
  EXPECT_TRUE(m.matches("Archive/2024"));
  EXPECT_FALSE(m.matches("Archive/2024/01"));  // % stops at '/'
  EXPECT_FALSE(m.matches("Archive"));
  EXPECT_TRUE(m.matches("INBOX"));
  EXPECT_FALSE(m.matches("INBOX/x"));
  EXPECT_TRUE(m.matches("x/a/y"));
  EXPECT_FALSE(m.matches("x/a/yz"));
  EXPECT_FALSE(ListMatcher({}).matches("a"));
  EXPECT_TRUE(ListMatcher({""}).matches(""));
}

TEST(ListMatcher, PathologicalPatternsStayLinear) {
  // 1,000 "*" against a 1,000-character name: one state after collapse.
  std::string name(1000, 'a');
  ListMatcher stars({std::string(1000, '*') + "b"});
  EXPECT_FALSE(stars.matches(name));
  EXPECT_EQ(stars.steps(), 1000u);  // one word per character
  ListMatcher mixed({std::string(500, '%') + std::string(500, '*')});
  EXPECT_TRUE(mixed.matches(name));
  EXPECT_EQ(mixed.steps(), 1000u);
  // "*a*a*a…*b" (backtracking matchers take exponential time here): the
  // states fit in ⌈1002/64⌉ words, each character costs that many.
  std::string pattern;
  for (int i = 0; i < 500; ++i) pattern += "*a";
  pattern += "*b";
  ListMatcher alternating({pattern});
  EXPECT_FALSE(alternating.matches(name));
  EXPECT_EQ(alternating.steps(), 1000u * 16);
  EXPECT_TRUE(alternating.matches(name + "b"));
  // The same name again, and a child of it: only the new characters cost.
  EXPECT_EQ(alternating.steps(), 1000u * 16 + 16);
  alternating.matches(name + "b/c");
  EXPECT_EQ(alternating.steps(), 1000u * 16 + 16 + 2 * 16);
}

TEST(ListMatcher, WildcardRuns) {
  EXPECT_EQ(wildcard_runs(""), 0u);
  EXPECT_EQ(wildcard_runs("abc"), 0u);
  EXPECT_EQ(wildcard_runs("a**%b*"), 2u);
  EXPECT_EQ(wildcard_runs(std::string(15000, '*')), 1u);
  EXPECT_EQ(wildcard_runs("%a%a%"), 3u);
}

TEST(FolderNames, Limits) {
  EXPECT_FALSE(folder_name_problem("INBOX/Work"));
  EXPECT_FALSE(folder_name_problem(std::string(255, 'x')));
  EXPECT_TRUE(folder_name_problem(std::string(256, 'x')));
  EXPECT_FALSE(folder_name_problem(std::string(255, 'x') + "/" + std::string(255, 'y')));
  EXPECT_TRUE(folder_name_problem(std::string(255, 'x') + "/" + std::string(255, 'y') + "/z"));  // 513 octets
  std::string deep = "a";
  for (int i = 1; i < 32; ++i) deep += "/a";
  EXPECT_FALSE(folder_name_problem(deep));
  EXPECT_TRUE(folder_name_problem(deep + "/a"));
}

}  // namespace
}  // namespace estafeta::imap
