#include "imap/proto/framer.hpp"

#include <gtest/gtest.h>

namespace estafeta::imap {
namespace {

using Event = CommandFramer::Event;

// Feeds the input in chunks of `step` bytes, answering continuations, and
// returns the events and commands in order.
struct Run {
  std::vector<Event> events;
  std::vector<std::string> commands;
  std::vector<std::string> errors;
};

Run feed_all(CommandFramer& f, std::string_view input, std::size_t step) {
  Run run;
  for (std::size_t at = 0; at < input.size(); at += step) {
    auto chunk = input.substr(at, step);
    while (!chunk.empty()) {
      auto e = f.feed(chunk);
      if (e == Event::need_more) continue;
      run.events.push_back(e);
      if (e == Event::command) run.commands.push_back(f.take_command());
      if (e == Event::error || e == Event::fatal) run.errors.push_back(f.tag() + " " + f.error());
      if (e == Event::fatal) return run;
    }
  }
  return run;
}

TEST(Framer, SplitAtEveryByte) {
  using namespace std::string_literals;
  const std::string with_nul =
      "a1 NOOP\r\n"
      "a2 LOGIN {3}\r\nabc {5+}\r\nsecre\r\n"
      "a3 APPEND INBOX ~{4}\r\n\r\n\0x\r\n"
      "a4 SELECT INBOX\n"s;
  for (std::size_t step = 1; step <= with_nul.size(); ++step) {
    CommandFramer f;
    auto run = feed_all(f, with_nul, step);
    ASSERT_EQ(run.commands.size(), 4u) << "step " << step;
    EXPECT_EQ(run.commands[0], "a1 NOOP\r\n");
    EXPECT_EQ(run.commands[1], "a2 LOGIN {3}\r\nabc {5+}\r\nsecre\r\n");
    EXPECT_EQ(run.commands[2], "a3 APPEND INBOX ~{4}\r\n\r\n\0x\r\n"s);
    EXPECT_EQ(run.commands[3], "a4 SELECT INBOX\n");
    // Continuations for the synchronizing literals only ({3} and ~{4}), never for {5+}.
    EXPECT_EQ(std::count(run.events.begin(), run.events.end(), Event::continuation), 2) << "step " << step;
  }
}

TEST(Framer, LiteralHoldingWhatLooksLikeALiteral) {
  CommandFramer f;
  std::string_view in = "t APPEND x {6}\r\n{99}\r\n\r\n";
  EXPECT_EQ(f.feed(in), Event::continuation);
  EXPECT_EQ(f.feed(in), Event::command);
  EXPECT_EQ(f.take_command(), "t APPEND x {6}\r\n{99}\r\n\r\n");
  EXPECT_TRUE(in.empty());
}

TEST(Framer, LineTooLongResynchronises) {
  FramerLimits limits;
  limits.max_line = 20;
  CommandFramer f(limits);
  std::string input = "t1 SEARCH " + std::string(100, 'x') + "\r\nt2 NOOP\r\n";
  auto run = feed_all(f, input, 7);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0], "t1 command line too long");
  ASSERT_EQ(run.commands.size(), 1u);
  EXPECT_EQ(run.commands[0], "t2 NOOP\r\n");
}

TEST(Framer, SynchronizingLiteralTooLargeIsRefusedWithoutClosing) {
  FramerLimits limits;
  limits.max_literal = 1000;
  CommandFramer f(limits);
  std::string_view in = "t1 APPEND INBOX {5000}\r\nt2 NOOP\r\n";
  EXPECT_EQ(f.feed(in), Event::error);
  EXPECT_TRUE(f.error_is_too_big());
  EXPECT_EQ(f.tag(), "t1");
  EXPECT_EQ(f.feed(in), Event::command);
  EXPECT_EQ(f.take_command(), "t2 NOOP\r\n");
}

TEST(Framer, NonSynchronizingLiteralTooLargeIsFatal) {
  FramerLimits limits;
  limits.max_literal = 1000;
  CommandFramer f(limits);
  std::string_view in = "t1 APPEND INBOX {5000+}\r\nxxxx";
  EXPECT_EQ(f.feed(in), Event::fatal);
  EXPECT_EQ(f.error(), "literal too large");
}

TEST(Framer, HugeLiteralSizeDoesNotOverflow) {
  CommandFramer f;
  std::string_view in = "t1 APPEND INBOX {99999999999999999999999}\r\n";
  EXPECT_EQ(f.feed(in), Event::error);
  std::string_view in2 = "t2 APPEND INBOX {18446744073709551615}\r\n";
  EXPECT_EQ(f.feed(in2), Event::error);
}

TEST(Framer, WholeCommandLimit) {
  FramerLimits limits;
  limits.max_literal = 100;
  limits.max_command = 150;
  CommandFramer f(limits);
  std::string_view in = "t LOGIN {90}\r\n";
  EXPECT_EQ(f.feed(in), Event::continuation);
  std::string lit(90, 'a');
  std::string rest = lit + " {90}\r\n";
  std::string_view r = rest;
  EXPECT_EQ(f.feed(r), Event::error) << "two literals exceed the command limit";
}

TEST(Framer, LimitsRaisedAfterLoginApplyToTheNextLiteral) {
  FramerLimits before;
  before.max_literal = 8 * 1024;
  before.max_command = before.max_line;
  FramerLimits after;
  CommandFramer f(before);
  std::string_view big = "a LOGIN {52428790}\r\n";
  EXPECT_EQ(f.feed(big), Event::error) << "no continuation for a big literal before login";
  EXPECT_TRUE(f.error_is_too_big());
  std::string_view login = "b LOGIN {4}\r\n";
  EXPECT_EQ(f.feed(login), Event::continuation);
  std::string_view rest = "user pass\r\nc APPEND INBOX {52428790}\r\n";
  EXPECT_EQ(f.feed(rest), Event::command);
  EXPECT_EQ(f.take_command(), "b LOGIN {4}\r\nuser pass\r\n");
  f.set_limits(after);  // the login succeeded; the pipelined APPEND is read with the new limits
  EXPECT_EQ(f.feed(rest), Event::continuation);
}

TEST(Framer, BadTagsAnswerWithStar) {
  CommandFramer f;
  std::string_view in = std::string_view("+bad {99999999999}\r\n");
  EXPECT_EQ(f.feed(in), Event::error);
  EXPECT_EQ(f.tag(), "*");
}

TEST(Framer, KnowsWhenOnlyTheLineEndAfterALiteralIsMissing) {
  CommandFramer f;
  std::string_view in = "a1 APPEND INBOX {5}\r\n";
  EXPECT_EQ(f.feed(in), Event::continuation);
  EXPECT_FALSE(f.after_literal());
  in = "hel";
  EXPECT_EQ(f.feed(in), Event::need_more);
  EXPECT_FALSE(f.after_literal()) << "the literal is not whole yet";
  in = "lo";
  EXPECT_EQ(f.feed(in), Event::need_more);
  EXPECT_TRUE(f.after_literal()) << "the client's CRLF is all that is missing";
  in = " ";
  EXPECT_EQ(f.feed(in), Event::need_more);
  EXPECT_FALSE(f.after_literal());
  in = "\r\n";
  EXPECT_EQ(f.feed(in), Event::command);
  EXPECT_FALSE(f.after_literal());
  in = "a2 NOOP";
  EXPECT_EQ(f.feed(in), Event::need_more);
  EXPECT_FALSE(f.after_literal()) << "no literal in this command";
}

}  // namespace
}  // namespace estafeta::imap
