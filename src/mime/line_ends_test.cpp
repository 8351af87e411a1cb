#include "mime/line_ends.hpp"

#include <gtest/gtest.h>

namespace estafeta::mime {
namespace {

TEST(CrlfSizeTest, CrlfLinesAreTheirOwnSize) {
  EXPECT_EQ(crlf_size(""), 0u);
  EXPECT_EQ(crlf_size("a\r\n"), 3u);
  EXPECT_EQ(crlf_size("Subject: x\r\n\r\nbody\r\n"), 20u);
}

TEST(CrlfSizeTest, BareLineFeedsCountTheirCarriageReturn) {
  EXPECT_EQ(crlf_size("\n"), 2u);
  EXPECT_EQ(crlf_size("a\nb\n"), 6u);
  EXPECT_EQ(crlf_size("a\r\nb\n\n"), 8u);
}

TEST(CrlfSizeTest, ALastLineWithoutItsEndGetsOne) {
  EXPECT_EQ(crlf_size("a"), 3u);
  EXPECT_EQ(crlf_size("a\r\nb"), 6u);
  // A CR alone is not a line end: the line goes on, and then ends.
  EXPECT_EQ(crlf_size("a\r"), 4u);
}

}  // namespace
}  // namespace estafeta::mime
