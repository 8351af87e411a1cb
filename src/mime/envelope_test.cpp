// Tests for header handling: IMAP ENVELOPE (RFC 9051 §7.5.2) with RFC 5322
// §3.4 addresses and groups, RFC 2047 encoded words in several charsets,
// raw 8-bit headers, and the decoded summary fields.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mime/address.hpp"
#include "mime/parsed_message.hpp"
#include "mime/test_util.hpp"

namespace estafeta::mime {
namespace {

using nlohmann::json;
using testing::crlf;
using testing::parse_ok;

json addr(json name, json adl, json mailbox, json host) {
  return {{"name", name}, {"adl", adl}, {"mailbox", mailbox}, {"host", host}};
}

TEST(MimeEnvelope, RawFieldsAndDefaults) {
  const auto p = parse_ok(crlf(R"(Date: Mon, 1 Jan 2024 10:00:00 +0100
Subject: =?utf-8?q?caf=C3=A9?= and
 more
From: =?utf-8?q?J=C3=B6rg?= <jorg@example.de>
To: bob@example.com
Message-ID: <abc@example.org>
In-Reply-To: <p1@example.org>

body)"));
  const json& e = p.envelope;
  EXPECT_EQ(e["date"], "Mon, 1 Jan 2024 10:00:00 +0100");
  EXPECT_EQ(e["subject"], "=?utf-8?q?caf=C3=A9?= and more");  // raw, unfolded
  EXPECT_EQ(e["from"], json::array({addr("=?utf-8?q?J=C3=B6rg?=", nullptr, "jorg", "example.de")}));
  EXPECT_EQ(e["sender"], e["from"]);
  EXPECT_EQ(e["reply_to"], e["from"]);
  EXPECT_EQ(e["to"], json::array({addr(nullptr, nullptr, "bob", "example.com")}));
  EXPECT_TRUE(e["cc"].is_null());
  EXPECT_TRUE(e["bcc"].is_null());
  EXPECT_EQ(e["message_id"], "<abc@example.org>");
  EXPECT_EQ(e["in_reply_to"], "<p1@example.org>");

  EXPECT_EQ(p.msg.summary.subject, "café and more");
  EXPECT_EQ(p.msg.summary.from_name, "Jörg");
  EXPECT_EQ(p.msg.summary.date, 1704099600);
}

TEST(MimeEnvelope, SenderAndReplyToWhenPresent) {
  const auto p = parse_ok("From: a@example.org\nSender: s@example.org\nReply-To: \"R\" <r@example.org>\n\n");
  EXPECT_EQ(p.envelope["sender"], json::array({addr(nullptr, nullptr, "s", "example.org")}));
  EXPECT_EQ(p.envelope["reply_to"], json::array({addr("R", nullptr, "r", "example.org")}));
}

TEST(MimeEnvelope, GroupsRoutesCommentsAndOddAddresses) {
  const auto p = parse_ok(crlf(R"(From: Alice <alice@example.org>
To: Friends: bob@example.com, "Smith, Carol" <carol@example.net>;, dave@example.com
Cc: undisclosed-recipients:;
Bcc: <@relay.example.org,@hop.example:eve@example.org>, frank@example.com (Frank Castle),
 "john doe"@example.com, nodomain, John Q. Public <jqp@example.com>

)"));
  const json& e = p.envelope;
  EXPECT_EQ(e["to"],
            json::array({addr(nullptr, nullptr, "Friends", nullptr), addr(nullptr, nullptr, "bob", "example.com"),
                         addr("Smith, Carol", nullptr, "carol", "example.net"),
                         addr(nullptr, nullptr, nullptr, nullptr), addr(nullptr, nullptr, "dave", "example.com")}));
  EXPECT_EQ(e["cc"], json::array({addr(nullptr, nullptr, "undisclosed-recipients", nullptr),
                                  addr(nullptr, nullptr, nullptr, nullptr)}));
  EXPECT_EQ(e["bcc"],
            json::array({addr(nullptr, "@relay.example.org,@hop.example", "eve", "example.org"),
                         addr("Frank Castle", nullptr, "frank", "example.com"),
                         addr(nullptr, nullptr, "\"john doe\"", "example.com"), addr(nullptr, nullptr, "nodomain", ""),
                         addr("John Q. Public", nullptr, "jqp", "example.com")}));
  EXPECT_EQ(p.msg.summary.to, (std::vector<std::string>{"bob@example.com", "carol@example.net", "dave@example.com"}));
  EXPECT_NE(p.msg.text.headers.find("Smith, Carol <carol@example.net>"), std::string::npos);
  EXPECT_NE(p.msg.text.headers.find("Frank Castle <frank@example.com>"), std::string::npos);
}

TEST(MimeEnvelope, UnterminatedGroupAndGarbage) {
  const auto list = detail::parse_address_list("Team: a@x.org, b@y.org");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(*list[0].mailbox, "Team");
  EXPECT_FALSE(list[0].host.has_value());
  EXPECT_EQ(list[2].addr_spec(), "b@y.org");
  EXPECT_FALSE(list[3].mailbox.has_value());

  EXPECT_TRUE(detail::parse_address_list("").empty());
  EXPECT_TRUE(detail::parse_address_list(",,, ;; <> ()").empty());
  const auto odd = detail::parse_address_list("<a@b>> @@ \"unterminated");
  ASSERT_FALSE(odd.empty());
  EXPECT_EQ(odd[0].addr_spec(), "a@b");

  const auto p = parse_ok("From: ,,,\nTo: <>\n\n");
  EXPECT_TRUE(p.envelope["from"].is_null());
  EXPECT_TRUE(p.envelope["sender"].is_null());
  EXPECT_TRUE(p.envelope["to"].is_null());
  EXPECT_EQ(p.msg.summary.from_address, "");
}

TEST(MimeEncodedWords, CharsetsAndEncodings) {
  struct Case {
    std::string_view raw, decoded;
  };
  const Case cases[] = {
      {"=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?Q?K=F6ln?=", "Grüße aus Köln"},
      {"=?windows-1252?B?k0hlbGxvlA==?=", "\u201cHello\u201d"},
      {"=?utf-8?B?w6k=?=\r\n =?utf-8?B?w6k=?= x", "éé x"},  // folded adjacent words join
      {"=?utf-8?q?a?= =?utf-8?q?b?=   =?utf-8?q?c?=", "abc"},
      {"=?utf-8?q?hello_world?=", "hello world"},
      {"=?iso-8859-1?q?=E9t=E9?= plain =?utf-8?b?5pel5pys?=", "été plain 日本"},
      {"=?koi8-r?B?8NLJ18XU?=", "Привет"},
      {"=?utf-8*en?q?lang_tag?=", "lang tag"},  // RFC 2231 §5 language
      {"not =?encoded", "not =?encoded"},
      {"=?UTF-8?B?SGVsbG8=?= =?UTF-8?B?IHdvcmxk?=", "Hello world"},  // gmime#133
      {"=?utf-8?B?5pel?= =?utf-8?B?5pys?=", "日本"},
      {"=?utf-8?B?5pc=?= =?utf-8?B?pQ==?=", "日"},  // one character split across two words
      {"=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c"},   // text between words is kept
  };
  for (const Case& c : cases) {
    const auto p = parse_ok("Subject: " + std::string(c.raw) + "\r\n\r\n");
    EXPECT_EQ(p.msg.summary.subject, c.decoded) << c.raw;
    EXPECT_EQ(p.msg.text.headers, "Subject: " + std::string(c.decoded)) << c.raw;
  }
}

TEST(MimeEncodedWords, DisplayNamesDecodedInSummaryOnly) {
  const auto p = parse_ok(
      "From: \"=?iso-8859-1?q?M=FCller?=, Hans\" <hans@example.de>\n"
      "To: =?utf-8?b?5bGx55Sw?= <yamada@example.jp>\n\n");
  EXPECT_EQ(p.msg.summary.from_name, "Müller, Hans");
  EXPECT_EQ(p.envelope["from"][0]["name"], "=?iso-8859-1?q?M=FCller?=, Hans");
  EXPECT_EQ(p.msg.text.headers, "From: Müller, Hans <hans@example.de>\nTo: 山田 <yamada@example.jp>");
}

TEST(MimeEightBit, RawUtf8AndLatin1Headers) {
  const auto utf8 = parse_ok(
      "Subject: Gr\xc3\xbc\xc3\x9f"
      "e\nFrom: J\xc3\xb6rg <j@example.de>\n\n");
  EXPECT_EQ(utf8.msg.summary.subject, "Grüße");
  EXPECT_EQ(utf8.msg.summary.from_name, "Jörg");
  EXPECT_EQ(utf8.envelope["subject"], "Grüße");

  const auto latin1 = parse_ok("Subject: caf\xe9 \x80 5\nFrom: J\xf6rg <j@example.de>\n\n");
  EXPECT_EQ(latin1.msg.summary.subject, "café € 5");
  EXPECT_EQ(latin1.msg.summary.from_name, "Jörg");
  EXPECT_EQ(latin1.envelope["subject"], "café € 5");
  EXPECT_EQ(latin1.envelope["from"][0]["name"], "Jörg");

  // Broken sequences and control bytes still give valid JSON and UTF-8.
  using namespace std::literals;
  const auto junk = parse_ok("Subject: \xff\xfe\xc3(\xed\xa0\x80\x00z\n\n"sv);
  EXPECT_TRUE(json::accept(envelope_to_json(junk.msg.structure.envelope)));
  EXPECT_TRUE(json::accept(json(junk.msg.summary.subject).dump()));
}

TEST(MimeSummary, DatesAndIdentifiers) {
  const auto p = parse_ok(crlf(R"(Date: Tue, 02 Jan 2024 10:00:00 GMT
Message-ID:
 <abc.123@example.org>
In-Reply-To: <p1@example.org> <p2@example.org> (second)
References: <p0@example.org>
	<p1@example.org>   <p2@example.org>

)"));
  EXPECT_EQ(p.msg.summary.date, 1704189600);
  EXPECT_EQ(p.msg.summary.message_id, "abc.123@example.org");
  EXPECT_EQ(p.msg.summary.in_reply_to, "p1@example.org");
  EXPECT_EQ(p.msg.summary.references, "<p0@example.org> <p1@example.org> <p2@example.org>");

  EXPECT_EQ(parse_ok("Date: not a date\n\n").msg.summary.date, 0);
  EXPECT_EQ(parse_ok("Subject: none\n\n").msg.summary.date, 0);
  EXPECT_EQ(parse_ok("Message-ID: bare-id@example.org\n\n").msg.summary.message_id, "bare-id@example.org");
  EXPECT_EQ(parse_ok("Subject: x\n\n").msg.summary.message_id, "");
}

}  // namespace
}  // namespace estafeta::mime

namespace estafeta::mime {
namespace {

// IMAP TEXT looks at the whole header (RFC 9051 §6.4.4): every field goes
// into the search text, name and decoded value.
TEST(MimeSearchText, EveryHeaderFieldIsSearchable) {
  const auto p = parse_ok(
      "Subject: hi\r\nX-Header: qwertyuiop\r\nX-Encoded: =?utf-8?q?caf=C3=A9?=\r\nX-Folded: one\r\n "
      "two\r\n\r\nbody\r\n");
  EXPECT_NE(p.msg.text.headers.find("X-Header: qwertyuiop"), std::string::npos) << p.msg.text.headers;
  EXPECT_NE(p.msg.text.headers.find("X-Encoded: café"), std::string::npos) << p.msg.text.headers;
  EXPECT_NE(p.msg.text.headers.find("X-Folded: one two"), std::string::npos) << p.msg.text.headers;
  EXPECT_EQ(p.msg.text.body.find("qwertyuiop"), std::string::npos);
}

// The subject and the address fields too, with their names as written (TEXT
// "Subject: msg 3" matches "Subject: msg 3"): first, in a fixed order, each
// field as often as it occurs, the addresses with display names decoded; a
// field that holds no address is kept as written.
TEST(MimeSearchText, SubjectAndAddressFieldsKeepTheirNames) {
  const auto p = parse_ok(crlf(R"(Message-ID: <m3@example.org>
CC: "=?utf-8?q?Zo=C3=AB?=" <z@example.org>
Subject: msg 3
From: Ann <ann@example.org>
To: undisclosed-recipients:;
To: bob@example.org
Reply-To: r@example.org
Bcc: h@example.org

body)"));
  EXPECT_EQ(p.msg.text.headers,
            "Subject: msg 3\nFrom: Ann <ann@example.org>\nTo: undisclosed-recipients:;\nTo: bob@example.org\n"
            "CC: Zoë <z@example.org>\nBcc: h@example.org\nReply-To: r@example.org\nMessage-ID: <m3@example.org>");
  EXPECT_EQ(p.msg.text.body.find("Subject"), std::string::npos);
  EXPECT_EQ(p.msg.summary.subject, "msg 3");
  EXPECT_EQ(p.msg.summary.to, (std::vector<std::string>{"z@example.org"})) << "the first To holds no address";
}

}  // namespace
}  // namespace estafeta::mime
