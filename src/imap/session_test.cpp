// Transcript tests of the IMAP session logic: client lines in, server lines
// out, without sockets (the transport is tested through real clients).
#include "imap/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>
#include "core/testing.hpp"

#include "mime/parsed_message.hpp"
#include "server/services.hpp"

namespace estafeta::imap {
namespace {

class SessionTest : public ::testing::Test {
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
                        .accounts = *sv.store,
                        .blobs = *sv.blobs,
                        .bus = *sv.bus,
                        .clock = *sv.clock,
                        .logins = *sv.logins,
                        .deliverer = *sv.deliverer,
                        .changes = &m_changes});
    auto op = manage::Actor::operator_cli();
    auto& m = *m_services->manager;
    ASSERT_TRUE(m.create_organisation(op, "O"));
    ASSERT_TRUE(m.create_user(op, "O", "ana", "Ana", store::Role::admin, ""));
    ASSERT_TRUE(m.create_user(op, "O", "bob", "Bob", store::Role::member, ""));
    ASSERT_TRUE(m.create_service(op, "O", "s"));
    ASSERT_TRUE(m.add_domain(op, "s", "o.example"));
    ASSERT_TRUE(m.create_address(op, "team@o.example"));
    ASSERT_TRUE(m.grant_access(op, "team@o.example", "ana", true));
    ASSERT_TRUE(m.grant_access(op, "team@o.example", "bob", false));
    m_password = m.create_device_password(op, "team@o.example", "ana", "laptop").value().password;
    m_bob_password = m.create_device_password(op, "team@o.example", "bob", "phone").value().password;
  }

  std::unique_ptr<Session> open(bool tls = true, bool plaintext = false) {
    SessionOptions o;
    o.hostname = "mail.o.example";
    o.peer_ip = "192.0.2.1";
    o.tls_active = tls;
    o.starttls_available = !tls;
    o.plaintext_auth = plaintext;
    o.subject_index_above = m_subject_index_above;
    return std::make_unique<Session>(*m_deps, o);
  }

  // Sends one command; returns everything the server answered.
  std::string run(Session& s, std::string line) {
    if (!line.ends_with("\r\n")) line += "\r\n";
    auto cmd = s.parse(line);
    if (!cmd) return s.bad_syntax(cmd.error()).out;
    m_last = s.execute(std::move(*cmd));
    // A reply in parts (Reply::more): all of it, as the transport would write it.
    std::string out = m_last.out;
    while (m_last.more) {
      auto next = s.resume(m_last);
      m_last = std::move(next);
      out += m_last.out;
    }
    return out;
  }

  std::unique_ptr<Session> logged_in(const std::string& who = "ana") {
    auto s = open();
    auto out = run(*s, "a LOGIN team@o.example " + (who == "ana" ? m_password : m_bob_password));
    EXPECT_TRUE(out.starts_with("a OK [CAPABILITY ")) << out;
    return s;
  }

  void deliver(const std::string& subject, const std::string& body = "hello") {
    auto addr = m_services->store->find_address("team@o.example").value();
    auto inbox = m_services->deliverer->inbox_of(addr.id).value();
    auto msg = "From: Carla <carla@example.org>\r\nTo: team@o.example\r\nSubject: " + subject +
               "\r\nDate: Wed, 25 Nov 2026 09:00:00 +0000\r\nMessage-ID: <" + subject + "@example.org>\r\n\r\n" + body +
               "\r\n";
    ASSERT_TRUE(m_services->deliverer->deliver(msg, {{inbox, 0, {}, 1795770000}}));
  }

  // Delivers a message and returns the event the bus announced it with.
  Event deliver_announced(const std::string& subject) {
    std::optional<Event> seen;
    auto sub = m_services->bus->subscribe([&](const Event& e) {
      if (e.kind == EventKind::message_appended) seen = e;
    });
    deliver(subject);
    EXPECT_TRUE(seen);
    return seen.value_or(Event{EventKind::message_appended});
  }

  testing::TempDir m_dir{"imap-session"};
  FolderChanges m_changes;
  std::unique_ptr<server::Services> m_services;
  std::optional<Deps> m_deps;
  std::string m_password, m_bob_password;
  std::size_t m_subject_index_above = SessionOptions{}.subject_index_above;
  Reply m_last;
};

TEST_F(SessionTest, GreetingAndCapabilitiesBeforeTls) {
  auto s = open(false);
  EXPECT_TRUE(s->greeting().starts_with("* OK [CAPABILITY IMAP4rev1 "));
  auto caps = run(*s, "a CAPABILITY");
  EXPECT_NE(caps.find("STARTTLS"), std::string::npos);
  EXPECT_NE(caps.find("LOGINDISABLED"), std::string::npos);
  EXPECT_EQ(caps.find("AUTH=PLAIN"), std::string::npos);
  EXPECT_NE(caps.find("a OK"), std::string::npos);
  EXPECT_EQ(run(*s, "b LOGIN team@o.example " + m_password),
            "b NO [PRIVACYREQUIRED] use STARTTLS (or port 993) before logging in\r\n");
  EXPECT_EQ(run(*s, "c SELECT INBOX"), "c BAD log in first\r\n");
  auto tls = run(*s, "d STARTTLS");
  EXPECT_EQ(tls, "d OK begin TLS negotiation now\r\n");
  EXPECT_EQ(m_last.next, Reply::Next::start_tls);
  s->tls_started();
  EXPECT_NE(run(*s, "e CAPABILITY").find("AUTH=PLAIN"), std::string::npos);
  EXPECT_TRUE(run(*s, "f LOGIN team@o.example " + m_password).starts_with("f OK"));
}

TEST_F(SessionTest, LoginFailuresLookAlikeAndSlowDown) {
  auto s = open();
  auto wrong = run(*s, "a LOGIN team@o.example nope");
  EXPECT_EQ(wrong, "a NO [AUTHENTICATIONFAILED] invalid address or device password\r\n");
  auto d1 = m_last.delay;
  auto unknown = run(*s, "b LOGIN nobody@o.example " + m_password);
  EXPECT_EQ(unknown, "b NO [AUTHENTICATIONFAILED] invalid address or device password\r\n");
  run(*s, "c LOGIN team@o.example nope");
  EXPECT_GT(m_last.delay, d1) << "failures from one IP slow the next answers";
  EXPECT_EQ(s->state(), State::not_authenticated);
}

TEST_F(SessionTest, AuthenticatePlainAndLogin) {
  auto s = open();
  // PLAIN with an initial response (SASL-IR): "\0team@o.example\0<password>"
  std::string plain = std::string("\0team@o.example\0", 16) + m_password;
  std::string b64 = [&] {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < plain.size(); i += 3) {
      unsigned v = (unsigned char)plain[i] << 16 | (unsigned char)plain[i + 1] << 8 | (unsigned char)plain[i + 2];
      out += {t[v >> 18], t[v >> 12 & 63], t[v >> 6 & 63], t[v & 63]};
    }
    if (plain.size() - i == 1) {
      unsigned v = (unsigned char)plain[i] << 16;
      out += {t[v >> 18], t[v >> 12 & 63], '=', '='};
    } else if (plain.size() - i == 2) {
      unsigned v = (unsigned char)plain[i] << 16 | (unsigned char)plain[i + 1] << 8;
      out += {t[v >> 18], t[v >> 12 & 63], t[v >> 6 & 63], '='};
    }
    return out;
  }();
  EXPECT_TRUE(run(*s, "a AUTHENTICATE PLAIN " + b64).starts_with("a OK [CAPABILITY"));

  auto t = open();
  EXPECT_EQ(run(*t, "b AUTHENTICATE PLAIN"), "+ \r\n");
  EXPECT_EQ(m_last.next, Reply::Next::authenticate);
  EXPECT_EQ(t->authenticate_step("*\r\n").out, "b BAD authentication cancelled\r\n");
  run(*t, "c AUTHENTICATE PLAIN");
  EXPECT_TRUE(t->authenticate_step(b64 + "\r\n").out.starts_with("c OK"));

  auto u = open();
  EXPECT_EQ(run(*u, "d AUTHENTICATE LOGIN"), "+ VXNlcm5hbWU6\r\n");
  EXPECT_EQ(u->authenticate_step("dGVhbUBvLmV4YW1wbGU=").out, "+ UGFzc3dvcmQ6\r\n");  // team@o.example
  EXPECT_EQ(u->authenticate_step("!!!").out, "d BAD invalid base64\r\n");
  EXPECT_EQ(run(*u, "e AUTHENTICATE CRAM-MD5"), "e NO [CANNOT] unsupported authentication mechanism\r\n");
}

TEST_F(SessionTest, SelectListStatus) {
  deliver("one");
  deliver("two");
  auto s = logged_in();
  auto sel = run(*s, "a SELECT inbox");
  EXPECT_NE(sel.find("* 2 EXISTS\r\n"), std::string::npos) << sel;
  EXPECT_NE(sel.find("* OK [UIDNEXT 3]"), std::string::npos);
  EXPECT_NE(sel.find("a OK [READ-WRITE] SELECT completed"), std::string::npos);
  auto list = run(*s, "b LIST \"\" *");
  EXPECT_NE(list.find("* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"), std::string::npos) << list;
  EXPECT_NE(list.find("* LIST (\\HasNoChildren) \"/\" INBOX\r\n"), std::string::npos);
  EXPECT_NE(list.find("\\Junk) \"/\" Junk"), std::string::npos);
  EXPECT_EQ(run(*s, "c LIST \"\" \"\""), "* LIST (\\Noselect) \"/\" \"\"\r\nc OK LIST completed\r\n");
  EXPECT_EQ(run(*s, "d STATUS INBOX (MESSAGES UNSEEN UIDNEXT)"),
            "* STATUS INBOX (MESSAGES 2 UNSEEN 2 UIDNEXT 3)\r\nd OK STATUS completed\r\n");
  EXPECT_TRUE(run(*s, "e SELECT Nowhere").starts_with("e NO [NONEXISTENT]"));
  EXPECT_EQ(s->state(), State::authenticated) << "a failed SELECT leaves the selected state";
  auto ex = run(*s, "f EXAMINE INBOX");
  EXPECT_NE(ex.find("f OK [READ-ONLY]"), std::string::npos);
  EXPECT_TRUE(run(*s, "g STORE 1 +FLAGS (\\Seen)").starts_with("g NO [READ-ONLY]"));
}

TEST_F(SessionTest, CreateRenameDeleteAndSpecialFolders) {
  auto s = logged_in();
  EXPECT_EQ(run(*s, "a CREATE Projects/2026"), "a OK CREATE completed\r\n");
  auto list = run(*s, "b LIST \"\" Projects%");
  EXPECT_NE(list.find("* LIST (\\HasChildren) \"/\" Projects\r\n"), std::string::npos)
      << "parents are created: " << list;
  EXPECT_EQ(run(*s, "c RENAME Projects/2026 Archive/2026"), "c OK RENAME completed\r\n");
  EXPECT_TRUE(run(*s, "d CREATE Sent").starts_with("d NO [ALREADYEXISTS]"));
  EXPECT_EQ(run(*s, "e CREATE Spam (USE (\\Junk))"), "e OK CREATE completed\r\n");
  EXPECT_NE(run(*s, "f LIST \"\" Spam").find("\\Junk"), std::string::npos);
  EXPECT_EQ(run(*s, "g LIST \"\" Junk").find("\\Junk"), std::string::npos) << "the role moved";
  EXPECT_TRUE(run(*s, "h DELETE INBOX").starts_with("h NO"));
  EXPECT_EQ(run(*s, "i DELETE Archive/2026"), "i OK DELETE completed\r\n");

  // Bob may not change special folders.
  auto b = logged_in("bob");
  EXPECT_TRUE(run(*b, "a CREATE Rubbish (USE (\\Trash))").starts_with("a NO [NOPERM]"));
  EXPECT_TRUE(run(*b, "b DELETE Spam").starts_with("b NO [NOPERM]"));
  EXPECT_TRUE(run(*b, "c RENAME Sent Old").starts_with("c NO [NOPERM]"));
  EXPECT_EQ(run(*b, "d CREATE Bob"), "d OK CREATE completed\r\n") << "ordinary folders are fine";

  // The permission as it is now, not as it was at login: given, then taken back.
  auto op = manage::Actor::operator_cli();
  ASSERT_TRUE(m_services->manager->set_access_permissions(op, "team@o.example", "bob", true));
  EXPECT_EQ(run(*b, "e CREATE Rubbish (USE (\\Trash))"), "e OK CREATE completed\r\n");
  ASSERT_TRUE(m_services->manager->set_access_permissions(op, "team@o.example", "bob", false));
  EXPECT_TRUE(run(*b, "f DELETE Rubbish").starts_with("f NO [NOPERM]"));
  EXPECT_TRUE(run(*s, "j RENAME Rubbish Old").starts_with("j OK")) << "Ana's permission is her own";
  // Renaming a parent moves the special folder below it: the same permission.
  EXPECT_EQ(run(*s, "k CREATE Keep/Bin (USE (\\Trash))"), "k OK CREATE completed\r\n");
  EXPECT_TRUE(run(*b, "g RENAME Keep Kept").starts_with("g NO [NOPERM]"));
  EXPECT_TRUE(run(*s, "l RENAME Keep Kept").starts_with("l OK"));
}

TEST_F(SessionTest, InternationalNames) {
  auto s = logged_in();
  EXPECT_EQ(run(*s, "a CREATE &AOk-t&AOk-"), "a OK CREATE completed\r\n");  // "été" in modified UTF-7
  EXPECT_NE(run(*s, "b LIST \"\" *").find("&AOk-t&AOk-"), std::string::npos);
  EXPECT_TRUE(run(*s, "c ENABLE UTF8=ACCEPT").starts_with("* ENABLED UTF8=ACCEPT\r\n"));
  EXPECT_NE(run(*s, "d LIST \"\" *").find("\"\xc3\xa9t\xc3\xa9\""), std::string::npos);
  EXPECT_TRUE(run(*open(), "x NOOP").starts_with("x OK"));
}

// A key of TEXT and BODY alone is answered from the index; one with other
// keys besides, whose text matches are few, reads only their rows. Either
// way the answer must be the one a scan of the whole folder gives (an OR of
// the key with itself is not bounded by the index, so it scans).
TEST_F(SessionTest, TextSearchBoundedByTheIndexAnswersAsAScanWould) {
  for (int i = 0; i < 48; ++i)
    deliver("note" + std::to_string(i),
            std::string("body of note ") + (i % 16 == 3 ? "pelican " : "") + (i % 5 == 0 ? "zebra" : "plain"));
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  run(*s, "b STORE 1:20 +FLAGS.SILENT (\\Seen)");
  EXPECT_EQ(run(*s, "c UID SEARCH TEXT pelican"), "* SEARCH 4 20 36\r\nc OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "d SEARCH TEXT pelican SEEN"), "* SEARCH 4 20\r\nd OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "e SEARCH BODY pelican NOT BODY zebra"), "* SEARCH 4 20\r\ne OK SEARCH completed\r\n");
  // An AND inside an AND: each of its keys holds (note 35 has zebra, not plain).
  EXPECT_EQ(run(*s, "e SEARCH TEXT note (BODY plain TEXT pelican)"), "* SEARCH 4 20\r\ne OK SEARCH completed\r\n");
  auto same_as_scan = [&](const std::string& key) {
    auto bounded = run(*s, "f SEARCH " + key);
    auto scanned = run(*s, "f SEARCH OR (" + key + ") (" + key + ")");
    EXPECT_EQ(bounded, scanned) << key;
    return bounded;
  };
  for (auto key : {"TEXT pelican", "TEXT pelican UNSEEN", "BODY zebra TEXT pelican", "TEXT PELICAN SUBJECT note3",
                   "TEXT pelican UID 1:19", "TEXT pelican 21:*", "TEXT nowhere-at-all", "BODY zebra SEEN", "TEXT note",
                   "TEXT note SEEN", "BODY of TEXT note4", "TEXT no BODY te", "(TEXT pelican)", "((BODY zebra))",
                   "TEXT note (BODY plain TEXT pelican)", "(BODY plain TEXT pelican) TEXT note",
                   "(TEXT note (BODY plain (TEXT pelican)))", "(TEXT pelican) (BODY zebra)"})
    same_as_scan(key);
  EXPECT_EQ(run(*s, "k SEARCH RETURN (COUNT) TEXT note"),
            "* ESEARCH (TAG \"k\") COUNT 48\r\nk OK SEARCH completed\r\n");
  // Removed and arrived messages: sequence numbers follow the session's view.
  run(*s, "g STORE 4 +FLAGS.SILENT (\\Deleted)");
  run(*s, "h EXPUNGE");
  EXPECT_EQ(same_as_scan("TEXT pelican"), "* SEARCH 19 35\r\nf OK SEARCH completed\r\n");
  deliver("late", "a late pelican");
  // Not reported to the session yet: not in the answer, announced after it.
  EXPECT_EQ(run(*s, "f SEARCH TEXT pelican"),
            "* SEARCH 19 35\r\n* 48 EXISTS\r\n* 48 RECENT\r\nf OK SEARCH completed\r\n");
  run(*s, "i NOOP");
  EXPECT_EQ(same_as_scan("TEXT pelican"), "* SEARCH 19 35 48\r\nf OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "j UID SEARCH TEXT pelican"), "* SEARCH 20 36 49\r\nj OK SEARCH completed\r\n");
}

// SUBJECT in a folder past subject_index_above (here: any) reads only the
// messages whose subject the subjects' index matches, and answers as a scan
// does: other header fields and bodies holding the text are left out, and
// so is a subject the index's Unicode case folding matches but SUBJECT's
// ASCII-only comparison does not.
TEST_F(SessionTest, SubjectSearchBoundedByTheIndexAnswersAsAScanWould) {
  m_subject_index_above = 0;
  for (int i = 0; i < 48; ++i) deliver("note" + std::to_string(i), i == 7 ? "body of note12" : "body");
  deliver(
      "\xc3\x91"
      "and\xc3\xba report");  // "Ñandú report": UID 49
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  run(*s, "b STORE 1:20 +FLAGS.SILENT (\\Seen)");
  EXPECT_EQ(run(*s, "c UID SEARCH SUBJECT note12"), "* SEARCH 13\r\nc OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "d SEARCH SUBJECT E12 UNSEEN"), "* SEARCH\r\nd OK SEARCH completed\r\n");
  for (auto key : {"SUBJECT note12", "SUBJECT NOTE1", "SUBJECT e12 SEEN", "SUBJECT e4 UNSEEN", "SUBJECT carla",
                   "SUBJECT 12@example", "SUBJECT te3", "SUBJECT body", "SUBJECT nowhere", "SUBJECT note4 TEXT body"}) {
    auto bounded = run(*s, std::string("f SEARCH ") + key);
    EXPECT_EQ(bounded, run(*s, std::string("f SEARCH OR (") + key + ") (" + key + ")")) << key;
  }
  EXPECT_EQ(run(*s, "g SEARCH SUBJECT 12@example"), "* SEARCH\r\ng OK SEARCH completed\r\n")
      << "the Message-ID holds it, the subject does not";
  for (auto key : {"{7}\r\n\xc3\xb1"
                   "and\xc3\xba",
                   "{5}\r\nand\xc3\xba", "{9}\r\nAND\xc3\xba REP"}) {
    auto bounded = run(*s, std::string("h UID SEARCH CHARSET UTF-8 SUBJECT ") + key);
    EXPECT_EQ(bounded,
              run(*s, std::string("h UID SEARCH CHARSET UTF-8 OR (SUBJECT ") + key + ") (SUBJECT " + key + ")"))
        << key;
  }
  EXPECT_EQ(run(*s, "h UID SEARCH CHARSET UTF-8 SUBJECT {5}\r\nand\xc3\xba"),
            "* SEARCH 49\r\nh OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s,
                "h UID SEARCH CHARSET UTF-8 SUBJECT {7}\r\n\xc3\xb1"
                "and\xc3\xba"),
            "* SEARCH\r\nh OK SEARCH completed\r\n")
      << "ñ is not Ñ to SUBJECT (ASCII case only), though the index folds it";
}

TEST_F(SessionTest, AppendFetchStoreSearchExpunge) {
  auto s = logged_in();
  auto app = run(*s,
                 "a APPEND INBOX (\\Flagged) {65}\r\nFrom: x@y.example\r\nSubject: appended\r\nX-Tag: "
                 "blue\r\n\r\nfirst body\r\n\r\n");
  EXPECT_TRUE(app.starts_with("a OK [APPENDUID ")) << app;
  deliver("second", "pelican in the body");
  run(*s, "b SELECT INBOX");
  auto f = run(*s, "c FETCH 1:* (UID FLAGS RFC822.SIZE)");
  // IMAP4rev1: this session claimed both, so both are \\Recent here.
  EXPECT_NE(f.find("* 1 FETCH (UID 1 FLAGS (\\Recent \\Flagged) RFC822.SIZE 65)"), std::string::npos) << f;
  EXPECT_NE(f.find("* 2 FETCH (UID 2 FLAGS (\\Recent) RFC822.SIZE"), std::string::npos);
  auto body = run(*s, "d FETCH 1 BODY[TEXT]");
  EXPECT_NE(body.find("BODY[TEXT] {12}\r\nfirst body\r\n"), std::string::npos) << body;
  EXPECT_NE(body.find("FLAGS (\\Seen \\Flagged)"), std::string::npos) << "implicit \\Seen reported";
  auto peek = run(*s, "e FETCH 2 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] ENVELOPE)");
  EXPECT_NE(peek.find("BODY[HEADER.FIELDS (SUBJECT)] {19}\r\nSubject: second\r\n\r\n"), std::string::npos) << peek;
  EXPECT_NE(peek.find("ENVELOPE (\"Wed, 25 Nov 2026 09:00:00 +0000\" \"second\""), std::string::npos);
  EXPECT_EQ(run(*s, "f SEARCH UNSEEN"), "* SEARCH 2\r\nf OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "g UID SEARCH BODY pelican"), "* SEARCH 2\r\ng OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "h SEARCH HEADER X-Tag blue"), "* SEARCH 1\r\nh OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "i SEARCH RETURN (COUNT MIN) ALL"),
            "* ESEARCH (TAG \"i\") MIN 1 COUNT 2\r\ni OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "j SEARCH SUBJECT SECOND FROM carla"), "* SEARCH 2\r\nj OK SEARCH completed\r\n");
  // A keyword new to the folder is announced before the FETCH that shows it.
  EXPECT_EQ(run(*s, "k STORE 1 +FLAGS (\\Deleted $Work)"),
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)\r\n"
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] flags permitted\r\n"
            "* 1 FETCH (FLAGS (\\Recent \\Seen \\Flagged \\Deleted $Work))\r\nk OK STORE completed\r\n");
  EXPECT_EQ(run(*s, "l STORE 5 +FLAGS (\\Deleted)"), "l BAD message sequence number out of range\r\n");
  EXPECT_EQ(run(*s, "m EXPUNGE"), "* 1 EXPUNGE\r\nm OK EXPUNGE completed\r\n");
  EXPECT_EQ(run(*s, "n FETCH 1 UID"), "* 1 FETCH (UID 2)\r\nn OK FETCH completed\r\n");
  EXPECT_TRUE(run(*s, "o APPEND Nowhere {1}\r\nx").starts_with("o NO [TRYCREATE]"));
}

// Ranges are merged before they are expanded: repeating "1:*" costs the
// folder's size once, and each message is answered once.
TEST_F(SessionTest, RepeatedAndOverlappingRangesNameEachMessageOnce) {
  auto s = logged_in();
  for (auto subject : {"r1", "r2", "r3", "r4"}) deliver(subject);
  run(*s, "a SELECT INBOX");
  std::string set = "1:*";
  for (int i = 0; i < 2400; ++i) set += ",1:*,2,4:3,3:1";  // 9,601 ranges: under the parser's 10,000
  EXPECT_EQ(
      run(*s, "b FETCH " + set + " UID"),
      "* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\n* 4 FETCH (UID 4)\r\nb OK FETCH completed\r\n");
  EXPECT_EQ(run(*s, "c UID FETCH 4,2:3,9:3,* UID"),
            "* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\n* 4 FETCH (UID 4)\r\nc OK FETCH completed\r\n");
  EXPECT_EQ(run(*s, "d SEARCH 2:3,1:2"), "* SEARCH 1 2 3\r\nd OK SEARCH completed\r\n");
}

TEST_F(SessionTest, FetchStreamsLargeAnswersInParts) {
  std::string body;
  while (body.size() < 600 * 1024) body += std::string(76, 'x') + "\r\n";
  for (int i = 0; i < 4; ++i) deliver(fmt::format("big{}", i), body);
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  // By hand, part by part, as the transport does: no part holds much more
  // than the window (1 MiB) and one message.
  auto first = s->execute(parse_command("b FETCH 1:* (UID BODY[])\r\n").value());
  ASSERT_TRUE(first.more) << "2.4 MiB of answer comes in parts";
  std::string all = first.out;
  std::size_t parts = 1, largest = first.out.size();
  for (Reply part = std::move(first); part.more;) {
    part = s->resume(part);
    all += part.out;
    largest = std::max(largest, part.out.size());
    ++parts;
  }
  EXPECT_GE(parts, 2u);
  EXPECT_LT(largest, 1024u * 1024 + 700 * 1024);
  for (int i = 1; i <= 4; ++i)
    EXPECT_NE(all.find(fmt::format("* {} FETCH (UID {} BODY[] {{", i, i)), std::string::npos) << i;
  EXPECT_TRUE(all.ends_with(")\r\nb OK FETCH completed\r\n")) << all.substr(all.size() - 200);
  // The implicit \Seen is in each response, not repeated by the next poll.
  EXPECT_EQ(std::count(all.begin(), all.end() - 1, '\\'), 4);  // "FLAGS (\Seen)" four times
  EXPECT_EQ(run(*s, "c NOOP"), "c OK NOOP completed\r\n");
  EXPECT_EQ(run(*s, "d SEARCH UNSEEN"), "* SEARCH\r\nd OK SEARCH completed\r\n");
}

TEST_F(SessionTest, FetchAnswersRepeatedItemsOnceAndBoundsSections) {
  deliver("dup", "0123456789");
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  auto f = run(*s, "b FETCH 1 (BODY.PEEK[TEXT] UID BODY.PEEK[TEXT] FLAGS BODY[TEXT] UID FLAGS)");
  EXPECT_EQ(f,
            "* 1 FETCH (BODY[TEXT] {12}\r\n0123456789\r\n UID 1 FLAGS (\\Recent \\Seen))\r\nb OK FETCH completed\r\n");
  auto p = run(*s, "c FETCH 1 (BODY.PEEK[TEXT]<0.4> BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT]<4.4>)");
  EXPECT_NE(p.find("BODY[TEXT]<0> {4}\r\n0123 BODY[TEXT]<4> {4}\r\n4567"), std::string::npos) << p;
  EXPECT_NE(p.find("BODY[HEADER.FIELDS (SUBJECT)] {16}\r\nSubject: dup\r\n\r\n"), std::string::npos) << p;
  std::string many = "d FETCH 1 (";
  for (int i = 0; i < 64; ++i) many += fmt::format("BODY.PEEK[HEADER.FIELDS (X-{})] ", i);
  EXPECT_TRUE(run(*s, many + "BODY.PEEK[HEADER.FIELDS (X-0)])").ends_with("d OK FETCH completed\r\n"));
  EXPECT_EQ(run(*s, many + "BODY.PEEK[TEXT])"), "d BAD too many body sections in one FETCH (at most 64)\r\n");
  // "1:*" ten thousand times names the message once.
  std::string ranges = "1:*";
  for (int i = 1; i < 10000; ++i) ranges += ",1:*";
  EXPECT_EQ(run(*s, "e FETCH " + ranges + " UID"), "* 1 FETCH (UID 1)\r\ne OK FETCH completed\r\n");
  EXPECT_EQ(run(*s, "f SEARCH UID " + ranges), "* SEARCH 1\r\nf OK SEARCH completed\r\n");
}

TEST_F(SessionTest, FolderNamesAreBounded) {
  auto s = logged_in();
  std::string deep = "a";
  for (int i = 1; i < 32; ++i) deep += "/a";
  EXPECT_EQ(run(*s, "a CREATE " + deep + "/a"), "a NO [LIMIT] folders nest too deep (at most 32 levels)\r\n");
  EXPECT_EQ(run(*s, "b LIST \"\" a"), "b OK LIST completed\r\n") << "a CREATE refused creates no parent";
  EXPECT_EQ(run(*s, "c CREATE " + std::string(256, 'n')),
            "c NO [LIMIT] folder name too long (at most 255 octets between '/')\r\n");
  EXPECT_EQ(run(*s, "d CREATE p/q"), "d OK CREATE completed\r\n");
  EXPECT_EQ(run(*s, "e RENAME p " + deep), "e NO [LIMIT] folders nest too deep (at most 32 levels)\r\n")
      << "p/q would become 33 levels deep";
  EXPECT_EQ(run(*s, "f RENAME p x/p"), "f OK RENAME completed\r\n");
  auto list = run(*s, "g LIST \"\" " + std::string(1000, '*'));
  EXPECT_NE(list.find("\"/\" x/p/q\r\n"), std::string::npos) << list;
  EXPECT_EQ(run(*s, "h LIST \"\" " + std::string(1025, '%')), "h BAD LIST pattern too long (at most 1024 octets)\r\n");
}

TEST_F(SessionTest, CopyMoveAndUidPlus) {
  deliver("a1");
  deliver("a2");
  deliver("a3");
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  auto copy = run(*s, "b COPY 1:2 Archive");
  EXPECT_TRUE(copy.find("b OK [COPYUID ") != std::string::npos &&
              copy.find(" 1:2 1:2] COPY completed") != std::string::npos)
      << copy;
  auto move = run(*s, "c UID MOVE 3 Trash");
  EXPECT_NE(move.find("* OK [COPYUID "), std::string::npos) << move;
  EXPECT_NE(move.find("* 3 EXPUNGE\r\n"), std::string::npos);
  EXPECT_NE(move.find("c OK MOVE completed"), std::string::npos);
  EXPECT_TRUE(run(*s, "d COPY 1 Nowhere").starts_with("d NO [TRYCREATE]"));
  EXPECT_EQ(run(*s, "e STATUS Archive (MESSAGES)"), "* STATUS Archive (MESSAGES 2)\r\ne OK STATUS completed\r\n");
  EXPECT_EQ(run(*s, "f STATUS Trash (MESSAGES)"), "* STATUS Trash (MESSAGES 1)\r\nf OK STATUS completed\r\n");
}

TEST_F(SessionTest, QuotaRootsLimitsAndOverquota) {
  deliver("q1", std::string(3000, 'x'));
  deliver("q2", "short");
  auto addr = m_services->store->find_address("team@o.example").value();
  auto op = manage::Actor::operator_cli();
  auto s = logged_in();
  // No limit: no QUOTA capability, and no root for any mailbox (RFC 9208 §4.2.2).
  EXPECT_EQ(run(*s, "a CAPABILITY").find("QUOTA"), std::string::npos);
  EXPECT_EQ(run(*s, "b GETQUOTAROOT INBOX"), "* QUOTAROOT INBOX\r\nb OK GETQUOTAROOT completed\r\n");
  EXPECT_TRUE(run(*s, "c GETQUOTA \"\"").starts_with("c NO [NONEXISTENT]"));

  // The administrator sets a quota while the session is open: room for one more message.
  auto used = m_services->store->address_usage(addr.id).value();
  ASSERT_EQ(used.messages, 2u);
  manage::AddressChange change;
  change.quota_bytes = std::optional<std::uint64_t>(used.bytes + 4096);
  change.quota_messages = std::optional<std::uint64_t>(3);
  ASSERT_TRUE(m_services->manager->update_address(op, "team@o.example", change));
  EXPECT_NE(run(*s, "d CAPABILITY").find(" QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE"), std::string::npos);
  auto storage = fmt::format("STORAGE {} {}", (used.bytes + 1023) / 1024, (used.bytes + 4096) / 1024);
  EXPECT_EQ(run(*s, "e GETQUOTAROOT Archive/New"), "* QUOTAROOT Archive/New \"\"\r\n* QUOTA \"\" (" + storage +
                                                       " MESSAGE 2 3)\r\n"
                                                       "e OK GETQUOTAROOT completed\r\n")
      << "the mailbox need not exist (§4.1.2)";
  EXPECT_EQ(run(*s, "f GETQUOTA \"\""), "* QUOTA \"\" (" + storage + " MESSAGE 2 3)\r\nf OK GETQUOTA completed\r\n");
  EXPECT_TRUE(run(*s, "g GETQUOTA \"#user/team\"").starts_with("g NO [NONEXISTENT]"));
  auto set = run(*s, "h SETQUOTA \"\" (STORAGE 999999)");
  EXPECT_TRUE(set.starts_with("* QUOTA \"\" (")) << set;
  EXPECT_NE(set.find("h NO [NOPERM] "), std::string::npos) << set;
  EXPECT_EQ(m_services->store->address_usage(addr.id).value().limit_bytes, change.quota_bytes.value());

  run(*s, "i SELECT INBOX");
  EXPECT_TRUE(run(*s, "j COPY 1:2 Archive").starts_with("j NO [OVERQUOTA] ")) << "two more would make four";
  EXPECT_TRUE(run(*s, "k COPY 2 Archive").starts_with("k OK [COPYUID ")) << "one more makes three";
  EXPECT_TRUE(run(*s, "l APPEND Drafts {1}\r\nx").starts_with("l NO [OVERQUOTA] "));
  EXPECT_TRUE(run(*s, "m MOVE 1 Trash").find("m OK MOVE completed") != std::string::npos)
      << "a move adds nothing to the address";
  EXPECT_EQ(m_services->store->address_usage(addr.id).value().messages, 3u);

  // Without the message limit, storage decides: 4096 octets of room, less the copy of "short".
  change.quota_messages = std::optional<std::uint64_t>();
  change.quota_bytes.reset();
  ASSERT_TRUE(m_services->manager->update_address(op, "team@o.example", change));
  EXPECT_EQ(run(*s, "n GETQUOTA \"\"").find("MESSAGE"), std::string::npos);
  std::string big(4096, 'y');
  EXPECT_TRUE(run(*s, fmt::format("o APPEND Drafts {{{}}}\r\n{}", big.size(), big)).starts_with("o NO [OVERQUOTA] "));
  EXPECT_TRUE(run(*s, "p APPEND Drafts {5}\r\nsmall").starts_with("p OK [APPENDUID "));

  // STATUS DELETED-STORAGE (§4.1.4): what an EXPUNGE would free.
  run(*s, "q SELECT Trash");
  run(*s, "r STORE 1 +FLAGS.SILENT (\\Deleted)");
  auto trash =
      m_services->store->list_messages(m_services->store->find_mailbox(addr.id, "Trash").value().ref()).value();
  ASSERT_EQ(trash.size(), 1u);
  EXPECT_EQ(run(*s, "s STATUS Trash (DELETED DELETED-STORAGE)"),
            fmt::format("* STATUS Trash (DELETED 1 DELETED-STORAGE {})\r\ns OK STATUS completed\r\n", trash[0].size));
}

TEST_F(SessionTest, OtherSessionsSeeChanges) {
  deliver("first");
  auto a = logged_in();
  auto b = logged_in("bob");
  run(*a, "a SELECT INBOX");
  run(*b, "a SELECT INBOX");
  deliver("second");
  // The first to look claims the new message (\\Recent, RFC 3501 §2.3.2).
  EXPECT_EQ(run(*a, "b NOOP"), "* 2 EXISTS\r\n* 2 RECENT\r\nb OK NOOP completed\r\n");
  run(*b, "b STORE 1 +FLAGS (\\Answered)");
  EXPECT_EQ(run(*a, "c NOOP"), "* 1 FETCH (UID 1 FLAGS (\\Recent \\Answered))\r\nc OK NOOP completed\r\n");
  run(*b, "c STORE 1 +FLAGS (\\Deleted)");
  run(*b, "d EXPUNGE");
  // No EXPUNGE while answering FETCH (RFC 9051 §7.5.1) …
  auto during_fetch = run(*a, "d FETCH 1 FLAGS");
  EXPECT_EQ(during_fetch.find(" EXPUNGE\r\n"), std::string::npos) << during_fetch;
  // … but at NOOP.
  EXPECT_NE(run(*a, "e NOOP").find("* 1 EXPUNGE\r\n"), std::string::npos);
  EXPECT_EQ(run(*a, "f FETCH 1 UID"), "* 1 FETCH (UID 2)\r\nf OK FETCH completed\r\n");
}

TEST_F(SessionTest, RevocationEndsTheRightSession) {
  auto s = logged_in();
  auto& who = *s->context().who;
  Event other{EventKind::device_revoked};
  other.device_password_id = who.device.id + 1000;
  EXPECT_FALSE(s->ended_by(other));
  Event mine{EventKind::device_revoked};
  mine.device_password_id = who.device.id;
  EXPECT_EQ(s->ended_by(mine), "this device password was revoked");
  Event locked{EventKind::service_locked};
  locked.service_id = who.address.service_id;
  EXPECT_TRUE(s->ended_by(locked));
  Event access{EventKind::access_revoked};
  access.access_id = who.access.id;
  EXPECT_TRUE(s->ended_by(access));
}

TEST_F(SessionTest, IdleReportsAndEnds) {
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  EXPECT_EQ(run(*s, "b IDLE"), "+ idling\r\n");
  EXPECT_EQ(m_last.next, Reply::Next::idle);
  auto e = deliver_announced("during idle");
  EXPECT_EQ(s->idle_updates(e).out, "* 1 EXISTS\r\n* 1 RECENT\r\n");
  // Told of the same change again (the event came twice): nothing new, and no store to ask.
  auto again = s->idle_updates_at_once(e);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->out, "");
  EXPECT_EQ(s->idle_end("DONE\r\n").out, "b OK IDLE terminated\r\n");
  run(*s, "c IDLE");
  EXPECT_EQ(s->idle_end("NOPE\r\n").out, "c BAD expected DONE\r\n");
}

// Many sessions in IDLE on one folder: the first to hear of a change reads
// it from the store; the others apply that same read without the store
// (idle_updates_at_once), and exactly one of them gets the new mail as
// \Recent (RFC 3501 §2.3.2).
TEST_F(SessionTest, IdleSessionsShareOneReadOfAChange) {
  auto first = logged_in();
  auto second = logged_in("bob");
  auto examining = logged_in();
  run(*first, "a SELECT INBOX");
  run(*second, "a SELECT INBOX");
  run(*examining, "a EXAMINE INBOX");
  for (auto* s : {first.get(), second.get(), examining.get()}) EXPECT_EQ(run(*s, "b IDLE"), "+ idling\r\n");
  auto e = deliver_announced("to all");

  EXPECT_FALSE(first->idle_updates_at_once(e)) << "nothing read yet: the store must be asked";
  EXPECT_EQ(first->idle_updates(e).out, "* 1 EXISTS\r\n* 1 RECENT\r\n");
  auto shared = second->idle_updates_at_once(e);
  ASSERT_TRUE(shared) << "the first session's read is kept for the others";
  EXPECT_EQ(shared->out, "* 1 EXISTS\r\n* 0 RECENT\r\n");  // the first one claimed it
  auto read_only = examining->idle_updates_at_once(e);
  ASSERT_TRUE(read_only);
  EXPECT_EQ(read_only->out, "* 1 EXISTS\r\n* 1 RECENT\r\n");  // EXAMINE: recent for all, claimed by none

  for (auto* s : {first.get(), second.get()}) EXPECT_EQ(s->idle_end("DONE\r\n").out, "b OK IDLE terminated\r\n");
  EXPECT_EQ(run(*first, "c FETCH 1 FLAGS"), "* 1 FETCH (FLAGS (\\Recent))\r\nc OK FETCH completed\r\n");
  EXPECT_EQ(run(*second, "c FETCH 1 FLAGS"), "* 1 FETCH (FLAGS ())\r\nc OK FETCH completed\r\n");
}

// A kept read that predates the change a session was told of is not used:
// the session would report the folder as it was before that change.
TEST_F(SessionTest, IdleDoesNotUseAReadOlderThanTheChange) {
  auto first = logged_in();
  auto second = logged_in();
  run(*first, "a SELECT INBOX");
  run(*second, "a SELECT INBOX");
  run(*first, "b IDLE");
  run(*second, "b IDLE");
  auto one = deliver_announced("one");
  EXPECT_EQ(first->idle_updates(one).out, "* 1 EXISTS\r\n* 1 RECENT\r\n");  // keeps the read of "one"
  auto two = deliver_announced("two");
  EXPECT_FALSE(second->idle_updates_at_once(two)) << "the kept read does not reach the second delivery";
  EXPECT_EQ(second->idle_updates(two).out, "* 2 EXISTS\r\n* 1 RECENT\r\n");
}

TEST_F(SessionTest, StateRules) {
  auto s = logged_in();
  EXPECT_EQ(run(*s, "a FETCH 1 FLAGS"), "a BAD select a mailbox first\r\n");
  EXPECT_EQ(run(*s, "b LOGIN x y"), "b BAD not allowed in this state\r\n");
  EXPECT_EQ(run(*s, "c FROB"), "c BAD unknown command\r\n");
  EXPECT_EQ(run(*s, "d LOGOUT"), "* BYE logging out\r\nd OK LOGOUT completed\r\n");
  EXPECT_EQ(m_last.next, Reply::Next::close);
}

}  // namespace
}  // namespace estafeta::imap

namespace estafeta::imap {
namespace {

TEST_F(SessionTest, ListExtendedAndListStatus) {
  auto s = logged_in();
  run(*s, "a CREATE Work/Reports");
  run(*s, "b UNSUBSCRIBE Work/Reports");
  run(*s, "b2 UNSUBSCRIBE Work");
  run(*s, "c CREATE Lists/Announce");
  run(*s, "d UNSUBSCRIBE Lists");
  deliver("one");
  auto sp = run(*s, "e LIST (SPECIAL-USE) \"\" *");
  EXPECT_NE(sp.find("\\Sent) \"/\" Sent"), std::string::npos) << sp;
  EXPECT_EQ(sp.find("INBOX"), std::string::npos) << "only special-use mailboxes";
  auto st = run(*s, "f LIST \"\" (INBOX Trash) RETURN (STATUS (MESSAGES UNSEEN))");
  EXPECT_NE(st.find("* LIST (\\HasNoChildren) \"/\" INBOX\r\n* STATUS INBOX (MESSAGES 1 UNSEEN 1)\r\n"),
            std::string::npos)
      << st;
  EXPECT_NE(st.find("* STATUS Trash (MESSAGES 0 UNSEEN 0)"), std::string::npos);
  auto sub = run(*s, "g LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %");
  EXPECT_NE(sub.find("* LIST (\\HasNoChildren \\Subscribed) \"/\" INBOX"), std::string::npos) << sub;
  EXPECT_NE(sub.find("* LIST (\\HasChildren) \"/\" Lists (\"CHILDINFO\" (\"SUBSCRIBED\"))"), std::string::npos) << sub;
  EXPECT_EQ(sub.find("Work"), std::string::npos) << "nothing under Work is subscribed";
  EXPECT_EQ(run(*s, "h LIST (RECURSIVEMATCH) \"\" *"), "h BAD RECURSIVEMATCH needs another selection option\r\n");
  EXPECT_EQ(run(*s, "i LIST (BOGUS) \"\" *"), "i BAD unknown LIST selection option BOGUS\r\n");
}

TEST_F(SessionTest, CondstoreAndQresync) {
  deliver("m1");
  deliver("m2");
  deliver("m3");
  auto s = logged_in();
  EXPECT_EQ(run(*s, "a SELECT INBOX (QRESYNC (1 1))"), "a BAD QRESYNC needs ENABLE QRESYNC first\r\n");
  EXPECT_EQ(run(*s, "b ENABLE QRESYNC CONDSTORE"), "* ENABLED QRESYNC\r\nb OK ENABLE completed\r\n");
  auto sel = run(*s, "c SELECT INBOX");
  auto hm = sel.find("[HIGHESTMODSEQ ");
  ASSERT_NE(hm, std::string::npos) << sel;
  std::uint64_t modseq = std::stoull(sel.substr(hm + 15));
  auto uv_at = sel.find("[UIDVALIDITY ");
  std::uint32_t uidvalidity = static_cast<std::uint32_t>(std::stoul(sel.substr(uv_at + 13)));
  auto st = run(*s, "d STORE 1 +FLAGS (\\Seen)");
  EXPECT_NE(st.find(fmt::format("* 1 FETCH (UID 1 FLAGS (\\Recent \\Seen) MODSEQ ({}))", modseq + 1)),
            std::string::npos)
      << st;
  auto cond = run(*s, fmt::format("e STORE 1:2 (UNCHANGEDSINCE {}) +FLAGS (\\Flagged)", modseq));
  EXPECT_NE(cond.find("e OK [MODIFIED 1] conditional STORE failed"), std::string::npos) << cond;
  run(*s, "f STORE 3 +FLAGS (\\Deleted)");
  EXPECT_EQ(run(*s, "g EXPUNGE").substr(0, 14), "* VANISHED 3\r\n");
  auto changed = run(*s, fmt::format("h UID FETCH 1:* (FLAGS) (CHANGEDSINCE {} VANISHED)", modseq));
  EXPECT_NE(changed.find("* VANISHED (EARLIER) 3\r\n"), std::string::npos) << changed;
  EXPECT_NE(changed.find("* 1 FETCH (UID 1 FLAGS (\\Recent \\Seen) MODSEQ"), std::string::npos) << changed;
  EXPECT_NE(changed.find("* 2 FETCH (UID 2 FLAGS (\\Recent \\Flagged) MODSEQ"), std::string::npos);
  auto search = run(*s, fmt::format("i SEARCH MODSEQ {}", modseq + 1));
  EXPECT_TRUE(search.starts_with("* SEARCH 1 2 (MODSEQ ")) << search;

  // Another session resynchronises quickly from the old modseq.
  auto t = logged_in();
  run(*t, "a ENABLE QRESYNC");
  auto resync = run(*t, fmt::format("b SELECT INBOX (QRESYNC ({} {} 1:3))", uidvalidity, modseq));
  EXPECT_NE(resync.find("* VANISHED (EARLIER) 3\r\n"), std::string::npos) << resync;
  EXPECT_NE(resync.find("* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ"), std::string::npos);
  auto other = run(*t, fmt::format("c SELECT INBOX (QRESYNC ({} {} 1:3))", uidvalidity + 1, modseq));
  EXPECT_TRUE(other.starts_with("* OK [CLOSED]")) << other;
  EXPECT_EQ(other.find("VANISHED"), std::string::npos) << "a different UIDVALIDITY: no resync data";
}

}  // namespace
}  // namespace estafeta::imap

namespace estafeta::imap {
namespace {

TEST_F(SessionTest, Imap4rev2Behaviour) {
  deliver("r1");
  auto s = logged_in();
  EXPECT_NE(run(*s, "a CAPABILITY").find("IMAP4rev2"), std::string::npos);
  EXPECT_EQ(run(*s, "b ENABLE IMAP4rev2"), "* ENABLED IMAP4rev2\r\nb OK ENABLE completed\r\n");
  auto sel = run(*s, "c SELECT Sent");
  EXPECT_EQ(sel.find("RECENT"), std::string::npos) << "no \\Recent in IMAP4rev2";
  EXPECT_NE(sel.find("* LIST (\\Sent) \"/\" Sent\r\n"), std::string::npos) << sel;
  run(*s, "d SELECT INBOX");
  EXPECT_EQ(run(*s, "e SEARCH ALL"), "* ESEARCH (TAG \"e\") ALL 1\r\ne OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "f UID SEARCH UNSEEN"), "* ESEARCH (TAG \"f\") UID ALL 1\r\nf OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "g CREATE \xc3\xa9t\xc3\xa9"), "g OK CREATE completed\r\n") << "UTF-8 names in IMAP4rev2";
}

}  // namespace
}  // namespace estafeta::imap

namespace estafeta::imap {
namespace {

TEST_F(SessionTest, ExpungedByAnotherSession) {
  deliver("x1");
  deliver("x2");
  deliver("x3");
  auto a = logged_in();
  auto b = logged_in("bob");
  run(*a, "a SELECT INBOX");
  run(*b, "a SELECT INBOX");
  run(*a, "b STORE 2 +FLAGS (\\Deleted)");
  run(*a, "c EXPUNGE");
  auto f = run(*b, "b FETCH 1:3 (UID)");
  EXPECT_NE(f.find("* 1 FETCH (UID 1)"), std::string::npos) << f;
  EXPECT_NE(f.find("* 3 FETCH (UID 3)"), std::string::npos);
  EXPECT_NE(f.find("b NO [EXPUNGEISSUED]"), std::string::npos);
  EXPECT_TRUE(run(*b, "c COPY 2 Archive").starts_with("c NO [EXPUNGEISSUED]"));
  auto silent = run(*b, "d STORE 1 +FLAGS.SILENT (\\Flagged)");
  EXPECT_EQ(silent, "d OK STORE completed\r\n") << "silent, and the expunge waits for a command that allows it";
  EXPECT_NE(run(*b, "e NOOP").find("* 2 EXPUNGE"), std::string::npos);
  EXPECT_EQ(run(*b, "f NOOP"), "f OK NOOP completed\r\n") << "own silent change not reported later either";
}

}  // namespace
}  // namespace estafeta::imap

namespace estafeta::imap {
namespace {

// RFC 3501 §6.3.1, §6.3.2: IMAP4rev1 SELECT and EXAMINE say the first
// unseen message; RFC 9051 removed OK [UNSEEN].
TEST_F(SessionTest, SelectSaysTheFirstUnseenMessageInImap4rev1) {
  deliver("u1");
  deliver("u2");
  deliver("u3");
  auto s = logged_in();
  auto sel = run(*s, "a SELECT INBOX");
  EXPECT_NE(sel.find("* OK [UNSEEN 1] "), std::string::npos) << sel;
  run(*s, "b STORE 1 +FLAGS (\\Seen)");
  auto ex = run(*s, "c EXAMINE INBOX");
  EXPECT_NE(ex.find("* OK [UNSEEN 2] "), std::string::npos) << ex;
  EXPECT_NE(ex.find("c OK [READ-ONLY]"), std::string::npos);
  run(*s, "d SELECT INBOX");
  run(*s, "e STORE 1:3 +FLAGS (\\Seen)");
  EXPECT_EQ(run(*s, "f SELECT INBOX").find("UNSEEN"), std::string::npos) << "all seen: no UNSEEN";
  EXPECT_EQ(run(*s, "g SELECT Sent").find("UNSEEN"), std::string::npos) << "empty folder: no UNSEEN";
  run(*s, "h STORE 1:1 +FLAGS (\\Seen)");

  auto t = logged_in();
  run(*t, "a SELECT INBOX");
  run(*t, "b STORE 3 -FLAGS (\\Seen)");
  EXPECT_NE(run(*t, "c SELECT INBOX").find("* OK [UNSEEN 3] "), std::string::npos);
  auto rev2 = logged_in();
  run(*rev2, "a ENABLE IMAP4rev2");
  EXPECT_EQ(run(*rev2, "b SELECT INBOX").find("UNSEEN"), std::string::npos) << "IMAP4rev2 removed it";
}

// RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command.
TEST_F(SessionTest, StatusHighestmodseqEnablesCondstore) {
  deliver("h1");
  deliver("h2");
  auto s = logged_in();
  auto sel = run(*s, "a SELECT INBOX");
  EXPECT_EQ(sel.find("HIGHESTMODSEQ"), std::string::npos) << sel;
  auto hm = run(*s, "b SELECT INBOX (CONDSTORE)");
  auto at = hm.find("[HIGHESTMODSEQ ");
  ASSERT_NE(at, std::string::npos) << hm;
  std::uint64_t highest = std::stoull(hm.substr(at + 15));

  auto t = logged_in();
  run(*t, "a SELECT INBOX");
  auto st = run(*t, "b STATUS Sent (HIGHESTMODSEQ)");
  EXPECT_TRUE(st.starts_with(fmt::format("* OK [HIGHESTMODSEQ {}] ", highest))) << st;
  EXPECT_NE(st.find("* STATUS Sent (HIGHESTMODSEQ "), std::string::npos) << st;
  auto store = run(*t, "c STORE 1 +FLAGS (\\Flagged)");
  EXPECT_NE(store.find(fmt::format("FLAGS (\\Flagged) MODSEQ ({}))", highest + 1)), std::string::npos) << store;
  EXPECT_EQ(run(*t, "d STATUS Sent (HIGHESTMODSEQ)").find("* OK [HIGHESTMODSEQ"), std::string::npos) << "said once";
  EXPECT_NE(run(*t, "e SELECT INBOX").find("* OK [HIGHESTMODSEQ "), std::string::npos) << "then in every SELECT";
  auto other = run(*s, "c NOOP");
  EXPECT_NE(other.find("MODSEQ"), std::string::npos) << other;

  auto u = logged_in();
  EXPECT_EQ(run(*u, "a STATUS INBOX (MESSAGES)").find("HIGHESTMODSEQ"), std::string::npos);
  EXPECT_EQ(run(*u, "b SELECT INBOX").find("HIGHESTMODSEQ"), std::string::npos) << "other items enable nothing";
}

// RFC 7162 §3.2.4 (a QRESYNC server), §3.1: once CONDSTORE is on, the
// FETCH responses that report flag changes carry UID and MODSEQ, those of
// STORE and those of a FETCH that set \Seen; RFC 9051 §6.4.8: UID commands
// answer with UIDs.
TEST_F(SessionTest, CondstoreFlagChangesCarryUidAndModseq) {
  deliver("c1");
  deliver("c2");
  deliver("c3");
  auto s = logged_in();
  run(*s, "a ENABLE CONDSTORE");
  auto sel = run(*s, "b SELECT INBOX");
  std::uint64_t m = std::stoull(sel.substr(sel.find("[HIGHESTMODSEQ ") + 15));
  EXPECT_EQ(run(*s, "c STORE 3 +FLAGS (\\Seen)"),
            fmt::format("* 3 FETCH (UID 3 FLAGS (\\Recent \\Seen) MODSEQ ({}))\r\nc OK STORE completed\r\n", m + 1));
  EXPECT_EQ(run(*s, "d STORE 3 +FLAGS.SILENT (\\Flagged)"),
            fmt::format("* 3 FETCH (UID 3 MODSEQ ({}))\r\nd OK STORE completed\r\n", m + 2));
  auto body = run(*s, "e FETCH 2 (BODY[TEXT])");
  EXPECT_NE(body.find(fmt::format("BODY[TEXT] {{7}}\r\nhello\r\n FLAGS (\\Seen) UID 2 MODSEQ ({}))\r\n", m + 3)),
            std::string::npos)
      << body;
  auto uid = run(*s, "f UID FETCH 1 (BODY[TEXT] FLAGS)");
  EXPECT_NE(uid.find(fmt::format("* 1 FETCH (UID 1 BODY[TEXT] {{7}}\r\nhello\r\n FLAGS (\\Recent \\Seen) MODSEQ ({}))",
                                 m + 4)),
            std::string::npos)
      << uid;
  EXPECT_EQ(run(*s, "g UID STORE 2 -FLAGS (\\Seen)"),
            fmt::format("* 2 FETCH (UID 2 FLAGS (\\Recent) MODSEQ ({}))\r\ng OK STORE completed\r\n", m + 5));
  EXPECT_EQ(run(*s, "h FETCH 2 (BODY.PEEK[TEXT])"),
            "* 2 FETCH (BODY[TEXT] {7}\r\nhello\r\n)\r\nh OK FETCH completed\r\n")
      << "no flag change, no UID or MODSEQ asked: none added";

  // Without CONDSTORE, a STORE by sequence number answers FLAGS alone.
  auto t = logged_in();
  run(*t, "a SELECT INBOX");
  EXPECT_EQ(run(*t, "b STORE 1 +FLAGS (\\Answered)"),
            "* 1 FETCH (FLAGS (\\Seen \\Answered))\r\nb OK STORE completed\r\n");
}

// RFC 7162 §3.1.3: every message that passes the UNCHANGEDSINCE test gets
// a FETCH with MODSEQ, .SILENT or not, whether its flags changed or not.
TEST_F(SessionTest, UnchangedSinceReportsEveryMessageThatPassed) {
  deliver("p1");
  deliver("p2");
  auto s = logged_in();
  run(*s, "a ENABLE CONDSTORE");
  auto sel = run(*s, "b SELECT INBOX");
  std::uint64_t m = std::stoull(sel.substr(sel.find("[HIGHESTMODSEQ ") + 15));
  run(*s, "c STORE 1 +FLAGS (\\Seen)");  // message 1 at m + 1
  EXPECT_EQ(run(*s, "d STORE 1:2 (UNCHANGEDSINCE 1000000) +FLAGS.SILENT (\\Seen)"),
            fmt::format("* 1 FETCH (UID 1 MODSEQ ({}))\r\n* 2 FETCH (UID 2 MODSEQ ({}))\r\nd OK STORE completed\r\n",
                        m + 1, m + 2));
  EXPECT_EQ(run(*s, "e STORE 1:2 (UNCHANGEDSINCE 1000000) +FLAGS (\\Seen)"),
            fmt::format("* 1 FETCH (UID 1 FLAGS (\\Recent \\Seen) MODSEQ ({}))\r\n"
                        "* 2 FETCH (UID 2 FLAGS (\\Recent \\Seen) MODSEQ ({}))\r\ne OK STORE completed\r\n",
                        m + 1, m + 2));
  EXPECT_EQ(run(*s, fmt::format("f UID STORE 1:2 (UNCHANGEDSINCE {}) +FLAGS (\\Seen)", m + 1)),
            fmt::format("* 1 FETCH (UID 1 FLAGS (\\Recent \\Seen) MODSEQ ({}))\r\n"
                        "f OK [MODIFIED 2] conditional STORE failed for some messages\r\n",
                        m + 1));
  EXPECT_EQ(run(*s, "g NOOP"), "g OK NOOP completed\r\n") << "nothing reported twice";
}

// RFC 5182 §2.1: a SEARCH with SAVE that ends NO sets "$" to the empty sequence.
TEST_F(SessionTest, FailedSaveSearchEmptiesTheSavedResult) {
  deliver("s1");
  deliver("s2");
  deliver("s3");
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  EXPECT_EQ(run(*s, "b UID SEARCH RETURN (SAVE) 2:3"), "b OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "c UID FETCH $ (UID)"), "* 2 FETCH (UID 2)\r\n* 3 FETCH (UID 3)\r\nc OK FETCH completed\r\n");
  EXPECT_TRUE(run(*s, "d UID SEARCH RETURN (SAVE) CHARSET KOI8-R ALL").starts_with("d NO [BADCHARSET"));
  EXPECT_EQ(run(*s, "e UID FETCH $ (UID)"), "e OK FETCH completed\r\n") << "the failed SAVE emptied $";
  run(*s, "f SEARCH RETURN (SAVE) 1");
  EXPECT_TRUE(run(*s, "g SEARCH CHARSET KOI8-R ALL").starts_with("g NO [BADCHARSET"));
  EXPECT_EQ(run(*s, "h UID FETCH $ (UID)"), "* 1 FETCH (UID 1)\r\nh OK FETCH completed\r\n")
      << "a failed SEARCH without SAVE leaves $ alone";
}

// RFC 7889 §3.1, §3.2: APPENDLIMIT in STATUS and in LIST-STATUS.
TEST_F(SessionTest, StatusAppendLimit) {
  auto s = logged_in();
  auto limit = SessionOptions{}.append_limit;
  EXPECT_NE(run(*s, "a CAPABILITY").find(fmt::format(" APPENDLIMIT={}", limit)), std::string::npos);
  EXPECT_EQ(run(*s, "b STATUS INBOX (APPENDLIMIT MESSAGES)"),
            fmt::format("* STATUS INBOX (APPENDLIMIT {} MESSAGES 0)\r\nb OK STATUS completed\r\n", limit));
  EXPECT_EQ(run(*s, "c LIST \"\" INBOX RETURN (STATUS (APPENDLIMIT))"),
            fmt::format("* LIST (\\HasNoChildren) \"/\" INBOX\r\n* STATUS INBOX (APPENDLIMIT {})\r\n"
                        "c OK LIST completed\r\n",
                        limit));
}

// RFC 9051 §9: msg-att holds at least one item, so a FETCH of sections
// that do not exist answers no FETCH response, only its NO.
TEST_F(SessionTest, FetchOfMissingSectionsSendsNoEmptyResponse) {
  deliver("f1");
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  const std::string no = " NO some of the requested body sections do not exist\r\n";
  EXPECT_EQ(run(*s, "b FETCH 1 (BINARY.PEEK[9])"), "b" + no);
  EXPECT_EQ(run(*s, "c FETCH 1 (BODY.PEEK[9] BINARY.SIZE[9])"), "c" + no);
  EXPECT_EQ(run(*s, "d UID FETCH 1 (BODY.PEEK[9])"), "* 1 FETCH (UID 1)\r\nd" + no);
  EXPECT_EQ(run(*s, "e FETCH 1 (BODY.PEEK[9] RFC822.SIZE)"), "* 1 FETCH (RFC822.SIZE 144)\r\ne" + no);
}

}  // namespace
}  // namespace estafeta::imap

namespace estafeta::imap {
namespace {

// RFC 9051 §6.4.4: header strings are compared with their RFC 2047 encoded
// words decoded, for TO, CC, BCC, FROM and HEADER alike.
TEST_F(SessionTest, HeaderSearchesDecodeEncodedWords) {
  auto s = logged_in();
  std::string msg =
      "From: =?utf-8?q?Ren=C3=A9_Roux?= <rr@x.example>\r\nTo: =?utf-8?q?J=C3=B6rg_Quist?= <jq@x.example>\r\n"
      "Cc: =?utf-8?b?Wm/Dqw==?= <z@x.example>\r\nBcc: =?us-ascii?q?Hidden_Reader?= <h@x.example>\r\n"
      "Subject: =?utf-8?q?=C3=A9t=C3=A9?=\r\n\r\nbody\r\n";
  EXPECT_TRUE(run(*s, fmt::format("a APPEND INBOX {{{}}}\r\n{}\r\n", msg.size(), msg)).starts_with("a OK")) << msg;
  deliver("plain");
  run(*s, "b SELECT INBOX");
  EXPECT_EQ(run(*s, "c SEARCH TO \"rg Quist\""), "* SEARCH 1\r\nc OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "d SEARCH CHARSET UTF-8 TO {5}\r\nJ\xc3\xb6rg"), "* SEARCH 1\r\nd OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "e SEARCH CHARSET UTF-8 CC {4}\r\nZo\xc3\xab"), "* SEARCH 1\r\ne OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "f SEARCH BCC \"hidden reader\""), "* SEARCH 1\r\nf OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "g SEARCH CHARSET UTF-8 HEADER TO {5}\r\nJ\xc3\xb6rg"), "* SEARCH 1\r\ng OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "h SEARCH CHARSET UTF-8 HEADER SUBJECT {5}\r\n\xc3\xa9t\xc3\xa9"),
            "* SEARCH 1\r\nh OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "i SEARCH HEADER TO \"utf-8?q\""), "* SEARCH 1\r\ni OK SEARCH completed\r\n")
      << "the field as written still matches";
  EXPECT_EQ(run(*s, "j SEARCH TO \"team@o.example\""), "* SEARCH 2\r\nj OK SEARCH completed\r\n");
}

}  // namespace
}  // namespace estafeta::imap

namespace estafeta::imap {
namespace {

using namespace std::string_literals;

// RFC 9051 §4.3: a binary string (one with NUL) only as BINARY's literal8.
// Binary content APPENDed with literal8 is stored in base64 (RFC 3516
// §4.4), so BODY[] and RFC822 are plain literals and BINARY gives the octets.
// RFC 9051 §4.3: NUL goes only in BINARY's literal8; a message stored with
// one is sent in every other item with 0x80 in its place, same sizes.
TEST_F(SessionTest, NulIsSentOnlyInBinaryLiterals) {
  auto s = logged_in();
  auto msg =
      "Subject: bin\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\nA\0B\r\n"s;
  EXPECT_TRUE(run(*s, fmt::format("a APPEND INBOX ~{{{}}}\r\n{}\r\n", msg.size(), msg)).starts_with("a OK"));
  run(*s, "b SELECT INBOX");
  auto body = run(*s, "c FETCH 1 (BODY.PEEK[TEXT] RFC822.SIZE)");
  EXPECT_EQ(body, fmt::format("* 1 FETCH (BODY[TEXT] {{5}}\r\nA\x80"
                              "B\r\n RFC822.SIZE {})\r\nc OK FETCH completed\r\n",
                              msg.size()));
  auto whole = run(*s, "d FETCH 1 (BODY.PEEK[])");
  EXPECT_EQ(whole.find('\0'), std::string::npos);
  EXPECT_EQ(whole.find("~{"), std::string::npos) << "no literal8 but for BINARY";
  EXPECT_NE(whole.find(fmt::format("BODY[] {{{}}}\r\n", msg.size())), std::string::npos) << whole;
  EXPECT_EQ(run(*s, "e FETCH 1 (BINARY.PEEK[1])"),
            "* 1 FETCH (BINARY[1] ~{5}\r\nA\0B\r\n)\r\ne OK FETCH completed\r\n"s);
}

}  // namespace
}  // namespace estafeta::imap

namespace estafeta::imap {
namespace {

// Before ENABLE UTF8=ACCEPT, 8-bit octets name no folder (names are
// modified UTF-7, RFC 3501 §5.1.3); after it quoted strings hold UTF-8, and
// "the server MUST reject, with a "BAD" response, any octet sequences with
// the high bit set that fail to comply with ... UTF-8" (RFC 6855 §3). A
// literal that is not UTF-8 names no folder either.
TEST_F(SessionTest, EightBitNamesAreUtf8AfterUtf8Accept) {
  auto s = logged_in();
  // Without UTF-8 names, a name is modified UTF-7: raw 8-bit octets name nothing.
  EXPECT_EQ(run(*s, "a CREATE \"caf\xc3\xa9\""), "a NO [CANNOT] invalid mailbox name\r\n");
  EXPECT_EQ(run(*s, "b CREATE \"bad\xc3\""), "b NO [CANNOT] invalid mailbox name\r\n");
  EXPECT_EQ(run(*s, "c ENABLE UTF8=ACCEPT"), "* ENABLED UTF8=ACCEPT\r\nc OK ENABLE completed\r\n");
  EXPECT_EQ(run(*s, "d CREATE \"bad\xc3\""), "d BAD a quoted string that is not valid UTF-8 (RFC 6855 §3)\r\n");
  EXPECT_EQ(run(*s, "e STATUS \"\xff\xfe\" (MESSAGES)"),
            "e BAD a quoted string that is not valid UTF-8 (RFC 6855 §3)\r\n");
  EXPECT_EQ(run(*s, "f CREATE {4}\r\nbad\xc3"), "f NO [CANNOT] invalid mailbox name\r\n");
  EXPECT_EQ(run(*s, "g CREATE {5}\r\nc1\xc2\x85x"), "g NO [CANNOT] invalid mailbox name\r\n") << "U+0085";
  EXPECT_EQ(run(*s, "h CREATE \"caf\xc3\xa9\""), "h OK CREATE completed\r\n");
  auto list = run(*logged_in(), "i LIST \"\" *");
  EXPECT_NE(list.find(" caf&AOk-\r\n"), std::string::npos) << list;
  EXPECT_EQ(list.find("bad"), std::string::npos) << list;
  EXPECT_EQ(list.find("c1"), std::string::npos) << list;
}

// RFC 6855 §4: "If an IMAP server supports "UTF8=ACCEPT" and the IMAP client
// has not issued the "ENABLE UTF8=ACCEPT" command, the server MUST reject,
// with a "NO" response, an "APPEND" command that includes any 8-bit
// character in message header fields"; the UTF8 data extension belongs to
// UTF8=ACCEPT. IMAP4rev2 allows UTF-8 headers (RFC 9051 §4.3.1).
TEST_F(SessionTest, AppendOfEightBitHeadersNeedsUtf8Accept) {
  const std::string msg = "Subject: caf\xc3\xa9 8bit\r\nFrom: a@x.example\r\n\r\nbody\r\n";
  const std::string body_only = "Subject: plain\r\nFrom: a@x.example\r\n\r\nbod\xc3\xa9\r\n";
  auto plain = [](const std::string& tag, const std::string& m) {
    return fmt::format("{} APPEND INBOX {{{}}}\r\n{}\r\n", tag, m.size(), m);
  };
  auto utf8 = [](const std::string& tag, const std::string& m) {
    return fmt::format("{} APPEND INBOX UTF8 (~{{{}}}\r\n{})", tag, m.size(), m);
  };
  auto s = logged_in();
  EXPECT_EQ(run(*s, plain("a", msg)),
            "a NO [CANNOT] 8-bit header fields need ENABLE UTF8=ACCEPT and APPEND UTF8 (RFC 6855 §4)\r\n");
  EXPECT_EQ(run(*s, utf8("b", msg)), "b NO [CANNOT] APPEND UTF8 needs ENABLE UTF8=ACCEPT first (RFC 6855 §4)\r\n");
  EXPECT_TRUE(run(*s, plain("c", body_only)).starts_with("c OK [APPENDUID ")) << "8-bit in the body only";
  auto rev2 = logged_in();
  run(*rev2, "d ENABLE IMAP4rev2");
  EXPECT_TRUE(run(*rev2, plain("e", msg)).starts_with("e OK [APPENDUID "));
  EXPECT_TRUE(run(*rev2, utf8("f", msg)).starts_with("f NO [CANNOT] "));
  run(*s, "g ENABLE UTF8=ACCEPT");
  EXPECT_TRUE(run(*s, utf8("h", msg)).starts_with("h OK [APPENDUID "));
  EXPECT_TRUE(run(*s, plain("i", msg)).starts_with("i OK [APPENDUID "));
  run(*s, "j SELECT INBOX");
  EXPECT_EQ(run(*s, "k SEARCH ALL"), "* SEARCH 1 2 3 4\r\nk OK SEARCH completed\r\n");
}

// flag-keyword = atom (RFC 9051 §9), of 7-bit CHARs: an 8-bit keyword is
// BAD in STORE and APPEND, and never reaches FLAGS or PERMANENTFLAGS.
TEST_F(SessionTest, EightBitKeywordsAreBad) {
  deliver("k");
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  EXPECT_EQ(run(*s, "b STORE 1 +FLAGS (caf\xc3\xa9)"),
            "b BAD flags and keywords are atoms of 7-bit characters (RFC 9051 §9)\r\n");
  EXPECT_TRUE(run(*s, "c APPEND INBOX (caf\xc3\xa9) {18}\r\nSubject: x\r\n\r\nbody").starts_with("c BAD "));
  run(*s, "d1 UNSELECT");
  run(*s, "d2 ENABLE UTF8=ACCEPT");
  run(*s, "d3 SELECT INBOX");
  EXPECT_TRUE(run(*s, "e STORE 1 +FLAGS caf\xc3\xa9").starts_with("e BAD ")) << "UTF8=ACCEPT widens strings only";
  auto again = run(*logged_in(), "f SELECT INBOX");
  EXPECT_EQ(again.find("caf"), std::string::npos) << again;
}

// RFC 6855 §3: once UTF8=ACCEPT is enabled a SEARCH "MUST NOT" name a
// charset, and the server "SHOULD reject the command with a "BAD" response".
TEST_F(SessionTest, SearchCharsetAfterUtf8AcceptIsBad) {
  deliver("caf\xc3\xa9");
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  EXPECT_EQ(run(*s, "b SEARCH CHARSET UTF-8 SUBJECT {5}\r\ncaf\xc3\xa9"), "* SEARCH 1\r\nb OK SEARCH completed\r\n");
  run(*s, "c UNSELECT");
  run(*s, "d ENABLE UTF8=ACCEPT");
  run(*s, "e SELECT INBOX");
  EXPECT_EQ(run(*s, "f SEARCH CHARSET UTF-8 SUBJECT \"caf\xc3\xa9\""),
            "f BAD no CHARSET after ENABLE UTF8=ACCEPT: strings are UTF-8 (RFC 6855 §3)\r\n");
  EXPECT_EQ(run(*s, "g SEARCH SUBJECT \"caf\xc3\xa9\""), "* SEARCH 1\r\ng OK SEARCH completed\r\n");
}

// RFC 9051 §6.3.6: RENAME "SHOULD create any superior hierarchical names
// that are needed", as CREATE does (§6.3.4).
TEST_F(SessionTest, RenameCreatesSuperiorNames) {
  auto s = logged_in();
  run(*s, "a CREATE s");
  EXPECT_EQ(run(*s, "b RENAME s x/y/z"), "b OK RENAME completed\r\n");
  EXPECT_EQ(run(*s, "c LIST \"\" x*"),
            "* LIST (\\HasChildren) \"/\" x\r\n* LIST (\\HasChildren) \"/\" x/y\r\n"
            "* LIST (\\HasNoChildren) \"/\" x/y/z\r\nc OK LIST completed\r\n");
  EXPECT_NE(run(*s, "d SELECT x/y").find("d OK [READ-WRITE]"), std::string::npos) << "a folder, not only a level";
  EXPECT_TRUE(run(*s, "e RENAME x/y x/y/new/deep").starts_with("e NO ")) << "not below itself";
  EXPECT_EQ(run(*s, "f LIST \"\" x/y/new*"), "f OK LIST completed\r\n") << "a refused RENAME makes no folders";
}

// RFC 5258 §3.5, §5 example 9: with RECURSIVEMATCH, CHILDINFO tells of a
// subscribed descendant whether the name itself is subscribed or not, and
// is left out when every such descendant is in the answer anyway (the
// SHOULD of §3.5; a parent that is not subscribed is then not listed).
TEST_F(SessionTest, ListChildInfoAsInRfc5258Example9) {
  auto s = logged_in();
  for (auto name : {"foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22", "baz2/bar222", "eps2/mamba", "qux2/bar2"}) {
    EXPECT_EQ(run(*s, fmt::format("a CREATE {}", name)), "a OK CREATE completed\r\n");
    run(*s, fmt::format("b SUBSCRIBE {}", name));
  }
  run(*s, "c SUBSCRIBE eps2");
  for (auto name : {"foo2", "baz2", "qux2"}) run(*s, fmt::format("d UNSUBSCRIBE {}", name));
  run(*s, "e DELETE qux2");
  const std::string childinfo = " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
  EXPECT_EQ(run(*s, "f LIST (RECURSIVEMATCH SUBSCRIBED) \"\" *2"),
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" baz2/bar2\r\n"
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" baz2/bar22\r\n"
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" baz2/bar222\r\n"
            "* LIST (\\HasChildren \\Subscribed) \"/\" eps2" +
                childinfo + "\r\n* LIST (\\HasChildren) \"/\" foo2" + childinfo +
                "\r\n"
                "* LIST (\\HasNoChildren \\Subscribed) \"/\" foo2/bar2\r\n"
                "* LIST (\\HasNoChildren \\Subscribed) \"/\" qux2/bar2\r\n"
                "f OK LIST completed\r\n");
  EXPECT_EQ(run(*s, "g LIST (RECURSIVEMATCH SUBSCRIBED) \"\" eps2"),
            "* LIST (\\HasChildren \\Subscribed) \"/\" eps2" + childinfo + "\r\ng OK LIST completed\r\n");
  EXPECT_EQ(run(*s, "h LIST (RECURSIVEMATCH SUBSCRIBED) \"\" eps2*"),
            "* LIST (\\HasChildren \\Subscribed) \"/\" eps2\r\n"
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" eps2/mamba\r\nh OK LIST completed\r\n")
      << "mamba is in the answer: no redundant CHILDINFO";
  EXPECT_EQ(run(*s, "i LIST (RECURSIVEMATCH SUBSCRIBED) \"\" qux2"),
            "* LIST (\\NonExistent \\HasChildren) \"/\" qux2" + childinfo + "\r\ni OK LIST completed\r\n");
}

// TEXT: "the header (including MIME header fields) or body" (RFC 9051
// §6.4.4), the names of Subject and the address fields included; BODY
// looks at the body alone.
TEST_F(SessionTest, TextSearchMatchesFieldNames) {
  deliver("msg 3");
  deliver("other");
  auto s = logged_in();
  run(*s, "a SELECT INBOX");
  EXPECT_EQ(run(*s, "b SEARCH TEXT \"Subject: msg 3\""), "* SEARCH 1\r\nb OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "c SEARCH TEXT Subject"), "* SEARCH 1 2\r\nc OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "d SEARCH TEXT \"from: carla <carla@\""), "* SEARCH 1 2\r\nd OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "e SEARCH TEXT \"To: team@\""), "* SEARCH 1 2\r\ne OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "f SEARCH BODY Subject"), "* SEARCH\r\nf OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "g SEARCH BODY hello"), "* SEARCH 1 2\r\ng OK SEARCH completed\r\n");
  EXPECT_EQ(run(*s, "h SEARCH TEXT \"Subject: other\""), "* SEARCH 2\r\nh OK SEARCH completed\r\n");
}

// addr-mailbox is the local part "after removing [RFC-2822] quoting"
// (RFC 9051 §9).
TEST_F(SessionTest, EnvelopeMailboxIsUnquoted) {
  auto s = logged_in();
  std::string msg = "From: \"quoted\\\"name\" <\"odd local\"@x.example>\r\nSubject: q\r\n\r\nbody\r\n";
  EXPECT_TRUE(run(*s, fmt::format("a APPEND INBOX {{{}}}\r\n{}\r\n", msg.size(), msg)).starts_with("a OK"));
  run(*s, "b EXAMINE INBOX");
  auto env = run(*s, "c FETCH 1 ENVELOPE");
  EXPECT_NE(env.find("((\"quoted\\\"name\" NIL \"odd local\" \"x.example\"))"), std::string::npos) << env;
}

}  // namespace
}  // namespace estafeta::imap
