// Tests for text extraction: UTF-8 repair and truncation, HTML to text,
// transfer decoding and charsets (RFC 2045 §6, RFC 2046 §4.1.2), RFC 2231
// file names, attachments, preview and the search-text budget.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mime/decode.hpp"
#include "mime/parsed_message.hpp"
#include "mime/test_util.hpp"
#include "mime/text.hpp"

namespace estafeta::mime {
namespace {

using testing::crlf;
using testing::parse_ok;

// RFC 5051 §2: titlecase, then NFKD; compared as octets.
TEST(MimeText, UnicodeCasemap) {
  EXPECT_EQ(unicode_casemap("hello World"), "HELLO WORLD");
  EXPECT_EQ(unicode_casemap("caf\xc3\xa9"), unicode_casemap("CAF\xc3\x89")) << "é and É";
  EXPECT_EQ(unicode_casemap("\xc3\xa9"), "E\xcc\x81") << "decomposed: E and the combining acute";
  EXPECT_EQ(unicode_casemap("\xc7\x86"), "Dz\xcc\x8c") << "U+01C6 dž titlecases to U+01C5, not U+01C4";
  EXPECT_EQ(unicode_casemap("\xef\xac\x81"), "fi") << "the ligature decomposes (compatibility)";
  EXPECT_LT(unicode_casemap("apple"), unicode_casemap("_apple")) << "letters map up, below the underscore";
  EXPECT_EQ(unicode_casemap("\xff\xfe x"), "\xff\xfe x") << "bytes that are not UTF-8 stay";
}

TEST(MimeText, Utf8RepairKeepsValidSequences) {
  EXPECT_EQ(detail::to_valid_utf8("plain"), "plain");
  EXPECT_EQ(detail::to_valid_utf8("caf\xc3\xa9"), "café");
  EXPECT_EQ(detail::to_valid_utf8("caf\xe9"), "café");                    // latin-1
  EXPECT_EQ(detail::to_valid_utf8("\x93q\x94 \x80"), "\u201cq\u201d €");  // windows-1252
  EXPECT_EQ(detail::to_valid_utf8("\x81"), "\uFFFD");                     // undefined in 1252
  EXPECT_EQ(detail::to_valid_utf8("\xc0\xaf"), "À¯");                     // overlong: bytewise
  EXPECT_EQ(detail::to_valid_utf8("\xed\xa0\x80"), "í\u00a0\u20ac");      // surrogate: bytewise
  EXPECT_EQ(detail::to_valid_utf8("\xe2\x82"), "â\u201a");                // truncated sequence
  EXPECT_TRUE(detail::is_valid_utf8(detail::to_valid_utf8("\xf4\x90\x80\x80\xff")));
}

TEST(MimeText, TruncateNeverSplitsASequence) {
  std::string s = "aé日𝄞";  // 1 + 2 + 3 + 4 bytes
  const std::string_view expect[] = {"", "a", "a", "aé", "aé", "aé", "aé日", "aé日", "aé日", "aé日", "aé日𝄞"};
  for (std::size_t n = 0; n <= 10; ++n) {
    std::string t = s;
    detail::truncate_utf8(t, n);
    EXPECT_EQ(t, expect[n]) << n;
  }
}

TEST(MimeText, CollapseWhitespace) {
  EXPECT_EQ(detail::collapse_whitespace("  a \r\n\t b\xc2\xa0\xc2\xa0 c  "), "a b c");
  EXPECT_EQ(detail::collapse_whitespace("ééé ééé", 5), "ééé é");
  EXPECT_EQ(detail::collapse_whitespace("ab   cd", 3), "ab");  // never ends on a space
  EXPECT_EQ(detail::collapse_whitespace(""), "");
}

TEST(MimeText, HtmlToText) {
  EXPECT_EQ(
      detail::html_to_text("<html><head><title>T</title><style>p{color:red}</style></head><body>"
                           "<p>Hello&nbsp;<b>World</b> &amp; caf&eacute;</p><!-- hidden --><script>var x = '<p>';"
                           "</script><div>a &lt; b &#8364;&#x20AC; &bogus; x < y</div>Line<br/>two</body></html>"),
      "T\nHello World & café\na < b €€ &bogus; x < y\nLine\ntwo");
  EXPECT_EQ(detail::html_to_text("<a href=\"x>y\">link</a> <td>c1</td><td>c2</td>"), "link c1 c2");
  EXPECT_EQ(detail::html_to_text("unterminated <b"), "unterminated");
  EXPECT_EQ(detail::html_to_text("<script>never closed"), "");
  EXPECT_EQ(detail::html_to_text("&#0; &#xD800; &#99999999;"), "\uFFFD \uFFFD \uFFFD");
}

TEST(MimeText, TransferDecodingAndCharsets) {
  EXPECT_EQ(detail::transfer_decode("SGVsbG8gd29y\r\nbGQ=\r\n", "base64", 100), "Hello world");
  EXPECT_EQ(detail::transfer_decode("SGVsbG8gd29ybGQ=", "BASE64", 5), "Hello");
  EXPECT_EQ(detail::transfer_decode("caf=E9 soft=\r\nbreak", "quoted-printable", 100), "caf\xe9 softbreak");
  EXPECT_EQ(detail::transfer_decode("as is", "8bit", 100), "as is");
  EXPECT_EQ(detail::transfer_decode("as is", "x-unknown", 2), "as");

  EXPECT_EQ(detail::charset_to_utf8("caf\xe9 \x80", "ISO-8859-1"), "café €");
  EXPECT_EQ(detail::charset_to_utf8("\xf0\xd2\xc9\xd7\xc5\xd4", "koi8-r"), "Привет");
  EXPECT_EQ(detail::charset_to_utf8("\x93\xfa\x96\x7b", "shift_jis"), "日本");
  EXPECT_EQ(detail::charset_to_utf8("\xb1", "iso-8859-2"), "ą");
  EXPECT_EQ(detail::charset_to_utf8("caf\xe9", "no-such-charset"), "café");
  EXPECT_EQ(detail::charset_to_utf8("a\xff"
                                    "b",
                                    "shift_jis"),
            "a\uFFFDb");  // invalid input byte
}

TEST(MimeBodyText, HtmlOnlyQuotedPrintableLatin1) {
  const auto p = parse_ok(crlf(R"(Subject: html
Content-Type: text/html; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

<html><body><h1>Caf=E9 menu</h1><p>Cr=E8me&nbsp;br=FBl=E9e &amp; more</p>=
<style>.x{}</style></body></html>
)"));
  EXPECT_EQ(p.msg.text.body, "Café menu\nCrème brûlée & more");
  EXPECT_EQ(p.msg.summary.preview, "Café menu Crème brûlée & more");
  EXPECT_FALSE(p.msg.summary.has_attachments);
}

TEST(MimeBodyText, Base64Utf8AndAlternativePrefersPlain) {
  const auto p = parse_ok(crlf(R"(Content-Type: multipart/alternative; boundary=a

--a
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

5pel5pys6Kqe44Gu44OG44Kt44K544OI
--a
Content-Type: text/html; charset=utf-8

<p>HTML version</p>
--a--
)"));
  EXPECT_EQ(p.msg.text.body, "日本語のテキスト");
  EXPECT_EQ(p.msg.summary.preview, "日本語のテキスト");
}

TEST(MimeBodyText, AlternativeWithoutPlainUsesLastAlternative) {
  const auto p = parse_ok(crlf(R"(Content-Type: multipart/alternative; boundary=a

--a
Content-Type: text/enriched

<bold>rich</bold>
--a
Content-Type: multipart/related; boundary=r

--r
Content-Type: text/html

<p>from html</p>
--r
Content-Type: image/png; name="logo.png"
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--r--
--a--
)"));
  EXPECT_EQ(p.msg.text.body, "from html");
  EXPECT_TRUE(p.msg.summary.has_attachments);  // an inline image with a file name
  EXPECT_EQ(p.msg.text.attachments, "logo.png");
}

TEST(MimeBodyText, AttachmentsAndRfc2231FileNames) {
  const auto p = parse_ok(crlf(R"(Content-Type: multipart/mixed; boundary=m

--m
Content-Type: text/plain

See attached.
--m
Content-Type: text/plain; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"

attached text is not body text
--m
Content-Type: application/octet-stream
Content-Disposition: attachment;
 filename*0*=utf-8''%E6%97%A5%E6%9C%AC;
 filename*1=".pdf"
Content-Transfer-Encoding: base64

AAAA
--m
Content-Type: application/pdf; name="=?utf-8?B?w6l0w6kucGRm?="

AAAA
--m
Content-Type: application/pdf; name="=?utf-8?B?YQ==?= =?utf-8?B?Yg==?=.pdf"

AAAA
--m--
)"));
  EXPECT_EQ(p.msg.text.body, "See attached.");
  EXPECT_EQ(p.msg.text.attachments, "notes.txt\n日本.pdf\nété.pdf\nab.pdf");  // last: gmime#133
  EXPECT_TRUE(p.msg.summary.has_attachments);
  const auto& parts = p.body["parts"];
  EXPECT_EQ(parts[2]["disposition"]["params"], nlohmann::json::parse(R"([["filename","日本.pdf"]])"));
}

TEST(MimeBodyText, InlineNamedTextIsNotAnAttachment) {
  const auto p = parse_ok(
      "Content-Type: text/plain; name=\"body.txt\"\nContent-Disposition: inline; filename=body.txt\n\nhello\n");
  EXPECT_FALSE(p.msg.summary.has_attachments);
  EXPECT_EQ(p.msg.text.attachments, "body.txt");
  EXPECT_EQ(p.msg.text.body, "hello\n");
}

TEST(MimeBodyText, PreviewIsTwoHundredCharactersOnBoundaries) {
  std::string text;
  for (int i = 0; i < 150; ++i) text += "é \t\r\n";  // 150 "é" separated by whitespace runs
  const auto p = parse_ok("Content-Type: text/plain; charset=utf-8\n\n" + text);
  std::string expect;
  for (int i = 0; i < 100; ++i) expect += i ? " é" : "é";
  EXPECT_EQ(p.msg.summary.preview, expect);  // 199 characters: it does not end on a space
}

TEST(MimeBodyText, SearchTextBudgetCutsOnUtf8Boundary) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "日本";
  Limits limits;
  limits.max_search_text = 100;  // 33 three-byte characters fit, the 34th would split
  const auto p = parse_ok("Content-Type: text/plain; charset=utf-8\n\n" + text, limits);
  EXPECT_EQ(p.msg.text.body.size(), 99u);
  EXPECT_TRUE(detail::is_valid_utf8(p.msg.text.body));
  EXPECT_TRUE(p.msg.text.body.starts_with("日本日本"));

  using namespace std::literals;
  const auto nul = parse_ok(
      "Content-Type: text/plain\n\na\0b\x01"
      "c\r\nd"sv);
  EXPECT_EQ(nul.msg.text.body, "a b c\nd");
}

}  // namespace
}  // namespace estafeta::mime
