#include "imap/proto/parser.hpp"

#include <gtest/gtest.h>

namespace estafeta::imap {
namespace {

Command ok(std::string_view text) {
  auto c = parse_command(text);
  EXPECT_TRUE(c) << text << " → " << (c ? "" : c.error().message);
  return c ? *c : Command{};
}

ParseFailure bad(std::string_view text) {
  auto c = parse_command(text);
  EXPECT_FALSE(c) << text;
  return c ? ParseFailure{} : c.error();
}

template <class T>
const T& as(const Command& c) {
  static const T empty{};
  auto* p = std::get_if<T>(&c.args);
  EXPECT_NE(p, nullptr) << c.name;
  return p ? *p : empty;
}

TEST(Parser, SimpleCommands) {
  auto c = ok("a001 capability\r\n");
  EXPECT_EQ(c.tag, "a001");
  EXPECT_EQ(c.name, "CAPABILITY");
  as<cmd::Capability>(c);
  as<cmd::Noop>(ok("x NOOP\r\n"));
  as<cmd::Logout>(ok("x LOGOUT\n"));
  as<cmd::Idle>(ok("x IDLE\r\n"));
  as<cmd::Namespace>(ok("x NAMESPACE\r\n"));
  as<cmd::Unselect>(ok("x UNSELECT\r\n"));
}

// RFC 9051 §6 (and RFC 5161 §3.1 for ENABLE): each command comes with the
// states it is allowed in.
TEST(Parser, CommandsCarryTheirStates) {
  auto capability = ok("a CAPABILITY\r\n");
  EXPECT_TRUE(capability.allowed_in(State::not_authenticated));
  EXPECT_TRUE(capability.allowed_in(State::selected));
  auto login = ok("a LOGIN u p\r\n");
  EXPECT_TRUE(login.allowed_in(State::not_authenticated));
  EXPECT_FALSE(login.allowed_in(State::authenticated));
  auto enable = ok("a ENABLE CONDSTORE\r\n");
  EXPECT_TRUE(enable.allowed_in(State::authenticated));
  EXPECT_FALSE(enable.allowed_in(State::selected));
  auto select = ok("a EXAMINE INBOX\r\n");
  EXPECT_FALSE(select.allowed_in(State::not_authenticated));
  EXPECT_TRUE(select.allowed_in(State::selected));
  auto fetch = ok("a UID FETCH 1 FLAGS\r\n");
  EXPECT_EQ(fetch.allowed, kSelected);
  EXPECT_FALSE(fetch.allowed_in(State::logout));
}

TEST(Parser, Login) {
  auto l = as<cmd::Login>(ok("a LOGIN fred \"pass \\\"word\\\\\"\r\n"));
  EXPECT_EQ(l.user, "fred");
  EXPECT_EQ(l.password, "pass \"word\\");
  auto lit = as<cmd::Login>(ok("a LOGIN {4}\r\nfr d {3+}\r\n{}x\r\n"));
  EXPECT_EQ(lit.user, "fr d");
  EXPECT_EQ(lit.password, "{}x");
  EXPECT_EQ(bad("a LOGIN fred\r\n").message, "expected a space");
  EXPECT_EQ(bad("a LOGIN fred\r\n").tag, "a");
  EXPECT_EQ(bad("a LOGIN fred pw extra\r\n").message, "unexpected characters at the end of the command");
  EXPECT_EQ(bad("a LOGIN \"unterminated\r\n").tag, "a");
}

TEST(Parser, Authenticate) {
  auto a = as<cmd::Authenticate>(ok("a AUTHENTICATE plain AGZyZWQAc2VjcmV0\r\n"));
  EXPECT_EQ(a.mechanism, "PLAIN");
  EXPECT_EQ(a.initial, "AGZyZWQAc2VjcmV0");
  EXPECT_EQ(as<cmd::Authenticate>(ok("a AUTHENTICATE PLAIN =\r\n")).initial, "=");
  EXPECT_FALSE(as<cmd::Authenticate>(ok("a AUTHENTICATE LOGIN\r\n")).initial);
}

TEST(Parser, SelectWithQresync) {
  auto s = as<cmd::Select>(ok("A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n"));
  EXPECT_EQ(s.mailbox, "INBOX");
  ASSERT_TRUE(s.qresync);
  EXPECT_EQ(s.qresync->uidvalidity, 67890007u);
  EXPECT_EQ(s.qresync->modseq, 20050715194045000u);
  ASSERT_TRUE(s.qresync->known_uids);
  EXPECT_EQ(s.qresync->known_uids->ranges.size(), 3u);
  auto m =
      as<cmd::Select>(ok("B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 "
                         "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))\r\n"));
  ASSERT_TRUE(m.qresync->seq_match);
  EXPECT_EQ(m.qresync->seq_match->first.ranges.size(), 4u);
  EXPECT_EQ(m.qresync->seq_match->second.ranges.size(), 13u);
  auto e = as<cmd::Select>(ok("a EXAMINE \"Sent Items\" (CONDSTORE)\r\n"));
  EXPECT_TRUE(e.read_only);
  EXPECT_TRUE(e.condstore);
  EXPECT_EQ(e.mailbox, "Sent Items");
  bad("a SELECT INBOX (BOGUS)\r\n");
}

TEST(Parser, ListVariants) {
  auto l = as<cmd::List>(ok("A01 LIST \"\" %\r\n"));
  EXPECT_EQ(l.reference, "");
  EXPECT_EQ(l.patterns, std::vector<std::string>{"%"});
  EXPECT_FALSE(l.extended);
  auto x = as<cmd::List>(ok(
      "A02 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" Drafts/*) RETURN (CHILDREN STATUS (MESSAGES UNSEEN))\r\n"));
  EXPECT_TRUE(x.extended);
  EXPECT_EQ(x.select_opts, (std::vector<std::string>{"SUBSCRIBED", "RECURSIVEMATCH"}));
  EXPECT_EQ(x.patterns, (std::vector<std::string>{"INBOX", "Drafts/*"}));
  EXPECT_EQ(x.return_opts, (std::vector<std::string>{"CHILDREN", "STATUS"}));
  ASSERT_EQ(x.status_items.size(), 2u);
  EXPECT_EQ(x.status_items[1].kind, StatusItem::Kind::unseen);
  auto lsub = as<cmd::List>(ok("a LSUB \"#news.\" \"comp.mail.*\"\r\n"));
  EXPECT_TRUE(lsub.lsub);
}

TEST(Parser, StatusAndCreate) {
  auto s = as<cmd::Status>(ok("A042 STATUS blurdybloop (UIDNEXT MESSAGES SIZE HIGHESTMODSEQ)\r\n"));
  ASSERT_EQ(s.items.size(), 4u);
  EXPECT_EQ(s.items[2].kind, StatusItem::Kind::size);
  bad("A042 STATUS blurdybloop (UIDNEXT BOGUS)\r\n");
  auto c = as<cmd::Create>(ok("t1 CREATE \"Important Messages\" (USE (\\Important))\r\n"));
  EXPECT_EQ(c.mailbox, "Important Messages");
  EXPECT_EQ(c.special_use, std::vector<std::string>{"\\Important"});
}

TEST(Parser, Append) {
  auto a =
      as<cmd::Append>(ok("A003 APPEND saved-messages (\\Seen $Work) \" 7-Feb-1994 21:52:25 -0800\" {5}\r\nhello\r\n"));
  EXPECT_EQ(a.mailbox, "saved-messages");
  EXPECT_EQ(a.flags, (std::vector<std::string>{"\\Seen", "$Work"}));
  EXPECT_EQ(a.internal_date, 760686745);  // 1994-02-08 05:52:25 UTC
  EXPECT_EQ(a.message, "hello");
  auto b = as<cmd::Append>(ok(std::string_view("A APPEND INBOX ~{3}\r\na\0b\r\n", 26)));
  EXPECT_TRUE(b.binary);
  EXPECT_EQ(b.message, std::string("a\0b", 3));
  bad(std::string_view("A APPEND INBOX {3}\r\na\0b\r\n", 25));
  auto u = as<cmd::Append>(ok("A APPEND INBOX UTF8 (~{2}\r\nhi)\r\n"));
  EXPECT_EQ(u.message, "hi");
  bad("A APPEND INBOX \"31-Feb-2026 00:00:00 +0000\" {1}\r\nx\r\n");
  bad("A APPEND INBOX {10}\r\nshort\r\n");
}

TEST(Parser, FetchAttributes) {
  auto f = as<cmd::Fetch>(ok("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n"));
  EXPECT_FALSE(f.uid);
  ASSERT_EQ(f.set.ranges.size(), 1u);
  EXPECT_EQ(f.set.ranges[0], (SeqRange{2, 4}));
  ASSERT_EQ(f.attrs.size(), 2u);
  EXPECT_EQ(f.attrs[1].kind, FetchAttr::Kind::body_section);
  EXPECT_EQ(f.attrs[1].section.text, Section::Text::header_fields);
  EXPECT_EQ(f.attrs[1].section.fields, (std::vector<std::string>{"DATE", "FROM"}));

  auto u =
      ok("a UID FETCH 1:* (UID RFC822.SIZE BODY.PEEK[1.2.MIME] BINARY.PEEK[1]<0.100> BINARY.SIZE[2] BODY[]<10.20> "
         "MODSEQ) (CHANGEDSINCE 12345 VANISHED)\r\n");
  EXPECT_EQ(u.name, "UID FETCH");
  auto& uf = as<cmd::Fetch>(u);
  EXPECT_TRUE(uf.uid);
  EXPECT_EQ(uf.set.ranges[0], (SeqRange{1, kStar}));
  ASSERT_EQ(uf.attrs.size(), 7u);
  EXPECT_EQ(uf.attrs[1].kind, FetchAttr::Kind::rfc822_size);
  EXPECT_TRUE(uf.attrs[2].peek);
  EXPECT_EQ(uf.attrs[2].section.part, (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(uf.attrs[2].section.text, Section::Text::mime);
  EXPECT_EQ(uf.attrs[3].kind, FetchAttr::Kind::binary);
  EXPECT_EQ(uf.attrs[3].partial, (Partial{0, 100}));
  EXPECT_EQ(uf.attrs[4].kind, FetchAttr::Kind::binary_size);
  EXPECT_EQ(uf.attrs[5].partial, (Partial{10, 20}));
  EXPECT_EQ(uf.attrs[6].kind, FetchAttr::Kind::modseq);
  EXPECT_EQ(uf.changed_since, 12345u);
  EXPECT_TRUE(uf.vanished);

  EXPECT_EQ(as<cmd::Fetch>(ok("a FETCH 1 ALL\r\n")).attrs.size(), 4u);
  EXPECT_EQ(as<cmd::Fetch>(ok("a FETCH 1 FULL\r\n")).attrs.back().kind, FetchAttr::Kind::body);
  EXPECT_EQ(as<cmd::Fetch>(ok("a FETCH 1 body\r\n")).attrs[0].kind, FetchAttr::Kind::body);
  EXPECT_EQ(as<cmd::Fetch>(ok("a FETCH $ (FLAGS)\r\n")).set.saved, true);
  bad("a FETCH 1 (FLAGS) (VANISHED)\r\n");
  bad("a FETCH 0 FLAGS\r\n");
  bad("a FETCH 1 BODY[MIME]\r\n");
  bad("a FETCH 1 BINARY[1.TEXT]\r\n");
  bad("a FETCH 1 BODY[]<5.0>\r\n");
  bad("a FETCH 1 (FLAGS BOGUS)\r\n");
}

TEST(Parser, Store) {
  auto s = as<cmd::Store>(ok("A003 STORE 2:4 +FLAGS.SILENT (\\Deleted)\r\n"));
  EXPECT_EQ(s.mode, StoreMode::add);
  EXPECT_TRUE(s.silent);
  EXPECT_EQ(s.flags, std::vector<std::string>{"\\Deleted"});
  auto u = as<cmd::Store>(ok("d105 UID STORE 7,5,9 (UNCHANGEDSINCE 320162338) -FLAGS \\seen $Junk\r\n"));
  EXPECT_EQ(u.unchanged_since, 320162338u);
  EXPECT_EQ(u.mode, StoreMode::remove);
  EXPECT_EQ(u.flags, (std::vector<std::string>{"\\Seen", "$Junk"}));
  bad("a STORE 1 FLAGZ (\\Seen)\r\n");
}

TEST(Parser, Search) {
  auto s = as<cmd::Search>(ok("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n"));
  EXPECT_TRUE(s.args.esearch);
  EXPECT_EQ(s.args.returns, static_cast<unsigned>(SearchReturn::min) | static_cast<unsigned>(SearchReturn::count));
  ASSERT_EQ(s.args.key.children.size(), 3u);
  EXPECT_EQ(s.args.key.children[0].kind, SearchKey::Kind::flagged);
  EXPECT_EQ(s.args.key.children[1].kind, SearchKey::Kind::since);
  EXPECT_EQ(s.args.key.children[1].date, 8797);  // 1994-02-01
  EXPECT_EQ(s.args.key.children[2].kind, SearchKey::Kind::not_);
  EXPECT_EQ(s.args.key.children[2].children[0].text, "Smith");

  auto o = as<cmd::Search>(
      ok("a UID SEARCH CHARSET UTF-8 OR (SUBJECT hola BODY {2}\r\nñ) HEADER X-Spam yes $ UID 3:* MODSEQ "
         "620162338 LARGER 1000\r\n"));
  EXPECT_EQ(o.args.charset, "UTF-8");
  auto& keys = o.args.key.children;
  ASSERT_EQ(keys.size(), 5u);  // OR takes the HEADER key as its second
  EXPECT_EQ(keys[0].kind, SearchKey::Kind::or_);
  EXPECT_EQ(keys[0].children[0].kind, SearchKey::Kind::and_);
  EXPECT_EQ(keys[0].children[1].kind, SearchKey::Kind::header);
  EXPECT_EQ(keys[0].children[1].field, "X-Spam");
  EXPECT_EQ(keys[1].kind, SearchKey::Kind::seqset);
  EXPECT_EQ(keys[2].kind, SearchKey::Kind::uid);
  EXPECT_EQ(keys[3].kind, SearchKey::Kind::modseq);
  EXPECT_EQ(keys[3].number, 620162338u);
  EXPECT_EQ(keys[4].kind, SearchKey::Kind::larger);
  EXPECT_TRUE(keys[1].set.saved);
  bad("a SEARCH 1:5,$\r\n");
  bad("a SEARCH\r\n");
  bad("a SEARCH BOGUS\r\n");
  bad("a SEARCH SINCE 30-Feb-2026\r\n");
  bad("a SEARCH RETURN (FIRST) ALL\r\n");
}

TEST(Parser, NestingIsBounded) {
  std::string deep = "a SEARCH ";
  for (int i = 0; i < 100; ++i) deep += "NOT ";
  deep += "ALL\r\n";
  EXPECT_EQ(bad(deep).message, "too deeply nested");
  std::string parens = "a SEARCH " + std::string(100, '(') + "ALL" + std::string(100, ')') + "\r\n";
  EXPECT_EQ(bad(parens).message, "too deeply nested");
  std::string ok_depth = "a SEARCH " + std::string(10, '(') + "ALL" + std::string(10, ')') + "\r\n";
  ok(ok_depth);
}

TEST(Parser, SequenceSetLimit) {
  std::string many = "a FETCH ";
  for (int i = 1; i <= 20000; ++i) many += std::to_string(i) + ",";
  many.back() = ' ';
  many += "FLAGS\r\n";
  EXPECT_EQ(bad(many).message, "too many ranges in the sequence sets (at most 10000)");
}

std::string repeat(std::string_view item, int n, std::string_view sep = " ") {
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i) out += sep;
    out += item;
  }
  return out;
}

TEST(Parser, RepeatsThatMultiplyWorkAreBounded) {
  // Search keys, over the whole program (nested lists too).
  ok("a SEARCH " + repeat("SEEN", 256) + "\r\n");
  EXPECT_EQ(bad("a SEARCH " + repeat("SEEN", 257) + "\r\n").message, "too many search keys (at most 256)");
  EXPECT_EQ(bad("a SEARCH " + repeat("(" + repeat("SEEN", 100) + ")", 3) + "\r\n").message,
            "too many search keys (at most 256)");
  EXPECT_EQ(bad("a SEARCH " + repeat("OR SEEN", 200) + " SEEN\r\n").message, "too deeply nested");
  EXPECT_EQ(bad("a UID SORT (DATE) UTF-8 " + repeat("SEEN", 300) + "\r\n").message,
            "too many search keys (at most 256)");
  // Search strings.
  ok("a SEARCH SUBJECT " + std::string(1024, 'x') + "\r\n");
  EXPECT_EQ(bad("a SEARCH SUBJECT " + std::string(1025, 'x') + "\r\n").message,
            "search string too long (at most 1024 octets)");
  EXPECT_EQ(bad("a SEARCH HEADER {1025}\r\n" + std::string(1025, 'x') + " y\r\n").message,
            "search string too long (at most 1024 octets)");
  // Header field names over all the sections of a FETCH.
  ok("a FETCH 1 (" + repeat("BODY.PEEK[HEADER.FIELDS (" + repeat("X", 100) + ")]", 10) + ")\r\n");
  EXPECT_EQ(bad("a FETCH 1 (" + repeat("BODY.PEEK[HEADER.FIELDS (" + repeat("X", 100) + ")]", 11) + ")\r\n").message,
            "too many header field names (at most 1000)");
  // Flags and keywords.
  ok("a STORE 1 +FLAGS (" + repeat("k", 100) + ")\r\n");
  EXPECT_EQ(bad("a STORE 1 +FLAGS (" + repeat("k", 101) + ")\r\n").message, "too many flags (at most 100)");
  EXPECT_EQ(bad("a STORE 1 +FLAGS " + repeat("k", 101) + "\r\n").message, "too many flags (at most 100)");
  EXPECT_EQ(bad("a APPEND INBOX (" + repeat("k", 101) + ") {1}\r\nx\r\n").message, "too many flags (at most 100)");
  EXPECT_EQ(bad("a STORE 1 +FLAGS (" + std::string(129, 'k') + ")\r\n").message,
            "keyword too long (at most 128 octets)");
  // ID (RFC 2971 §3.3).
  EXPECT_EQ(bad("a ID (\"" + std::string(31, 'f') + "\" \"v\")\r\n").message,
            "ID field name too long (at most 30 octets)");
  EXPECT_EQ(bad("a ID (\"f\" \"" + std::string(1025, 'v') + "\")\r\n").message,
            "ID value too long (at most 1024 octets)");
}

TEST(Parser, ListPatternsAreBounded) {
  ok("a LIST \"\" " + std::string(1024, '*') + "\r\n");
  EXPECT_EQ(bad("a LIST \"\" " + std::string(15000, '*') + "\r\n").message,
            "LIST pattern too long (at most 1024 octets)");
  EXPECT_EQ(bad("a LIST \"\" {1025}\r\n" + std::string(1025, 'x') + "\r\n").message,
            "LIST pattern too long (at most 1024 octets)");
  EXPECT_EQ(bad("a LIST {1025}\r\n" + std::string(1025, 'x') + " *\r\n").message,
            "LIST reference too long (at most 1024 octets)");
  ok("a LIST \"\" " + repeat("a*%", 32, "") + "\r\n");
  EXPECT_EQ(bad("a LIST \"\" " + repeat("a*%", 33, "") + "\r\n").message,
            "too many wildcards in a LIST pattern (at most 32)");
  ok("a LIST \"\" (" + repeat(std::string(1000, 'x'), 4) + ")\r\n");
  EXPECT_EQ(bad("a LIST \"\" (" + repeat(std::string(1000, 'x'), 5) + ")\r\n").message,
            "LIST patterns too long (at most 4096 octets in all)");
}

TEST(Parser, CopyMoveExpungeEnableId) {
  auto m = ok("a UID MOVE 42:69 foo\r\n");
  EXPECT_EQ(m.name, "UID MOVE");
  EXPECT_TRUE(as<cmd::Copy>(m).move);
  EXPECT_TRUE(as<cmd::Copy>(m).uid);
  auto x = as<cmd::Expunge>(ok("A202 UID EXPUNGE 3000:3002\r\n"));
  ASSERT_TRUE(x.uids);
  EXPECT_FALSE(as<cmd::Expunge>(ok("a EXPUNGE\r\n")).uids);
  EXPECT_EQ(as<cmd::Enable>(ok("t2 ENABLE CONDSTORE qresync\r\n")).capabilities,
            (std::vector<std::string>{"CONDSTORE", "QRESYNC"}));
  auto id = as<cmd::Id>(ok("a023 ID (\"name\" \"sodr\" \"version\" NIL)\r\n"));
  ASSERT_EQ(id.params.size(), 2u);
  EXPECT_EQ(id.params[0].second, "sodr");
  EXPECT_FALSE(id.params[1].second);
  EXPECT_TRUE(as<cmd::Id>(ok("a ID NIL\r\n")).params.empty());
  EXPECT_EQ(bad("a UID NOOP\r\n").message, "UID NOOP is not a command");
}

TEST(Parser, SortAndThread) {
  auto s = as<cmd::Sort>(ok("A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n"));
  ASSERT_EQ(s.criteria.size(), 2u);
  EXPECT_EQ(s.criteria[0].key, SortKey::subject);
  EXPECT_TRUE(s.criteria[1].reverse);
  EXPECT_EQ(s.charset, "UTF-8");
  auto t = as<cmd::Thread>(ok("A283 UID THREAD REFERENCES UTF-8 SINCE 5-MAR-2000\r\n"));
  EXPECT_EQ(t.algorithm, "REFERENCES");
  EXPECT_TRUE(t.uid);
}

TEST(Parser, Quota) {
  // RFC 9208 §4.1 examples.
  EXPECT_EQ(as<cmd::GetQuota>(ok("G0001 GETQUOTA \"!partition/sda4\"\r\n")).root, "!partition/sda4");
  EXPECT_EQ(as<cmd::GetQuota>(ok("G0001 GETQUOTA \"\"\r\n")).root, "");
  EXPECT_EQ(as<cmd::GetQuotaRoot>(ok("G0002 GETQUOTAROOT INBOX\r\n")).mailbox, "INBOX");
  auto q = as<cmd::SetQuota>(ok("S0001 SETQUOTA \"#user/alice\" (STORAGE 510 message 1000)\r\n"));
  EXPECT_EQ(q.root, "#user/alice");
  ASSERT_EQ(q.limits.size(), 2u);
  EXPECT_EQ(q.limits[0], (std::pair<std::string, std::uint64_t>{"STORAGE", 510}));
  EXPECT_EQ(q.limits[1], (std::pair<std::string, std::uint64_t>{"MESSAGE", 1000}));
  EXPECT_TRUE(as<cmd::SetQuota>(ok("S1 SETQUOTA \"\" ()\r\n")).limits.empty()) << "no limits at all";
  bad("S2 SETQUOTA \"\" (STORAGE)\r\n");
  bad("S3 SETQUOTA \"\" (STORAGE -1)\r\n");
  bad("S4 SETQUOTA \"\" STORAGE 5\r\n");
  bad("S5 SETQUOTA \"\" (STORAGE 9223372036854775808)\r\n");  // over number64
  bad("S6 GETQUOTA\r\n");
  auto st = as<cmd::Status>(ok("S0003 STATUS INBOX (MESSAGES DELETED DELETED-STORAGE)\r\n"));
  ASSERT_EQ(st.items.size(), 3u);
  EXPECT_EQ(st.items[1].kind, StatusItem::Kind::deleted);
  EXPECT_EQ(st.items[2].kind, StatusItem::Kind::deleted_storage);
  // RFC 7889 §3.1, §5: status-att =/ "APPENDLIMIT", in STATUS and LIST-STATUS.
  auto al = as<cmd::Status>(ok("a2 STATUS INBOX (APPENDLIMIT MESSAGES)\r\n"));
  ASSERT_EQ(al.items.size(), 2u);
  EXPECT_EQ(al.items[0].kind, StatusItem::Kind::appendlimit);
  auto ll = as<cmd::List>(ok("a3 LIST \"\" INBOX RETURN (STATUS (APPENDLIMIT))\r\n"));
  ASSERT_EQ(ll.status_items.size(), 1u);
  EXPECT_EQ(ll.status_items[0].kind, StatusItem::Kind::appendlimit);
}

// RFC 3501 §9: quoted strings and atoms are 7-bit; RFC 6855 §3 (UTF8=ACCEPT)
// and RFC 9051 §4.3.1 (IMAP4rev2) allow UTF-8 in quoted strings, and "the
// server MUST reject, with a "BAD" response, any octet sequences with the
// high bit set that fail to comply with ... UTF-8". Literals carry any octets.
TEST(Parser, EightBitOctetsOnlyAsUtf8InTheUtf8Dialect) {
  const Dialect utf8{.utf8 = true};
  auto in_utf8 = [&](std::string_view text) { return parse_command(text, {}, utf8); };
  for (std::string_view text :
       {"a CREATE \"bad\xc3\"\r\n", "a STATUS \"\xff\xfe\" (MESSAGES)\r\n",
        "a CREATE \"\xc0\xaf\"\r\n",          // overlong "/"
        "a CREATE \"\xed\xa0\x80\"\r\n",      // a surrogate
        "a CREATE \"\xf4\x90\x80\x80\"\r\n",  // past U+10FFFF
        "a CREATE \"caf\xc3\xa9\xa9\"\r\n", "a CREATE bad\xc3\r\n", "a LIST \"\" bad\xc3*\r\n"}) {
    auto c = in_utf8(text);
    ASSERT_FALSE(c) << text;
    EXPECT_EQ(c.error().tag, "a");
    EXPECT_NE(c.error().message.find("not valid UTF-8"), std::string::npos) << c.error().message;
  }
  EXPECT_EQ(as<cmd::Create>(in_utf8("a CREATE \"caf\xc3\xa9 \xf0\x9f\x93\xa7\"\r\n").value()).mailbox,
            "caf\xc3\xa9 \xf0\x9f\x93\xa7");
  EXPECT_EQ(as<cmd::Create>(in_utf8("a CREATE caf\xc3\xa9\r\n").value()).mailbox, "caf\xc3\xa9");
  EXPECT_TRUE(in_utf8("a SEARCH SUBJECT \"\xe6\x97\xa5\xe6\x9c\xac\"\r\n"));
  // Without UTF-8, 8-bit text in quotes is read as sent (clients quote
  // passwords and search strings); a name of it is the handler's to refuse.
  EXPECT_EQ(as<cmd::Login>(ok("a LOGIN ana \"contrase\xc3\xb1"
                              "a\"\r\n"))
                .password,
            "contrase\xc3\xb1"
            "a");
  EXPECT_TRUE(parse_command("a SEARCH CHARSET UTF-8 SUBJECT \"caf\xc3\xa9\"\r\n"));
  EXPECT_EQ(as<cmd::Create>(ok("a CREATE \"bad\xc3\"\r\n")).mailbox, "bad\xc3");
  EXPECT_EQ(as<cmd::Create>(ok("a CREATE {5}\r\ncaf\xc3\xa9\r\n")).mailbox, "caf\xc3\xa9");
  EXPECT_EQ(as<cmd::Create>(in_utf8("a CREATE {4}\r\nbad\xc3\r\n").value()).mailbox, "bad\xc3")
      << "a literal's octets are the handler's to judge";
}

// flag-keyword = atom, flag-extension = "\" atom (RFC 9051 §9): 7-bit
// CHARs in every dialect (RFC 6855 widens quoted strings only).
TEST(Parser, KeywordsAreSevenBitAtoms) {
  for (Dialect dialect : {Dialect{}, Dialect{.utf8 = true}}) {
    for (std::string_view text :
         {"a STORE 1 +FLAGS (caf\xc3\xa9)\r\n", "a STORE 1 +FLAGS caf\xc3\xa9\r\n",
          "a STORE 1 FLAGS (\\Seen \\caf\xc3\xa9)\r\n", "a APPEND INBOX (caf\xc3\xa9) {1}\r\nx\r\n",
          "a UID STORE 1 -FLAGS.SILENT (ok \xff)\r\n"}) {
      auto c = parse_command(text, {}, dialect);
      ASSERT_FALSE(c) << text;
      EXPECT_EQ(c.error().tag, "a");
      EXPECT_NE(c.error().message.find("7-bit"), std::string::npos) << c.error().message;
    }
    EXPECT_TRUE(parse_command("a STORE 1 +FLAGS (cafe $Label1 \\Seen)\r\n", {}, dialect));
  }
}

// RFC 6855 §4: utf8-literal = "UTF8" SP "(" literal8 ")", kept apart from a
// plain literal: only a session that enabled UTF8=ACCEPT may send it.
TEST(Parser, AppendUtf8DataExtension) {
  auto u = as<cmd::Append>(ok("A APPEND INBOX UTF8 (~{2}\r\nhi)\r\n"));
  EXPECT_TRUE(u.utf8);
  EXPECT_FALSE(as<cmd::Append>(ok("A APPEND INBOX {2}\r\nhi\r\n")).utf8);
  bad("A APPEND INBOX UTF8 (~{2}\r\nhi\r\n");
}

TEST(Parser, BadInputGetsTheTag) {
  EXPECT_EQ(bad("a1 FROB\r\n").tag, "a1");
  EXPECT_EQ(bad("a1 FROB\r\n").message, "unknown command");
  EXPECT_EQ(bad("\r\n").tag, "*");
  EXPECT_EQ(bad("+x NOOP\r\n").tag, "*");
  EXPECT_EQ(bad("tag\r\n").tag, "*") << "no space after it: not a valid tag";
  EXPECT_EQ(bad("a*b NOOP\r\n").tag, "*");
  EXPECT_EQ(bad("a NOOP").message, "unexpected characters at the end of the command");
}

}  // namespace
}  // namespace estafeta::imap
