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

}  // namespace
}  // namespace estafeta::pop3
