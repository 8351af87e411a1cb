// SMTP transcripts against the session logic (no sockets): MX and
// submission roles, the relay rules, limits, DATA and BDAT, AUTH.
#include "smtp/session.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "auth/sasl.hpp"
#include "core/testing.hpp"
#include "dns/resolver.hpp"
#include "mime/parsed_message.hpp"
#include "server/services.hpp"
#include "smtp/data_reader.hpp"
#include "smtp/message_auth.hpp"
#include "smtp/routing.hpp"

namespace estafeta::smtp {
namespace {

// A zone of which only some names are at hand (as a resolver's cache
// holds them); counts the lookups that were not.
class HandyZone final : public dns::Resolver {
 public:
  explicit HandyZone(dns::Resolver& zone) : m_zone(zone) {}
  std::set<std::string> names_at_hand;
  int waited = 0;  // lookups through the zone itself

  Result<std::vector<std::string>> txt(std::string_view n) override { return counted(m_zone.txt(n)); }
  Result<std::vector<dns::IpAddress>> a(std::string_view n) override { return counted(m_zone.a(n)); }
  Result<std::vector<dns::IpAddress>> aaaa(std::string_view n) override { return counted(m_zone.aaaa(n)); }
  Result<std::vector<dns::MxRecord>> mx(std::string_view n) override { return counted(m_zone.mx(n)); }
  Result<std::vector<std::string>> ptr(const dns::IpAddress& ip) override { return counted(m_zone.ptr(ip)); }
  Result<std::vector<dns::SrvRecord>> srv(std::string_view n) override { return counted(m_zone.srv(n)); }
  std::unique_ptr<dns::Resolver> at_hand(bool& missed) override { return std::make_unique<View>(*this, missed); }

 private:
  template <class R>
  R counted(R r) {
    ++waited;
    return r;
  }

  class View final : public dns::Resolver {
   public:
    View(HandyZone& z, bool& missed) : m_z(z), m_missed(missed) {}
    Result<std::vector<std::string>> txt(std::string_view n) override { return held(n) ? m_z.m_zone.txt(n) : gone(); }
    Result<std::vector<dns::IpAddress>> a(std::string_view n) override { return held(n) ? m_z.m_zone.a(n) : gone(); }
    Result<std::vector<dns::IpAddress>> aaaa(std::string_view n) override {
      return held(n) ? m_z.m_zone.aaaa(n) : gone();
    }
    Result<std::vector<dns::MxRecord>> mx(std::string_view n) override { return held(n) ? m_z.m_zone.mx(n) : gone(); }
    Result<std::vector<std::string>> ptr(const dns::IpAddress&) override { return gone(); }
    Result<std::vector<dns::SrvRecord>> srv(std::string_view n) override {
      return held(n) ? m_z.m_zone.srv(n) : gone();
    }

   private:
    bool held(std::string_view n) { return m_z.names_at_hand.contains(dns::normalize_name(n)); }
    std::unexpected<Error> gone() {
      m_missed = true;
      return fail(ErrorKind::temporary, "not at hand");
    }
    HandyZone& m_z;
    bool& m_missed;
  };
  dns::Resolver& m_zone;
};

class SmtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mime::init();
    auto config = std::make_shared<Config>();
    config->data_dir = m_dir.path();
    config->hostname = "mx.o.example";
    m_services = server::open_services(config).value();
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
    m_services->spf = std::make_unique<dns::SpfRunner>(*m_services->resolver, dns::SpfRunnerOptions{});
    m_deps.emplace(deps_with(*m_services->resolver));
  }
  Deps deps_with(dns::Resolver& resolver) {
    auto& sv = *m_services;
    return Deps{.hostname = "mx.o.example",
                .limits = sv.config->limits,
                .accounts = *sv.store,
                .mailboxes = *sv.store,
                .bus = *sv.bus,
                .clock = *sv.clock,
                .logins = *sv.logins,
                .deliverer = *sv.deliverer,
                .resolver = resolver,
                .spf = sv.spf.get(),
                .auth_lookups = sv.auth_lookups.get(),
                .dkim_signer = sv.dkim_signer.get()};
  }
  std::unique_ptr<Session> open(Role role, bool tls = true, const Deps* deps = nullptr,
                                bool auth_by_transport = false) {
    SessionOptions o;
    o.message_auth_by_transport = auth_by_transport;
    o.role = role;
    o.hostname = "mx.o.example";
    o.peer_ip = "198.51.100.7";
    o.tls_active = tls;
    o.starttls_available = !tls;
    o.max_message_size = 10000;
    o.max_recipients = 3;
    return std::make_unique<Session>(deps ? *deps : *m_deps, o);
  }
  // Carla's message (From: carla@far.example) to team@o.example through
  // the MX's DATA: finish_data's reply (Next::message_auth when the checks
  // wait for the transport).
  Reply carla_to_team(Session& s) {
    s.command("EHLO sender.example\r\n");
    EXPECT_EQ(s.command("MAIL FROM:<carla@far.example>\r\n").out, "250 2.1.0 sender ok\r\n");
    EXPECT_EQ(s.command("RCPT TO:<team@o.example>\r\n").out, "250 2.1.5 recipient ok\r\n");
    EXPECT_EQ(s.command("DATA\r\n").next, Reply::Next::data);
    DataReader reader(s.max_message_size());
    std::string_view in = "From: Carla <carla@far.example>\r\nSubject: hi\r\n\r\nhello\r\n.\r\n";
    EXPECT_EQ(reader.feed(in), DataReader::Status::done);
    return s.finish_data(reader);
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
    auto r =
        s->command("AUTH PLAIN " + auth::base64_encode(std::string("\0team@o.example\0", 16) + m_password) + "\r\n");
    EXPECT_EQ(r.out, "235 2.7.0 authentication successful\r\n");
    return s;
  }

  testing::TempDir m_dir{"smtp-session"};
  std::unique_ptr<server::Services> m_services;
  std::optional<Deps> m_deps;
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
  EXPECT_TRUE(raw.starts_with(
      "Authentication-Results: mx.o.example; spf=pass smtp.mailfrom=carla@far.example; dkim=none; dmarc=none\r\n"
      "Received-SPF: pass (mx.o.example: domain of carla@far.example designates 198.51.100.7 as "
      "permitted sender) client-ip=198.51.100.7; envelope-from=\"carla@far.example\"; "
      "helo=sender.example;\r\n"
      "Received: from sender.example ([198.51.100.7])\r\n\tby mx.o.example (Estafeta) with ESMTP id "))
      << raw.substr(0, 400);
  EXPECT_TRUE(raw.ends_with("Subject: hi\r\n\r\nhello\r\n"));
  auto trace = m_services->store->trace(a.id, 0, 10).value();
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(trace[0].status, store::TraceStatus::delivered);
  EXPECT_EQ(trace[0].sender, "carla@far.example");
}

// RFC 5321 §4.4 and RFC 3848: the Received protocol says HELO (SMTP) or
// EHLO (ESMTP), then S for TLS and A for a login.
TEST_F(SmtpTest, ReceivedNamesTheProtocolUsed) {
  auto newest = [&] {
    auto a = m_services->store->find_address("team@o.example").value();
    auto box = m_services->store->find_mailbox(a.id, "INBOX").value();
    auto messages = m_services->store->list_messages(box.ref()).value();
    auto raw = m_services->blobs->get(messages.back().blob_hash).value();
    auto at = raw.find("(Estafeta) with ");
    return at == std::string::npos ? raw : raw.substr(at + 16, raw.find(' ', at + 16) - at - 16);
  };
  auto mx = [&](bool tls, const char* hello) {
    auto s = open(Role::mx, tls);
    s->command(std::string(hello) + " sender.example\r\n");
    s->command("MAIL FROM:<carla@far.example>\r\n");
    s->command("RCPT TO:<team@o.example>\r\n");
    EXPECT_NE(send_data(*s, "Subject: hi\r\n\r\nhello\r\n.\r\n").find("250 2.0.0"), std::string::npos);
    return newest();
  };
  EXPECT_EQ(mx(false, "HELO"), "SMTP");
  EXPECT_EQ(mx(false, "EHLO"), "ESMTP");
  EXPECT_EQ(mx(true, "EHLO"), "ESMTPS");
  EXPECT_EQ(mx(true, "HELO"), "SMTPS");
  auto sub = authed();
  sub->command("MAIL FROM:<team@o.example>\r\n");
  sub->command("RCPT TO:<team@o.example>\r\n");
  EXPECT_NE(send_data(*sub, "Subject: hi\r\n\r\nhello\r\n.\r\n").find("250 2.0.0"), std::string::npos);
  EXPECT_EQ(newest(), "ESMTPSA");
}

// RFC 5321 §4.2.4: AUTH is known on the MX, and not offered there: 502; so
// is EXPN. RFC 4954 §5: AUTH= goes with AUTH; every DSN parameter with EHLO.
TEST_F(SmtpTest, WhatIsNotOfferedIsRefusedAsSuch) {
  auto s = open(Role::mx, false);
  s->command("EHLO sender.example\r\n");
  EXPECT_TRUE(s->command("AUTH PLAIN AGFAYgBj\r\n").out.starts_with("502 5.5.1 "));
  EXPECT_TRUE(s->command("EXPN staff\r\n").out.starts_with("502 5.5.1 "));
  EXPECT_TRUE(s->command("MAIL FROM:<carla@far.example> AUTH=<>\r\n").out.starts_with("555 5.5.4 "));
  auto h = open(Role::mx, false);
  h->command("HELO sender.example\r\n");
  for (const char* mail : {"MAIL FROM:<carla@far.example> RET=FULL\r\n", "MAIL FROM:<carla@far.example> ENVID=x\r\n"})
    EXPECT_TRUE(h->command(mail).out.starts_with("555 5.5.4 ")) << mail;
  EXPECT_EQ(h->command("MAIL FROM:<carla@far.example>\r\n").out, "250 2.1.0 sender ok\r\n");
  EXPECT_TRUE(h->command("RCPT TO:<team@o.example> NOTIFY=NEVER\r\n").out.starts_with("555 5.5.4 "));
  EXPECT_TRUE(h->command("RCPT TO:<team@o.example> ORCPT=rfc822;x@y.example\r\n").out.starts_with("555 5.5.4 "));
  EXPECT_EQ(h->command("RCPT TO:<team@o.example>\r\n").out, "250 2.1.5 recipient ok\r\n");
  auto quit = h->command("QUIT\r\n");
  EXPECT_EQ(quit.out, "221 2.0.0 mx.o.example closing the connection\r\n") << "RFC 5321 §4.3.2: 221 <domain>";
  EXPECT_EQ(quit.next, Reply::Next::close);
}

// RFC 3207 §4.2: after STARTTLS the session knows nothing from before it,
// not even a login made in clear (a listener that allows that).
TEST_F(SmtpTest, StartTlsForgetsALoginMadeInClear) {
  SessionOptions o;
  o.role = Role::submission;
  o.hostname = "mx.o.example";
  o.peer_ip = "127.0.0.1";
  o.starttls_available = true;
  o.plaintext_auth = true;
  o.max_message_size = 10000;
  Session s(*m_deps, o);
  s.command("EHLO laptop\r\n");
  auto plain = "AUTH PLAIN " + auth::base64_encode(std::string("\0team@o.example\0", 16) + m_password) + "\r\n";
  EXPECT_EQ(s.command(plain).out, "235 2.7.0 authentication successful\r\n");
  EXPECT_EQ(s.command("STARTTLS\r\n").next, Reply::Next::start_tls);
  s.tls_started();
  EXPECT_FALSE(s.address_id());
  EXPECT_NE(s.command("EHLO laptop\r\n").out.find("250 AUTH PLAIN LOGIN\r\n"), std::string::npos);
  EXPECT_TRUE(s.command("MAIL FROM:<team@o.example>\r\n").out.starts_with("530 5.7.0 "));
  EXPECT_EQ(s.command(plain).out, "235 2.7.0 authentication successful\r\n");
}

// RFC 4954 §4: a response past the limit fails AUTH (500 5.5.6); the next
// line is a command again.
TEST_F(SmtpTest, ALineTooLongEndsAnAuthExchange) {
  auto s = open(Role::submission);
  s->command("EHLO laptop\r\n");
  EXPECT_EQ(s->command("AUTH PLAIN\r\n").next, Reply::Next::auth);
  EXPECT_EQ(s->line_too_long().out, "500 5.5.6 authentication exchange line is too long\r\n");
  EXPECT_EQ(s->command("NOOP\r\n").out, "250 2.0.0 ok\r\n");
  EXPECT_EQ(s->line_too_long().out, "500 5.5.2 command line too long\r\n");
}

// RFC 3461 §5.2.3 (a): NOTIFY=SUCCESS for a delivery here; a sender
// elsewhere whose domain SPF vouches for gets the report through the queue,
// with the null reverse-path.
TEST_F(SmtpTest, DeliveryReportToAVouchedSenderElsewhere) {
  auto s = open(Role::mx, false);
  s->command("EHLO sender.example\r\n");
  EXPECT_EQ(s->command("MAIL FROM:<carla@far.example> ENVID=c1\r\n").out, "250 2.1.0 sender ok\r\n");
  EXPECT_EQ(s->command("RCPT TO:<team@o.example> NOTIFY=SUCCESS\r\n").out, "250 2.1.5 recipient ok\r\n");
  EXPECT_NE(send_data(*s, "Subject: hi\r\n\r\nhello\r\n.\r\n").find("250 2.0.0"), std::string::npos);
  auto queued = m_services->store->queued(10).value();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_EQ(queued[0].recipient, "carla@far.example");
  EXPECT_EQ(queued[0].sender, "") << "nothing answers a report";
  EXPECT_TRUE(queued[0].notify_never);
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
  for (std::string trick :
       {"RCPT TO:<victim@elsewhere.example>\r\n", "RCPT TO:<victim%elsewhere.example@o.example>\r\n",
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
  EXPECT_EQ(inbox_count("ana.box@o.example") + inbox_count("team@o.example"), 1u)
      << "one copy, to an address of the domain";
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
  EXPECT_EQ(s->command("RCPT TO:<team@o.example>\r\n").out,
            "452 4.5.3 too many recipients; send the rest in another message\r\n");
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

// A list with stale addresses: each unknown recipient is refused, and the
// message still reaches the known ones (unknown recipients are not errors
// of the client). A session that keeps naming unknown addresses is closed.
TEST_F(SmtpTest, UnknownRecipientsAreNotErrorsUntilTheyAreAHarvest) {
  auto s = open(Role::mx);
  s->command("EHLO x.example\r\n");
  s->command("MAIL FROM:<list@far.example>\r\n");
  for (int i = 0; i < 20; ++i) {
    auto r = s->command(fmt::format("RCPT TO:<gone{}@o.example>\r\n", i));
    ASSERT_EQ(r.out, fmt::format("550 5.1.1 <gone{}@o.example>: no such mailbox here\r\n", i));
    ASSERT_EQ(r.next, Reply::Next::read);
  }
  EXPECT_EQ(s->command("RCPT TO:<team@o.example>\r\n").out, "250 2.1.5 recipient ok\r\n");
  EXPECT_NE(send_data(*s, "Subject: news\r\n\r\nx\r\n.\r\n").find("250 2.0.0"), std::string::npos);
  EXPECT_EQ(inbox_count("team@o.example"), 1u);

  s->command("MAIL FROM:<list@far.example>\r\n");
  Reply r;
  for (int i = 20; i < 50 && r.next != Reply::Next::close; ++i)
    r = s->command(fmt::format("RCPT TO:<gone{}@o.example>\r\n", i));
  EXPECT_NE(r.out.find("421 4.7.0"), std::string::npos) << r.out;
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
  EXPECT_EQ(s->command("RCPT TO:<someone@far.example>\r\n").out, "250 2.1.5 recipient ok\r\n")
      << "submission may send on";
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
  EXPECT_EQ(trace[0].status, store::TraceStatus::queued);
  EXPECT_EQ(trace[1].status, store::TraceStatus::delivered);
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
  EXPECT_TRUE(s->may_block("MAIL FROM:<team@o.example>\r\n")) << "submission asks the store who may send";
  EXPECT_EQ(s->command("MAIL FROM:<team@o.example> BODY=BINARYMIME\r\n").out,
            "555 5.5.4 BODY=BINARYMIME is not supported here\r\n")
      << "not offered (RFC 3030 §3)";
  s->command("MAIL FROM:<team@o.example> BODY=8BITMIME\r\n");
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
  EXPECT_TRUE(lost.bdat_discard) << "and dropped, never kept";
}

// What all sessions may hold of arriving message data (message_budget.hpp):
// past it, DATA and BDAT answer 452 4.3.1 and keep nothing; with room again
// the same message goes in.
TEST_F(SmtpTest, MessageDataPastTheServersBudgetIsRefusedForLater) {
  MessageBudget budget(100);
  auto deps = *m_deps;
  deps.message_budget = &budget;
  auto s = open(Role::mx, true, &deps);
  s->command("EHLO sender.example\r\n");
  s->command("MAIL FROM:<>\r\n");
  s->command("RCPT TO:<team@o.example>\r\n");
  auto chunk = s->command("BDAT 150 LAST\r\n");
  EXPECT_EQ(chunk.out, "452 4.3.1 too many messages are arriving at once; try again later\r\n");
  EXPECT_TRUE(chunk.bdat_discard) << "read and dropped";
  EXPECT_EQ(budget.used(), 0u);
  s->command("MAIL FROM:<>\r\n");
  s->command("RCPT TO:<team@o.example>\r\n");
  auto go = s->command("DATA\r\n");
  ASSERT_EQ(go.next, Reply::Next::data);
  DataReader reader(s->max_message_size(), kMaxDataLine, s->message_budget());
  std::string body = "Subject: big\r\n\r\n" + std::string(200, 'x') + "\r\n.\r\n";
  std::string_view in = body;
  EXPECT_EQ(reader.feed(in), DataReader::Status::done);
  EXPECT_EQ(s->finish_data(reader).out, "452 4.3.1 too many messages are arriving at once; try again later\r\n");
  EXPECT_EQ(inbox_count("team@o.example"), 0u);
  EXPECT_EQ(budget.used(), 0u);
  // A message within the budget is taken.
  s->command("MAIL FROM:<>\r\n");
  s->command("RCPT TO:<team@o.example>\r\n");
  EXPECT_EQ(s->command("BDAT 14 LAST\r\n").next, Reply::Next::bdat);
  EXPECT_EQ(budget.used(), 14u) << "held while the chunk is read";
  EXPECT_NE(s->bdat_chunk("Subject: b\r\n\r\n", true).out.find("250 2.0.0 ok: queued as"), std::string::npos);
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_EQ(inbox_count("team@o.example"), 1u);
}

TEST_F(SmtpTest, BdatChunksAreBoundedBeforeTheyAreRead) {
  auto s = open(Role::mx);  // max_message_size 10000
  s->command("EHLO h.example\r\n");
  auto huge = s->command("BDAT 100000000000 LAST\r\n");
  EXPECT_EQ(huge.next, Reply::Next::bdat);
  EXPECT_TRUE(huge.bdat_discard);
  EXPECT_EQ(huge.bdat_size, 100000000000u) << "read to its end, to stay in step";
  s->command("MAIL FROM:<carla@far.example>\r\n");
  s->command("RCPT TO:<team@o.example>\r\n");
  auto first = s->command("BDAT 6000\r\n");
  EXPECT_FALSE(first.bdat_discard);
  EXPECT_EQ(s->bdat_chunk(std::string(6000, 'a'), false).out, "250 2.0.0 6000 octets received\r\n");
  auto over = s->command("BDAT 4001\r\n");
  EXPECT_TRUE(over.bdat_discard) << "6000 + 4001 cannot fit: refused before a byte is read";
  EXPECT_EQ(over.out, "552 5.3.4 the message is larger than the limit of 10000 bytes\r\n");
  auto after = s->command("BDAT 10 LAST\r\n");
  EXPECT_TRUE(after.bdat_discard) << "the rest of a refused message is dropped too";
  EXPECT_TRUE(after.out.starts_with("503 5.5.1 ")) << after.out;
  EXPECT_EQ(s->command("DATA\r\n").out, "503 5.5.1 send MAIL FROM first\r\n") << "the transaction is over";
  EXPECT_EQ(inbox_count("team@o.example"), 0u);
}

TEST_F(SmtpTest, BdatRefusesBareLineEndingsAsDataDoes) {
  for (std::string body : {"Subject: x\rFrom: boss@o.example\r\n\r\nhi\r\n", "Subject: x\n\r\nhi\r\n"}) {
    auto s = open(Role::mx);
    s->command("EHLO h.example\r\n");
    s->command("MAIL FROM:<carla@far.example>\r\n");
    s->command("RCPT TO:<team@o.example>\r\n");
    s->command(fmt::format("BDAT {} LAST\r\n", body.size()));
    EXPECT_EQ(s->bdat_chunk(body, true).out, "550 5.6.11 bare CR or LF in the message: lines must end with CRLF\r\n");
  }
  EXPECT_EQ(inbox_count("team@o.example"), 0u);
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
            std::string::npos)
      << over;
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
  ASSERT_TRUE(
      m.update_address(op, "ana.box@o.example",
                       manage::AddressChange{std::optional<std::uint64_t>(), std::optional<std::uint64_t>(), {}}));
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

TEST_F(SmtpTest, RevokedAccessStopsAnOpenSubmissionSession) {
  auto op = manage::Actor::operator_cli();
  auto& m = *m_services->manager;
  ASSERT_TRUE(m.grant_access(op, "ana.box@o.example", "ana", true));
  auto s = authed();  // logged in as team@o.example
  EXPECT_EQ(s->command("MAIL FROM:<ana.box@o.example>\r\n").out, "250 2.1.0 sender ok\r\n");
  s->command("RCPT TO:<team@o.example>\r\n");
  ASSERT_TRUE(m.revoke_access(op, "ana.box@o.example", "ana", false));
  // Revoked between MAIL and the end of the data: refused there.
  auto late = send_data(*s, "From: ana.box@o.example\r\nSubject: x\r\n\r\nhi\r\n.\r\n");
  EXPECT_NE(late.find("550 5.7.1 you may not send as <ana.box@o.example>"), std::string::npos) << late;
  EXPECT_EQ(s->command("MAIL FROM:<ana.box@o.example>\r\n").out,
            "550 5.7.1 you may not send as <ana.box@o.example>: it is not one of your addresses\r\n");
  EXPECT_EQ(s->command("MAIL FROM:<team@o.example>\r\n").out, "250 2.1.0 sender ok\r\n")
      << "the login address still works";
  EXPECT_EQ(inbox_count("team@o.example"), 0u);
}

TEST_F(SmtpTest, SubmissionRefusesMalformedHeaderBlocks) {
  auto s = authed();
  s->command("MAIL FROM:<team@o.example>\r\n");
  s->command("RCPT TO:<ana.box@o.example>\r\n");
  auto out = send_data(*s, "Subject: x\r\nthis is no field\r\nFrom: boss@o.example\r\n\r\nhi\r\n.\r\n");
  EXPECT_NE(out.find("550 5.6.0 malformed header: line 2 "), std::string::npos) << out;
  EXPECT_EQ(inbox_count("ana.box@o.example"), 0u);
}

TEST_F(SmtpTest, HeadersCarryNoInjectedText) {
  auto s = open(Role::mx);
  s->command("EHLO x;dkim=pass\r\n");  // accepted, but no domain: never placed in a header
  s->command("MAIL FROM:<\"x;dkim=pass\"@far.example>\r\n");
  s->command("RCPT TO:<team@o.example>\r\n");
  auto out = send_data(*s,
                       "Authentication-Results: mx.o.example; spf=pass smtp.mailfrom=ceo@o.example\r\n"
                       "Subject: x\r\n\r\nhi\r\n.\r\n");
  EXPECT_NE(out.find("250 2.0.0"), std::string::npos) << out;
  auto a = m_services->store->find_address("team@o.example").value();
  auto box = m_services->store->find_mailbox(a.id, "INBOX").value();
  auto raw = m_services->blobs->get(m_services->store->list_messages(box.ref()).value().at(0).blob_hash).value();
  auto header = raw.substr(0, raw.find("\r\n\r\n"));
  EXPECT_TRUE(
      header.starts_with("Authentication-Results: mx.o.example; spf=pass "
                         "smtp.mailfrom=\"\\\"x;dkim=pass\\\"@far.example\"; dkim=none; dmarc=none\r\n"))
      << header;
  EXPECT_EQ(header.find("Authentication-Results", 10), std::string::npos) << "the forged one is gone";
  EXPECT_EQ(header.find("dkim=pass;"), std::string::npos);
  EXPECT_NE(header.find("envelope-from=\"\\\"x;dkim=pass\\\"@far.example\";"), std::string::npos) << header;
  EXPECT_EQ(header.find("helo="), std::string::npos) << header;
  EXPECT_NE(header.find("Received: from [198.51.100.7] ([198.51.100.7])"), std::string::npos) << header;
}

TEST_F(SmtpTest, TransportSuppliesTheSpfVerdict) {
  SessionOptions o;
  o.role = Role::mx;
  o.hostname = "mx.o.example";
  o.peer_ip = "198.51.100.7";
  o.spf_by_transport = true;
  auto op = manage::Actor::operator_cli();
  ASSERT_TRUE(m_services->manager->set_domain_spf_fail(op, "o.example", store::SpfFailPolicy::reject));
  Session s(*m_deps, o);
  s.command("EHLO h.example\r\n");
  EXPECT_FALSE(s.spf_job()) << "no transaction yet";
  s.command("MAIL FROM:<boss@forged.example>\r\n");
  auto job = s.spf_job();
  ASSERT_TRUE(job);
  EXPECT_EQ(job->mail_from, "boss@forged.example");
  EXPECT_EQ(job->helo, "h.example");
  auto again = s.command("RCPT TO:<team@o.example>\r\n");
  EXPECT_EQ(again.next, Reply::Next::spf) << "the session never asks DNS itself";
  EXPECT_EQ(again.out, "");
  s.set_spf(dns::check_mail_from(*m_services->resolver, job->client_ip, job->mail_from, job->helo, job->options));
  EXPECT_TRUE(s.command("RCPT TO:<team@o.example>\r\n").out.starts_with("550 5.7.23 ")) << "the same RCPT, decided";
  // A check that could not run: 451 4.4.3, not a verdict.
  Session busy(*m_deps, o);
  busy.command("EHLO h.example\r\n");
  busy.command("MAIL FROM:<boss@forged.example>\r\n");
  busy.set_spf(std::nullopt);
  EXPECT_EQ(busy.command("RCPT TO:<team@o.example>\r\n").out,
            "451 4.4.3 too many SPF checks in progress; try again later\r\n");
}

// DKIM and DMARC with every answer at hand run with the delivery itself
// (no DNS thread); with one missing they wait for the transport as before.
// Either way the message carries the same results.
TEST_F(SmtpTest, ChecksWithTheirAnswersAtHandNeedNoDnsThread) {
  dns::StaticResolver zone;
  zone.add_txt("far.example", "v=spf1 ip4:198.51.100.0/24 -all");
  zone.add_txt("_dmarc.far.example", "v=DMARC1; p=quarantine");
  HandyZone handy(zone);
  auto deps = deps_with(handy);
  auto deliver = [&](bool expect_wait) {
    auto s = open(Role::mx, false, &deps, true);
    auto r = carla_to_team(*s);
    if (expect_wait) {
      EXPECT_EQ(r.next, Reply::Next::message_auth);
      EXPECT_EQ(r.out, "");
      auto job = s->message_auth_job();
      EXPECT_TRUE(job.has_value());
      if (job) s->set_message_auth(authenticate_message(*job, handy));
      r = s->resume_message();
    }
    EXPECT_EQ(r.next, Reply::Next::read);
    EXPECT_TRUE(r.out.starts_with("250 2.0.0 ok: queued as ")) << r.out;
  };

  deliver(true);  // nothing at hand: the transport's DNS thread
  int waited = handy.waited;
  handy.names_at_hand = {"_dmarc.far.example"};
  deliver(false);
  EXPECT_EQ(handy.waited, waited + 1) << "only SPF (at MAIL/RCPT) asked the zone itself";

  auto a = m_services->store->find_address("team@o.example").value();
  auto box = m_services->store->find_mailbox(a.id, "INBOX").value();
  auto messages = m_services->store->list_messages(box.ref()).value();
  ASSERT_EQ(messages.size(), 2u);
  auto results = [&](const auto& m) {
    auto raw = m_services->blobs->get(m.blob_hash).value();
    return raw.substr(0, raw.find("\r\n"));
  };
  EXPECT_EQ(results(messages[0]),
            "Authentication-Results: mx.o.example; spf=pass smtp.mailfrom=carla@far.example; dkim=none; "
            "dmarc=pass (p=quarantine) header.from=far.example");
  EXPECT_EQ(results(messages[1]), results(messages[0]));
}

// RFC 7489 §6.6.2: the sender's SPF lookup failed for now, and nothing
// else aligns: the domain's p=reject is neither applied (no 550 for good)
// nor skipped (the message is not let through): the sender tries again.
TEST_F(SmtpTest, ADmarcCheckThatFailedForNowIsDeferred) {
  dns::StaticResolver zone;
  zone.add_timeout("far.example");
  zone.add_txt("_dmarc.far.example", "v=DMARC1; p=reject");
  HandyZone handy(zone);
  auto deps = deps_with(handy);
  auto s = open(Role::mx, false, &deps, true);
  auto r = carla_to_team(*s);
  if (r.next == Reply::Next::message_auth) {
    auto job = s->message_auth_job();
    ASSERT_TRUE(job.has_value());
    s->set_message_auth(authenticate_message(*job, handy));
    r = s->resume_message();
  }
  EXPECT_EQ(r.out,
            "451 4.7.0 the DMARC check of far.example could not be completed (a DNS lookup failed); try again "
            "later\r\n");
  auto a = m_services->store->find_address("team@o.example").value();
  auto box = m_services->store->find_mailbox(a.id, "INBOX").value();
  EXPECT_TRUE(m_services->store->list_messages(box.ref()).value().empty());
}

// RFC 8601 §2.2: a pvalue is an RFC 2045 token or a quoted string: a
// signature's b= prefix with "/" or "=" in it is quoted.
TEST(MessageAuthResults, ValuesThatAreNoTokensAreQuoted) {
  MessageAuth auth;
  dns::dkim::Verification v;
  v.verdict = dns::dkim::Verdict::pass;
  v.domain = "far.example";
  v.selector = "s1";
  v.b_prefix = "kZ/bJR+G";
  auth.dkim = {v, v};
  auth.dkim[1].b_prefix = "abcdEF+9";
  auth.dmarc.verdict = dns::dmarc::Verdict::pass;
  auth.dmarc.from_domain = "far.example";
  EXPECT_EQ(dkim_dmarc_results(auth),
            "; dkim=pass header.d=far.example header.s=s1 header.b=\"kZ/bJR+G\""
            "; dkim=pass header.d=far.example header.s=s1 header.b=abcdEF+9"
            "; dmarc=pass (p=none) header.from=far.example");
}

// A domain that says it takes no mail (a null MX, RFC 7505) bounces with
// 556 5.1.10 (§4.2); one that does not exist with 550 5.1.2; DNS trouble
// is tried again (451 4.4.3).
TEST(Routing, FailuresGiveTheirOwnReplies) {
  dns::StaticResolver zone;
  zone.add_mx("nomail.example", 0, ".");
  zone.add_timeout("slow.example");
  auto null_mx = mx_route(zone, "nomail.example");
  ASSERT_FALSE(null_mx);
  EXPECT_EQ(route_failure(null_mx.error()),
            (std::pair<int, std::string>{556, "556 5.1.10 nomail.example does not accept mail (null MX)"}));
  auto missing = mx_route(zone, "nowhere.example");
  ASSERT_FALSE(missing);
  EXPECT_EQ(route_failure(missing.error()).first, 550);
  EXPECT_TRUE(route_failure(missing.error()).second.starts_with("550 5.1.2 "));
  // An internationalised domain's MX is looked up by its A-labels.
  zone.add_mx("xn--bcher-kva.test", 10, "mx.xn--bcher-kva.test");
  ASSERT_TRUE(zone.add("mx.xn--bcher-kva.test", dns::RecordType::a, "192.0.2.7"));
  auto idn = mx_route(zone,
                      "b\xc3\xbc"
                      "cher.test");
  ASSERT_TRUE(idn) << idn.error().message;
  EXPECT_EQ(idn->size(), 1u);
  auto slow = mx_route(zone, "slow.example");
  ASSERT_FALSE(slow);
  EXPECT_EQ(route_failure(slow.error()).first, 451);
  EXPECT_TRUE(route_failure(slow.error()).second.starts_with("451 4.4.3 "));
}

}  // namespace
}  // namespace estafeta::smtp
