// POP3 transcripts against the session logic (no sockets).
#include "pop3/session.hpp"

#include <gtest/gtest.h>

#include "auth/sasl.hpp"
#include "core/testing.hpp"
#include "mime/parsed_message.hpp"
#include "server/services.hpp"

namespace estafeta::pop3 {
namespace {

class Pop3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    mime::init();
    auto config = std::make_shared<Config>();
    config->data_dir = m_dir.path();
    m_services = server::open_services(config).value();
    auto& sv = *m_services;
    m_deps.emplace(Deps{.hostname = "mail.o.example",
                        .limits = sv.config->limits,
                        .mail = *sv.store,
                        .blobs = *sv.blobs,
                        .bus = *sv.bus,
                        .logins = *sv.logins,
                        .maildrop_locks = *sv.maildrop_locks});
    auto op = manage::Actor::operator_cli();
    auto& m = *m_services->manager;
    ASSERT_TRUE(m.create_organisation(op, "O"));
    ASSERT_TRUE(m.create_user(op, "O", "ana", "Ana", store::Role::admin, ""));
    ASSERT_TRUE(m.create_service(op, "O", "s"));
    ASSERT_TRUE(m.add_domain(op, "s", "o.example"));
    ASSERT_TRUE(m.create_address(op, "team@o.example"));
    ASSERT_TRUE(m.grant_access(op, "team@o.example", "ana", true));
    m_password = m.create_device_password(op, "team@o.example", "ana", "laptop").value().password;
    auto addr = m_services->store->find_address("team@o.example").value();
    m_inbox = m_services->deliverer->inbox_of(addr.id).value();
    deliver("From: a@b.example\r\nSubject: one\r\n\r\nline 1\r\n.hidden dot\r\nline 3\r\n");
    deliver("From: a@b.example\r\nSubject: two\r\n\r\nsecond\r\n");
  }
  void deliver(const std::string& m) { ASSERT_TRUE(m_services->deliverer->deliver(m, {{m_inbox, 0, {}, 1}})); }
  std::unique_ptr<Session> open(bool tls = true) {
    SessionOptions o;
    o.hostname = "pop.o.example";
    o.peer_ip = "192.0.2.9";
    o.tls_active = tls;
    o.starttls_available = !tls;
    return std::make_unique<Session>(*m_deps, o);
  }
  std::unique_ptr<Session> logged_in() {
    auto s = open();
    EXPECT_EQ(s->execute("USER team@o.example\r\n").out, "+OK send the device password\r\n");
    EXPECT_EQ(s->execute("PASS " + m_password + "\r\n").out, "+OK 2 message(s)\r\n");
    return s;
  }

  testing::TempDir m_dir{"pop3"};
  std::unique_ptr<server::Services> m_services;
  std::optional<Deps> m_deps;
  std::string m_password;
  store::MailboxRef m_inbox;
};

TEST_F(Pop3Test, CapaAndTlsRules) {
  auto s = open(false);
  auto capa = s->execute("CAPA\r\n").out;
  EXPECT_NE(capa.find("STLS\r\n"), std::string::npos);
  EXPECT_EQ(capa.find("USER\r\n"), std::string::npos) << "no plaintext login offered before TLS";
  EXPECT_TRUE(capa.ends_with("\r\n.\r\n"));
  EXPECT_EQ(s->execute("USER team@o.example\r\n").out, "-ERR [SYS/PERM] use STLS (or port 995) before logging in\r\n");
  auto stls = s->execute("STLS\r\n");
  EXPECT_EQ(stls.next, Reply::Next::start_tls);
  s->tls_started();
  EXPECT_NE(s->execute("CAPA\r\n").out.find("SASL PLAIN LOGIN\r\n"), std::string::npos);
}

// RFC 1939 §3: each command in its state, with the answer that says why not.
TEST_F(Pop3Test, CommandsInTheWrongState) {
  auto s = open();
  EXPECT_EQ(s->execute("STAT\r\n").out, "-ERR log in first (USER/PASS or AUTH)\r\n");
  EXPECT_EQ(s->execute("NOOP\r\n").out, "-ERR log in first (USER/PASS or AUTH)\r\n");
  EXPECT_EQ(s->execute("FROB\r\n").out, "-ERR log in first (USER/PASS or AUTH)\r\n");
  EXPECT_EQ(s->execute("PASS x\r\n").out, "-ERR send USER first\r\n");
  auto in = logged_in();
  EXPECT_EQ(in->execute("USER team@o.example\r\n").out, "-ERR already logged in\r\n");
  EXPECT_EQ(in->execute("STLS\r\n").out, "-ERR already logged in\r\n");
  EXPECT_EQ(in->execute("FROB\r\n").out, "-ERR unknown command\r\n");
  EXPECT_EQ(in->execute("NOOP\r\n").out, "+OK \r\n");
  EXPECT_TRUE(in->execute("CAPA\r\n").out.starts_with("+OK capabilities follow\r\n"));
}

TEST_F(Pop3Test, RetrieveListUidlTopDelete) {
  auto s = logged_in();
  EXPECT_EQ(s->execute("STAT\r\n").out, "+OK 2 107\r\n");
  auto list = s->execute("LIST\r\n").out;
  EXPECT_EQ(list, "+OK listing follows\r\n1 64\r\n2 43\r\n.\r\n");
  auto uidl = s->execute("UIDL\r\n").out;
  EXPECT_TRUE(uidl.starts_with("+OK listing follows\r\n1 ")) << uidl;
  auto retr = s->execute("RETR 1\r\n").out;
  EXPECT_EQ(retr,
            "+OK 64 octets\r\nFrom: a@b.example\r\nSubject: one\r\n\r\nline 1\r\n..hidden dot\r\nline 3\r\n.\r\n");
  EXPECT_EQ(s->execute("TOP 1 1\r\n").out, "+OK 64 octets\r\nFrom: a@b.example\r\nSubject: one\r\n\r\nline 1\r\n.\r\n");
  EXPECT_EQ(s->execute("TOP 1 0\r\n").out, "+OK 64 octets\r\nFrom: a@b.example\r\nSubject: one\r\n\r\n.\r\n");
  EXPECT_EQ(s->execute("RETR 3\r\n").out, "-ERR no such message\r\n");
  EXPECT_EQ(s->execute("DELE 1\r\n").out, "+OK marked for deletion\r\n");
  EXPECT_EQ(s->execute("RETR 1\r\n").out, "-ERR no such message\r\n");
  EXPECT_EQ(s->execute("STAT\r\n").out, "+OK 1 43\r\n");
  EXPECT_EQ(s->execute("RSET\r\n").out, "+OK deletion marks removed\r\n");
  EXPECT_EQ(s->execute("STAT\r\n").out, "+OK 2 107\r\n");
  EXPECT_EQ(s->execute("DELE 2\r\n").out, "+OK marked for deletion\r\n");
  EXPECT_EQ(m_services->store->list_messages(m_inbox).value().size(), 2u) << "nothing removed before QUIT";
  auto quit = s->execute("QUIT\r\n");
  EXPECT_EQ(quit.out, "+OK bye, 1 message(s) deleted\r\n");
  EXPECT_EQ(quit.next, Reply::Next::close);
  EXPECT_EQ(m_services->store->list_messages(m_inbox).value().size(), 1u);
}

TEST_F(Pop3Test, DroppedConnectionDeletesNothingAndReleasesTheLock) {
  {
    auto s = logged_in();
    s->execute("DELE 1\r\n");
    auto t = open();
    t->execute("USER team@o.example\r\n");
    EXPECT_EQ(t->execute("PASS " + m_password + "\r\n").out,
              "-ERR [IN-USE] the mailbox is in use by another POP3 session\r\n");
  }
  EXPECT_EQ(m_services->store->list_messages(m_inbox).value().size(), 2u);
  auto again = logged_in();  // the lock went with the first session
  EXPECT_EQ(again->execute("STAT\r\n").out, "+OK 2 107\r\n");
}

TEST_F(Pop3Test, AuthenticationPaths) {
  auto s = open();
  s->execute("USER nobody@o.example\r\n");
  auto unknown = s->execute("PASS " + m_password + "\r\n");
  s->execute("USER team@o.example\r\n");
  auto wrong = s->execute("PASS nope\r\n");
  EXPECT_EQ(unknown.out, wrong.out);
  EXPECT_EQ(wrong.out, "-ERR [AUTH] invalid address or device password\r\n");
  EXPECT_GT(wrong.delay.count(), 0);
  EXPECT_EQ(s->execute("PASS x\r\n").out, "-ERR send USER first\r\n");
  EXPECT_EQ(s->execute("STAT\r\n").out, "-ERR log in first (USER/PASS or AUTH)\r\n");

  auto p = open();
  auto b64 = auth::base64_encode(std::string("\0team@o.example\0", 16) + m_password);
  EXPECT_EQ(p->execute("AUTH PLAIN " + b64 + "\r\n").out, "+OK 2 message(s)\r\n");
  p.reset();
  auto l = open();
  EXPECT_EQ(l->execute("AUTH LOGIN\r\n").out, "+ VXNlcm5hbWU6\r\n");
  EXPECT_EQ(l->execute(auth::base64_encode("team@o.example") + "\r\n").out, "+ UGFzc3dvcmQ6\r\n");
  EXPECT_EQ(l->execute(auth::base64_encode(m_password) + "\r\n").out, "+OK 2 message(s)\r\n");
  l.reset();
  auto x = open();
  x->execute("AUTH PLAIN\r\n");
  EXPECT_EQ(x->execute("*\r\n").out, "-ERR authentication cancelled\r\n");
  EXPECT_EQ(x->execute("AUTH CRAM-MD5\r\n").out, "-ERR unsupported mechanism\r\n");
}

TEST_F(Pop3Test, RevocationEndsTheSession) {
  auto s = logged_in();
  auto device = m_services->store->login_candidates("team@o.example").value()[0].device.id;
  Event e{EventKind::device_revoked};
  e.device_password_id = device;
  EXPECT_EQ(s->ended_by(e), "this device password was revoked");
  e.device_password_id = device + 1;
  EXPECT_FALSE(s->ended_by(e));
}

TEST(DotStuff, Rules) {
  EXPECT_EQ(dot_stuff("a\r\n.b\r\n"), "a\r\n..b\r\n.\r\n");
  EXPECT_EQ(dot_stuff(".start\nbare lf\n"), "..start\r\nbare lf\r\n.\r\n");
  EXPECT_EQ(dot_stuff("no final newline"), "no final newline\r\n.\r\n");
  EXPECT_EQ(dot_stuff(""), ".\r\n");
}

}  // namespace
}  // namespace estafeta::pop3
