#include "net/line_framer.hpp"

#include <gtest/gtest.h>

namespace estafeta::net {
namespace {

std::string text(const std::optional<LineFramer::Line>& l) { return l ? l->text : "<none>"; }

TEST(LineFramer, SplitsLinesAcrossReads) {
  LineFramer f;
  f.append("USER a\r\nPA");
  EXPECT_EQ(text(f.next(255)), "USER a\r\n");
  EXPECT_FALSE(f.next(255));
  f.append("SS b\r\n");
  EXPECT_EQ(text(f.next(255)), "PASS b\r\n");
  EXPECT_FALSE(f.next(255));
  EXPECT_TRUE(f.pending().empty());
}

TEST(LineFramer, DropsAnOverLongLineAsItArrives) {
  LineFramer f;
  f.append(std::string(300, 'x'));
  EXPECT_FALSE(f.next(255)) << "an over-long partial line is dropped";
  EXPECT_TRUE(f.overflowing());
  EXPECT_TRUE(f.pending().empty()) << "nothing of it is held";
  f.append("yyy\r\nNOOP\r\n");
  auto dropped = f.next(255);
  ASSERT_TRUE(dropped);
  EXPECT_TRUE(dropped->too_long);
  EXPECT_EQ(dropped->text, "");
  EXPECT_FALSE(f.overflowing());
  auto noop = f.next(255);
  ASSERT_TRUE(noop);
  EXPECT_FALSE(noop->too_long);
  EXPECT_EQ(noop->text, "NOOP\r\n");
}

TEST(LineFramer, AWholeLineOverTheLimitIsTooLong) {
  LineFramer f;
  f.append(std::string(10, 'a') + "\r\nok\r\n");
  auto first = f.next(11);  // 12 octets with CRLF
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->too_long);
  EXPECT_EQ(text(f.next(11)), "ok\r\n");
  f.append(std::string(9, 'b') + "\r\n");
  EXPECT_EQ(text(f.next(11)), std::string(9, 'b') + "\r\n") << "exactly the limit fits";
}

TEST(LineFramer, ClearForgetsEverything) {
  LineFramer f;
  f.append(std::string(300, 'x'));
  EXPECT_FALSE(f.next(255));
  f.append("QUIT\r\n");
  f.clear();
  EXPECT_FALSE(f.overflowing());
  EXPECT_FALSE(f.next(255));
  f.append("QUIT\r\n");
  EXPECT_EQ(text(f.next(255)), "QUIT\r\n");
}

}  // namespace
}  // namespace estafeta::net
