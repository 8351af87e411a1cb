#include "smtp/data_reader.hpp"

#include <gtest/gtest.h>

namespace estafeta::smtp {
namespace {

struct Outcome {
  DataReader::Problem problem;
  std::string message;
  std::string rest;  // what followed the end of data
};

Outcome read_all(std::string_view input, std::size_t step, std::uint64_t max = 1 << 20) {
  DataReader r(max);
  for (std::size_t at = 0; at < input.size(); at += step) {
    auto chunk = input.substr(at, step);
    if (r.feed(chunk) == DataReader::Status::done) {
      std::string rest(chunk);
      rest += input.substr(std::min(input.size(), at + step));
      return {r.problem(), r.take_message(), rest};
    }
  }
  return {DataReader::Problem::none, "<incomplete>", ""};
}

TEST(DataReader, UnstuffsAndEndsAtCrlfDotCrlfWhateverTheSplit) {
  std::string input = "Subject: x\r\n\r\n..leading dot\r\nbody\r\n.\r\nQUIT\r\n";
  for (std::size_t step = 1; step <= input.size(); ++step) {
    auto o = read_all(input, step);
    ASSERT_EQ(o.problem, DataReader::Problem::none) << step;
    ASSERT_EQ(o.message, "Subject: x\r\n\r\n.leading dot\r\nbody\r\n") << step;
    ASSERT_EQ(o.rest, "QUIT\r\n") << step;
  }
}

TEST(DataReader, EmptyMessage) {
  auto o = read_all(".\r\n", 1);
  EXPECT_EQ(o.message, "");
  EXPECT_EQ(o.problem, DataReader::Problem::none);
}

TEST(DataReader, SmugglingAttemptsAreRefusedNotEnded) {
  // "\n.\n" and "\r\n.\n" are not the end of the data; the message is refused.
  for (std::string trick :
       {"a\n.\nMAIL FROM:<x@y>\r\n", "a\r\n.\nRCPT TO:<x@y>\r\n", "a\n.\r\nDATA\r\n", "a\r.\r\nx\r\n"}) {
    auto o = read_all(trick + "end\r\n.\r\n", 3);
    EXPECT_EQ(o.problem, DataReader::Problem::bare_line_ending) << trick;
    EXPECT_EQ(o.message, "") << trick;
    EXPECT_EQ(o.rest, "") << "the data ended only at CRLF.CRLF: " << trick;
  }
}

TEST(DataReader, TooLargeKeepsReadingToTheEnd) {
  std::string big = std::string(5000, 'x') + "\r\n";
  std::string input = big + big + ".\r\nNEXT\r\n";
  auto o = read_all(input, 700, 6000);
  EXPECT_EQ(o.problem, DataReader::Problem::too_large);
  EXPECT_TRUE(o.message.empty());
  EXPECT_EQ(o.rest, "NEXT\r\n");
}

TEST(DataReader, OverlongLineIsAProblemButBounded) {
  std::string input = std::string(200000, 'y') + "\r\n.\r\n";
  auto o = read_all(input, 4096);
  EXPECT_EQ(o.problem, DataReader::Problem::line_too_long);
}

TEST(DataReader, CheckLinesAppliesTheSameRulesToWholeMessages) {
  using P = DataReader::Problem;
  EXPECT_EQ(check_lines("Subject: x\r\n\r\nbody\r\n"), P::none);
  EXPECT_EQ(check_lines(""), P::none);
  EXPECT_EQ(check_lines("last line without CRLF"), P::none);
  EXPECT_EQ(check_lines("Subject: x\rFrom: boss@o.example\r\n\r\n"), P::bare_line_ending);
  EXPECT_EQ(check_lines("Subject: x\nFrom: boss@o.example\r\n\r\n"), P::bare_line_ending);
  EXPECT_EQ(check_lines("x\r"), P::bare_line_ending) << "a CR at the very end";
  EXPECT_EQ(check_lines("a\r\n.\n\r\n"), P::bare_line_ending);
  EXPECT_EQ(check_lines(std::string(100, 'x') + "\r\n", 100), P::none);
  EXPECT_EQ(check_lines(std::string(101, 'x') + "\r\n", 100), P::line_too_long);
  EXPECT_EQ(check_lines("a\r\n" + std::string(101, 'x'), 100), P::line_too_long);
}

}  // namespace
}  // namespace estafeta::smtp
