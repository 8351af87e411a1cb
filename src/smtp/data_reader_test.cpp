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

// Many slow senders each within the size limit: together they may hold only
// the budget; past it a message is dropped as it comes (server_busy), and
// what a message held is given back when it is taken or dropped.
TEST(DataReader, MessagesTogetherStayWithinTheBudget) {
  MessageBudget budget(200 * 1024);
  std::string body;
  for (int i = 0; i < 150; ++i) body += std::string(1000, 'a') + "\r\n";
  DataReader first(1 << 20, kMaxDataLine, &budget);
  std::string_view in = body;
  EXPECT_EQ(first.feed(in), DataReader::Status::need_more);
  EXPECT_GE(budget.used(), body.size());
  auto held = budget.used();
  {
    DataReader second(1 << 20, kMaxDataLine, &budget);
    std::string whole = body + ".\r\nQUIT\r\n";
    std::string_view in2 = whole;
    EXPECT_EQ(second.feed(in2), DataReader::Status::done);
    EXPECT_EQ(in2, "QUIT\r\n") << "in step with the client all the same";
    EXPECT_EQ(second.problem(), DataReader::Problem::server_busy);
    EXPECT_EQ(second.take_message(), "");
    EXPECT_EQ(budget.used(), held) << "the refused message gave back what it had taken";
  }
  std::string_view end = ".\r\n";
  EXPECT_EQ(first.feed(end), DataReader::Status::done);
  EXPECT_EQ(first.problem(), DataReader::Problem::none);
  EXPECT_EQ(first.take_message(), body);
  EXPECT_EQ(budget.used(), 0u);
  // Room again: the same message now fits.
  DataReader third(1 << 20, kMaxDataLine, &budget);
  std::string whole = body + ".\r\n";
  std::string_view in3 = whole;
  EXPECT_EQ(third.feed(in3), DataReader::Status::done);
  EXPECT_EQ(third.problem(), DataReader::Problem::none);
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
