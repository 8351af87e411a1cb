#include "pop3/parser.hpp"

#include <gtest/gtest.h>

namespace estafeta::pop3 {
namespace {

TEST(Pop3Parser, Commands) {
  auto c = parse_command("retr 1\r\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->keyword, "RETR");
  EXPECT_EQ(c->args, std::vector<std::string>{"1"});
  auto top = parse_command("TOP 2 10");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->args, (std::vector<std::string>{"2", "10"}));
  auto pass = parse_command("PASS with two  spaces\r\n");
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->args, std::vector<std::string>{"with two  spaces"}) << "passwords keep their spaces";
  EXPECT_TRUE(parse_command("QUIT\r\n")->args.empty());
  EXPECT_FALSE(parse_command("RETR  1\r\n")) << "one space between arguments";
  EXPECT_FALSE(parse_command("R3TR 1\r\n"));
  EXPECT_FALSE(parse_command("RETRIEVE 1\r\n"));
  EXPECT_FALSE(parse_command("\r\n"));
  EXPECT_FALSE(parse_command("LIST \x01\r\n"));
  EXPECT_EQ(parse_command("USER " + std::string(300, 'a')).error().kind, ErrorKind::limit);
}

TEST(Pop3Parser, LineReaderSplitsAndBounds) {
  LineReader r;
  bool too_long = false;
  r.buffer = "USER a\r\nPA";
  EXPECT_EQ(r.next(too_long), "USER a\r\n");
  EXPECT_FALSE(r.next(too_long));
  r.buffer += "SS b\r\n";
  EXPECT_EQ(r.next(too_long), "PASS b\r\n");
  r.buffer += std::string(300, 'x');
  EXPECT_FALSE(r.next(too_long)) << "an over-long partial line is dropped";
  EXPECT_TRUE(r.buffer.empty());
  r.buffer += "yyy\r\nNOOP\r\n";
  auto dropped = r.next(too_long);
  ASSERT_TRUE(dropped);
  EXPECT_TRUE(too_long);
  EXPECT_EQ(r.next(too_long), "NOOP\r\n");
  EXPECT_FALSE(too_long);
}

}  // namespace
}  // namespace estafeta::pop3
