// Tests for BODY[section] (RFC 9051 §6.4.5.1, with its numbering example)
// and BINARY[section] / BINARY.SIZE (RFC 3516, RFC 9051 §7.5.2): byte-exact
// slices, HEADER.FIELDS subsetting, CRLF and bare-LF messages, base64 and
// quoted-printable decoding, unknown encodings.
#include <gtest/gtest.h>

#include <algorithm>

#include "imap/proto/fetch_render.hpp"
#include "mime/parsed_message.hpp"
#include "mime/test_util.hpp"

namespace estafeta::imap {
namespace {

using mime::testing::crlf;
using mime::testing::parse_ok;
using T = Section::Text;

class FetchSection : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mime::init(); }

  void load(std::string raw) {
    m_raw = std::move(raw);
    m_body = std::move(parse_ok(m_raw).msg.structure.root);
  }
  Result<std::string> get(std::vector<std::uint32_t> part, T text = T::none, std::vector<std::string> fields = {}) {
    return section_bytes(m_raw, m_body, Section{std::move(part), text, std::move(fields)});
  }
  std::string ok(std::vector<std::uint32_t> part, T text = T::none, std::vector<std::string> fields = {}) {
    auto r = get(std::move(part), text, std::move(fields));
    EXPECT_TRUE(r) << r.error().message << " " << r.error().detail;
    return r ? *r : "<error>";
  }
  bool missing(std::vector<std::uint32_t> part, T text = T::none) {
    auto r = get(std::move(part), text);
    return !r && r.error().kind == ErrorKind::not_found;
  }

  std::string m_raw;
  mime::Part m_body;
};

// The message of the RFC 9051 §6.4.5.1 example, part for part.
const char* kComplex = R"(From: a@example.org
Subject: complex
Content-Type: MULTIPART/MIXED; boundary=o

--o
Content-Type: TEXT/PLAIN

part 1
--o
Content-Type: APPLICATION/OCTET-STREAM
Content-Transfer-Encoding: base64

cGFydCAy
--o
Content-Type: MESSAGE/RFC822

Subject: part 3
Content-Type: MULTIPART/MIXED; boundary=m3

--m3

part 3.1
--m3
Content-Type: APPLICATION/OCTET-STREAM

part 3.2
--m3--
--o
Content-Type: MULTIPART/MIXED; boundary=m4

--m4
Content-Type: IMAGE/GIF
Content-Transfer-Encoding: base64

R0lGODlh
--m4
Content-Type: MESSAGE/RFC822

Subject: part 4.2
Content-Type: MULTIPART/MIXED; boundary=m42

--m42
Content-Type: TEXT/PLAIN

part 4.2.1
--m42
Content-Type: MULTIPART/ALTERNATIVE; boundary=alt

--alt
Content-Type: TEXT/PLAIN

part 4.2.2.1
--alt
Content-Type: TEXT/RICHTEXT

part 4.2.2.2
--alt--
--m42--
--m4--
--o--
)";

TEST_F(FetchSection, Rfc9051NumberingExample) {
  load(crlf(kComplex));
  const std::string header =
      crlf("From: a@example.org\nSubject: complex\nContent-Type: MULTIPART/MIXED; boundary=o\n\n");
  EXPECT_EQ(ok({}), m_raw);
  EXPECT_EQ(ok({}, T::header), header);
  EXPECT_EQ(ok({}, T::text), m_raw.substr(header.size()));
  EXPECT_EQ(ok({1}), "part 1");
  EXPECT_EQ(ok({1}, T::mime), crlf("Content-Type: TEXT/PLAIN\n\n"));
  EXPECT_EQ(ok({2}), "cGFydCAy");
  const std::string m3_header = crlf("Subject: part 3\nContent-Type: MULTIPART/MIXED; boundary=m3\n\n");
  const std::string m3_text =
      crlf("--m3\n\npart 3.1\n--m3\nContent-Type: APPLICATION/OCTET-STREAM\n\npart 3.2\n--m3--");
  EXPECT_EQ(ok({3}), m3_header + m3_text);  // the whole embedded message
  EXPECT_EQ(ok({3}, T::mime), crlf("Content-Type: MESSAGE/RFC822\n\n"));
  EXPECT_EQ(ok({3}, T::header), m3_header);
  EXPECT_EQ(ok({3}, T::text), m3_text);
  EXPECT_EQ(ok({3, 1}), "part 3.1");
  EXPECT_EQ(ok({3, 1}, T::mime), "\r\n");  // a part with an empty header
  EXPECT_EQ(ok({3, 2}), "part 3.2");
  EXPECT_EQ(ok({4}, T::mime), crlf("Content-Type: MULTIPART/MIXED; boundary=m4\n\n"));
  EXPECT_TRUE(ok({4}).starts_with("--m4\r\nContent-Type: IMAGE/GIF\r\n"));
  EXPECT_TRUE(ok({4}).ends_with("--m42--\r\n--m4--"));
  EXPECT_EQ(ok({4, 1}), "R0lGODlh");
  EXPECT_EQ(ok({4, 1}, T::mime), crlf("Content-Type: IMAGE/GIF\nContent-Transfer-Encoding: base64\n\n"));
  EXPECT_EQ(ok({4, 2}, T::header), crlf("Subject: part 4.2\nContent-Type: MULTIPART/MIXED; boundary=m42\n\n"));
  EXPECT_TRUE(ok({4, 2}, T::text).starts_with("--m42\r\nContent-Type: TEXT/PLAIN\r\n\r\npart 4.2.1\r\n--m42\r\n"));
  EXPECT_TRUE(ok({4, 2}, T::text).ends_with("--alt--\r\n--m42--"));
  EXPECT_EQ(ok({4, 2}, T::header_fields, {"SUBJECT"}), "Subject: part 4.2\r\n\r\n");
  EXPECT_EQ(ok({4, 2, 1}), "part 4.2.1");
  EXPECT_EQ(ok({4, 2, 2}, T::mime), crlf("Content-Type: MULTIPART/ALTERNATIVE; boundary=alt\n\n"));
  EXPECT_EQ(ok({4, 2, 2, 1}), "part 4.2.2.1");
  EXPECT_EQ(ok({4, 2, 2, 2}), "part 4.2.2.2");
  EXPECT_EQ(ok({4, 2, 2, 2}, T::mime), crlf("Content-Type: TEXT/RICHTEXT\n\n"));
}

TEST_F(FetchSection, NonexistentSectionsAreNotFound) {
  load(crlf(kComplex));
  EXPECT_TRUE(missing({5}));
  EXPECT_TRUE(missing({0}));
  EXPECT_TRUE(missing({1, 1}));  // below a leaf
  EXPECT_TRUE(missing({3, 3}));
  EXPECT_TRUE(missing({4, 3}, T::mime));
  EXPECT_TRUE(missing({4, 2, 2, 3}));
  EXPECT_TRUE(missing({1}, T::header));  // HEADER needs a message/rfc822 part
  EXPECT_TRUE(missing({4}, T::text));    // a multipart is not a message
  EXPECT_TRUE(missing({}, T::mime));
}

TEST_F(FetchSection, BodyListsThePartsOfTheNumberingExample) {
  load(crlf(kComplex));
  const auto size = [&](std::vector<std::uint32_t> part) { return std::to_string(ok(std::move(part)).size()); };
  const auto lines = [&](std::vector<std::uint32_t> part) {
    const std::string s = ok(std::move(part));
    return std::to_string(std::count(s.begin(), s.end(), '\n') + (s.ends_with('\n') ? 0 : 1));
  };
  const std::string text = "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" ";
  const std::string octets = "(\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL ";
  const std::string env = [](const char* subject) {
    return std::string("(NIL \"") + subject + "\" NIL NIL NIL NIL NIL NIL NIL NIL)";
  }("part 4.2");
  EXPECT_EQ(render_body(m_body, false, true),
            "(" + text + "6 1)" + octets + "\"BASE64\" 8)" + "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" " +
                size({3}) + " (NIL \"part 3\" NIL NIL NIL NIL NIL NIL NIL NIL) (" + text + "8 1)" + octets +
                "\"7BIT\" 8) \"MIXED\") " + lines({3}) + ")" + "((\"IMAGE\" \"GIF\" NIL NIL NIL \"BASE64\" 8)" +
                "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" " + size({4, 2}) + " " + env + " (" + text + "10 1)(" +
                text + "12 1)(\"TEXT\" \"RICHTEXT\" (\"CHARSET\" " +
                "\"us-ascii\") NIL NIL \"7BIT\" 12 1) \"ALTERNATIVE\") \"MIXED\") " + lines({4, 2}) +
                ") \"MIXED\") \"MIXED\")");
}

TEST_F(FetchSection, MessagePartWithSinglePartBody) {
  load(crlf(R"(Subject: outer
Content-Type: multipart/mixed; boundary=x

--x
Content-Type: message/rfc822

Subject: inner
Content-Type: text/plain

inner text
--x--
)"));
  EXPECT_EQ(ok({1}), crlf("Subject: inner\nContent-Type: text/plain\n\ninner text"));
  EXPECT_EQ(ok({1, 1}), "inner text");
  EXPECT_EQ(ok({1, 1}, T::mime), crlf("Subject: inner\nContent-Type: text/plain\n\n"));
  EXPECT_EQ(ok({1}, T::text), "inner text");
  EXPECT_EQ(ok({1}, T::header_fields, {"SUBJECT"}), "Subject: inner\r\n\r\n");
  EXPECT_TRUE(missing({1, 2}));
  EXPECT_TRUE(missing({1, 1, 1}));
}

TEST_F(FetchSection, SinglePartMessageHasPartOne) {
  load(crlf("Subject: one\nContent-Type: text/plain\n\nline 1\nline 2\n"));
  EXPECT_EQ(ok({1}), "line 1\r\nline 2\r\n");
  EXPECT_EQ(ok({}, T::text), "line 1\r\nline 2\r\n");
  EXPECT_EQ(ok({1}, T::mime), crlf("Subject: one\nContent-Type: text/plain\n\n"));
  EXPECT_TRUE(missing({2}));
  EXPECT_TRUE(missing({1, 1}));
  EXPECT_TRUE(missing({1}, T::header));
}

TEST_F(FetchSection, HeaderFieldsFoldedLinesAndCase) {
  load(crlf(R"(Received: from a
	by b
Subject: Hello
 world
from: Alice <a@example.org>
X-Subject: no
DATE : Mon, 1 Jan 2024 10:00:00 +0000
Received: from c

body
)"));
  EXPECT_EQ(ok({}, T::header_fields, {"DATE", "FROM", "SUBJECT"}),
            crlf("Subject: Hello\n world\nfrom: Alice <a@example.org>\nDATE : Mon, 1 Jan 2024 10:00:00 +0000\n\n"));
  EXPECT_EQ(ok({}, T::header_fields, {"received"}), crlf("Received: from a\n\tby b\nReceived: from c\n\n"));
  EXPECT_EQ(ok({}, T::header_fields_not, {"RECEIVED", "SUBJECT"}),
            crlf("from: Alice <a@example.org>\nX-Subject: no\nDATE : Mon, 1 Jan 2024 10:00:00 +0000\n\n"));
  EXPECT_EQ(ok({}, T::header_fields, {"NOPE", "SUBJ"}), "\r\n");
  // RFC 9051 §6.4.5: a partial of HEADER.FIELDS counts after subsetting.
  EXPECT_EQ(apply_partial(ok({}, T::header_fields, {"SUBJECT"}), Partial{9, 5}), "Hello");
}

TEST_F(FetchSection, HeaderWithoutBlankLine) {
  load("Subject: only\r\nFrom: a@example.org");
  EXPECT_EQ(ok({}, T::header), m_raw);
  EXPECT_EQ(ok({}, T::text), "");
  EXPECT_EQ(ok({}, T::header_fields, {"FROM"}), "From: a@example.org\r\n");
  EXPECT_EQ(ok({}, T::header_fields, {"SUBJECT"}), "Subject: only\r\n");
}

TEST_F(FetchSection, BareLfMessageSlicesAreByteExact) {
  load(
      "Subject: lf\nContent-Type: multipart/mixed; boundary=z\n\n--z\nContent-Type: text/plain\n\none\ntwo\n--z\n"
      "Content-Type: application/octet-stream\n\nAAAA\n--z--\n");
  const std::string header = ok({}, T::header);
  EXPECT_EQ(header, "Subject: lf\nContent-Type: multipart/mixed; boundary=z\n\n");
  EXPECT_EQ(header + ok({}, T::text), m_raw);
  EXPECT_EQ(ok({1}), "one\ntwo");
  EXPECT_EQ(ok({1}, T::mime), "Content-Type: text/plain\n\n");
  EXPECT_EQ(ok({2}), "AAAA");
  EXPECT_EQ(ok({}, T::header_fields, {"SUBJECT"}), "Subject: lf\n\n");
  EXPECT_EQ(m_raw.find('\r'), std::string::npos);
}

TEST_F(FetchSection, DamagedOffsetsAreInternalErrors) {
  load(crlf("Subject: x\n\nbody\n"));
  const auto r = section_bytes(m_raw.substr(0, 5), m_body, Section{{1}, T::none, {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::internal);
}

class FetchBinary : public FetchSection {
 protected:
  std::string bin(std::vector<std::uint32_t> part) {
    auto r = binary_bytes(m_raw, m_body, part);
    auto n = binary_size(m_raw, m_body, part);
    EXPECT_TRUE(r && n) << (r ? n.error().message : r.error().message);
    if (!r || !n) return "<error>";
    EXPECT_EQ(*n, r->size());  // BINARY.SIZE matches BINARY
    return *r;
  }
};

TEST_F(FetchBinary, Base64AndQuotedPrintable) {
  load(crlf(R"(Content-Type: multipart/mixed; boundary=q

--q
Content-Type: image/png
Content-Transfer-Encoding: BASE64

iVBORw0KGgoA
AAANSUhEUv8=
--q
Content-Type: text/plain
Content-Transfer-Encoding: base64

bGluZSBvbmUKbGluZSB0d28K
--q
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

caf=C3=A9 costs =3D 3=E2=82=AC  
soft line=
 continues=20
lower=c3=a9
bad=ZZ and =4
end=
--q
Content-Type: application/x-thing
Content-Transfer-Encoding: x-uuencode

begin 644 x
--q--
)"));
  EXPECT_EQ(bin({1}), std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff", 17));  // bare LF and NUL kept
  EXPECT_EQ(bin({2}), "line one\nline two\n");  // base64 text: the sender's octets, bare LF kept
  EXPECT_EQ(bin({3}), "café costs = 3€\r\nsoft line continues \r\nloweré\r\nbad=ZZ and =4\r\nend");
  EXPECT_EQ(bin({}), m_raw);  // BINARY[]: the message as stored

  const auto r = binary_bytes(m_raw, m_body, {4});
  ASSERT_FALSE(r);
  EXPECT_TRUE(is_unknown_cte(r.error()));
  const auto n = binary_size(m_raw, m_body, {4});
  ASSERT_FALSE(n);
  EXPECT_TRUE(is_unknown_cte(n.error()));

  const auto gone = binary_bytes(m_raw, m_body, {5});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().kind, ErrorKind::not_found);
  EXPECT_FALSE(is_unknown_cte(gone.error()));
}

TEST_F(FetchBinary, IdentityEncodingsAndLineEnds) {
  load(
      "Content-Type: multipart/mixed; boundary=z\n\n--z\nContent-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: 8bit\n\nGrüße\nzwei\n--z\nContent-Type: application/octet-stream\n"
      "Content-Transfer-Encoding: binary\n\na\nb\n--z--\n");
  EXPECT_EQ(ok({1}), "Grüße\nzwei");     // BODY[1] is the stored bytes
  EXPECT_EQ(bin({1}), "Grüße\r\nzwei");  // BINARY[1] of text: CRLF
  EXPECT_EQ(bin({2}), "a\nb");           // not text: untouched
}

// A multipart or message/rfc822 part has an identity encoding (RFC 2045
// §6.4): its BINARY is its body, as BODY[part] gives it.
TEST_F(FetchBinary, MultipartAndMessagePartsAreTheirBodies) {
  load(crlf(kComplex));
  for (const std::vector<std::uint32_t>& part : {std::vector<std::uint32_t>{3}, {4}, {4, 2}, {4, 2, 2}}) {
    const auto body = ok(part);
    EXPECT_FALSE(body.empty());
    EXPECT_EQ(bin(part), body);
  }
  EXPECT_EQ(bin({2}), "part 2");
  EXPECT_EQ(bin({4, 1}), "GIF89a");
  EXPECT_EQ(bin({4, 2, 2, 1}), "part 4.2.2.1");
}

TEST_F(FetchBinary, EncodedMessageIsAnOpaqueLeaf) {
  load(crlf(R"(Content-Type: multipart/mixed; boundary=a

--a
Content-Type: message/rfc822
Content-Transfer-Encoding: base64

U3ViamVjdDogaW5uZXINCg0KaGkNCg==
--a--
)"));
  EXPECT_EQ(ok({1}), "U3ViamVjdDogaW5uZXINCg0KaGkNCg==");
  EXPECT_TRUE(missing({1}, T::header));
  EXPECT_EQ(bin({1}), "Subject: inner\r\n\r\nhi\r\n");
}

}  // namespace
}  // namespace estafeta::imap
