// SORT keys: RFC 5256 §3 address keys, RFC 5957 §3 display values, the
// base subject of RFC 5256 §2.1 rule by rule, and the i;unicode-casemap
// order they compare in.
#include "imap/proto/sort_key.hpp"

#include <gtest/gtest.h>

#include "imap/proto/thread.hpp"
#include "mime/parsed_message.hpp"

namespace estafeta::imap {
namespace {

AddressSortKeys keys_of(const std::string& header) {
  auto parsed = mime::parse_message(header + "\r\nbody\r\n");
  EXPECT_TRUE(parsed.has_value());
  return address_sort_keys(parsed->structure.envelope);
}

TEST(SortKey, AddressKeysAreTheFirstLocalPart) {
  auto k = keys_of(
      "From: \"Zed, Ann\" <ann@b.example>, carl@a.example\r\n"
      "To: Bob Smith <Bob@z.example>\r\nCc: \"Doe, J\" <jdoe@x.example>, amy@x.example\r\n");
  EXPECT_EQ(k.from, "ANN") << "the first address, whatever comma its name holds";
  EXPECT_EQ(k.to, "BOB");
  EXPECT_EQ(k.cc, "JDOE");
  auto none = keys_of("Subject: no addresses\r\n");
  EXPECT_EQ(none.from, "");
  EXPECT_EQ(none.to, "") << "an absent field is the empty string";
  EXPECT_EQ(none.display_to, "");
  auto only_cc = keys_of("Cc: someone@x.example\r\n");
  EXPECT_EQ(only_cc.to, "") << "TO is not taken from Cc";
  EXPECT_EQ(only_cc.cc, "SOMEONE");
  // The addr-mailbox is the local part without its quoting (RFC 9051 §9).
  EXPECT_EQ(keys_of("From: \"zed local\"@x.example\r\n").from, "ZED LOCAL");
}

TEST(SortKey, DisplayValues) {
  // §3: the decoded display name when there is one …
  EXPECT_EQ(keys_of("From: =?utf-8?q?=C3=A9lodie?= <z@x.example>\r\n").display_from,
            mime::unicode_casemap("\xc3\x89LODIE"));
  EXPECT_EQ(keys_of("To: \"Bob Smith\" <a@x.example>, Al <b@x.example>\r\n").display_to, "BOB SMITH");
  // … else mailbox@host, …
  EXPECT_EQ(keys_of("From: zed@Example.org\r\n").display_from, "ZED@EXAMPLE.ORG");
  EXPECT_EQ(keys_of("From: \"\" <empty@x.example>\r\n").display_from, "EMPTY@X.EXAMPLE") << "an empty name";
  // … else the mailbox alone; NIL is the empty string.
  EXPECT_EQ(keys_of("To: undisclosed-recipients:;\r\n").display_to, "UNDISCLOSED-RECIPIENTS")
      << "a group's first address structure is its start marker";
  EXPECT_EQ(keys_of("Subject: x\r\n").display_from, "");
}

TEST(SortKey, BaseSubjectRules) {
  auto key = [](const char* s) { return subject_sort_key(s); };
  // (1) white space runs become one space.
  EXPECT_EQ(key("a \t  b"), "A B");
  // (2) trailing "(fwd)" and white space, repeatedly.
  EXPECT_EQ(key("hello (fwd) (FWD)  "), "HELLO");
  // (3) leading re/fw/fwd with optional blobs, and white space.
  EXPECT_EQ(key("Re: Fw: FWD: hello"), "HELLO");
  EXPECT_EQ(key("re [2]: hello"), "HELLO");
  EXPECT_EQ(key("[list] [tag] Re: hello"), "HELLO");
  // (4) a leading blob goes when something is left, (5) repeatedly with (3).
  EXPECT_EQ(key("[list] hello"), "HELLO");
  EXPECT_EQ(key("[list] Re: [other] Re: hello"), "HELLO");
  EXPECT_EQ(key("[only]"), "[ONLY]") << "a blob that is the whole subject stays";
  // (6) the [fwd: …] wrapper, then again from (2).
  EXPECT_EQ(key("[Fwd: Re: hello (fwd)]"), "HELLO");
  // Not prefixes: no colon, or a word that only begins with "re".
  EXPECT_EQ(key("Re hello"), "RE HELLO");
  EXPECT_EQ(key("Regards: hello"), "REGARDS: HELLO");
  EXPECT_EQ(key(""), "");
}

TEST(SortKey, CollationOrder) {
  // i;unicode-casemap: letters compare as titlecase, so "apple" before
  // "_x" (0x41 < 0x5F), and case does not matter.
  EXPECT_LT(subject_sort_key("apple"), subject_sort_key("_banana"));
  EXPECT_EQ(subject_sort_key("Apple"), subject_sort_key("aPPLE"));
  EXPECT_LT(subject_sort_key(""), subject_sort_key("a")) << "the empty string first";
  EXPECT_EQ(subject_sort_key("r\xc3\xa9sum\xc3\xa9"), subject_sort_key("R\xc3\x89SUM\xc3\x89"));
}

}  // namespace
}  // namespace estafeta::imap
