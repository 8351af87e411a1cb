#include "imap/proto/sequence_set.hpp"

#include <gtest/gtest.h>

#include "imap/proto/parser.hpp"

namespace estafeta::imap {
namespace {

SequenceSet parse_set(const std::string& text) {
  std::string line = "a FETCH " + text + " UID\r\n";
  auto c = parse_command(line);
  EXPECT_TRUE(c) << text;
  return std::get<cmd::Fetch>(c->args).set;
}

using IV = SeqIntervals::Interval;

TEST(SeqIntervals, CoalescesSortsAndReplacesStar) {
  EXPECT_EQ(SeqIntervals(parse_set("5:2,9,1,3:4,10:*"), 12).intervals(), (std::vector<IV>{{1, 5}, {9, 12}}));
  EXPECT_EQ(SeqIntervals(parse_set("*"), 7).intervals(), (std::vector<IV>{{7, 7}}));
  // n:* with n past the end names the last one (RFC 9051 §6.4.8).
  EXPECT_EQ(SeqIntervals(parse_set("20:*"), 7).intervals(), (std::vector<IV>{{7, 20}}));
  EXPECT_EQ(SeqIntervals(parse_set("1,3,5"), 7).intervals(), (std::vector<IV>{{1, 1}, {3, 3}, {5, 5}}));
  EXPECT_EQ(SeqIntervals(parse_set("4294967294,1:4294967293"), 7).intervals(), (std::vector<IV>{{1, 4294967294u}}));
  // Only "*" is the highest: an explicit 4294967295 is that number (RFC 9051 §9).
  EXPECT_EQ(SeqIntervals(parse_set("7:4294967295"), 6).intervals(), (std::vector<IV>{{7, 4294967295u}}));
  EXPECT_FALSE(SeqIntervals(parse_set("7:4294967295"), 6).contains(6));
  EXPECT_EQ(SeqIntervals(parse_set("4294967295"), 6).intervals(), (std::vector<IV>{{4294967295u, 4294967295u}}));
  EXPECT_EQ(SeqIntervals(parse_set("7:*"), 6).intervals(), (std::vector<IV>{{6, 7}}));
}

TEST(SeqIntervals, Contains) {
  SeqIntervals s(parse_set("3:5,10,20:*"), 30);
  for (std::uint32_t n : {3u, 4u, 5u, 10u, 20u, 25u, 30u}) EXPECT_TRUE(s.contains(n)) << n;
  for (std::uint32_t n : {0u, 1u, 2u, 6u, 9u, 11u, 19u, 31u, 4294967295u}) EXPECT_FALSE(s.contains(n)) << n;
  EXPECT_FALSE(SeqIntervals().contains(1));
}

TEST(SeqIntervals, RepeatedRangesCostTheirNumberNotTheirSpan) {
  // "1:*" 10,000 times (the parser's limit) is one interval.
  std::string text = "1:*";
  for (int i = 1; i < 10000; ++i) text += ",1:*";
  auto set = parse_set(text);
  ASSERT_EQ(set.ranges.size(), 10000u);
  SeqIntervals s(set, 4000000000u);
  EXPECT_EQ(s.intervals(), (std::vector<IV>{{1, 4000000000u}}));
}

TEST(SeqIntervals, TooManyRangesInOneCommandIsRefused) {
  std::string many = "1";
  for (int i = 2; i <= 10001; ++i) many += "," + std::to_string(i);
  auto c = parse_command("a FETCH " + many + " UID\r\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("too many ranges"), std::string::npos) << c.error().message;
  // The limit is on the whole command: two sets of 6,000 in one SEARCH are too many.
  std::string half = "1";
  for (int i = 2; i <= 6000; ++i) half += "," + std::to_string(i);
  EXPECT_FALSE(parse_command("a SEARCH UID " + half + " " + half + "\r\n"));
  EXPECT_TRUE(parse_command("a SEARCH UID " + half + "\r\n"));
}

}  // namespace
}  // namespace estafeta::imap
