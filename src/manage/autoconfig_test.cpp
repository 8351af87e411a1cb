#include "manage/autoconfig.hpp"

#include <gtest/gtest.h>

namespace estafeta::manage {
namespace {

TEST(Autoconfig, AutodiscoverRequestsAreReadStrictly) {
  EXPECT_EQ(autodiscover_email("<Autodiscover xmlns=\"x\"><Request><EMailAddress> ana@example.com\r\n</EMailAddress>"
                               "</Request></Autodiscover>"),
            "ana@example.com");
  EXPECT_EQ(autodiscover_email("<a:Request><a:EMailAddress>b@example.com</a:EMailAddress></a:Request>"),
            "b@example.com");
  EXPECT_FALSE(autodiscover_email(""));
  EXPECT_FALSE(autodiscover_email("<EMailAddress>no-at-sign</EMailAddress>"));
  EXPECT_FALSE(autodiscover_email("<EMailAddress>a@b@c</EMailAddress>"));
  EXPECT_FALSE(autodiscover_email("<EMailAddress>a b@example.com</EMailAddress>"));
  EXPECT_FALSE(autodiscover_email("<EMailAddress>a&amp;b@example.com</EMailAddress>"));
  EXPECT_FALSE(autodiscover_email("<EMailAddress>unterminated@example.com"));
  EXPECT_FALSE(autodiscover_email("</EMailAddress>x@example.com<"));
  EXPECT_FALSE(autodiscover_email("<x y=\"EMailAddress>a@example.com</x>"));
  // Only the first kMaxAutodiscoverRequest octets count.
  EXPECT_FALSE(autodiscover_email(std::string(kMaxAutodiscoverRequest, ' ') + "<EMailAddress>a@b.c</EMailAddress>"));
}

TEST(Autoconfig, DocumentsEscapeWhatTheyCarry) {
  MailEndpoints e;
  e.host = "mail.example.com";
  auto ad = autodiscover_response("a<b>&\"@example.com", e);
  EXPECT_NE(ad.find("<LoginName>a&lt;b&gt;&amp;&quot;@example.com</LoginName>"), std::string::npos);
  EXPECT_EQ(autodiscover_error("bad <x>").find("<x>"), std::string::npos);
  auto tb = thunderbird_config("example.com", e);
  EXPECT_NE(tb.find("<hostname>mail.example.com</hostname>"), std::string::npos);
  EXPECT_EQ(xml_escape("a\x01\x1f\tb'"), "a\tb&apos;");
  ProfileOptions o;
  o.address = "ana@example.com";
  o.password = "pw<&>";
  auto p1 = apple_profile(o, e);
  EXPECT_NE(p1.find("<string>pw&lt;&amp;&gt;</string>"), std::string::npos);
  EXPECT_NE(apple_profile(o, e), p1) << "new UUIDs for each profile";
}

}  // namespace
}  // namespace estafeta::manage
