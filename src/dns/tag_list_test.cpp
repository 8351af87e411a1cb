#include "dns/tag_list.hpp"

#include <gtest/gtest.h>

namespace estafeta::dns {
namespace {

TEST(TagList, ParsesTagsWithFoldingAndATrailingSemicolon) {
  auto tags = parse_tag_list(" v=1; a = rsa-sha256 ;\r\n\tb=abc\r\n def;").value();
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(tags[1].name, "a");
  EXPECT_EQ(tags[1].value, "rsa-sha256");
  EXPECT_EQ(tags[2].value, "abc\r\n def") << "inner folds are kept for the caller";
  EXPECT_EQ(*find_tag(tags, "v"), "1");
  EXPECT_EQ(find_tag(tags, "V"), nullptr) << "tag names are case-sensitive";
  EXPECT_EQ(strip_whitespace(tags[2].value), "abcdef");
}

TEST(TagList, EmptyValuesAreAllowed) {
  auto tags = parse_tag_list("p=; k=rsa").value();
  EXPECT_EQ(*find_tag(tags, "p"), "");
}

TEST(TagList, RefusesWhatRfc6376Section32Forbids) {
  EXPECT_FALSE(parse_tag_list("a=1; a=2")) << "a duplicate tag invalidates the list";
  EXPECT_FALSE(parse_tag_list("a=1; novalue")) << "no '='";
  EXPECT_FALSE(parse_tag_list("1a=1")) << "a name starts with a letter";
  EXPECT_FALSE(parse_tag_list("a-b=1")) << "'-' is not ALNUMPUNC";
  EXPECT_FALSE(parse_tag_list("a=x\x01y")) << "control characters are not VALCHAR";
  EXPECT_FALSE(parse_tag_list("a=\xc3\xa9")) << "8-bit bytes are not VALCHAR";
  EXPECT_FALSE(parse_tag_list("a=1;;b=2")) << "an empty tag-spec between two";
}

}  // namespace
}  // namespace estafeta::dns
