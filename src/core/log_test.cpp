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

}  // namespace
}  // namespace estafeta::log
