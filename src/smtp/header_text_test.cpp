#include "smtp/header_text.hpp"

#include <gtest/gtest.h>

namespace estafeta::smtp {
namespace {

TEST(HeaderText, QuotedStrings) {
  EXPECT_EQ(quoted_string("carla@far.example"), "\"carla@far.example\"");
  EXPECT_EQ(quoted_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quoted_string("x\r\nBcc: y"), "\"x??Bcc: y\"");
  EXPECT_EQ(quoted_string(""), "\"\"");
}

TEST(HeaderText, ResultValues) {
  // RFC 8601 §2.2: local-part "@" domain-name as it is, anything else quoted.
  EXPECT_EQ(result_value("carla@far.example"), "carla@far.example");
  EXPECT_EQ(result_value("postmaster@mx.far.example"), "postmaster@mx.far.example");
  EXPECT_EQ(result_value("\"x;dkim=pass\"@bank.example"), "\"\\\"x;dkim=pass\\\"@bank.example\"");
  EXPECT_EQ(result_value("postmaster@x;dkim=pass"), "\"postmaster@x;dkim=pass\"");
  EXPECT_EQ(result_value("postmaster@[192.0.2.1]"), "\"postmaster@[192.0.2.1]\"");
  EXPECT_EQ(result_value("postmaster@localhost"), "\"postmaster@localhost\"") << "a domain-name has two labels";
  EXPECT_EQ(result_value("a@b.example (c)"), "\"a@b.example (c)\"");
}

TEST(HeaderText, SpfValuesAndComments) {
  EXPECT_EQ(spf_value("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(spf_value("2001:db8::1"), "\"2001:db8::1\"");
  EXPECT_EQ(spf_value("client.example"), "client.example");
  EXPECT_EQ(spf_value("[192.0.2.1]"), "\"[192.0.2.1]\"");
  EXPECT_EQ(comment_text("domain of a(b)c\\d;e \"f\"\r\n"), "domain of a?b?c?d?e \"f\"??");
  EXPECT_EQ(comment_text(std::string(300, 'x')).size(), 200u);
}

std::size_t strip(std::string& m) { return remove_authentication_results(m, "mx.test"); }

TEST(HeaderText, RemovesOnlyOurAuthenticationResults) {
  std::string m =
      "Authentication-Results: mx.test; spf=pass smtp.mailfrom=a@bank.example\r\n"
      "Received: from x\r\n"
      "authentication-results : MX.TEST.;\r\n dkim=pass\r\n\theader.d=bank.example\r\n"
      "Authentication-Results: (comment (nested)) \"mx.test\" 1; dmarc=pass\r\n"
      "Authentication-Results: other.example; spf=fail\r\n"
      "Authentication-Results: mx.test.example; spf=fail\r\n"
      "Subject: hi\r\n"
      "\r\n"
      "Authentication-Results: mx.test; in the body, kept\r\n";
  EXPECT_EQ(strip(m), 3u);
  EXPECT_EQ(m,
            "Received: from x\r\n"
            "Authentication-Results: other.example; spf=fail\r\n"
            "Authentication-Results: mx.test.example; spf=fail\r\n"
            "Subject: hi\r\n"
            "\r\n"
            "Authentication-Results: mx.test; in the body, kept\r\n");
  std::string clean = "Subject: x\r\n\r\nbody\r\n";
  EXPECT_EQ(strip(clean), 0u);
  EXPECT_EQ(clean, "Subject: x\r\n\r\nbody\r\n");
  // Past a malformed line too: a reader that skips it would see the field.
  std::string hidden = "Subject: x\r\nnot a field\r\nAuthentication-Results: mx.test; spf=pass\r\n\r\nb\r\n";
  EXPECT_EQ(strip(hidden), 1u);
  EXPECT_EQ(hidden, "Subject: x\r\nnot a field\r\n\r\nb\r\n");
  std::string only = "Authentication-Results: mx.test; none";  // no line end, no body
  EXPECT_EQ(strip(only), 1u);
  EXPECT_EQ(only, "");
}

TEST(HeaderText, MalformedHeaderLines) {
  EXPECT_EQ(malformed_header_line("From: a@b.example\r\nSubject: x\r\n\tfolded\r\n\r\nbody\r\n"), std::nullopt);
  EXPECT_EQ(malformed_header_line("From : a@b.example\r\n\r\n"), std::nullopt) << "obsolete: space before the colon";
  EXPECT_EQ(malformed_header_line("\r\nno header at all\r\n"), std::nullopt);
  EXPECT_EQ(malformed_header_line("Subject: x\r\n"), std::nullopt) << "a header without body";
  EXPECT_EQ(malformed_header_line("Subject: x\r\njunk line\r\nFrom: boss@o.example\r\n\r\n"), 2u);
  EXPECT_EQ(malformed_header_line(" folded first\r\n\r\n"), 1u);
  EXPECT_EQ(malformed_header_line(": no name\r\n\r\n"), 1u);
  EXPECT_EQ(malformed_header_line("Sub ject: x\r\n\r\n"), 1u);
  EXPECT_EQ(malformed_header_line("Subj\xc3\xa9: x\r\n\r\n"), 1u);
  EXPECT_EQ(malformed_header_line("Subject: x\r\n\r\nbody: not checked\r\njunk\r\n"), std::nullopt);
}

}  // namespace
}  // namespace estafeta::smtp
