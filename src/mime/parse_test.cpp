// Tests for the part tree and BODYSTRUCTURE offsets (RFC 2046 §5.1.1,
// RFC 9051 §6.4.5): nested multiparts, message/rfc822, CRLF and LF input,
// broken MIME.
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "mime/parsed_message.hpp"
#include "mime/test_util.hpp"

namespace estafeta::mime {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::crlf;
using testing::mime_of;
using testing::parse_ok;

constexpr std::string_view kNested = R"(From: "Doe, Jane" <jane@example.org>
To: bob@example.com
Subject: Nested test
Date: Tue, 2 Jan 2024 10:00:00 +0000
Message-ID: <outer@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

This is the preamble.
--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hello Bob,=0Athis is the plain text caf=C3=A9.
--alt
Content-Type: text/html; charset=utf-8

<html><body><p>Hello Bob,</p><p>the <b>HTML</b> text caf&eacute;.</p></body></html>
--alt--

--outer
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQKJcfsj6IK
--outer
Content-Type: message/rfc822

From: Carol <carol@example.net>
Subject: Inner message
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain

Inner text.
--inner
Content-Type: image/png; name=dot.png
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--inner--
--outer--
Epilogue.
)";

// Checks every offset of kNested by slicing; `nl` maps "\n" to the line end in use.
void check_nested(bool use_crlf) {
  const std::string raw = use_crlf ? crlf(kNested) : std::string(kNested);
  const auto nl = [&](std::string_view s) { return use_crlf ? crlf(s) : std::string(s); };
  const testing::Parsed p = parse_ok(raw);
  const json& root = p.body;

  EXPECT_EQ(root["type"], "multipart");
  EXPECT_EQ(root["subtype"], "mixed");
  EXPECT_EQ(root["params"], json::parse(R"([["boundary","outer"]])"));
  EXPECT_EQ(root["header_start"], 0);
  EXPECT_EQ(std::size_t(root["body_start"]), raw.find("This is the preamble"));
  EXPECT_EQ(std::size_t(root["body_end"]), raw.size());
  EXPECT_FALSE(root.contains("size"));
  ASSERT_EQ(root["parts"].size(), 3u);

  const json& alt = root["parts"][0];
  EXPECT_EQ(alt["subtype"], "alternative");
  EXPECT_EQ(mime_of(raw, alt), nl("Content-Type: multipart/alternative; boundary=\"alt\"\n\n"));
  const std::string alt_body = body_of(raw, alt);
  EXPECT_TRUE(alt_body.starts_with(nl("--alt\nContent-Type: text/plain")));
  EXPECT_TRUE(alt_body.ends_with(nl("</html>\n--alt--\n"))) << alt_body;

  const json& plain = alt["parts"][0];
  EXPECT_EQ(plain["type"], "text");
  EXPECT_EQ(plain["subtype"], "plain");
  EXPECT_EQ(plain["encoding"], "quoted-printable");
  EXPECT_EQ(plain["params"], json::parse(R"([["charset","utf-8"]])"));
  EXPECT_EQ(body_of(raw, plain), "Hello Bob,=0Athis is the plain text caf=C3=A9.");
  EXPECT_EQ(mime_of(raw, plain),
            nl("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"));
  EXPECT_EQ(plain["size"], 46);
  EXPECT_EQ(plain["lines"], 1);

  const json& html = alt["parts"][1];
  EXPECT_EQ(html["subtype"], "html");
  EXPECT_EQ(html["encoding"], "7bit");
  EXPECT_EQ(body_of(raw, html), "<html><body><p>Hello Bob,</p><p>the <b>HTML</b> text caf&eacute;.</p></body></html>");

  const json& pdf = root["parts"][1];
  EXPECT_EQ(pdf["type"], "application");
  EXPECT_EQ(pdf["subtype"], "pdf");
  EXPECT_EQ(pdf["encoding"], "base64");
  EXPECT_EQ(body_of(raw, pdf), "JVBERi0xLjQKJcfsj6IK");
  EXPECT_EQ(pdf["size"], 20);
  EXPECT_FALSE(pdf.contains("lines"));
  EXPECT_EQ(pdf["disposition"], json::parse(R"({"type":"attachment","params":[["filename","report.pdf"]]})"));

  const json& rfc822 = root["parts"][2];
  EXPECT_EQ(rfc822["type"], "message");
  EXPECT_EQ(rfc822["subtype"], "rfc822");
  const std::string inner = body_of(raw, rfc822);
  EXPECT_TRUE(inner.starts_with("From: Carol <carol@example.net>"));
  EXPECT_TRUE(inner.ends_with(nl("iVBORw0KGgo=\n--inner--"))) << inner;
  EXPECT_EQ(rfc822["lines"], 14);
  EXPECT_EQ(rfc822["size"], inner.size());

  const json& env = rfc822["message"]["envelope"];
  EXPECT_EQ(env["subject"], "Inner message");
  EXPECT_EQ(env["from"], json::parse(R"([{"name":"Carol","adl":null,"mailbox":"carol","host":"example.net"}])"));
  EXPECT_EQ(env["sender"], env["from"]);
  EXPECT_TRUE(env["to"].is_null());

  const json& inner_root = rfc822["message"]["body"];
  EXPECT_EQ(inner_root["subtype"], "mixed");
  EXPECT_EQ(inner_root["header_start"], rfc822["body_start"]);
  EXPECT_EQ(inner_root["body_end"], rfc822["body_end"]);
  EXPECT_TRUE(mime_of(raw, inner_root).starts_with("From: Carol"));  // BODY[3.HEADER]
  ASSERT_EQ(inner_root["parts"].size(), 2u);
  EXPECT_EQ(body_of(raw, inner_root["parts"][0]), "Inner text.");
  EXPECT_EQ(inner_root["parts"][0]["params"], json::parse(R"([["charset","us-ascii"]])"));
  EXPECT_EQ(body_of(raw, inner_root["parts"][1]), "iVBORw0KGgo=");
  EXPECT_EQ(inner_root["parts"][1]["params"], json::parse(R"([["name","dot.png"]])"));

  const Summary& s = p.msg.summary;
  EXPECT_EQ(s.subject, "Nested test");
  EXPECT_EQ(s.from_name, "Doe, Jane");
  EXPECT_EQ(s.from_address, "jane@example.org");
  EXPECT_EQ(s.to, std::vector<std::string>{"bob@example.com"});
  EXPECT_EQ(s.date, 1704189600);
  EXPECT_EQ(s.message_id, "outer@example.org");
  EXPECT_TRUE(s.has_attachments);
  EXPECT_EQ(s.preview, "Hello Bob, this is the plain text café. Inner text.");
  // multipart/alternative: only the text/plain alternative is indexed.
  EXPECT_EQ(p.msg.text.body, "Hello Bob,\nthis is the plain text café.\nInner text.");
  EXPECT_EQ(p.msg.text.attachments, "report.pdf\ndot.png");
}

TEST(MimeStructure, NestedMultipartOffsetsCrlf) { check_nested(true); }
TEST(MimeStructure, NestedMultipartOffsetsLfOnly) { check_nested(false); }

// IMAP answers BODY[HEADER]/BODY[TEXT] of the top-level message from
// top_level_body_start: it must agree with the structure's root offset.
TEST(MimeStructure, TopLevelBodyStartMatchesTheStructure) {
  for (std::string raw :
       {std::string("Subject: a\r\n\r\nbody\r\n"), std::string("Subject: a\n\nbody\n"),
        std::string("Subject: a\r\nX: folded\r\n continued\r\n\r\n"), std::string("Subject: no body"),
        std::string("Subject: a\r\nnot a field line\r\nbody\r\n"), std::string("\r\nbody only\r\n"), std::string(""),
        std::string("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n")}) {
    const std::size_t expected = parse_ok(raw).body.at("body_start");
    EXPECT_EQ(top_level_body_start(raw), expected) << raw;
  }
}

TEST(MimeStructure, SinglePartMessage) {
  const std::string raw = crlf("Subject: hi\nContent-Type: text/plain; charset=utf-8\n\nline one\nline two\n");
  const auto p = parse_ok(raw);
  EXPECT_EQ(p.body["type"], "text");
  EXPECT_EQ(std::size_t(p.body["body_start"]), raw.find("line one"));
  EXPECT_EQ(body_of(raw, p.body), "line one\r\nline two\r\n");
  EXPECT_EQ(p.body["size"], 20);
  EXPECT_EQ(p.body["lines"], 2);
  EXPECT_EQ(p.msg.text.body, "line one\nline two\n");
}

TEST(MimeStructure, NoContentTypeDefaultsToPlainUsAscii) {
  const auto p = parse_ok("Subject: x\n\nbody");
  EXPECT_EQ(p.body["type"], "text");
  EXPECT_EQ(p.body["params"], json::parse(R"([["charset","us-ascii"]])"));
  EXPECT_EQ(p.body["size"], 4);
}

TEST(MimeStructure, DigestChildrenDefaultToMessage) {
  const std::string raw = crlf(
      "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nfirst\n--d\n\nSubject: two\n\n"
      "second\n--d--\n");
  const auto p = parse_ok(raw);
  ASSERT_EQ(p.body["parts"].size(), 2u);
  const json& m = p.body["parts"][1];
  EXPECT_EQ(m["type"], "message");
  EXPECT_EQ(m["subtype"], "rfc822");
  EXPECT_EQ(m["message"]["envelope"]["subject"], "two");
  EXPECT_EQ(body_of(raw, m["message"]["body"]), "second");
  EXPECT_EQ(p.msg.text.body, "first\nsecond");
}

TEST(MimeStructure, EncodedMessageRfc822IsOpaque) {
  const std::string raw = crlf(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: message/rfc822\n"
      "Content-Transfer-Encoding: base64\n\nU3ViamVjdDogeAoKeQo=\n--b--\n");
  const auto p = parse_ok(raw);
  const json& m = p.body["parts"][0];
  EXPECT_EQ(m["type"], "application");
  EXPECT_EQ(m["subtype"], "octet-stream");
  EXPECT_EQ(m["opaque"], true);
  EXPECT_FALSE(m.contains("message"));
  EXPECT_EQ(body_of(raw, m), "U3ViamVjdDogeAoKeQo=");
}

TEST(MimeBroken, MissingFinalBoundary) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nfirst\n--b\n"
      "Content-Type: text/plain\n\nsecond, never closed\n";
  const auto p = parse_ok(raw);
  ASSERT_EQ(p.body["parts"].size(), 2u);
  EXPECT_EQ(body_of(raw, p.body["parts"][0]), "first");
  EXPECT_EQ(body_of(raw, p.body["parts"][1]), "second, never closed\n");
  EXPECT_EQ(std::size_t(p.body["parts"][1]["body_end"]), raw.size());
  EXPECT_EQ(p.body["parts"][1]["lines"], 1);
}

TEST(MimeBroken, InnerCloseMissingEndsAtOuterDelimiter) {
  const std::string raw = crlf(
      "Content-Type: multipart/mixed; boundary=out\n\n--out\nContent-Type: multipart/alternative; boundary=in\n\n"
      "--in\n\ninner one\n--in\n\ninner two\n--out\n\nouter two\n--out--\n");
  const auto p = parse_ok(raw);
  ASSERT_EQ(p.body["parts"].size(), 2u);
  const json& alt = p.body["parts"][0];
  ASSERT_EQ(alt["parts"].size(), 2u);
  EXPECT_EQ(body_of(raw, alt["parts"][1]), "inner two");
  EXPECT_EQ(body_of(raw, p.body["parts"][1]), "outer two");
}

TEST(MimeBroken, MissingBoundaryParameterIsPlainText) {
  const std::string raw = "Content-Type: multipart/mixed\n\n--x\nContent-Type: text/plain\n\nstuff\n--x--\n";
  const auto p = parse_ok(raw);
  EXPECT_EQ(p.body["type"], "text");
  EXPECT_EQ(p.body["subtype"], "plain");
  EXPECT_FALSE(p.body.contains("parts"));
  EXPECT_EQ(std::size_t(p.body["size"]), raw.size() - raw.find("--x"));
  EXPECT_NE(p.msg.text.body.find("stuff"), std::string::npos);
}

TEST(MimeBroken, MultipartWithoutAnyDelimiterIsPlainText) {
  const auto p = parse_ok("Content-Type: multipart/mixed; boundary=zz\n\nno delimiters at all\n");
  EXPECT_EQ(p.body["type"], "text");
  EXPECT_EQ(p.msg.text.body, "no delimiters at all\n");
}

TEST(MimeBroken, GarbageContentType) {
  for (std::string_view ct : {"this is not a type", "/plain", "text/", ";;;", "\x01\x02"}) {
    const std::string raw = "Content-Type: " + std::string(ct) + "\n\nHello";
    const auto p = parse_ok(raw);
    EXPECT_EQ(p.body["type"], "text") << ct;
    EXPECT_EQ(p.body["subtype"], "plain") << ct;
    EXPECT_EQ(p.body["params"], json::parse(R"([["charset","us-ascii"]])")) << ct;
    EXPECT_EQ(body_of(raw, p.body), "Hello") << ct;
  }
}

TEST(MimeBroken, UnterminatedHeaders) {
  const std::string raw = "From: a@example.org\r\nSubject: no body";
  const auto p = parse_ok(raw);
  EXPECT_EQ(p.msg.summary.subject, "no body");
  EXPECT_EQ(p.msg.summary.from_address, "a@example.org");
  EXPECT_EQ(std::size_t(p.body["body_start"]), raw.size());
  EXPECT_EQ(p.body["size"], 0);
  EXPECT_EQ(p.body["lines"], 0);
}

TEST(MimeBroken, NonHeaderLineStartsTheBody) {
  const std::string raw = "Subject: hi\nThis line is not a header\nbody\n";
  const auto p = parse_ok(raw);
  EXPECT_EQ(p.msg.summary.subject, "hi");
  EXPECT_EQ(std::size_t(p.body["body_start"]), raw.find("This line"));
  EXPECT_EQ(p.body["lines"], 2);
}

TEST(MimeBroken, EmptyInputAndHeaderOnlyPart) {
  const auto empty = parse_ok("");
  EXPECT_EQ(empty.body["size"], 0);
  EXPECT_TRUE(empty.envelope["from"].is_null());
  EXPECT_TRUE(empty.envelope["subject"].is_null());

  const std::string raw = "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b--\n";
  const auto p = parse_ok(raw);
  const json& part = p.body["parts"][0];
  EXPECT_EQ(part["type"], "text");
  EXPECT_EQ(part["size"], 0);
  EXPECT_EQ(mime_of(raw, part), "Content-Type: text/plain");
}

// Every prefix of a real message parses, and offsets stay nested and in range.
TEST(MimeBroken, EveryTruncationKeepsOffsetsConsistent) {
  const std::string full = crlf(kNested);
  std::function<void(const json&, std::size_t, std::size_t, std::size_t)> check = [&](const json& part, std::size_t lo,
                                                                                      std::size_t hi, std::size_t len) {
    const std::size_t h = part["header_start"], b = part["body_start"], e = part["body_end"];
    ASSERT_LE(lo, h);
    ASSERT_LE(h, b);
    ASSERT_LE(b, e);
    ASSERT_LE(e, hi);
    ASSERT_LE(e, len);
    if (part.contains("size")) {
      ASSERT_EQ(std::size_t(part["size"]), e - b);
    }
    if (part.contains("parts")) {
      ASSERT_FALSE(part["parts"].empty());
      for (const json& c : part["parts"]) check(c, b, e, len);
    }
    if (part.contains("message")) check(part["message"]["body"], b, e, len);
  };
  for (std::size_t n = 0; n <= full.size(); ++n) {
    const std::string raw = full.substr(0, n);
    const auto p = parse_ok(raw);
    check(p.body, 0, raw.size(), raw.size());
    if (::testing::Test::HasFatalFailure()) FAIL() << "prefix of " << n << " bytes";
  }
}

// GMime objects are per parse; several threads parsing at once agree.
TEST(MimeStructure, ConcurrentParsesAgree) {
  init();
  init();  // idempotent
  const std::string raw = crlf(kNested);
  const auto expected = parse_ok(raw);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&raw, &expected, &mismatches, t] {
      for (int i = 0; i < 50; ++i) {
        const auto r = parse_message(raw);
        if (!r || r->structure != expected.msg.structure || r->text.body != expected.msg.text.body) ++mismatches[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace estafeta::mime
