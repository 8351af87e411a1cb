// Tests for the limits (RFC-independent hardening): nesting depth, part
// count, message size, a 50 MB message, and inputs built to make naive
// scanners quadratic.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "mime/parsed_message.hpp"
#include "mime/test_util.hpp"
#include "mime/text.hpp"

namespace estafeta::mime {
namespace {

using nlohmann::json;
using testing::body_of;
using testing::count_parts;
using testing::mime_of;
using testing::parse_ok;

std::string nested_multiparts(std::size_t n) {
  std::string s = "Content-Type: multipart/mixed; boundary=b0\n\n";
  for (std::size_t i = 0; i < n; ++i)
    s += "--b" + std::to_string(i) + "\nContent-Type: multipart/mixed; boundary=b" + std::to_string(i + 1) + "\n\n";
  s += "--b" + std::to_string(n) + "\nContent-Type: text/plain\n\ndeep\n--b" + std::to_string(n) + "--\n";
  for (std::size_t i = n; i-- > 0;) s += "--b" + std::to_string(i) + "--\n";
  return s;
}

TEST(MimeLimits, NestingBeyondMaxDepthBecomesOpaque) {
  const std::string raw = nested_multiparts(40);  // 41 nested multiparts
  const auto p = parse_ok(raw);                   // default max_depth = 32
  const json* node = &p.body;
  std::size_t depth = 0;
  while (node->contains("parts")) {
    node = &(*node)["parts"][0];
    ++depth;
  }
  EXPECT_EQ(depth, 32u);
  EXPECT_EQ((*node)["type"], "application");
  EXPECT_EQ((*node)["subtype"], "octet-stream");
  EXPECT_EQ((*node)["opaque"], true);
  EXPECT_EQ(mime_of(raw, *node), "Content-Type: multipart/mixed; boundary=b32\n\n");
  const std::string body = body_of(raw, *node);
  EXPECT_TRUE(body.starts_with("--b32\n")) << body;
  EXPECT_TRUE(body.ends_with("--b33--\n--b32--")) << body;
  EXPECT_EQ(p.msg.text.body, "");  // the text sits below the limit

  Limits shallow;
  shallow.max_depth = 2;
  const auto q = parse_ok(nested_multiparts(1), shallow);
  EXPECT_EQ(q.body["parts"][0]["parts"][0]["type"], "text");
  EXPECT_EQ(q.msg.text.body, "deep");
  const auto r = parse_ok(nested_multiparts(2), shallow);
  EXPECT_EQ(r.body["parts"][0]["parts"][0]["opaque"], true);
}

TEST(MimeLimits, MessageRfc822CountsTowardsDepth) {
  std::string raw = "Subject: level0\nContent-Type: message/rfc822\n\n";
  raw += "Subject: level1\nContent-Type: message/rfc822\n\nSubject: level2\n\ntext\n";
  Limits limits;
  limits.max_depth = 1;
  const auto p = parse_ok(raw, limits);
  EXPECT_EQ(p.body["type"], "message");
  const json& inner = p.body["message"]["body"];
  EXPECT_EQ(p.body["message"]["envelope"]["subject"], "level1");
  EXPECT_EQ(inner["opaque"], true);
  EXPECT_TRUE(body_of(raw, inner).starts_with("Subject: level2"));
}

TEST(MimeLimits, PartsBeyondMaxPartsBecomeOneOpaqueRemainder) {
  std::string raw = "Content-Type: multipart/mixed; boundary=p\n\n";
  for (int i = 0; i < 10; ++i) raw += "--p\nContent-Type: text/plain\n\npart " + std::to_string(i) + "\n";
  raw += "--p--\n";
  Limits limits;
  limits.max_parts = 5;
  const auto p = parse_ok(raw, limits);
  ASSERT_EQ(p.body["parts"].size(), 4u);
  EXPECT_EQ(count_parts(p.body), 5u);
  EXPECT_EQ(body_of(raw, p.body["parts"][2]), "part 2");
  const json& rest = p.body["parts"][3];
  EXPECT_EQ(rest["opaque"], true);
  EXPECT_EQ(rest["header_start"], rest["body_start"]);
  const std::string rest_body = body_of(raw, rest);
  EXPECT_TRUE(rest_body.starts_with("Content-Type: text/plain\n\npart 3\n--p\n")) << rest_body;
  EXPECT_TRUE(rest_body.ends_with("part 9")) << rest_body;

  const auto all = parse_ok(raw);  // default limit: every part
  EXPECT_EQ(count_parts(all.body), 11u);
}

TEST(MimeLimits, PartBudgetHoldsWithNestedMultiparts) {
  // Five sibling multiparts of five parts each: 31 parts without a limit.
  std::string raw = "Content-Type: multipart/mixed; boundary=o\n\n";
  for (int i = 0; i < 5; ++i) {
    raw += "--o\nContent-Type: multipart/mixed; boundary=i" + std::to_string(i) + "\n\n";
    for (int k = 0; k < 5; ++k) raw += "--i" + std::to_string(i) + "\n\nx\n";
    raw += "--i" + std::to_string(i) + "--\n";
  }
  raw += "--o--\n";
  for (std::size_t max_parts : {1u, 2u, 3u, 7u, 12u, 30u}) {
    Limits limits;
    limits.max_parts = max_parts;
    const auto p = parse_ok(raw, limits);
    EXPECT_LE(count_parts(p.body), max_parts) << max_parts;
  }
  EXPECT_EQ(count_parts(parse_ok(raw).body), 31u);
}

TEST(MimeLimits, OverMaxSizeIsALimitError) {
  Limits limits;
  limits.max_size = 10;
  const auto r = parse_message("Subject: eleven bytes", limits);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, ErrorKind::limit);

  const std::string huge(Limits{}.max_size + 1, 'a');
  const auto big = parse_message(huge);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().kind, ErrorKind::limit);
}

TEST(MimeLimits, FiftyMegabyteMessage) {
  const std::string text_line = "Grüße aus Köln, dies ist eine lange Textzeile.\r\n";  // 51 bytes
  const std::string b64_line(76, 'Q');
  std::string raw =
      "From: big@example.org\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=big\r\n\r\n"
      "--big\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  const std::size_t text_start = raw.size();
  const std::size_t text_lines = 100'000;  // 5.1 MB, more than max_search_text
  raw.reserve(51u * 1024 * 1024);
  for (std::size_t i = 0; i < text_lines; ++i) raw += text_line;
  const std::size_t text_end = raw.size() - 2;
  raw += "--big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  const std::size_t att_start = raw.size();
  while (raw.size() < 50u * 1024 * 1024) raw += b64_line + "\r\n";
  const std::size_t att_end = raw.size() - 2;
  raw += "--big--\r\n";
  ASSERT_GE(raw.size(), 50u * 1024 * 1024);

  const auto p = parse_ok(raw);
  ASSERT_EQ(p.body["parts"].size(), 2u);
  const json& text = p.body["parts"][0];
  EXPECT_EQ(std::size_t(text["body_start"]), text_start);
  EXPECT_EQ(std::size_t(text["size"]), text_end - text_start);
  EXPECT_EQ(std::size_t(text["lines"]), text_lines);
  const json& att = p.body["parts"][1];
  EXPECT_EQ(std::size_t(att["body_start"]), att_start);
  EXPECT_EQ(std::size_t(att["body_end"]), att_end);
  EXPECT_EQ(std::size_t(att["size"]), att_end - att_start);

  const std::string& body = p.msg.text.body;
  EXPECT_LE(body.size(), Limits{}.max_search_text);
  EXPECT_GT(body.size(), Limits{}.max_search_text - 8);
  EXPECT_TRUE(body.starts_with("Grüße aus Köln"));
  EXPECT_TRUE(detail::is_valid_utf8(body));  // cut on a code-point boundary
  EXPECT_EQ(p.msg.summary.from_address, "big@example.org");
}

TEST(MimeLimits, PathologicalHeadersAndHtmlStayLinear) {
  // Many "=?" with no "?=", many '&' with no ';', many unclosed comments.
  std::string subject;
  while (subject.size() < 2'000'000) subject += "=?x?Q?A";
  std::string html;
  while (html.size() < 2'000'000) html += "&&&&<b";
  const std::string raw = "Subject: " + subject + "\nTo: " + std::string(1'000'000, '(') +
                          "\nContent-Type: text/html; name=\"" + subject + "\"\nDate: " + subject + "\n\n" + html;
  const auto p = parse_ok(raw);
  EXPECT_EQ(p.msg.summary.subject.size(), subject.size());
  EXPECT_TRUE(p.envelope["to"].is_null());
  EXPECT_TRUE(p.msg.text.body.starts_with("&&&&"));
  EXPECT_EQ(p.body["subtype"], "html");
  EXPECT_EQ(p.msg.summary.date, 0);
}

}  // namespace
}  // namespace estafeta::mime
