#include "smtp/parser.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "smtp/reply.hpp"

namespace estafeta::smtp {
namespace {

Command ok(std::string_view line) {
  auto c = parse_command(line);
  EXPECT_TRUE(c) << line << " → " << (c ? "" : c.error().text);
  return c ? *c : Command{};
}

// The arguments of a command that must parse as a T.
template <class T>
T args(std::string_view line) {
  auto c = ok(line);
  EXPECT_TRUE(std::holds_alternative<T>(c.args)) << line;
  return std::holds_alternative<T>(c.args) ? std::get<T>(c.args) : T{};
}

template <class T>
bool is(std::string_view line) {
  return std::holds_alternative<T>(ok(line).args);
}

ParseError bad(std::string_view line) {
  auto c = parse_command(line);
  EXPECT_FALSE(c) << line;
  return c ? ParseError{} : c.error();
}

TEST(SmtpParser, Greetings) {
  auto e = args<cmd::Hello>("EHLO client.example.org\r\n");
  EXPECT_TRUE(e.extended);
  EXPECT_FALSE(args<cmd::Hello>("HELO client.example.org\r\n").extended);
  EXPECT_EQ(e.domain, "client.example.org");
  EXPECT_EQ(args<cmd::Hello>("helo [192.0.2.1]\r\n").domain, "[192.0.2.1]");
  EXPECT_EQ(bad("EHLO  \r\n").code, 501) << "spaces are not a host name (RFC 5321 §4.1.1.1)";
  EXPECT_EQ(bad("HELO \r\n").code, 501);
  EXPECT_EQ(bad("EHLO\r\n").code, 501);
  EXPECT_EQ(bad("EHLO\r\n").status, "5.5.4");
}

TEST(SmtpParser, MailFrom) {
  auto m =
      args<MailFrom>("MAIL FROM:<Ana.Lopez@Example.ORG> SIZE=12345 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1\r\n");
  ASSERT_TRUE(m.sender);
  EXPECT_EQ(m.sender->local, "Ana.Lopez");
  EXPECT_EQ(m.sender->domain, "example.org");
  EXPECT_EQ(m.size, 12345u);
  EXPECT_EQ(m.body, Body::eight_bit_mime);
  EXPECT_TRUE(m.smtputf8);
  EXPECT_EQ(m.ret, Ret::headers);
  EXPECT_EQ(m.envid, "QQ+1");
  EXPECT_FALSE(args<MailFrom>("MAIL FROM:<>\r\n").sender) << "the null reverse-path";
  EXPECT_EQ(args<MailFrom>("mail from: <a@b.example>\r\n").sender->address(), "a@b.example")
      << "a space after the colon is tolerated";
  auto quoted = args<MailFrom>("MAIL FROM:<\"john doe\\\"x\"@example.org>\r\n");
  EXPECT_EQ(quoted.sender->local, "john doe\"x");
  EXPECT_TRUE(quoted.sender->quoted);
  auto utf8 = args<MailFrom>("MAIL FROM:<jos\xc3\xa9@ejemplo.es> SMTPUTF8\r\n");
  EXPECT_TRUE(utf8.sender->utf8);
  EXPECT_EQ(bad("MAIL FROM:a@b.example\r\n").code, 501);
  EXPECT_EQ(bad("MAIL FROM:<a@b.example> FROB=1\r\n").code, 555);
  EXPECT_EQ(bad("MAIL FROM:<a@b.example> SIZE=x\r\n").code, 501);
  EXPECT_EQ(bad("MAIL FROM:<a@-b.example>\r\n").status, "5.1.3");
  EXPECT_EQ(bad("MAIL FROM:<" + std::string(65, 'a') + "@b.example>\r\n").status, "5.1.3");
  EXPECT_EQ(bad("MAIL FROM:<a..b@c.example>\r\n").code, 501);
}

TEST(SmtpParser, AddressesKeepTheirQuotes) {
  // RFC 5321 §4.1.2: a local part that is no Dot-string is written quoted.
  EXPECT_EQ(args<RcptTo>("RCPT TO:<\"a b\"@x.example>\r\n").recipient.address(), "\"a b\"@x.example");
  EXPECT_EQ(args<MailFrom>("MAIL FROM:<\"john doe\\\"x\"@example.org>\r\n").sender->address(),
            "\"john doe\\\"x\"@example.org");
  EXPECT_EQ(args<MailFrom>("MAIL FROM:<\"x;dkim=pass\"@bank.example>\r\n").sender->address(),
            "\"x;dkim=pass\"@bank.example");
  EXPECT_EQ(args<MailFrom>("MAIL FROM:<\"ana\"@example.org>\r\n").sender->address(), "ana@example.org")
      << "a quoted Dot-string is the same mailbox, written plainly";
  EXPECT_EQ(args<MailFrom>("MAIL FROM:<\"\"@example.org>\r\n").sender->address(), "\"\"@example.org");
  EXPECT_EQ(args<MailFrom>("MAIL FROM:<\".a\"@example.org>\r\n").sender->address(), "\".a\"@example.org");
  EXPECT_EQ(format_local_part("a\\b"), "\"a\\\\b\"");
}

TEST(SmtpParser, EnvelopeAddressesForTheWire) {
  EXPECT_EQ(format_envelope_address("bob@far.example"), "bob@far.example");
  EXPECT_EQ(format_envelope_address("a b@far.example"), "\"a b\"@far.example") << "stored unquoted";
  EXPECT_EQ(format_envelope_address("\"a b\"@far.example"), "\"a b\"@far.example") << "already quoted";
  EXPECT_EQ(format_envelope_address("\"a\"b\"@x.example"), "\"\\\"a\\\"b\\\"\"@x.example")
      << "not a valid Quoted-string";
  EXPECT_EQ(format_envelope_address("a@b@far.example"), "\"a@b\"@far.example") << "split at the last @";
  EXPECT_EQ(format_envelope_address(""), "") << "the null reverse-path";
  EXPECT_EQ(format_envelope_address("postmaster"), "postmaster");
  // A General-address-literal may hold '@' (RFC 5321 §4.1.3 dcontent).
  EXPECT_EQ(address_at("\"a\\\\\"@[tag:x@y]"), 5u);
  EXPECT_EQ(format_envelope_address("a b@[tag:x@y]"), "\"a b\"@[tag:x@y]");
  EXPECT_EQ(format_envelope_address("\"v\\\\\"@[192.@.2.%1]"), "\"v\\\\\"@[192.@.2.%1]");
  auto literal = args<RcptTo>("RCPT TO:<\"a b\"@[tag:x@y]>\r\n").recipient;
  EXPECT_EQ(literal.domain, "[tag:x@y]");
  EXPECT_EQ(format_envelope_address(literal.address()), "\"a b\"@[tag:x@y]");
}

TEST(SmtpParser, HeloForms) {
  EXPECT_TRUE(is_domain("client.example.org"));
  EXPECT_TRUE(is_address_literal("[192.0.2.1]"));
  EXPECT_TRUE(is_address_literal("[IPv6:2001:db8::1]"));
  // Accepted in EHLO (clients send such words), but no domain nor literal.
  for (auto word : {"x;dkim=pass", "a=b", "(c)", "my_host", "host.", "-x.example"}) {
    EXPECT_EQ(args<cmd::Hello>(std::string("EHLO ") + word + "\r\n").domain, word);
    EXPECT_FALSE(is_domain(word) || is_address_literal(word)) << word;
  }
}

TEST(SmtpParser, RcptTo) {
  auto r = args<RcptTo>("RCPT TO:<team@o.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;team+2Bx@o.example\r\n");
  EXPECT_EQ(r.recipient.address(), "team@o.example");
  EXPECT_TRUE(r.notify_success && r.notify_failure && !r.notify_delay);
  EXPECT_EQ(r.orcpt, "rfc822;team+x@o.example");
  auto route = args<RcptTo>("RCPT TO:<@relay.example,@hop.example:user@o.example>\r\n");
  EXPECT_TRUE(route.recipient.source_route);
  EXPECT_EQ(route.recipient.address(), "user@o.example");
  auto percent = args<RcptTo>("RCPT TO:<user%other.example@o.example>\r\n");
  EXPECT_EQ(percent.recipient.local, "user%other.example") << "a % hack is just a local part here";
  EXPECT_TRUE(args<RcptTo>("RCPT TO:<Postmaster>\r\n").postmaster);
  EXPECT_EQ(bad("RCPT TO:<>\r\n").code, 501);
  EXPECT_EQ(bad("RCPT TO:<a@b.example> NOTIFY=NEVER,SUCCESS\r\n").code, 501);
  EXPECT_EQ(bad("RCPT TO:<a@b.example> NOTIFY=SOMETIMES\r\n").code, 501);
}

TEST(SmtpParser, OtherCommandsAndLimits) {
  EXPECT_TRUE(is<cmd::Data>("DATA\r\n"));
  EXPECT_EQ(bad("DATA now\r\n").code, 501);
  auto b = args<cmd::Bdat>("BDAT 1000 LAST\r\n");
  EXPECT_EQ(b.chunk_size, 1000u);
  EXPECT_TRUE(b.last);
  EXPECT_FALSE(args<cmd::Bdat>("BDAT 5\r\n").last);
  EXPECT_EQ(bad("BDAT many\r\n").code, 501);
  auto a = args<cmd::Auth>("AUTH PLAIN AGFAYgBj\r\n");
  EXPECT_EQ(a.mechanism, "PLAIN");
  EXPECT_EQ(a.initial, "AGFAYgBj");
  EXPECT_EQ(args<cmd::Noop>("noop whatever\r\n").argument, "whatever");
  EXPECT_TRUE(is<cmd::Quit>("QUIT\r\n"));
  EXPECT_EQ(ok("rcpt TO:<a@b.example>\r\n").verb, "RCPT") << "verbs are case-insensitive";
  EXPECT_EQ(ok("RCPT TO:<a@b.example>\r\n").flags, kBlocks);
  EXPECT_EQ(command_flags("mail FROM:<>\r\n"), kBlocksOnSubmission);
  EXPECT_EQ(command_flags("DATA\r\n"), 0u);
  EXPECT_EQ(command_flags("FROB\r\n"), 0u);
  EXPECT_EQ(bad("FROB\r\n").code, 500);
  EXPECT_EQ(bad("NOOP " + std::string(kMaxCommandLine, 'x') + "\r\n").status, "5.5.2");
  EXPECT_EQ(bad("EXPN staff\r\n").code, 502) << "known, not offered (RFC 5321 §4.2.4)";
  EXPECT_EQ(bad("NOOP\n").status, "5.5.2") << "a bare LF does not end a command";
  EXPECT_EQ(bad(std::string("NOOP a\rb\r\n")).status, "5.5.2");
}

// RFC 3461 §5.4: RCPT lines of 1036 characters (a full ORCPT and NOTIFY).
TEST(SmtpParser, LongDsnRecipientLines) {
  std::string orcpt = "rfc822;" + std::string(480, 'a') + "@example.org";
  std::string line = "RCPT TO:<" + std::string(60, 'b') + "@example.org> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=" + orcpt;
  ASSERT_GE(line.size() + 2, 600u);
  ASSERT_LE(line.size() + 2, 1036u);
  EXPECT_EQ(args<RcptTo>(line + "\r\n").orcpt, orcpt);
}

// RFC 3461 §5.1: a parameter twice, or a value that decodes to control
// characters, is 501; so is ORCPT without an atom for its type (§4.2).
TEST(SmtpParser, DsnParametersAreCheckedWhole) {
  EXPECT_EQ(bad("MAIL FROM:<a@b.example> RET=FULL RET=HDRS\r\n").code, 501);
  EXPECT_EQ(bad("MAIL FROM:<a@b.example> ENVID=x ENVID=y\r\n").code, 501);
  EXPECT_EQ(bad("MAIL FROM:<a@b.example> SIZE=1 SIZE=2\r\n").code, 501);
  EXPECT_EQ(bad("MAIL FROM:<a@b.example> ENVID=a+00b\r\n").code, 501);
  EXPECT_EQ(bad("MAIL FROM:<a@b.example> ENVID=a+7F\r\n").code, 501);
  EXPECT_EQ(args<MailFrom>("MAIL FROM:<a@b.example> ENVID=a+20b\r\n").envid, "a b");
  EXPECT_EQ(bad("RCPT TO:<a@b.example> NOTIFY=SUCCESS NOTIFY=FAILURE\r\n").code, 501);
  EXPECT_EQ(bad("RCPT TO:<a@b.example> ORCPT=rfc822;a@b ORCPT=rfc822;c@d\r\n").code, 501);
  EXPECT_EQ(bad("RCPT TO:<a@b.example> ORCPT=rfc822;a+01b@b.example\r\n").code, 501);
  EXPECT_EQ(bad("RCPT TO:<a@b.example> ORCPT=;x\r\n").code, 501);
  EXPECT_EQ(bad("RCPT TO:<a@b.example> ORCPT=rfc822+3Bx@b.example\r\n").code, 501) << "the ; is not encoded";
  EXPECT_EQ(bad("RCPT TO:<a@b.example> ORCPT=rfc822;\r\n").code, 501);
  EXPECT_EQ(args<RcptTo>("RCPT TO:<a@b.example> ORCPT=rfc822;x+2Bl@b.example\r\n").orcpt, "rfc822;x+l@b.example");
}

// RFC 1870 §3: size-value is 1*20DIGIT; past 64 bits it is past any limit.
TEST(SmtpParser, SizeOfTwentyDigits) {
  EXPECT_EQ(args<MailFrom>("MAIL FROM:<a@b.example> SIZE=99999999999999999999\r\n").size,
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(args<MailFrom>("MAIL FROM:<a@b.example> SIZE=00000000000000001234\r\n").size, 1234u);
  EXPECT_EQ(bad("MAIL FROM:<a@b.example> SIZE=999999999999999999999\r\n").code, 501);
}

TEST(SmtpParser, Xtext) {
  EXPECT_EQ(xtext_decode("abc+2Bdef+3D"), "abc+def=");
  EXPECT_FALSE(xtext_decode("abc+2"));
  EXPECT_FALSE(xtext_decode("abc+zz"));
  EXPECT_FALSE(xtext_decode("a=b"));
  EXPECT_EQ(xtext_encode("a b=c+d\x01"), "a+20b+3Dc+2Bd+01");
  EXPECT_EQ(xtext_decode(xtext_encode("a b=c+d\x01")), "a b=c+d\x01");
}

TEST(SmtpReply, Format) {
  EXPECT_EQ(reply(250, "2.1.0", "sender ok"), "250 2.1.0 sender ok\r\n");
  EXPECT_EQ(reply(220, "", "mail.example ESMTP"), "220 mail.example ESMTP\r\n");
  EXPECT_EQ(multiline(250, {"mail.example", "PIPELINING", "SIZE 1000"}),
            "250-mail.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
  EXPECT_EQ(reply(550, "5.7.1", "no\r\nrelay"), "550 5.7.1 no  relay\r\n");
}

}  // namespace
}  // namespace estafeta::smtp
