// Tests for the stored form of the message structure (structure_json.hpp):
// typed -> JSON -> typed is the identity, and the JSON the first release
// wrote for a set of messages is what this release writes for them, and
// reads back to the same structure.
#include "mime/structure_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "mime/parsed_message.hpp"

namespace estafeta::mime {
namespace {

using nlohmann::json;

// Messages whose stored structure the first release wrote (kGolden below).
struct GoldenCase {
  const char* name;
  const char* raw;  // written with "\n"; CRLF unless bare_lf
  bool bare_lf = false;
  std::size_t max_depth = 32;
  std::size_t max_parts = 2000;
};

const GoldenCase kGoldenCases[] = {
    {"mixed", R"(From: Alice <alice@example.org>
To: Bob <bob@example.com>
Subject: Report
Date: Tue, 2 Jan 2024 10:00:00 +0000
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
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain

inner text
--inner
Content-Type: text/html; charset=iso-8859-1

<p>inner</p>
--inner--
--outer--
epilogue
)"},
    {"addresses",
     "From: \"Joe \\\"Q\\\" Public\" <joe@example.com>\n"
     "To: Friends: bob@example.com, carol@example.net;, dave@example.org\n"
     "Cc: <@relay.example,@b.example:eve@example.org>, frank (Frank Castle)\n"
     "Bcc: undisclosed-recipients:;\n"
     "Reply-To: =?utf-8?q?J=C3=B6rg?= <j@example.de>\n"
     "Subject: Gr\xc3\xbc\xc3\x9f"
     "e caf\xe9\n"
     "In-Reply-To: <x@y>\n"
     "\n"
     "hi\n"},
    {"opaque", R"(Content-Type: multipart/mixed; boundary=a

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
)",
     false, 1},
    {"parts_limit", R"(Content-Type: multipart/mixed; boundary=a

--a

one
--a

two
--a

three
--a

four
--a--
)",
     false, 32, 3},
    {"digest_bare_lf", R"(Subject: digest
Content-Type: multipart/digest; boundary="d"

--d

Subject: first

1
--d
Content-Type: text/plain; format=flowed

plain
--d--
)",
     true},
    {"no_body", "Subject: only a header\n"},
    {"empty", ""},
};

// What the first release stored for each of kGoldenCases (envelope, root part).
struct Golden {
  const char* name;
  const char* envelope;
  const char* body;
};

const Golden
    kGolden
        [] =
            {
                {"mixed",
                 R"json({"bcc":null,"cc":null,"date":"Tue, 2 Jan 2024 10:00:00 +0000","from":[{"adl":null,"host":"example.org","mailbox":"alice","name":"Alice"}],"in_reply_to":null,"message_id":"<m1@example.org>","reply_to":[{"adl":null,"host":"example.org","mailbox":"alice","name":"Alice"}],"sender":[{"adl":null,"host":"example.org","mailbox":"alice","name":"Alice"}],"subject":"Report","to":[{"adl":null,"host":"example.com","mailbox":"bob","name":"Bob"}]})json",
                 R"json({"body_end":989,"body_start":241,"description":null,"disposition":null,"header_start":0,"id":null,"language":["en","fr"],"location":null,"md5":null,"params":[["boundary","outer"]],"parts":[{"body_end":345,"body_start":336,"description":null,"disposition":null,"encoding":"8bit","header_start":260,"id":null,"language":null,"lines":1,"location":null,"md5":null,"params":[["charset","utf-8"]],"size":9,"subtype":"plain","type":"text"},{"body_end":691,"body_start":679,"description":"The report","disposition":{"params":[["filename","résumé.pdf"]],"type":"attachment"},"encoding":"base64","header_start":356,"id":"<pdf@example.org>","language":["de"],"location":"http://example.org/r.pdf","md5":"Q2hlY2sgSW50ZWdyaXR5IQ==","params":[["name","r.pdf"]],"size":12,"subtype":"pdf","type":"application"},{"body_end":966,"body_start":734,"description":null,"disposition":null,"encoding":"7bit","header_start":702,"id":null,"language":null,"lines":13,"location":null,"md5":null,"message":{"body":{"body_end":966,"body_start":838,"description":null,"disposition":null,"header_start":734,"id":null,"language":null,"location":null,"md5":null,"params":[["boundary","inner"]],"parts":[{"body_end":885,"body_start":875,"description":null,"disposition":null,"encoding":"7bit","header_start":847,"id":null,"language":null,"lines":1,"location":null,"md5":null,"params":[["charset","us-ascii"]],"size":10,"subtype":"plain","type":"text"},{"body_end":955,"body_start":943,"description":null,"disposition":null,"encoding":"7bit","header_start":896,"id":null,"language":null,"lines":1,"location":null,"md5":null,"params":[["charset","iso-8859-1"]],"size":12,"subtype":"html","type":"text"}],"subtype":"alternative","type":"multipart"},"envelope":{"bcc":null,"cc":null,"date":null,"from":[{"adl":null,"host":"example.net","mailbox":"carol","name":"Carol"}],"in_reply_to":null,"message_id":null,"reply_to":[{"adl":null,"host":"example.net","mailbox":"carol","name":"Carol"}],"sender":[{"adl":null,"host":"example.net","mailbox":"carol","name":"Carol"}],"subject":"Fwd","to":null}},"params":[],"size":232,"subtype":"rfc822","type":"message"}],"subtype":"mixed","type":"multipart"})json"},
                {"addresses", R"json({"bcc":[{"adl":null,"host":null,"mailbox":"undisclosed-recipients","name":null},{"adl":null,"host":null,"mailbox":null,"name":null}],"cc":[{"adl":"@relay.example,@b.example","host":"example.org","mailbox":"eve","name":null},{"adl":null,"host":"","mailbox":"frank","name":"Frank Castle"}],"date":null,"from":[{"adl":null,"host":"example.com","mailbox":"joe","name":"Joe \"Q\" Public"}],"in_reply_to":"<x@y>","message_id":null,"reply_to":[{"adl":null,"host":"example.de","mailbox":"j","name":"=?utf-8?q?J=C3=B6rg?="}],"sender":[{"adl":null,"host":"example.com","mailbox":"joe","name":"Joe \"Q\" Public"}],"subject":"Grüße café","to":[{"adl":null,"host":null,"mailbox":"Friends","name":null},{"adl":null,"host":"example.com","mailbox":"bob","name":null},{"adl":null,"host":"example.net","mailbox":"carol","name":null},{"adl":null,"host":null,"mailbox":null,"name":null},{"adl":null,"host":"example.org","mailbox":"dave","name":null}]})json",
                 R"json({"body_end":311,"body_start":307,"description":null,"disposition":null,"encoding":"7bit","header_start":0,"id":null,"language":null,"lines":1,"location":null,"md5":null,"params":[["charset","us-ascii"]],"size":4,"subtype":"plain","type":"text"})json"},
                {"opaque",
                 R"json({"bcc":null,"cc":null,"date":null,"from":null,"in_reply_to":null,"message_id":null,"reply_to":null,"sender":null,"subject":null,"to":null})json",
                 R"json({"body_end":293,"body_start":45,"description":null,"disposition":null,"header_start":0,"id":null,"language":null,"location":null,"md5":null,"params":[["boundary","a"]],"parts":[{"body_end":79,"body_start":78,"description":null,"disposition":null,"encoding":"7bit","header_start":50,"id":null,"language":null,"lines":1,"location":null,"md5":null,"params":[["charset","us-ascii"]],"size":1,"subtype":"plain","type":"text"},{"body_end":178,"body_start":137,"description":null,"disposition":null,"encoding":"7bit","header_start":86,"id":null,"language":null,"location":null,"md5":null,"opaque":true,"params":[],"size":41,"subtype":"octet-stream","type":"application"},{"body_end":284,"body_start":252,"description":null,"disposition":null,"encoding":"base64","header_start":185,"id":null,"language":null,"location":null,"md5":null,"opaque":true,"params":[],"size":32,"subtype":"octet-stream","type":"application"}],"subtype":"mixed","type":"multipart"})json"},
                {"parts_limit",
                 R"json({"bcc":null,"cc":null,"date":null,"from":null,"in_reply_to":null,"message_id":null,"reply_to":null,"sender":null,"subject":null,"to":null})json",
                 R"json({"body_end":103,"body_start":45,"description":null,"disposition":null,"header_start":0,"id":null,"language":null,"location":null,"md5":null,"params":[["boundary","a"]],"parts":[{"body_end":55,"body_start":52,"description":null,"disposition":null,"encoding":"7bit","header_start":50,"id":null,"language":null,"lines":1,"location":null,"md5":null,"params":[["charset","us-ascii"]],"size":3,"subtype":"plain","type":"text"},{"body_end":94,"body_start":62,"description":null,"disposition":null,"encoding":"7bit","header_start":62,"id":null,"language":null,"location":null,"md5":null,"opaque":true,"params":[],"size":32,"subtype":"octet-stream","type":"application"}],"subtype":"mixed","type":"multipart"})json"},
                {"digest_bare_lf",
                 R"json({"bcc":null,"cc":null,"date":null,"from":null,"in_reply_to":null,"message_id":null,"reply_to":null,"sender":null,"subject":"digest","to":null})json", R"json({"body_end":142,"body_start":62,"description":null,"disposition":null,"header_start":0,"id":null,"language":null,"location":null,"md5":null,"params":[["boundary","d"]],"parts":[{"body_end":84,"body_start":67,"description":null,"disposition":null,"encoding":"7bit","header_start":66,"id":null,"language":null,"lines":3,"location":null,"md5":null,"message":{"body":{"body_end":84,"body_start":83,"description":null,"disposition":null,"encoding":"7bit","header_start":67,"id":null,"language":null,"lines":1,"location":null,"md5":null,"params":[["charset","us-ascii"]],"size":1,"subtype":"plain","type":"text"},"envelope":{"bcc":null,"cc":null,"date":null,"from":null,"in_reply_to":null,"message_id":null,"reply_to":null,"sender":null,"subject":"first","to":null}},"params":[],"size":17,"subtype":"rfc822","type":"message"},{"body_end":135,"body_start":130,"description":null,"disposition":null,"encoding":"7bit","header_start":89,"id":null,"language":null,"lines":1,"location":null,"md5":null,"params":[["format","flowed"],["charset","us-ascii"]],"size":5,"subtype":"plain","type":"text"}],"subtype":"digest","type":"multipart"})json"},
                {"no_body",
                 R"json({"bcc":null,"cc":null,"date":null,"from":null,"in_reply_to":null,"message_id":null,"reply_to":null,"sender":null,"subject":"only a header","to":null})json",
                 R"json({"body_end":24,"body_start":24,"description":null,"disposition":null,"encoding":"7bit","header_start":0,"id":null,"language":null,"lines":0,"location":null,"md5":null,"params":[["charset","us-ascii"]],"size":0,"subtype":"plain","type":"text"})json"},
                {"empty",
                 R"json({"bcc":null,"cc":null,"date":null,"from":null,"in_reply_to":null,"message_id":null,"reply_to":null,"sender":null,"subject":null,"to":null})json",
                 R"json({"body_end":0,"body_start":0,"description":null,"disposition":null,"encoding":"7bit","header_start":0,"id":null,"language":null,"lines":0,"location":null,"md5":null,"params":[["charset","us-ascii"]],"size":0,"subtype":"plain","type":"text"})json"},
};

std::string raw_of(const GoldenCase& c) {
  std::string raw;
  for (const char* p = c.raw; *p; ++p) {
    if (*p == '\n' && !c.bare_lf) raw += '\r';
    raw += *p;
  }
  return raw;
}

MessageStructure parse_case(const GoldenCase& c) {
  Limits limits;
  limits.max_depth = c.max_depth;
  limits.max_parts = c.max_parts;
  auto parsed = parse_message(raw_of(c), limits);
  EXPECT_TRUE(parsed) << c.name;
  return parsed ? std::move(parsed->structure) : MessageStructure{};
}

class StructureJson : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init(); }
};

TEST_F(StructureJson, WritesWhatTheFirstReleaseWrote) {
  ASSERT_EQ(std::size(kGolden), std::size(kGoldenCases));
  for (std::size_t i = 0; i < std::size(kGolden); ++i) {
    const MessageStructure s = parse_case(kGoldenCases[i]);
    EXPECT_EQ(envelope_to_json(s.envelope), kGolden[i].envelope) << kGolden[i].name;
    EXPECT_EQ(part_to_json(s.root), kGolden[i].body) << kGolden[i].name;
  }
}

TEST_F(StructureJson, ReadsWhatTheFirstReleaseWrote) {
  for (std::size_t i = 0; i < std::size(kGolden); ++i) {
    const MessageStructure s = parse_case(kGoldenCases[i]);
    const auto envelope = envelope_from_json(kGolden[i].envelope);
    const auto root = part_from_json(kGolden[i].body);
    ASSERT_TRUE(envelope && root) << kGolden[i].name;
    EXPECT_EQ(*envelope, s.envelope) << kGolden[i].name;
    EXPECT_EQ(*root, s.root) << kGolden[i].name;
    EXPECT_EQ(envelope_to_json(*envelope), kGolden[i].envelope) << kGolden[i].name;
    EXPECT_EQ(part_to_json(*root), kGolden[i].body) << kGolden[i].name;
  }
}

// Every member set, none at its default, a message inside a multipart.
MessageStructure full_structure() {
  MessageStructure inner;
  inner.envelope.date = "Mon, 1 Jan 2024 00:00:00 +0000";
  inner.envelope.subject = "=?utf-8?q?inner?=";
  inner.envelope.from = {Address{"Ana", std::nullopt, "ana", "example.org"}};
  inner.envelope.sender = {Address{std::nullopt, "@relay.example", "bot", "example.org"}};
  inner.envelope.reply_to = {Address{std::nullopt, std::nullopt, "team", std::nullopt},
                             Address{std::nullopt, std::nullopt, "x", ""}, Address{}};
  inner.envelope.to = {Address{"Bo", std::nullopt, "bo", "example.com"}};
  inner.envelope.cc = inner.envelope.to;
  inner.envelope.bcc = inner.envelope.from;
  inner.envelope.in_reply_to = "<a@b>";
  inner.envelope.message_id = "<c@d>";
  inner.root.type = "text";
  inner.root.subtype = "html";
  inner.root.params = {{"charset", "utf-8"}};
  inner.root.transfer_encoding = "quoted-printable";
  inner.root.header_start = 200;
  inner.root.body_start = 250;
  inner.root.body_end = 300;
  inner.root.lines = 2;

  Part leaf;
  leaf.type = "application";
  leaf.subtype = "pdf";
  leaf.params = {{"name", "r.pdf"}, {"x-empty", ""}};
  leaf.content_id = "<id@x>";
  leaf.description = "";
  leaf.transfer_encoding = "base64";
  leaf.md5 = "Q2hlY2s=";
  leaf.disposition = Disposition{"attachment", {{"filename", "résumé.pdf"}}};
  leaf.language = {"de", "en-GB"};
  leaf.location = "http://example.org/r.pdf";
  leaf.header_start = 50;
  leaf.body_start = 100;
  leaf.body_end = 150;

  Part message;
  message.type = "message";
  message.subtype = "rfc822";
  message.header_start = 160;
  message.body_start = 200;
  message.body_end = 300;
  message.lines = 4;
  message.message = std::make_unique<MessageStructure>(inner);

  Part opaque;
  opaque.type = "application";
  opaque.subtype = "octet-stream";
  opaque.opaque = true;
  opaque.header_start = opaque.body_start = 310;
  opaque.body_end = 320;

  MessageStructure s;
  s.envelope = inner.envelope;
  s.envelope.subject = "outer";
  s.root.type = "multipart";
  s.root.subtype = "mixed";
  s.root.params = {{"boundary", "b"}};
  s.root.disposition = Disposition{"inline", {}};
  s.root.language = {"fr"};
  s.root.location = "here";
  s.root.body_start = 40;
  s.root.body_end = 330;
  s.root.parts.push_back(std::move(leaf));
  s.root.parts.push_back(std::move(message));
  s.root.parts.push_back(std::move(opaque));
  return s;
}

TEST_F(StructureJson, TypedToJsonToTypedIsTheIdentity) {
  const MessageStructure s = full_structure();
  const auto envelope = envelope_from_json(envelope_to_json(s.envelope));
  const auto root = part_from_json(part_to_json(s.root));
  ASSERT_TRUE(envelope && root);
  EXPECT_EQ(*envelope, s.envelope);
  EXPECT_EQ(*root, s.root);
  EXPECT_EQ(root->parts[1].message->envelope.reply_to, s.envelope.reply_to);  // group markers kept
  EXPECT_EQ(part_to_json(*root), part_to_json(s.root));

  const MessageStructure empty;
  EXPECT_EQ(envelope_from_json(envelope_to_json(empty.envelope)).value(), empty.envelope);
  EXPECT_EQ(part_from_json(part_to_json(empty.root)).value(), empty.root);

  for (const GoldenCase& c : kGoldenCases) {
    const MessageStructure parsed = parse_case(c);
    EXPECT_EQ(envelope_from_json(envelope_to_json(parsed.envelope)).value(), parsed.envelope) << c.name;
    EXPECT_EQ(part_from_json(part_to_json(parsed.root)).value(), parsed.root) << c.name;
  }
}

TEST_F(StructureJson, CopiesAreDeep) {
  const MessageStructure s = full_structure();
  MessageStructure copy = s;
  EXPECT_EQ(copy, s);
  copy.root.parts[1].message->root.lines = 99;
  EXPECT_EQ(s.root.parts[1].message->root.lines, 2u);
  EXPECT_FALSE(copy == s);
  copy = s;
  EXPECT_EQ(copy, s);
}

TEST_F(StructureJson, ToleratesMissingAndMistypedMembers) {
  const auto part = part_from_json(R"({"type":5,"params":[["a","b"],["c"],[1,"d"],"e"],"language":["x",7],)"
                                   R"("disposition":{"params":[]},"body_start":"9","body_end":12,"parts":[]})");
  ASSERT_TRUE(part);
  EXPECT_EQ(part->type, "text");
  EXPECT_EQ(part->subtype, "plain");
  EXPECT_EQ(part->params, (std::vector<Param>{{"a", "b"}}));
  EXPECT_EQ(part->language, std::vector<std::string>{"x"});
  EXPECT_FALSE(part->disposition);
  EXPECT_EQ(part->body_start, 0u);
  EXPECT_EQ(part->size(), 12u);
  EXPECT_EQ(part->transfer_encoding, "7bit");
  EXPECT_FALSE(part->is_multipart());

  const auto multipart = part_from_json(R"({"type":"multipart","parts":[{},7]})");
  ASSERT_TRUE(multipart);
  EXPECT_EQ(multipart->subtype, "mixed");
  ASSERT_EQ(multipart->parts.size(), 2u);
  EXPECT_EQ(multipart->parts[1], Part());

  const auto envelope = envelope_from_json(R"({"subject":"","from":[],"to":null,"cc":[7],"message_id":"<a@b>"})");
  ASSERT_TRUE(envelope);
  EXPECT_EQ(envelope->subject, "");
  EXPECT_FALSE(envelope->date);
  EXPECT_TRUE(envelope->from.empty());
  EXPECT_TRUE(envelope->to.empty());
  EXPECT_EQ(envelope->cc, std::vector<Address>{Address{}});
  EXPECT_EQ(envelope->message_id, "<a@b>");

  for (const char* damaged : {"", "[]", "null", "{\"type\":", "\"text\""}) {
    EXPECT_FALSE(part_from_json(damaged)) << damaged;
    const auto e = envelope_from_json(damaged);
    ASSERT_FALSE(e) << damaged;
    EXPECT_EQ(e.error().kind, ErrorKind::internal);
  }
}

TEST_F(StructureJson, InvalidUtf8IsReplacedNotFatal) {
  Envelope e;
  e.subject = "caf\xe9";
  EXPECT_EQ(json::parse(envelope_to_json(e))["subject"], "caf\xef\xbf\xbd");
}

}  // namespace
}  // namespace estafeta::mime
