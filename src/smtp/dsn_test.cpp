#include "smtp/dsn.hpp"

#include <gtest/gtest.h>

namespace estafeta::smtp {
namespace {

const char* kOriginal =
    "From: ana@demo.example\r\nSubject: plans\r\nMessage-ID: <p1@demo.example>\r\n\r\nsecret body\r\n";

BounceInput input() {
  BounceInput in;
  in.reporting_mta = "mx.demo.example";
  in.sender = "ana@demo.example";
  in.envid = "env-1";
  in.arrival = 1700000000;
  in.now = 1700003600;
  in.original = kOriginal;
  in.failed = {{"bob@far.example", "rfc822;bob@far.example", "4.4.1", "mx.far.example", "421 4.4.1 try later"}};
  return in;
}

TEST(Dsn, BounceCarriesTheFailureAndTheMessage) {
  auto in = input();
  in.failed[0].status = "5.1.1";
  in.failed[0].diagnostic = "550 5.1.1 no such user";
  auto out = make_bounce(in);
  EXPECT_NE(out.find("Subject: Undelivered Mail Returned to Sender\r\n"), std::string::npos);
  EXPECT_NE(out.find("Action: failed\r\nStatus: 5.1.1\r\n"), std::string::npos);
  EXPECT_NE(out.find("Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n"), std::string::npos);
  EXPECT_NE(out.find("Content-Type: message/rfc822"), std::string::npos);
  EXPECT_NE(out.find("secret body"), std::string::npos) << "RET=FULL returns the message";
  EXPECT_EQ(out.find("Will-Retry-Until"), std::string::npos);
}

TEST(Dsn, DelayWarningSaysWhenRetriesEndAndCarriesOnlyTheHeader) {
  auto in = input();
  in.action = ReportAction::delayed;
  in.retry_until = 1700432000;
  auto out = make_bounce(in);
  EXPECT_NE(out.find("Subject: Delayed Mail (still being retried)\r\n"), std::string::npos);
  EXPECT_NE(out.find("Action: delayed\r\nStatus: 4.4.1\r\n"), std::string::npos);
  EXPECT_NE(out.find("Will-Retry-Until: Sun, 19 Nov 2023 22:13:20 +0000\r\n"), std::string::npos);
  EXPECT_NE(out.find("Original-Envelope-Id: env-1\r\n"), std::string::npos);
  EXPECT_NE(out.find("Content-Type: text/rfc822-headers"), std::string::npos);
  EXPECT_NE(out.find("Subject: plans"), std::string::npos) << "the original header is there";
  EXPECT_EQ(out.find("secret body"), std::string::npos) << "a delay warning never returns the body";
}

// RFC 3461 §5.2.2-5.2.3: delivered here, or passed on to a system without
// DSN; the header only, whatever RET said.
TEST(Dsn, SuccessReportsSayDeliveredOrRelayedWithTheHeaderOnly) {
  auto in = input();
  in.failed[0].status = "2.0.0";
  in.action = ReportAction::delivered;
  auto delivered = make_bounce(in);
  EXPECT_NE(delivered.find("Subject: Delivery Report: your message was delivered\r\n"), std::string::npos);
  EXPECT_NE(delivered.find("Action: delivered\r\nStatus: 2.0.0\r\n"), std::string::npos);
  EXPECT_NE(delivered.find("Content-Type: text/rfc822-headers"), std::string::npos);
  EXPECT_EQ(delivered.find("secret body"), std::string::npos);
  in.action = ReportAction::relayed;
  auto relayed = make_bounce(in);
  EXPECT_NE(relayed.find("Action: relayed\r\nStatus: 2.0.0\r\n"), std::string::npos);
  EXPECT_EQ(relayed.find("secret body"), std::string::npos);
}

// RFC 3461 §5.2.1: what a relayed message carries on, as xtext.
TEST(Dsn, ParametersCarriedOn) {
  EXPECT_EQ(dsn_mail_parameters("", true), " RET=FULL");
  EXPECT_EQ(dsn_mail_parameters("id=1 +x", false), " RET=HDRS ENVID=id+3D1+20+2Bx");
  EXPECT_EQ(dsn_rcpt_parameters(false, true, true, false, "rfc822;a+b@c.example"),
            " NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bb@c.example");
  EXPECT_EQ(dsn_rcpt_parameters(true, false, false, false, ""), " NOTIFY=NEVER");
  EXPECT_EQ(dsn_rcpt_parameters(false, false, true, true, ""), " NOTIFY=FAILURE,DELAY");
}

TEST(Dsn, StatusFromReplies) {
  EXPECT_EQ(status_of("550 5.1.1 no such user"), "5.1.1");
  EXPECT_EQ(status_of("451 try again"), "4.0.0");
  EXPECT_EQ(status_of("554"), "5.0.0");
  EXPECT_EQ(status_of(""), "5.0.0");
  // Only a well-formed code is taken (found by the DSN fuzzer: "5.11." was).
  EXPECT_EQ(status_of("550 5.11. <x@far.example>"), "5.0.0");
  EXPECT_EQ(status_of("450 4.2.1234 busy"), "4.0.0");
  EXPECT_EQ(status_of("550 5.123.456 odd"), "5.123.456");
  EXPECT_EQ(status_of("250 2.0.0 ok"), "2.0.0");
}

TEST(Dsn, AddressesAreQuotedAndFieldsStayOnOneLine) {
  auto in = input();
  in.failed[0].recipient = "a b@far.example";                              // as an older queue kept it
  in.failed[0].orcpt = std::string("rfc822;x\r\nBcc: y\x01@far.example");  // xtext decodes to any octet
  in.envid = "e\r\nX-Injected: 1";
  auto out = make_bounce(in);
  EXPECT_NE(out.find("Final-Recipient: rfc822; \"a b\"@far.example\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("  <\"a b\"@far.example>: "), std::string::npos);
  EXPECT_NE(out.find("Original-Recipient: rfc822;x  Bcc: y?@far.example\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("\nX-Injected"), std::string::npos);
  EXPECT_EQ(out.find("\nBcc:"), std::string::npos);
}

}  // namespace
}  // namespace estafeta::smtp
