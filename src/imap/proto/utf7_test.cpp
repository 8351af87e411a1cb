#include "imap/proto/utf7.hpp"

#include <gtest/gtest.h>

#include "imap/proto/mailbox_names.hpp"

namespace estafeta::imap {
namespace {

TEST(Utf7, RoundTrips) {
  // RFC 3501 §5.1.3 example: "~peter/mail/台北/日本語"
  EXPECT_EQ(utf8_to_mutf7("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  EXPECT_EQ(mutf7_to_utf8("~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
            "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
  EXPECT_EQ(utf8_to_mutf7("Tom & Jerry"), "Tom &- Jerry");
  EXPECT_EQ(mutf7_to_utf8("Tom &- Jerry"), "Tom & Jerry");
  EXPECT_EQ(utf8_to_mutf7("Enviados \xc3\xa1"), "Enviados &AOE-");
  for (std::string s : {"plain", "caf\xc3\xa9", "\xf0\x9f\x93\xa7 mail", "a&b&c", "\xc3\xb1\xc3\xb1\xc3\xb1\xc3\xb1"})
    EXPECT_EQ(mutf7_to_utf8(utf8_to_mutf7(s)), s) << s;
}

TEST(Utf7, RejectsMalformed) {
  EXPECT_FALSE(mutf7_to_utf8("&U,BTFw"));      // unterminated
  EXPECT_FALSE(mutf7_to_utf8("&AGE-"));        // "a" must not be encoded
  EXPECT_FALSE(mutf7_to_utf8("&2D3-"));        // a lone surrogate
  EXPECT_FALSE(mutf7_to_utf8("caf\xc3\xa9"));  // 8-bit is not modified UTF-7
  EXPECT_FALSE(mutf7_to_utf8("&U,BTF*-"));     // not base64
}

TEST(ListMatch, Wildcards) {
  EXPECT_TRUE(list_match("INBOX", "*"));
  EXPECT_TRUE(list_match("a/b/c", "*"));
  EXPECT_TRUE(list_match("a", "%"));
  EXPECT_FALSE(list_match("a/b", "%"));
  EXPECT_TRUE(list_match("a/b", "a/%"));
  EXPECT_TRUE(list_match("a/b/c", "a/*"));
  EXPECT_FALSE(list_match("a/b/c", "a/%"));
  EXPECT_TRUE(list_match("Sent Items", "Sent*"));
  EXPECT_FALSE(list_match("Drafts", "Sent*"));
  EXPECT_TRUE(list_match("x", "x"));
  EXPECT_FALSE(list_match("x", ""));
  EXPECT_TRUE(list_match("", ""));
  EXPECT_TRUE(list_match("abcabc", "*b%c"));
  // Many wildcards stay cheap (no exponential backtracking).
  std::string name(1000, 'a');
  EXPECT_FALSE(list_match(name, std::string(200, '*') + "b"));
}

}  // namespace
}  // namespace estafeta::imap
