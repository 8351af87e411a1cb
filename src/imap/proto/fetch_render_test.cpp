// Tests for ENVELOPE, BODY and BODYSTRUCTURE rendering (RFC 9051 §7.5.2,
// RFC 3501 §7.4.2 examples), partial substrings and FETCH item names
// (RFC 9051 §6.4.5, §7.5.2), on messages parsed by mime::parse_message.
#include "imap/proto/fetch_render.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mime/parsed_message.hpp"
#include "mime/structure_json.hpp"
#include "mime/test_util.hpp"

namespace estafeta::imap {
namespace {

using mime::testing::crlf;
using mime::testing::parse_ok;
using nlohmann::json;

class FetchRender : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mime::init(); }
};

// The message of the RFC 3501 §8 / RFC 9051 §8 sample session, with a body
// of 92 lines and 3028 octets as its FETCH FULL shows.
std::string rfc_sample_message() {
  std::string raw = crlf(R"(Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)
From: Terry Gray <gray@cac.washington.edu>
Subject: IMAP4rev1 WG mtg summary and minutes
To: imap@cac.washington.edu
cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>
Message-Id: <B27397-0100000@cac.washington.edu>
MIME-Version: 1.0
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

)");
  for (int i = 0; i < 91; ++i) raw += std::string(31, 'x') + "\r\n";
  raw += std::string(23, 'y') + "\r\n";
  return raw;
}

TEST_F(FetchRender, Rfc3501SampleEnvelopeAndBody) {
  const std::string raw = rfc_sample_message();
  const auto p = parse_ok(raw);
  EXPECT_EQ(render_envelope(p.msg.structure.envelope, false),
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
            "((NIL NIL \"imap\" \"cac.washington.edu\")) "
            "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
            "\"<B27397-0100000@cac.washington.edu>\")");
  EXPECT_EQ(render_body(p.msg.structure.root, false, false),
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)");
  EXPECT_EQ(render_body(p.msg.structure.root, true, false),
            "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92 NIL NIL NIL NIL)");
}

// RFC 3501 §7.4.2: "a two part message consisting of a text and a
// BASE64-encoded text attachment".
TEST_F(FetchRender, Rfc3501TwoPartBodyStructure) {
  std::string raw = crlf(R"(From: a@example.org
MIME-Version: 1.0
Content-Type: MULTIPART/MIXED; BOUNDARY="b1"

--b1
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII

)");
  for (int i = 0; i < 22; ++i) raw += std::string(48, 't') + "\r\n";
  raw += std::string(50, 't') + "\r\n\r\n";  // 23 lines, 1152 octets
  raw += crlf(R"(--b1
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff
Content-ID: <960723163407.20117h@cac.washington.edu>
Content-Description: Compiler diff
Content-Transfer-Encoding: BASE64

)");
  for (int i = 0; i < 72; ++i) raw += std::string(60, 'Q') + "\r\n";
  raw += std::string(88, 'Q') + "\r\n\r\n--b1--\r\n";  // 73 lines, 4554 octets
  const auto p = parse_ok(raw);
  const std::string part1 = "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23";
  const std::string part2 =
      "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
      "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73";
  EXPECT_EQ(render_body(p.msg.structure.root, false, false), "(" + part1 + ")" + part2 + ") \"MIXED\")");
  EXPECT_EQ(
      render_body(p.msg.structure.root, true, false),
      "(" + part1 + " NIL NIL NIL NIL)" + part2 + " NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b1\") NIL NIL NIL)");
}

const char* kMixed = R"(From: Alice <alice@example.org>
To: Bob <bob@example.com>
Subject: Report
Message-ID: <m1@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"
Content-Language: en, fr

preamble
--outer
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hello Bob
--outer
Content-Type: application/pdf; name="r.pdf"
Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf
Content-Transfer-Encoding: base64
Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==
Content-Language: de
Content-Location: http://example.org/r.pdf
Content-ID: <pdf@example.org>
Content-Description: The report

JVBERi0xLjQK
--outer
Content-Type: message/rfc822

From: Carol <carol@example.net>
Subject: Fwd
Date: Tue, 2 Jan 2024 09:00:00 +0000

Inner body
--outer--
)";

TEST_F(FetchRender, BodyStructureExtensionDataAndNestedMessage) {
  const auto p = parse_ok(crlf(kMixed));
  const std::string inner =
      crlf("From: Carol <carol@example.net>\nSubject: Fwd\nDate: Tue, 2 Jan 2024 09:00:00 +0000\n\nInner body");
  const std::string inner_env =
      "(\"Tue, 2 Jan 2024 09:00:00 +0000\" \"Fwd\" ((\"Carol\" NIL \"carol\" \"example.net\")) "
      "((\"Carol\" NIL \"carol\" \"example.net\")) ((\"Carol\" NIL \"carol\" \"example.net\")) NIL NIL NIL NIL NIL)";
  const std::string message_fields =
      "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" " + std::to_string(inner.size()) + " " + inner_env + " ";
  EXPECT_EQ(
      render_body(p.msg.structure.root, true, true),
      "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"8BIT\" 9 1 NIL NIL NIL NIL)"
      "(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") \"<pdf@example.org>\" \"The report\" \"BASE64\" 12 "
      "\"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"ATTACHMENT\" (\"FILENAME\" \"résumé.pdf\")) \"de\" "
      "\"http://example.org/r.pdf\")" +
          message_fields +
          "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL) 5 NIL NIL NIL NIL)"
          " \"MIXED\" (\"BOUNDARY\" \"outer\") NIL (\"en\" \"fr\") NIL)");
  EXPECT_EQ(render_body(p.msg.structure.root, false, true),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"8BIT\" 9 1)"
            "(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") \"<pdf@example.org>\" \"The report\" \"BASE64\" 12)" +
                message_fields + "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 10 1) 5) \"MIXED\")");
}

TEST_F(FetchRender, EightBitParameterIsALiteralWithoutUtf8) {
  const auto p = parse_ok(crlf(kMixed));
  const std::string s = render_body(p.msg.structure.root, true, false);
  EXPECT_NE(s.find("(\"ATTACHMENT\" (\"FILENAME\" {12}\r\nrésumé.pdf))"), std::string::npos) << s;
  EXPECT_EQ(s.find("\"résumé.pdf\""), std::string::npos);
}

TEST_F(FetchRender, EnvelopeGroupsQuotingAndEightBitSubject) {
  const auto p = parse_ok(crlf(R"(From: "Joe \"Q\" Public" <joe@example.com>
To: Friends: bob@example.com, carol@example.net;, dave@example.org
Subject: Grüße
In-Reply-To: <x@y>

hi
)"));
  const std::string joe = "((\"Joe \\\"Q\\\" Public\" NIL \"joe\" \"example.com\"))";
  const std::string rest =
      " " + joe + " " + joe + " " + joe +
      " ((NIL NIL \"Friends\" NIL)(NIL NIL \"bob\" \"example.com\")(NIL NIL \"carol\" \"example.net\")"
      "(NIL NIL NIL NIL)(NIL NIL \"dave\" \"example.org\")) NIL NIL \"<x@y>\" NIL)";
  EXPECT_EQ(render_envelope(p.msg.structure.envelope, true), "(NIL \"Grüße\"" + rest);
  EXPECT_EQ(render_envelope(p.msg.structure.envelope, false), "(NIL {7}\r\nGrüße" + rest);
}

// addr-mailbox: "[RFC-2822] local-part after removing [RFC-2822] quoting"
// (RFC 9051 §9, RFC 3501 §9). The stored envelope keeps the quotes (an
// addr-spec needs them); ENVELOPE drops them, and so does SORT (RFC 5256 §3).
TEST_F(FetchRender, EnvelopeMailboxIsTheUnquotedLocalPart) {
  const auto p = parse_ok(crlf(R"(From: "quoted\"name" <"odd local"@x.example>
To: "a\"b"@x.example, "john".doe@x.example, plain@x.example
Cc: "Team": "in group"@x.example;

)"));
  EXPECT_EQ(*p.msg.structure.envelope.from[0].mailbox, "\"odd local\"") << "stored as written";
  EXPECT_EQ(render_envelope(p.msg.structure.envelope, false),
            "(NIL NIL ((\"quoted\\\"name\" NIL \"odd local\" \"x.example\")) "
            "((\"quoted\\\"name\" NIL \"odd local\" \"x.example\")) "
            "((\"quoted\\\"name\" NIL \"odd local\" \"x.example\")) "
            "((NIL NIL \"a\\\"b\" \"x.example\")(NIL NIL \"john.doe\" \"x.example\")(NIL NIL \"plain\" \"x.example\")) "
            "((NIL NIL \"Team\" NIL)(NIL NIL \"in group\" \"x.example\")(NIL NIL NIL NIL)) NIL NIL NIL)");
}

TEST_F(FetchRender, EnvelopeFieldOrder) {
  const auto p = parse_ok(crlf(R"(Date: Tue, 2 Jan 2024 09:00:00 +0000
Subject: order
From: f@example.org
Sender: s@example.org
Reply-To: r@example.org
To: t@example.org
Cc: c@example.org
Bcc: b@example.org
In-Reply-To: <i@example.org>
Message-ID: <m@example.org>

)"));
  EXPECT_EQ(render_envelope(p.msg.structure.envelope, false),
            "(\"Tue, 2 Jan 2024 09:00:00 +0000\" \"order\" ((NIL NIL \"f\" \"example.org\")) "
            "((NIL NIL \"s\" \"example.org\")) ((NIL NIL \"r\" \"example.org\")) ((NIL NIL \"t\" \"example.org\")) "
            "((NIL NIL \"c\" \"example.org\")) ((NIL NIL \"b\" \"example.org\")) \"<i@example.org>\" "
            "\"<m@example.org>\")");
}

TEST_F(FetchRender, EnvelopeFromIncompleteJson) {
  // Absent members and empty address lists are NIL; present-but-empty strings stay "".
  const json e = {{"subject", ""}, {"from", json::array()}, {"to", nullptr}, {"message_id", "<a@b>"}};
  EXPECT_EQ(render_envelope(mime::envelope_from_json(e.dump()).value(), true),
            "(NIL \"\" NIL NIL NIL NIL NIL NIL NIL \"<a@b>\")");
}

TEST_F(FetchRender, OpaquePartsAreOctetStreams) {
  const std::string raw = crlf(R"(Content-Type: multipart/mixed; boundary=a

--a
Content-Type: text/plain

x
--a
Content-Type: multipart/alternative; boundary=b

--b
Content-Type: text/plain

y
--b--
--a
Content-Type: message/rfc822
Content-Transfer-Encoding: base64

U3ViamVjdDogaW5uZXINCg0KaGkNCg==
--a--
)");
  mime::Limits limits;
  limits.max_depth = 1;
  const auto p = parse_ok(raw, limits);
  const std::string nested = crlf("--b\nContent-Type: text/plain\n\ny\n--b--");
  EXPECT_EQ(render_body(p.msg.structure.root, false, true),
            "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 1 1)"
            "(\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL \"7BIT\" " +
                std::to_string(nested.size()) +
                ")(\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL \"BASE64\" 32) \"MIXED\")");
}

TEST_F(FetchRender, PartialSubstrings) {
  EXPECT_EQ(apply_partial("hello world", std::nullopt), "hello world");
  EXPECT_EQ(apply_partial("hello world", Partial{0, 5}), "hello");
  EXPECT_EQ(apply_partial("hello world", Partial{6, 100}), "world");  // truncated at the end
  EXPECT_EQ(apply_partial("hello world", Partial{10, 1}), "d");
  EXPECT_EQ(apply_partial("hello world", Partial{11, 1}), "");    // origin at the end
  EXPECT_EQ(apply_partial("hello world", Partial{1000, 5}), "");  // origin beyond the end
  EXPECT_EQ(apply_partial("", Partial{0, 5}), "");
  EXPECT_EQ(partial_view("hello world", std::nullopt), "hello world");
  EXPECT_EQ(partial_view("hello world", Partial{6, 100}), "world");
  EXPECT_EQ(partial_view("hello world", Partial{10, 1}), "d");
  EXPECT_EQ(partial_view("hello world", Partial{11, 1}), "");
  EXPECT_EQ(partial_view("hello world", Partial{0xffffffffull, 0xffffffffull}), "");
}

TEST_F(FetchRender, ItemNames) {
  using K = FetchAttr::Kind;
  using T = Section::Text;
  const auto attr = [](K kind, Section s = {}, std::optional<Partial> partial = std::nullopt, bool peek = false) {
    FetchAttr a;
    a.kind = kind;
    a.section = std::move(s);
    a.partial = partial;
    a.peek = peek;
    return a;
  };
  EXPECT_EQ(fetch_item_name(attr(K::body_section, {{}, T::header_fields, {"DATE", "FROM"}}, Partial{0, 2048})),
            "BODY[HEADER.FIELDS (DATE FROM)]<0>");
  EXPECT_EQ(fetch_item_name(attr(K::body_section, {{}, T::none, {}}, std::nullopt, true)), "BODY[]");
  EXPECT_EQ(fetch_item_name(attr(K::body_section, {{1, 2}, T::mime, {}}, Partial{100, 5}, true)),
            "BODY[1.2.MIME]<100>");
  EXPECT_EQ(fetch_item_name(attr(K::body_section, {{3}, T::header_fields_not, {"X-A", "X B"}})),
            "BODY[3.HEADER.FIELDS.NOT (X-A \"X B\")]");
  EXPECT_EQ(fetch_item_name(attr(K::body_section, {{}, T::text, {}})), "BODY[TEXT]");
  EXPECT_EQ(fetch_item_name(attr(K::body_section, {{4, 2}, T::header, {}})), "BODY[4.2.HEADER]");
  EXPECT_EQ(fetch_item_name(attr(K::binary, {{1}, T::none, {}})), "BINARY[1]");
  EXPECT_EQ(fetch_item_name(attr(K::binary, {{2, 3}, T::none, {}}, Partial{7, 1}, true)), "BINARY[2.3]<7>");
  EXPECT_EQ(fetch_item_name(attr(K::binary_size, {{1}, T::none, {}})), "BINARY.SIZE[1]");
  EXPECT_EQ(fetch_item_name(attr(K::binary_size)), "BINARY.SIZE[]");
  EXPECT_EQ(fetch_item_name(attr(K::rfc822_header)), "RFC822.HEADER");
  EXPECT_EQ(fetch_item_name(attr(K::bodystructure)), "BODYSTRUCTURE");
  EXPECT_EQ(fetch_item_name(attr(K::body)), "BODY");
}

}  // namespace
}  // namespace estafeta::imap
