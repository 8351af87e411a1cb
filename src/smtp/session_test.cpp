// SMTP transcripts against the session logic (no sockets): MX and
// submission roles, the relay rules, limits, DATA and BDAT, AUTH.
#include "smtp/session.hpp"

#include <gtest/gtest.h>

#include "auth/sasl.hpp"
#include "core/testing.hpp"
#include "dns/resolver.hpp"
#include "mime/parsed_message.hpp"
#include "smtp/data_reader.hpp"

namespace estafeta::smtp {
namespace {

class SmtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mime::init();
    auto config = std::make_shared<Config>();
    config->data_dir = m_dir.path();
    config->hostname = "mx.o.example";
    m_services = net::open_services(config).value();
    auto op = manage::Actor::operator_cli();
    auto& m = *m_services->manager;
    ASSERT_TRUE(m.create_organisation(op, "O"));
    ASSERT_TRUE(m.create_user(op, "O", "ana", "Ana", store::Role::admin, ""));
    ASSERT_TRUE(m.create_service(op, "O", "s"));
    ASSERT_TRUE(m.add_domain(op, "s", "o.example"));
    ASSERT_TRUE(m.create_address(op, "team@o.example"));
    ASSERT_TRUE(m.create_address(op, "ana.box@o.example"));
    ASSERT_TRUE(m.grant_access(op, "team@o.example", "ana", true));
    m_password = m.create_device_password(op, "team@o.example", "ana", "laptop").value().password;
    // DNS for SPF: an in-memory zone, never the network.
    auto zone = std::make_unique<dns::StaticResolver>();
    zone->add_txt("far.example", "v=spf1 ip4:198.51.100.0/24 -all");
    zone->add_txt("forged.example", "v=spf1 ip4:203.0.113.1 -all");
    zone->add_txt("soft.example", "v=spf1 ~all");
    m_services->resolver = std::move(zone);
  }
  std::unique_ptr<Session> open(Role role, bool tls = true) {
    SessionOptions o;
    o.role = role;
    o.hostname = "mx.o.example";
    o.peer_ip = "198.51.100.7";
    o.tls_active = tls;
    o.starttls_available = !tls;
    o.max_message_size = 10000;
    o.max_recipients = 3;
    return std::make_unique<Session>(*m_services, o);
  }
  // Runs DATA: the command, then the body through a DataReader.
  std::string send_data(Session& s, const std::string& body) {
    auto go = s.command("DATA\r\n");
    if (go.next != Reply::Next::data) return go.out;
    DataReader reader(s.max_message_size());
    std::string_view in = body;
    EXPECT_EQ(reader.feed(in), DataReader::Status::done);
    return go.out + s.finish_data(reader).out;
  }
  std::size_t inbox_count(const std::string& address) {
    auto a = m_services->store->find_address(address).value();
    auto box = m_services->store->find_mailbox(a.id, "INBOX").value();
    return m_services->store->list_messages(box.ref()).value().size();
  }
  std::unique_ptr<Session> authed() {
    auto s = open(Role::submission);
    s->command("EHLO laptop\r\n");
    auto r = s->command("AUTH PLAIN " + auth::base64_encode(std::string("\0team@o.example\0", 16) + m_password) + "\r\n");
    EXPECT_EQ(r.out, "235 2.7.0 authentication successful\r\n");
    return s;
  }

  testing::TempDir m_dir{"smtp-session"};
  std::unique_ptr<net::Services> m_services;
  std::string m_password;
};

TEST_F(SmtpTest, MxDeliversLocallyWithReceived) {
  auto s = open(Role::mx, false);
  EXPECT_EQ(s->greeting(), "220 mx.o.example ESMTP Estafeta\r\n");
  auto ehlo = s->command("EHLO sender.example\r\n").out;
  EXPECT_NE(ehlo.find("250-SIZE 10000\r\n"), std::string::npos) << ehlo;
  EXPECT_NE(ehlo.find("250 STARTTLS\r\n"), std::string::npos) << "the last line";
  EXPECT_EQ(ehlo.find("AUTH"), std::string::npos) << "no AUTH on the MX";
  EXPECT_EQ(s->command("MAIL FROM:<carla@far.example> SIZE=500\r\n").out, "250 2.1.0 sender ok\r\n");
  EXPECT_EQ(s->command("RCPT TO:<TEAM@o.example>\r\n").out, "250 2.1.5 recipient ok\r\n");
  EXPECT_EQ(s->command("RCPT TO:<ana.box@O.EXAMPLE>\r\n").out, "250 2.1.5 recipient ok\r\n");
  auto out = send_data(*s, "Subject: hi\r\n\r\nhello\r\n.\r\n");
  EXPECT_TRUE(out.starts_with("354 ")) << out;
  EXPECT_NE(out.find("250 2.0.0 ok: queued as "), std::string::npos) << out;
  EXPECT_EQ(inbox_count("team@o.example"), 1u);
  EXPECT_EQ(inbox_count("ana.box@o.example"), 1u);
  auto a = m_services->store->find_address("team@o.example").value();
  auto box = m_services->store->find_mailbox(a.id, "INBOX").value();
  auto msg = m_services->store->list_messages(box.ref()).value()[0];
  auto raw = m_services->blobs->get(msg.blob_hash).value();
  EXPECT_TRUE(raw.starts_with("Authentication-Results: mx.o.example; spf=pass smtp.mailfrom=carla@far.example\r\n"
                              "Received-SPF: pass (mx.o.example: domain of carla@far.example designates 198.51.100.7 as "
                              "permitted sender) client-ip=198.51.100.7; envelope-from=\"carla@far.example\"; "
                              "helo=sender.example;\r\n"
                              "Received: from sender.example ([198.51.100.7])\r\n\tby mx.o.example (Estafeta) with ESMTP id "))
      << raw.substr(0, 400);
  EXPECT_TRUE(raw.ends_with("Subject: hi\r\n\r\nhello\r\n"));
  auto trace = m_services->store->trace(a.id, 0, 10).value();
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0].status, "delivered");
  EXPECT_EQ(trace[0].sender, "carla@far.example");
}

TEST_F(SmtpTest, SpfFailAndSoftfailGoToJunk) {
  auto junk_count = [&] {
    auto a = m_services->store->find_address("team@o.example").value();
    auto box = m_services->store->find_special_mailbox(a.id, store::SpecialUse::junk).value();
    return m_services->store->list_messages(box.ref()).value().size();
  };
  for (std::string sender : {"boss@forged.example", "x@soft.example"}) {
    auto s = open(Role::mx);
    s->command("EHLO h.example\r\n");
    s->command("MAIL FROM:<" + sender + ">\r\n");
    s->command("RCPT TO:<team@o.example>\r\n");
    EXPECT_NE(send_data(*s, "Subject: x\r\n\r\nx\r\n.\r\n").find("250 2.0.0"), std::string::npos);
  }
  EXPECT_EQ(junk_count(), 2u);
  EXPECT_EQ(inbox_count("team@o.example"), 0u);
  auto s = open(Role::mx);
  s->command("EHLO h.example\r\n");
  s->command("MAIL FROM:<>\r\n");  // a bounce: SPF on the HELO identity, none here
  s->command("RCPT TO:<team@o.example>\r\n");
  EXPECT_NE(send_data(*s, "Subject: bounce\r\n\r\nx\r\n.\r\n").find("250 2.0.0"), std::string::npos);
  EXPECT_EQ(inbox_count("team@o.example"), 1u) << "spf=none is delivered normally";
}

TEST_F(SmtpTest, MxIsNoOpenRelay) {
  auto s = open(Role::mx);
  s->command("EHLO x.example\r\n");
  s->command("MAIL FROM:<a@far.example>\r\n");
  for (std::string trick : {"RCPT TO:<victim@elsewhere.example>\r\n", "RCPT TO:<victim%elsewhere.example@o.example>\r\n",
                            "RCPT TO:<@o.example:victim@elsewhere.example>\r\n", "RCPT TO:<\"victim@elsewhere.example\"@o.example>\r\n",
                            "RCPT TO:<victim@[192.0.2.1]>\r\n", "RCPT TO:<victim@o.example.elsewhere.example>\r\n"}) {
    auto r = s->command(trick).out;
    EXPECT_EQ(r[0], '5') << trick << " → " << r;
  }
  EXPECT_EQ(s->command("RCPT TO:<nobody@o.example>\r\n").out, "550 5.1.1 <nobody@o.example>: no such mailbox here\r\n");
}

TEST_F(SmtpTest, PostmasterIsAlwaysAccepted) {
  auto s = open(Role::mx);
  s->command("EHLO x.example\r\n");
  s->command("MAIL FROM:<a@far.example>\r\n");
  EXPECT_EQ(s->command("RCPT TO:<Postmaster>\r\n").out, "250 2.1.5 recipient ok\r\n");
  EXPECT_EQ(s->command("RCPT TO:<POSTMASTER@o.example>\r\n").out, "250 2.1.5 recipient ok\r\n");
  EXPECT_NE(send_data(*s, "Subject: abuse report\r\n\r\nx\r\n.\r\n").find("250 2.0.0"), std::string::npos);
  EXPECT_EQ(inbox_count("ana.box@o.example") + inbox_count("team@o.example"), 1u) << "one copy, to an address of the domain";
}

TEST_F(SmtpTest, OrderAndLimits) {
  auto s = open(Role::mx);
  EXPECT_EQ(s->command("MAIL FROM:<a@b.example>\r\n").out, "503 5.5.1 send EHLO first\r\n");
  s->command("EHLO x.example\r\n");
  EXPECT_EQ(s->command("RCPT TO:<team@o.example>\r\n").out, "503 5.5.1 send MAIL FROM first\r\n");
  EXPECT_EQ(s->command("DATA\r\n").out, "503 5.5.1 send MAIL FROM first\r\n");
  EXPECT_EQ(s->command("MAIL FROM:<a@b.example> SIZE=20000\r\n").out,
            "552 5.3.4 the message is larger than the limit of 10000 bytes\r\n");
  s->command("MAIL FROM:<a@b.example>\r\n");
  EXPECT_EQ(s->command("DATA\r\n").out, "554 5.5.1 no valid recipients\r\n");
  for (int i = 0; i < 3; ++i) s->command("RCPT TO:<team@o.example>\r\n");
  EXPECT_EQ(s->command("RCPT TO:<team@o.example>\r\n").out, "452 4.5.3 too many recipients; send the rest in another message\r\n");
  auto big = send_data(*s, std::string(20000, 'x') + "\r\n.\r\n");
  EXPECT_NE(big.find("552 5.3.4"), std::string::npos) << big;
  EXPECT_EQ(inbox_count("team@o.example"), 0u);
  s->command("MAIL FROM:<a@b.example>\r\n");
  s->command("RCPT TO:<team@o.example>\r\n");
  auto bare = send_data(*s, "Subject: x\n\nsmuggled\n.\nMAIL FROM:<evil@x>\r\n.\r\n");
  EXPECT_NE(bare.find("550 5.6.11"), std::string::npos) << bare;
  EXPECT_EQ(inbox_count("team@o.example"), 0u);
  EXPECT_EQ(s->command("QUIT\r\n").next, Reply::Next::close);
}

TEST_F(SmtpTest, TooManyErrorsCloses) {
  auto s = open(Role::mx);
  Reply r;
  for (int i = 0; i < 10; ++i) r = s->command("FROB\r\n");
  EXPECT_NE(r.out.find("421 4.7.0"), std::string::npos);
  EXPECT_EQ(r.next, Reply::Next::close);
}

TEST_F(SmtpTest, SubmissionRequiresAuthAndOwnAddresses) {
  auto plain = open(Role::submission, false);
  auto ehlo = plain->command("EHLO laptop\r\n").out;
  EXPECT_EQ(ehlo.find("AUTH"), std::string::npos) << "no AUTH offered before TLS";
  EXPECT_EQ(plain->command("AUTH PLAIN AGFAYgBj\r\n").out, "538 5.7.11 encryption required: use STARTTLS first\r\n");
  EXPECT_EQ(plain->command("MAIL FROM:<team@o.example>\r\n").out, "530 5.7.0 authentication required\r\n");

  auto wrong = open(Role::submission);
  wrong->command("EHLO laptop\r\n");
  auto bad = wrong->command("AUTH PLAIN " + auth::base64_encode(std::string("\0team@o.example\0nope", 20)) + "\r\n");
  EXPECT_EQ(bad.out, "535 5.7.8 invalid address or device password\r\n");
  EXPECT_GT(bad.delay.count(), 0);

  auto s = authed();
  EXPECT_EQ(s->command("MAIL FROM:<ana.box@o.example>\r\n").out,
            "550 5.7.1 you may not send as <ana.box@o.example>: it is not one of your addresses\r\n");
  EXPECT_EQ(s->command("MAIL FROM:<team@o.example>\r\n").out, "250 2.1.0 sender ok\r\n");
  EXPECT_EQ(s->command("RCPT TO:<someone@far.example>\r\n").out, "250 2.1.5 recipient ok\r\n") << "submission may send on";
  EXPECT_EQ(s->command("RCPT TO:<ana.box@o.example>\r\n").out, "250 2.1.5 recipient ok\r\n");
  auto forged = send_data(*s, "From: boss@o.example\r\nSubject: x\r\n\r\nhi\r\n.\r\n");
  EXPECT_NE(forged.find("550 5.7.1 you may not send as <boss@o.example> (From:)"), std::string::npos) << forged;
  s->command("MAIL FROM:<team@o.example>\r\n");
  s->command("RCPT TO:<someone@far.example> NOTIFY=FAILURE,DELAY ORCPT=rfc822;someone@far.example\r\n");
  s->command("RCPT TO:<ana.box@o.example>\r\n");
  auto ok = send_data(*s, "From: Team <team@o.example>\r\nSubject: out\r\n\r\nhi\r\n.\r\n");
  EXPECT_NE(ok.find("250 2.0.0 ok: queued as"), std::string::npos) << ok;
  EXPECT_EQ(inbox_count("ana.box@o.example"), 1u) << "local recipients directly";
  auto queued = m_services->store->queued(10).value();
  ASSERT_EQ(queued.size(), 1u) << "remote recipients to the queue";
  EXPECT_EQ(queued[0].recipient, "someone@far.example");
  EXPECT_EQ(queued[0].sender, "team@o.example");
  EXPECT_TRUE(queued[0].notify_failure && queued[0].notify_delay && !queued[0].notify_success);
  EXPECT_EQ(queued[0].orcpt, "rfc822;someone@far.example");
  auto team = m_services->store->find_address("team@o.example").value();
  auto sent = m_services->store->find_special_mailbox(team.id, store::SpecialUse::sent).value();
  auto copies = m_services->store->list_messages(sent.ref()).value();
  ASSERT_EQ(copies.size(), 1u) << "a copy in Sent";
  EXPECT_EQ(copies[0].flags, store::flag_seen);
  auto trace = m_services->store->trace(team.id, 0, 10).value();
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(trace[0].status, "queued");
  EXPECT_EQ(trace[1].status, "delivered");
}

TEST_F(SmtpTest, AuthLoginAndBdat) {
  auto s = open(Role::submission);
  EXPECT_FALSE(s->may_block("EHLO laptop\r\n"));
  s->command("EHLO laptop\r\n");
  EXPECT_TRUE(s->may_block("auth LOGIN\r\n"));
  EXPECT_EQ(s->command("AUTH LOGIN\r\n").out, "334 VXNlcm5hbWU6\r\n");
  EXPECT_TRUE(s->may_block("dGVhbUBvLmV4YW1wbGU=\r\n")) << "the SASL exchange checks a password";
  EXPECT_EQ(s->command(auth::base64_encode("team@o.example") + "\r\n").out, "334 UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(s->command(auth::base64_encode(m_password) + "\r\n").out, "235 2.7.0 authentication successful\r\n");
  EXPECT_EQ(s->command("AUTH PLAIN =\r\n").out, "503 5.5.1 already authenticated\r\n");
  EXPECT_FALSE(s->may_block("MAIL FROM:<team@o.example> BODY=BINARYMIME\r\n"));
  s->command("MAIL FROM:<team@o.example> BODY=BINARYMIME\r\n");
  EXPECT_TRUE(s->may_block("Rcpt TO:<ana.box@o.example>\r\n"));
  s->command("RCPT TO:<ana.box@o.example>\r\n");
  EXPECT_FALSE(s->may_block("BDAT 14\r\n"));
  EXPECT_FALSE(s->may_block("RSET\r\n"));
  EXPECT_FALSE(s->may_block("DATA\r\n"));
  auto b1 = s->command("BDAT 14\r\n");
  EXPECT_EQ(b1.next, Reply::Next::bdat);
  EXPECT_EQ(b1.bdat_size, 14u);
  EXPECT_EQ(s->bdat_chunk("Subject: b\r\n\r\n", false).out, "250 2.0.0 14 octets received\r\n");
  auto b2 = s->command("BDAT 6 LAST\r\n");
  EXPECT_TRUE(b2.bdat_last);
  EXPECT_NE(s->bdat_chunk("body\r\n", true).out.find("250 2.0.0 ok: queued as"), std::string::npos);
  EXPECT_EQ(inbox_count("ana.box@o.example"), 1u);
  auto lost = s->command("BDAT 5 LAST\r\n");
  EXPECT_TRUE(lost.out.starts_with("503 5.5.1 send MAIL FROM first")) << lost.out;
  EXPECT_EQ(lost.next, Reply::Next::bdat) << "the chunk is still read, to stay in step";
  EXPECT_EQ(s->bdat_chunk("xxxxx", true).out, "");
}

TEST_F(SmtpTest, StartTlsForgetsTheSession) {
  auto s = open(Role::submission, false);
  s->command("EHLO laptop\r\n");
  auto r = s->command("STARTTLS\r\n");
  EXPECT_EQ(r.out, "220 2.0.0 ready to start TLS\r\n");
  EXPECT_EQ(r.next, Reply::Next::start_tls);
  s->tls_started();
  EXPECT_EQ(s->command("MAIL FROM:<team@o.example>\r\n").out, "503 5.5.1 send EHLO first\r\n");
  EXPECT_NE(s->command("EHLO laptop\r\n").out.find("AUTH PLAIN LOGIN"), std::string::npos);
  EXPECT_EQ(s->command("STARTTLS\r\n").out, "503 5.5.1 TLS is already active\r\n");
}

TEST_F(SmtpTest, SpfRejectIsPerRecipientDomain) {
  auto op = manage::Actor::operator_cli();
  auto& m = *m_services->manager;
  ASSERT_TRUE(m.add_domain(op, "s", "strict.example"));
  ASSERT_TRUE(m.create_address(op, "boss@strict.example"));
  ASSERT_TRUE(m.set_domain_spf_fail(op, "strict.example", store::SpfFailPolicy::reject));
  auto junk_count = [&](const std::string& address) {
    auto a = m_services->store->find_address(address).value();
    auto box = m_services->store->find_special_mailbox(a.id, store::SpecialUse::junk).value();
    return m_services->store->list_messages(box.ref()).value().size();
  };
  // A fail: refused for the rejecting domain, Junk for the other one.
  auto s = open(Role::mx);
  s->command("EHLO h.example\r\n");
  s->command("MAIL FROM:<boss@forged.example>\r\n");
  EXPECT_EQ(s->command("RCPT TO:<boss@strict.example>\r\n").out,
            "550 5.7.23 SPF check failed (spf=fail): 198.51.100.7 may not send mail for the domain of "
            "<boss@forged.example>\r\n");
  EXPECT_EQ(s->command("RCPT TO:<team@o.example>\r\n").out, "250 2.1.5 recipient ok\r\n");
  EXPECT_NE(send_data(*s, "Subject: x\r\n\r\nx\r\n.\r\n").find("250 2.0.0"), std::string::npos);
  EXPECT_EQ(junk_count("team@o.example"), 1u);
  EXPECT_EQ(junk_count("boss@strict.example") + inbox_count("boss@strict.example"), 0u);
  // A softfail and a pass are not refused.
  for (std::string sender : {"x@soft.example", "carla@far.example"}) {
    auto t = open(Role::mx);
    t->command("EHLO h.example\r\n");
    t->command("MAIL FROM:<" + sender + ">\r\n");
    EXPECT_EQ(t->command("RCPT TO:<boss@strict.example>\r\n").out, "250 2.1.5 recipient ok\r\n") << sender;
    EXPECT_NE(send_data(*t, "Subject: y\r\n\r\ny\r\n.\r\n").find("250 2.0.0"), std::string::npos);
  }
  EXPECT_EQ(junk_count("boss@strict.example"), 1u);
  EXPECT_EQ(inbox_count("boss@strict.example"), 1u);
  // Submission is authenticated, not SPF-checked.
  auto sub = authed();
  sub->command("MAIL FROM:<team@o.example>\r\n");
  EXPECT_EQ(sub->command("RCPT TO:<boss@strict.example>\r\n").out, "250 2.1.5 recipient ok\r\n");
}

TEST_F(SmtpTest, QuotaAtRcptAndAfterData) {
  auto op = manage::Actor::operator_cli();
  auto& m = *m_services->manager;
  auto deliver = [&](const std::string& rcpt, const std::string& body, const std::string& size = "") {
    auto s = open(Role::mx);
    s->command("EHLO h.example\r\n");
    s->command("MAIL FROM:<carla@far.example>" + size + "\r\n");
    auto out = s->command("RCPT TO:<" + rcpt + ">\r\n").out;
    if (!out.starts_with("250 ")) return out;
    return send_data(*s, "Subject: q\r\n\r\n" + body + "\r\n.\r\n");
  };
  manage::AddressChange quota;
  quota.quota_bytes = std::optional<std::uint64_t>(2000);
  quota.quota_messages = std::optional<std::uint64_t>(2);
  ASSERT_TRUE(m.update_address(op, "ana.box@o.example", quota));
  EXPECT_NE(deliver("ana.box@o.example", std::string(600, 'a')).find("250 2.0.0"), std::string::npos);
  // Declared larger than the whole quota: 552 at RCPT (RFC 1870 §6.4).
  EXPECT_EQ(deliver("ana.box@o.example", "x", " SIZE=2001"),
            "552 5.2.2 <ana.box@o.example>: the message is larger than the mailbox's quota\r\n");
  // Declared larger than the room left: 452.
  EXPECT_TRUE(deliver("ana.box@o.example", "x", " SIZE=1500").starts_with("452 4.2.2 Mailbox full"));
  // Known only after DATA: 452 when it would overflow, 552 when it could never fit.
  auto over = deliver("ana.box@o.example", std::string(1500, 'b'));
  EXPECT_NE(over.find("452 4.2.2 Mailbox full: <ana.box@o.example> has no room for this message\r\n"),
            std::string::npos) << over;
  auto never = deliver("ana.box@o.example", std::string(2500, 'c'));
  EXPECT_NE(never.find("552 5.2.2 "), std::string::npos) << never;
  EXPECT_EQ(inbox_count("ana.box@o.example"), 1u);
  // Two recipients after DATA: one reply for both, temporary, stored for neither.
  {
    auto s = open(Role::mx);
    s->command("EHLO h.example\r\n");
    s->command("MAIL FROM:<carla@far.example>\r\n");
    s->command("RCPT TO:<ana.box@o.example>\r\n");
    s->command("RCPT TO:<team@o.example>\r\n");
    auto out = send_data(*s, "Subject: q\r\n\r\n" + std::string(2500, 'd') + "\r\n.\r\n");
    EXPECT_NE(out.find("452 4.2.2 "), std::string::npos) << out;
    EXPECT_EQ(inbox_count("team@o.example"), 0u);
  }
  // The message limit: a second small one fits, a third does not even reach DATA.
  EXPECT_NE(deliver("ana.box@o.example", "small").find("250 2.0.0"), std::string::npos);
  EXPECT_EQ(deliver("ana.box@o.example", "small"), "452 4.2.2 Mailbox full: <ana.box@o.example> is over its quota\r\n");
  // Lifted: accepted again.
  ASSERT_TRUE(m.update_address(op, "ana.box@o.example", manage::AddressChange{std::optional<std::uint64_t>(),
                                                                             std::optional<std::uint64_t>(), {}}));
  EXPECT_NE(deliver("ana.box@o.example", std::string(2500, 'e')).find("250 2.0.0"), std::string::npos);
  EXPECT_EQ(inbox_count("ana.box@o.example"), 3u);
}

TEST_F(SmtpTest, SentCopyFollowsTheAddressSetting) {
  auto op = manage::Actor::operator_cli();
  auto team = m_services->store->find_address("team@o.example").value();
  auto sent_count = [&] {
    auto sent = m_services->store->find_special_mailbox(team.id, store::SpecialUse::sent).value();
    return m_services->store->list_messages(sent.ref()).value().size();
  };
  auto submit = [&] {
    auto s = authed();
    s->command("MAIL FROM:<team@o.example>\r\n");
    s->command("RCPT TO:<ana.box@o.example>\r\n");
    return send_data(*s, "From: team@o.example\r\nSubject: s\r\n\r\nhi\r\n.\r\n");
  };
  manage::AddressChange off;
  off.save_sent = false;
  ASSERT_TRUE(m_services->manager->update_address(op, "team@o.example", off));
  EXPECT_NE(submit().find("250 2.0.0"), std::string::npos);
  EXPECT_EQ(sent_count(), 0u);
  EXPECT_EQ(inbox_count("ana.box@o.example"), 1u);
  EXPECT_EQ(m_services->store->trace(team.id, 0, 10).value().size(), 1u) << "the trace is kept all the same";
  // On, but no room left in the sender's quota: the mail goes, the copy does not.
  manage::AddressChange full;
  full.save_sent = true;
  full.quota_messages = std::optional<std::uint64_t>(0);
  ASSERT_TRUE(m_services->manager->update_address(op, "team@o.example", full));
  EXPECT_NE(submit().find("250 2.0.0"), std::string::npos);
  EXPECT_EQ(sent_count(), 0u);
  EXPECT_EQ(inbox_count("ana.box@o.example"), 2u);
  full.quota_messages = std::optional<std::uint64_t>();
  ASSERT_TRUE(m_services->manager->update_address(op, "team@o.example", full));
  EXPECT_NE(submit().find("250 2.0.0"), std::string::npos);
  EXPECT_EQ(sent_count(), 1u);
}

}  // namespace
}  // namespace estafeta::smtp
