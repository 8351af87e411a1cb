// POP3 transcripts against the session logic (no sockets).
#include "pop3/session.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "auth/sasl.hpp"
#include "core/testing.hpp"
#include "delivery/deliverer.hpp"
#include "mime/line_ends.hpp"
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
  // A USER sent in clear (a listener that allows it) does not carry over
  // to the PASS sent under TLS.
  SessionOptions o;
  o.hostname = "pop.o.example";
  o.peer_ip = "127.0.0.1";
  o.starttls_available = true;
  o.plaintext_auth = true;
  Session clear(*m_deps, o);
  EXPECT_EQ(clear.execute("USER team@o.example\r\n").out, "+OK send the device password\r\n");
  EXPECT_EQ(clear.execute("STLS\r\n").next, Reply::Next::start_tls);
  clear.tls_started();
  EXPECT_EQ(clear.execute("PASS " + m_password + "\r\n").out, "-ERR send USER first\r\n");
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
  EXPECT_EQ(s->execute("TOP 1 1\r\n").out,
            "+OK the header and the first lines follow\r\nFrom: a@b.example\r\nSubject: one\r\n\r\nline 1\r\n.\r\n");
  EXPECT_EQ(s->execute("TOP 1 0\r\n").out,
            "+OK the header and the first lines follow\r\nFrom: a@b.example\r\nSubject: one\r\n\r\n.\r\n");
  // RFC 1939 §7: more lines than the body has, however many, is the whole message.
  EXPECT_EQ(s->execute("TOP 1 99999999999999999999999999\r\n").out,
            "+OK the header and the first lines follow\r\nFrom: a@b.example\r\nSubject: one\r\n\r\nline 1\r\n"
            "..hidden dot\r\nline 3\r\n.\r\n");
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

// RFC 2449 §5: what AUTHORIZATION offers is announced in both states;
// STLS only before login (RFC 2595 §4).
TEST_F(Pop3Test, CapaAnnouncesTheSameInBothStates) {
  auto before = open()->execute("CAPA\r\n").out;
  auto s = logged_in();
  auto after = s->execute("CAPA\r\n").out;
  for (const char* line : {"\r\nUSER\r\n", "\r\nSASL PLAIN LOGIN\r\n", "\r\nEXPIRE NEVER\r\n", "\r\nUIDL\r\n"}) {
    EXPECT_NE(before.find(line), std::string::npos) << line << before;
    EXPECT_NE(after.find(line), std::string::npos) << line << after;
  }
  EXPECT_EQ(before, after) << "TLS is on: no STLS before login either";
  auto plain = open(false);
  EXPECT_NE(plain->execute("CAPA\r\n").out.find("\r\nSTLS\r\n"), std::string::npos);
}

// RFC 1939 §3: a syntactically invalid command gets -ERR, and does nothing.
TEST_F(Pop3Test, ArgumentsThatDoNotFitAreRefused) {
  auto s = logged_in();
  EXPECT_EQ(s->execute("DELE 1\r\n").out, "+OK marked for deletion\r\n");
  for (const char* line : {"STAT 1", "NOOP x", "RSET x", "CAPA x", "LIST 1 2", "UIDL 1 2", "RETR", "RETR 1 2", "TOP 2",
                           "TOP 2 1 1", "DELE", "DELE 1 2", "QUIT now"}) {
    auto r = s->execute(std::string(line) + "\r\n");
    EXPECT_TRUE(r.out.starts_with("-ERR syntax: ")) << line << ": " << r.out;
    EXPECT_EQ(r.next, Reply::Next::read) << line;
  }
  EXPECT_EQ(s->execute("STAT\r\n").out, "+OK 1 43\r\n") << "RSET x removed no mark, QUIT now ended nothing";
  EXPECT_EQ(m_services->store->list_messages(m_inbox).value().size(), 2u);
  auto a = open();
  EXPECT_EQ(a->execute("USER\r\n").out, "-ERR syntax: USER address\r\n");
  EXPECT_EQ(a->execute("USER a@o.example b\r\n").out, "-ERR syntax: USER address\r\n");
  EXPECT_EQ(a->execute("STLS now\r\n").out, "-ERR syntax: STLS\r\n");
}

// RFC 1939 §5, §11: the sizes are the octets RETR sends (byte-stuffing
// aside), also for a message stored with bare LFs and no last line end.
TEST_F(Pop3Test, SizesAreTheOctetsSent) {
  deliver("From: a@b.example\nSubject: bare\n\nfirst\n.dot\nlast without end");
  auto s = open();
  s->execute("USER team@o.example\r\n");
  EXPECT_EQ(s->execute("PASS " + m_password + "\r\n").out, "+OK 3 message(s)\r\n");
  auto list = s->execute("LIST 3\r\n").out;
  auto retr = s->execute("RETR 3\r\n").out;
  auto head = retr.find("\r\n") + 2;
  std::string sent = retr.substr(head, retr.size() - head - 3);  // without the final ".\r\n"
  std::string unstuffed;
  for (std::size_t i = 0; i < sent.size(); ++i)
    if (!(sent[i] == '.' && (i == 0 || sent[i - 1] == '\n') && i + 1 < sent.size() && sent[i + 1] == '.'))
      unstuffed += sent[i];
  EXPECT_EQ(unstuffed, "From: a@b.example\r\nSubject: bare\r\n\r\nfirst\r\n.dot\r\nlast without end\r\n");
  EXPECT_EQ(list, fmt::format("+OK 3 {}\r\n", unstuffed.size()));
  EXPECT_TRUE(retr.starts_with(fmt::format("+OK {} octets\r\n", unstuffed.size()))) << retr;
}

// A message stored before its size as sent was kept is measured at login.
TEST_F(Pop3Test, SizesOfMessagesStoredBeforeAreMeasured) {
  std::string bytes = "From: a@b.example\nSubject: old\n\nno end";
  auto info =
      delivery::blob_info_from(mime::parse_message(bytes, {}).value(), store::BlobStore::hash_of(bytes), bytes.size());
  info.inline_bytes = bytes;
  ASSERT_FALSE(info.crlf_size);
  ASSERT_TRUE(m_services->store->append_messages(info, {{m_inbox, 0, {}, 1}}));
  ASSERT_FALSE(m_services->store->list_messages(m_inbox).value().back().crlf_size);
  auto s = open();
  s->execute("USER team@o.example\r\n");
  s->execute("PASS " + m_password + "\r\n");
  EXPECT_EQ(s->execute("LIST 3\r\n").out, "+OK 3 43\r\n");
  EXPECT_TRUE(s->execute("RETR 3\r\n").out.starts_with("+OK 43 octets\r\n"));
}

// RFC 1939 §7: with an empty header, the blank line that ends it is the first.
TEST_F(Pop3Test, TopOfAMessageWithoutHeader) {
  deliver("\r\nline 1\r\nline 2\r\n\r\nline 4\r\n");
  auto s = open();
  s->execute("USER team@o.example\r\n");
  s->execute("PASS " + m_password + "\r\n");
  EXPECT_EQ(s->execute("TOP 3 0\r\n").out, "+OK the header and the first lines follow\r\n\r\n.\r\n");
  EXPECT_EQ(s->execute("TOP 3 1\r\n").out, "+OK the header and the first lines follow\r\n\r\nline 1\r\n.\r\n");
}

// RFC 5034 §4: once the server has answered -ERR, the exchange is over.
TEST_F(Pop3Test, ALineTooLongEndsAnAuthExchange) {
  auto s = open();
  EXPECT_EQ(s->execute("AUTH PLAIN\r\n").out, "+ \r\n");
  ASSERT_TRUE(s->in_sasl());
  EXPECT_EQ(s->line_too_long().out, "-ERR the response is too long; authentication cancelled\r\n");
  EXPECT_FALSE(s->in_sasl());
  EXPECT_TRUE(s->execute("CAPA\r\n").out.starts_with("+OK capabilities follow\r\n"));
  EXPECT_EQ(s->line_too_long().out, "-ERR command line too long\r\n");
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
  // What it sends, the stuffing and the end aside, is crlf_size octets.
  for (std::string_view m : {"a\r\n.b\r\n", ".start\nbare lf\n", "no final newline", "x\r", "\n\n.", ""})
    EXPECT_EQ(dot_stuff(m).size() - 3 - (m.starts_with('.') ? 1 : 0) - (m.find("\n.") != m.npos ? 1 : 0),
              mime::crlf_size(m))
        << m;
}

}  // namespace
}  // namespace estafeta::pop3
