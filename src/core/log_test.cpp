#include "core/log.hpp"

#include <gtest/gtest.h>

namespace estafeta::log {
namespace {

TEST(Log, TextQuotesOnlyWhenNeeded) {
  EXPECT_EQ(format_text("imap.login", {{"address", "a@b.c"}, {"n", 3}}), "event=imap.login address=a@b.c n=3");
  EXPECT_EQ(format_text("x", {{"reason", "two words"}}), "event=x reason=\"two words\"");
  EXPECT_EQ(format_text("x", {{"v", ""}}), "event=x v=\"\"");
  EXPECT_EQ(format_text("x", {{"v", "a\"b\nc"}}), "event=x v=\"a\\\"b\\nc\"");
  EXPECT_EQ(format_text("x", {{"v", "k=v"}}), "event=x v=\"k=v\"");
}

TEST(Log, JsonEscapes) {
  EXPECT_EQ(format_json(Level::warn, "e", {{"k", "a\"\\\x01"}}),
            "{\"level\":\"warn\",\"event\":\"e\",\"k\":\"a\\\"\\\\\\u0001\"}");
}

// Printable ASCII only (the inputs below hold nothing that may stay raw).
void expect_printable(const std::string& line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "raw byte " << int(c) << " at " << i << " in " << line;
  }
}

TEST(Log, TextEscapesEveryControlCharacter) {
  EXPECT_EQ(format_text("x", {{"v", "a\x1b[31mred"}}), "event=x v=\"a\\x1b[31mred\"");
  EXPECT_EQ(format_text("x", {{"v", std::string("a\0b", 3)}}), "event=x v=\"a\\x00b\"");
  EXPECT_EQ(format_text("x", {{"v", "tab\there\x7f"}}), "event=x v=\"tab\\there\\x7f\"");
  // C1 controls (CSI is U+009B, NEL U+0085) and the line separator.
  EXPECT_EQ(format_text("x", {{"v",
                               "a\xc2\x9b"
                               "2J\xc2\x85z"}}),
            "event=x v=\"a\\u009b2J\\u0085z\"");
  EXPECT_EQ(format_text("x", {{"v",
                               "a\xe2\x80\xa8"
                               "b"}}),
            "event=x v=\"a\\u2028b\"");
  std::string all;
  for (int c = 0; c < 0x20; ++c) all += static_cast<char>(c);
  all += "\x7f\xc2\x80\xc2\x9f";
  expect_printable(format_text("x", {{"v", all}}));
}

TEST(Log, TextEscapesInvalidUtf8AndKeepsValidUtf8) {
  EXPECT_EQ(format_text("x", {{"v", "caf\xc3\xa9"}}), "event=x v=caf\xc3\xa9");  // unquoted: nothing to escape
  EXPECT_EQ(format_text("x", {{"v", "\xff\xfe"}}), "event=x v=\"\\xff\\xfe\"");
  // A lone lead byte, an overlong ESC (C0 9B), a surrogate, past U+10FFFF.
  EXPECT_EQ(format_text("x", {{"v", "a\xc3"}}), "event=x v=\"a\\xc3\"");
  EXPECT_EQ(format_text("x", {{"v", "\xc0\x9b"}}), "event=x v=\"\\xc0\\x9b\"");
  EXPECT_EQ(format_text("x", {{"v", "\xed\xa0\x80"}}), "event=x v=\"\\xed\\xa0\\x80\"");
  EXPECT_EQ(format_text("x", {{"v", "\xf4\x90\x80\x80"}}), "event=x v=\"\\xf4\\x90\\x80\\x80\"");
  EXPECT_EQ(format_text("x", {{"v", "\xf0\x9f\x93\xa7"}}), "event=x v=\xf0\x9f\x93\xa7");  // U+1F4E7
}

TEST(Log, JsonEscapesControlsAndReplacesInvalidUtf8) {
  EXPECT_EQ(format_json(Level::info, "e", {{"k", "\x1b[0m\x7f\xc2\x9b"}}),
            "{\"level\":\"info\",\"event\":\"e\",\"k\":\"\\u001b[0m\\u007f\\u009b\"}");
  EXPECT_EQ(format_json(Level::info, "e",
                        {{"k",
                          "a\xff"
                          "b\xc3\xa9"}}),
            "{\"level\":\"info\",\"event\":\"e\",\"k\":\"a\\ufffdb\xc3\xa9\"}");
  std::string all;
  for (int c = 0; c < 0x20; ++c) all += static_cast<char>(c);
  all += "\x7f\xc2\x85\xfe";
  expect_printable(format_json(Level::info, "e", {{"k", all}}));
}

}  // namespace
}  // namespace estafeta::log
