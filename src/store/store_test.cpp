#include "store/store.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "core/testing.hpp"
#include "store/text_indexer.hpp"

namespace estafeta::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }
  void reopen() {
    m_store.reset();
    auto s = open_sqlite_store({m_dir / "db.sqlite", true});
    ASSERT_TRUE(s) << s.error().message << " " << s.error().detail;
    m_store = std::move(*s);
  }
  Store& s() { return *m_store; }

  // org → user → service → domain → address, the usual chain.
  struct Chain {
    Organisation org;
    User user;
    MailService service;
    Domain domain;
    Address address;
  };
  Chain chain(const std::string& tag) {
    Chain c;
    c.org = s().create_organisation("Org " + tag).value();
    User u;
    u.org_id = c.org.id;
    u.login = "owner@" + tag + ".example";
    u.display_name = "Owner";
    u.role = Role::admin;
    c.user = s().create_user(u).value();
    c.service = s().create_service(c.org.id, "svc-" + tag).value();
    c.domain = s().add_domain(c.service.id, tag + ".example", "").value();
    c.address = s().create_address(c.domain.id, "info").value();
    return c;
  }

  BlobInfo blob(const std::string& hash, const std::string& body = "hello world") {
    BlobInfo b;
    b.hash = hash;
    b.size = 100;
    b.subject = "Subject " + hash;
    b.message_id = "id-" + hash + "@x";
    b.text_headers = "Subject " + hash;
    b.text_body = body;
    return b;
  }

  testing::TempDir m_dir{"store"};
  std::unique_ptr<Store> m_store;
};

TEST_F(StoreTest, Organisations) {
  auto a = s().create_organisation("Acme");
  ASSERT_TRUE(a);
  EXPECT_GT(a->id, 0);
  auto dup = s().create_organisation("acme");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::exists);
  EXPECT_NE(dup.error().message.find("acme"), std::string::npos);
  EXPECT_EQ(s().find_organisation("ACME").value().id, a->id);
  EXPECT_EQ(s().organisation(a->id).value().name, "Acme");
  ASSERT_TRUE(s().create_organisation("Beta"));
  EXPECT_EQ(s().list_organisations().value().size(), 2u);
  ASSERT_TRUE(s().delete_organisation(a->id));
  EXPECT_EQ(s().delete_organisation(a->id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().find_organisation("Acme").error().kind, ErrorKind::not_found);
}

TEST_F(StoreTest, Users) {
  auto org = s().create_organisation("Acme").value();
  User u{.org_id = org.id, .login = "Ana@Acme.example", .display_name = "Ana", .role = Role::legal};
  auto created = s().create_user(u);
  ASSERT_TRUE(created);
  EXPECT_EQ(s().find_user("ana@acme.example").value().id, created->id);
  EXPECT_EQ(s().user(created->id).value().role, Role::legal);
  EXPECT_EQ(s().create_user(u).error().kind, ErrorKind::exists);
  User orphan{.org_id = 9999, .login = "x", .display_name = "X", .role = Role::member};
  EXPECT_FALSE(s().create_user(orphan));
  ASSERT_TRUE(s().set_user_password_hash(created->id, "$argon2id$fake"));
  EXPECT_EQ(s().user(created->id).value().password_hash, "$argon2id$fake");
  EXPECT_EQ(s().list_users(org.id).value().size(), 1u);
  EXPECT_EQ(s().list_users(org.id + 1).value().size(), 0u);
  ASSERT_TRUE(s().delete_user(created->id));
  EXPECT_EQ(s().user(created->id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().set_user_password_hash(created->id, "x").error().kind, ErrorKind::not_found);
}

TEST_F(StoreTest, ServicesDomainsAddresses) {
  auto c = chain("one");
  EXPECT_EQ(c.address.address, "info@one.example");
  EXPECT_EQ(c.address.org_id, c.org.id);
  EXPECT_EQ(c.address.service_id, c.service.id);
  EXPECT_EQ(s().create_service(c.org.id, "SVC-one").error().kind, ErrorKind::exists);
  EXPECT_EQ(s().add_domain(c.service.id, "ONE.example", "").error().kind, ErrorKind::exists);
  EXPECT_EQ(s().create_address(c.domain.id, "INFO").error().kind, ErrorKind::exists);
  EXPECT_EQ(s().create_address(9999, "x").error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().find_address("INFO@One.Example").value().id, c.address.id);

  ASSERT_TRUE(s().set_service_locked(c.service.id, true));
  EXPECT_TRUE(s().find_service("svc-one").value().locked);
  ASSERT_TRUE(s().set_service_locked(c.service.id, false));
  EXPECT_FALSE(s().service(c.service.id).value().locked);

  // Dependents keep their parents.
  EXPECT_EQ(s().remove_domain(c.domain.id).error().kind, ErrorKind::in_use);
  EXPECT_EQ(s().delete_service(c.service.id).error().kind, ErrorKind::in_use);
  {
    auto d = s().delete_address(c.address.id);
    ASSERT_TRUE(d) << d.error().message << d.error().detail;
  }
  ASSERT_TRUE(s().remove_domain(c.domain.id));
  ASSERT_TRUE(s().delete_service(c.service.id));
  EXPECT_TRUE(s().list_services(c.org.id).value().empty());
}

TEST_F(StoreTest, NewAddressHasDefaultFolders) {
  auto c = chain("f");
  auto boxes = s().list_mailboxes(c.address.id).value();
  std::map<std::string, SpecialUse> got;
  std::set<std::uint32_t> validities;
  for (auto& b : boxes) {
    got[b.name] = b.special_use;
    validities.insert(b.uidvalidity);
    EXPECT_EQ(b.uidnext, 1u);
    EXPECT_GT(b.uidvalidity, 0u);
  }
  std::map<std::string, SpecialUse> want{{"INBOX", SpecialUse::none},      {"Drafts", SpecialUse::drafts},
                                         {"Sent", SpecialUse::sent},       {"Trash", SpecialUse::trash},
                                         {"Archive", SpecialUse::archive}, {"Junk", SpecialUse::junk}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(validities.size(), boxes.size()) << "every folder has its own UIDVALIDITY";
  EXPECT_EQ(s().find_special_mailbox(c.address.id, SpecialUse::junk).value().name, "Junk");
  EXPECT_EQ(s().create_mailbox(c.address.id, "Sent", SpecialUse::none).error().kind, ErrorKind::exists);
  auto extra = s().create_mailbox(c.address.id, "Projects/2026", SpecialUse::none);
  ASSERT_TRUE(extra);
  EXPECT_GT(extra->uidvalidity, *validities.rbegin());
}

TEST_F(StoreTest, AccessesAndDevicePasswords) {
  auto c = chain("a");
  auto x = s().grant_access(c.address.id, c.user.id, false);
  ASSERT_TRUE(x);
  EXPECT_FALSE(x->may_change_special_folders);
  EXPECT_EQ(s().grant_access(c.address.id, c.user.id, true).error().kind, ErrorKind::exists);
  EXPECT_EQ(s().grant_access(c.address.id, 9999, true).error().kind, ErrorKind::not_found);
  ASSERT_TRUE(s().set_access_permissions(x->id, true));
  EXPECT_TRUE(s().access(x->id).value().may_change_special_folders);
  EXPECT_EQ(s().list_user_accesses(c.user.id).value().size(), 1u);

  auto d1 = s().create_device_password(x->id, "phone", std::string("\x01\x00\x02", 3));
  auto d2 = s().create_device_password(x->id, "laptop", "hash2");
  ASSERT_TRUE(d1 && d2);
  EXPECT_EQ(s().device_password(d1->id).value().hash, std::string("\x01\x00\x02", 3)) << "binary-safe";
  EXPECT_EQ(s().login_candidates("INFO@a.example").value().size(), 2u);

  ASSERT_TRUE(s().touch_device_password(d2->id, 1700000000, "192.0.2.7"));
  auto touched = s().device_password(d2->id).value();
  EXPECT_EQ(touched.last_used, 1700000000);
  EXPECT_EQ(touched.last_ip, "192.0.2.7");

  ASSERT_TRUE(s().revoke_device_password(d1->id));
  EXPECT_EQ(s().revoke_device_password(d1->id).error().kind, ErrorKind::not_found);
  auto left = s().login_candidates("info@a.example").value();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].device.id, d2->id);
  EXPECT_EQ(left[0].user.login, c.user.login);
  EXPECT_EQ(left[0].address.id, c.address.id);
  EXPECT_FALSE(left[0].service_locked);
  ASSERT_TRUE(s().set_service_locked(c.service.id, true));
  EXPECT_TRUE(s().login_candidates("info@a.example").value()[0].service_locked);

  EXPECT_EQ(s().revoke_access_devices(x->id).value(), 1);
  EXPECT_TRUE(s().login_candidates("info@a.example").value().empty());
  EXPECT_EQ(s().list_device_passwords(x->id).value().size(), 2u) << "revoked ones stay listed";

  ASSERT_TRUE(s().remove_access(x->id));
  EXPECT_EQ(s().find_access(c.address.id, c.user.id).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(s().list_device_passwords(x->id).value().empty()) << "device passwords go with the access";
  EXPECT_EQ(s().create_device_password(x->id, "x", "y").error().kind, ErrorKind::not_found);
}

TEST_F(StoreTest, AppendAssignsAscendingUidsAndModseqs) {
  auto c = chain("m");
  auto inbox = s().find_mailbox(c.address.id, "INBOX").value();
  auto sent = s().find_mailbox(c.address.id, "Sent").value();
  std::uint32_t last_uid = 0;
  std::uint64_t last_modseq = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = s().append_messages(blob("h" + std::to_string(i)), {{inbox.ref(), flag_seen, {"$Work"}, 1000 + i}});
    ASSERT_TRUE(r) << r.error().detail;
    ASSERT_EQ(r->size(), 1u);
    EXPECT_GT((*r)[0].uid, last_uid);
    EXPECT_GT((*r)[0].modseq, last_modseq);
    EXPECT_EQ((*r)[0].uidvalidity, inbox.uidvalidity);
    EXPECT_EQ((*r)[0].address_id, c.address.id);
    last_uid = (*r)[0].uid;
    last_modseq = (*r)[0].modseq;
  }
  auto msgs = s().list_messages(inbox.ref()).value();
  ASSERT_EQ(msgs.size(), 20u);
  auto middle = s().list_messages_between(inbox.ref(), msgs[3].uid, msgs[6].uid).value();
  ASSERT_EQ(middle.size(), 4u);
  EXPECT_EQ(middle.front().uid, msgs[3].uid);
  EXPECT_EQ(middle.back().uid, msgs[6].uid);
  EXPECT_EQ(middle[1].blob_hash, msgs[4].blob_hash);
  EXPECT_TRUE(s().list_messages_between(inbox.ref(), 1000, 2000).value().empty());
  // By UIDs in any order, absent ones skipped: ascending, the rows' own values.
  auto picked = s().list_messages_with_uids(inbox.ref(), {msgs[9].uid, 99999, msgs[2].uid, msgs[17].uid}).value();
  ASSERT_EQ(picked.size(), 3u);
  EXPECT_EQ(picked[0].uid, msgs[2].uid);
  EXPECT_EQ(picked[1].uid, msgs[9].uid);
  EXPECT_EQ(picked[2].uid, msgs[17].uid);
  EXPECT_EQ(picked[1].blob_id, msgs[9].blob_id);
  EXPECT_EQ(picked[1].internal_date, msgs[9].internal_date);
  EXPECT_EQ(picked[2].keywords, msgs[17].keywords);
  EXPECT_TRUE(s().list_messages_with_uids(inbox.ref(), {}).value().empty());
  auto lines = s().list_headlines_with_uids(inbox.ref(), {msgs[9].uid, 99999, msgs[2].uid}).value();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].uid, msgs[2].uid);
  EXPECT_EQ(lines[1].uid, msgs[9].uid);
  EXPECT_EQ(lines[1].blob_hash, msgs[9].blob_hash);
  EXPECT_EQ(lines[1].subject, "Subject h9");
  auto brief = s().list_messages_brief(inbox.ref()).value();
  ASSERT_EQ(brief.size(), 20u);
  EXPECT_EQ(brief[3].flags, msgs[3].flags);
  EXPECT_EQ(brief[3].keywords, msgs[3].keywords);
  EXPECT_TRUE(brief[3].blob_hash.empty()) << "no join for the brief list";
  EXPECT_EQ(msgs[3].keywords, std::vector<std::string>{"$Work"});
  EXPECT_EQ(msgs[3].flags, flag_seen);
  EXPECT_EQ(msgs[3].internal_date, 1003);
  auto box = s().mailbox(inbox.ref()).value();
  EXPECT_EQ(box.uidnext, 21u);
  EXPECT_EQ(box.highestmodseq, last_modseq);

  // One blob, two folders: stored once, two messages.
  auto both = s().append_messages(blob("shared"), {{inbox.ref(), 0, {}, 1}, {sent.ref(), flag_seen, {}, 1}});
  ASSERT_TRUE(both);
  ASSERT_EQ(both->size(), 2u);
  auto in_inbox = s().message(inbox.ref(), (*both)[0].uid).value();
  auto in_sent = s().message(sent.ref(), (*both)[1].uid).value();
  EXPECT_EQ(in_inbox.blob_id, in_sent.blob_id);
  EXPECT_EQ(in_inbox.blob_hash, "shared");
  EXPECT_EQ(s().blob_info(in_inbox.blob_id).value().subject, "Subject shared");

  // A bad target fails the whole append: nothing lands anywhere.
  auto bad = s().append_messages(blob("bad"), {{inbox.ref(), 0, {}, 1}, {{inbox.address_id, 99999}, 0, {}, 1}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(s().list_messages(inbox.ref()).value().size(), 21u);
  EXPECT_EQ(s().mailbox(inbox.ref()).value().uidnext, 22u);
}

// Deliveries from many threads at once are committed in groups; each caller
// still gets its own result, and a failing one takes no other with it.
TEST_F(StoreTest, ConcurrentAcceptsAreCommittedInGroupsEachWithItsOwnResult) {
  auto c = chain("g");
  auto inbox = s().find_mailbox(c.address.id, "INBOX").value();
  constexpr int kThreads = 8, kEach = 25;
  std::vector<std::vector<std::uint32_t>> uids(kThreads);
  std::atomic<int> failures{0}, wrong_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto name = fmt::format("g{}-{}", t, i);
        // Every fifth delivery of thread 0 names a folder that does not exist.
        bool bad = t == 0 && i % 5 == 0;
        std::vector<store::AppendTarget> targets{{inbox.ref(), 0, {}, 1}};
        if (bad) targets.push_back({{inbox.address_id, 987654}, 0, {}, 1});
        auto r = s().accept_message(blob(name), targets, std::nullopt, {});
        if (bad) {
          failures += !r;
          wrong_errors += !r && r.error().kind != ErrorKind::not_found;
        } else if (r) {
          uids[t].push_back(r->local.at(0).uid);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 5);
  EXPECT_EQ(wrong_errors.load(), 0);
  std::set<std::uint32_t> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(uids[t].size(), t == 0 ? kEach - 5u : std::size_t{kEach});
    EXPECT_TRUE(std::is_sorted(uids[t].begin(), uids[t].end())) << "one caller's deliveries keep their order";
    all.insert(uids[t].begin(), uids[t].end());
  }
  auto msgs = s().list_messages(inbox.ref()).value();
  EXPECT_EQ(all.size(), msgs.size()) << "every UID handed out is a stored message, none twice";
  EXPECT_EQ(msgs.size(), std::size_t{kThreads * kEach - 5});
  for (auto& m : msgs) {
    bool from_failed = m.blob_hash.starts_with("g0-") && std::stoi(m.blob_hash.substr(3)) % 5 == 0;
    EXPECT_FALSE(from_failed) << "a failed delivery left " << m.blob_hash;
  }
}

TEST_F(StoreTest, FullTextSearch) {
  auto c = chain("s");
  auto inbox = s().find_mailbox(c.address.id, "INBOX").value();
  auto junk = s().find_mailbox(c.address.id, "Junk").value();
  auto a = s().append_messages(blob("a", "Quarterly Report attached, ñandú inside"), {{inbox.ref(), 0, {}, 1}}).value();
  auto b = s().append_messages(blob("b", "lunch on friday?"), {{inbox.ref(), 0, {}, 1}}).value();
  s().append_messages(blob("c", "quarterly report for the spam folder"), {{junk.ref(), 0, {}, 1}}).value();
  EXPECT_EQ(s().search_text(inbox.ref(), "quarterly", TextScope::whole).value(), std::vector<std::uint32_t>{a[0].uid});
  EXPECT_EQ(s().search_text(inbox.ref(), "REPORT att", TextScope::whole).value(), std::vector<std::uint32_t>{a[0].uid});
  EXPECT_EQ(s().search_text(inbox.ref(), "ñandú", TextScope::whole).value(), std::vector<std::uint32_t>{a[0].uid});
  EXPECT_EQ(s().search_text(inbox.ref(), "Fri", TextScope::whole).value(), std::vector<std::uint32_t>{b[0].uid});
  EXPECT_EQ(s().search_text(inbox.ref(), "on", TextScope::whole).value().size(), 1u) << "two-letter needle scans";
  EXPECT_TRUE(s().search_text(inbox.ref(), "nothing like this", TextScope::whole).value().empty());
  EXPECT_TRUE(s().search_text(inbox.ref(), "\"quoted\" AND OR NOT *", TextScope::whole).value().empty())
      << "query syntax is literal";
  EXPECT_TRUE(s().search_text(inbox.ref(), "100%_", TextScope::whole).value().empty());
  EXPECT_EQ(s().search_text(inbox.ref(), "Subject a", TextScope::whole).value(), std::vector<std::uint32_t>{a[0].uid})
      << "headers too";
  EXPECT_TRUE(s().search_text(inbox.ref(), "Subject a", TextScope::body).value().empty()) << "BODY: not the headers";
  EXPECT_TRUE(s().search_text(inbox.ref(), "Su", TextScope::body).value().empty()) << "short needles too";
  EXPECT_EQ(s().search_text(inbox.ref(), "REPORT att", TextScope::body).value(), std::vector<std::uint32_t>{a[0].uid});
  EXPECT_EQ(s().search_text(inbox.ref(), "on", TextScope::body).value().size(), 1u);
  EXPECT_EQ(s().search_text(inbox.ref(), "SUBJECT B", TextScope::subject).value(),
            std::vector<std::uint32_t>{b[0].uid});
  EXPECT_TRUE(s().search_text(inbox.ref(), "friday", TextScope::subject).value().empty()) << "subject: not the body";
  EXPECT_EQ(s().search_text(inbox.ref(), "t a", TextScope::subject).value(), std::vector<std::uint32_t>{a[0].uid})
      << "short needles too";
  EXPECT_TRUE(s().search_text(inbox.ref(), "on", TextScope::subject).value().empty());
  EXPECT_TRUE(s().search_text(inbox.ref(), "\"Subject\" OR *", TextScope::subject).value().empty())
      << "query syntax is literal";
  EXPECT_TRUE(s().search_text(inbox.ref(), std::string("Subj\0ect", 8), TextScope::whole).value().empty())
      << "NUL: in no text, and no error";
  EXPECT_TRUE(s().search_emails(c.address.id, std::string("a\0", 2), TextScope::body).value().empty());
  auto other = blob("d", "body");
  other.subject = "Übersicht Quartal";
  other.text_headers = other.subject + "\nCarol Smith <carol@x.example>";
  auto d = s().append_messages(other, {{inbox.ref(), 0, {}, 1}}).value();
  EXPECT_TRUE(s().search_text(inbox.ref(), "carol", TextScope::subject).value().empty())
      << "subject: not the other header fields";
  EXPECT_EQ(s().search_text(inbox.ref(), "carol", TextScope::whole).value(), std::vector<std::uint32_t>{d[0].uid});
  EXPECT_EQ(s().search_text(inbox.ref(), "übersicht QUARTAL", TextScope::subject).value(),
            std::vector<std::uint32_t>{d[0].uid});
  EXPECT_EQ(s().search_emails(c.address.id, "quartal", TextScope::subject).value().size(), 1u);
  EXPECT_EQ(s().find_messages_by_message_id(inbox.ref(), "id-b@x").value().size(), 1u);
}

// Accepted text waits outside the index; a search in a folder reads that
// folder's waiting text beside the index, and the background indexer moves
// it in.
TEST_F(StoreTest, TextWaitingForTheIndexIsFoundAndIndexedInTheBackground) {
  auto c = chain("w");
  auto inbox = s().find_mailbox(c.address.id, "INBOX").value();
  auto junk = s().find_mailbox(c.address.id, "Junk").value();
  auto in = s().append_messages(blob("w1", "the zebra crossing"), {{inbox.ref(), 0, {}, 1}}).value();
  auto in_junk = s().append_messages(blob("w2", "another zebra, in junk"), {{junk.ref(), 0, {}, 1}}).value();
  EXPECT_EQ(s().search_text(inbox.ref(), "ZEBRA", TextScope::whole).value(), std::vector<std::uint32_t>{in[0].uid});
  EXPECT_EQ(s().search_text(inbox.ref(), "Zeb", TextScope::body).value(), std::vector<std::uint32_t>{in[0].uid});
  EXPECT_EQ(s().search_text(junk.ref(), "ZE", TextScope::body).value(), std::vector<std::uint32_t>{in_junk[0].uid})
      << "a short needle reads the waiting text too";
  EXPECT_EQ(s().search_text(inbox.ref(), "ubject w1", TextScope::subject).value(),
            std::vector<std::uint32_t>{in[0].uid});
  EXPECT_TRUE(s().search_text(inbox.ref(), "subject w2", TextScope::subject).value().empty()) << "Junk's";
  EXPECT_EQ(s().search_emails(c.address.id, "zebra", TextScope::body).value().size(), 2u);
  EXPECT_EQ(s().search_emails(c.address.id, "w2", TextScope::subject).value().size(), 1u);
  auto waiting = s().text_backlog().value();
  EXPECT_EQ(waiting.messages, 2u) << "a search indexes nothing";
  EXPECT_EQ(waiting.bytes, std::string("Subject w1the zebra crossingSubject w2another zebra, in junk").size());
  EXPECT_EQ(s().index_pending_text(100).value(), 2u);
  EXPECT_EQ(s().index_pending_text(100).value(), 0u) << "nothing left";
  EXPECT_EQ(s().text_backlog().value().bytes, 0u);
  EXPECT_EQ(s().search_text(inbox.ref(), "ZEBRA", TextScope::whole).value(), std::vector<std::uint32_t>{in[0].uid})
      << "the same answer from the index";

  for (int i = 0; i < 70; ++i)
    s().append_messages(blob(fmt::format("bg{}", i), fmt::format("lot {} of okapi", i)), {{junk.ref(), 0, {}, 1}})
        .value();
  {
    store::TextIndexer indexer(s(), nullptr, {.batch = 16, .idle_poll = std::chrono::milliseconds(20)});
    for (int i = 0; i < 500 && indexer.indexed() < 70; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_EQ(indexer.indexed(), 70u);
  }
  EXPECT_EQ(s().index_pending_text(100).value(), 0u) << "the indexer left nothing behind";
  EXPECT_EQ(s().search_text(junk.ref(), "okapi", TextScope::whole).value().size(), 70u);
  EXPECT_EQ(s().search_text(junk.ref(), "subject bg6", TextScope::subject).value().size(), 11u)
      << "the subjects went in with the text (bg6, bg60 … bg69)";

  // While mail arrives the indexer waits, unless the backlog is large.
  for (int i = 0; i < 10; ++i)
    s().append_messages(blob(fmt::format("busy{}", i), "tapir"), {{junk.ref(), 0, {}, 1}}).value();
  auto ten = s().text_backlog().value();
  EXPECT_EQ(ten.messages, 10u);
  EXPECT_EQ(ten.bytes, 10 * std::string("Subject busy0tapir").size());
  EventBus bus;
  for (std::uint64_t backlog : {ten.bytes + 1, ten.bytes / 2}) {
    store::TextIndexer indexer(s(), &bus,
                               {.batch = 4,
                                .idle_poll = std::chrono::milliseconds(10),
                                .quiet = std::chrono::seconds(30),
                                .max_backlog_bytes = backlog});
    if (backlog > ten.bytes) {
      for (int i = 0; i < 30; ++i) {
        bus.publish(Event{EventKind::message_appended});
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      EXPECT_EQ(indexer.indexed(), 0u) << "ten waiting, mail arriving: not yet";
    } else {
      for (int i = 0; i < 500 && s().text_backlog().value().bytes >= backlog; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      EXPECT_LT(s().text_backlog().value().bytes, backlog) << "a backlog over the limit is indexed anyway";
    }
  }
  EXPECT_EQ(s().search_text(junk.ref(), "lot 42 of", TextScope::whole).value().size(), 1u);
}

// Mail arriving faster than the indexer: past the ceiling each delivery
// indexes two waiting texts, so the backlog a search may read stays bounded.
TEST_F(StoreTest, TextWaitingForTheIndexIsBounded) {
  const std::uint64_t one = std::string("Subject b10capybara 10").size();  // b0-b9 a byte less each
  const std::uint64_t ceiling = 10 * one;
  m_store.reset();
  m_store = open_sqlite_store({m_dir / "db.sqlite", true, ceiling}).value();
  auto c = chain("b");
  auto inbox = s().find_mailbox(c.address.id, "INBOX").value();
  std::uint64_t most = 0;
  for (int i = 0; i < 40; ++i) {
    s().append_messages(blob(fmt::format("b{}", i), fmt::format("capybara {}", i)), {{inbox.ref(), 0, {}, 1}}).value();
    most = std::max(most, s().text_backlog().value().bytes);
  }
  EXPECT_LE(most, ceiling) << "never past the ceiling: over it, a delivery indexes two";
  EXPECT_GT(most, ceiling - 2 * one) << "but up to it";
  EXPECT_EQ(s().search_text(inbox.ref(), "capybara", TextScope::whole).value().size(), 40u);
  auto left = s().text_backlog().value().messages;
  EXPECT_GT(left, 0u) << "the search read the waiting text, it did not index it";
  EXPECT_EQ(s().index_pending_text(100).value(), left);
  EXPECT_EQ(s().search_text(inbox.ref(), "capybara", TextScope::whole).value().size(), 40u);
}

TEST_F(StoreTest, DeletingAnOrganisationRemovesEverything) {
  auto c = chain("d");
  auto other = chain("keep");
  auto inbox = s().find_mailbox(c.address.id, "INBOX").value();
  ASSERT_TRUE(s().append_messages(blob("d1"), {{inbox.ref(), 0, {}, 1}}));
  auto x = s().grant_access(c.address.id, c.user.id, true).value();
  ASSERT_TRUE(s().create_device_password(x.id, "p", "h"));
  ASSERT_TRUE(s().delete_organisation(c.org.id));
  EXPECT_EQ(s().find_address("info@d.example").error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().find_user(c.user.login).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(s().list_messages(inbox.ref()).value().empty());
  EXPECT_TRUE(s().find_address("info@keep.example"));
  EXPECT_EQ(s().integrity_check().value(), "");
}

TEST_F(StoreTest, AuditLog) {
  for (int i = 0; i < 5; ++i) {
    AuditEntry e;
    e.org_id = i % 2 ? 1 : 2;
    e.actor = "ana";
    e.actor_user_id = 7;
    e.action = i < 3 ? "access.grant" : "imap.login";
    e.product = i < 3 ? "cli" : "imap";
    e.target = "t" + std::to_string(i);
    e.time = 1000 + i;
    ASSERT_TRUE(s().append_audit(e));
  }
  AuditQuery all;
  EXPECT_EQ(s().query_audit(all).value().size(), 5u);
  EXPECT_EQ(s().query_audit(all).value().front().target, "t4") << "newest first";
  AuditQuery q;
  q.org_id = 1;
  EXPECT_EQ(s().query_audit(q).value().size(), 2u);
  q = {};
  q.product = "imap";
  EXPECT_EQ(s().query_audit(q).value().size(), 2u);
  q = {};
  q.action_prefix = "access.";
  q.since = 1001;
  q.until = 1003;
  auto r = s().query_audit(q).value();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].target, "t2");
  EXPECT_EQ(r[0].actor_user_id, 7);
  q = {};
  q.limit = 1;
  EXPECT_EQ(s().query_audit(q).value().size(), 1u);
  // Paging from an entry: one of the organisation's own, never another's.
  auto of_1 = [&](Id before) {
    AuditQuery p;
    p.org_id = 1;
    p.before_id = before;
    return s().query_audit(p).value().size();
  };
  auto ids = s().query_audit(all).value();  // t4 … t0; t3 and t1 are org 1's
  EXPECT_EQ(of_1(ids[1].id), 1u) << "before t3: t1";
  EXPECT_EQ(of_1(ids[0].id), 0u) << "t4 is org 2's";
}

TEST_F(StoreTest, ReopenKeepsEverything) {
  auto c = chain("r");
  auto inbox = s().find_mailbox(c.address.id, "INBOX").value();
  ASSERT_TRUE(s().append_messages(blob("r1"), {{inbox.ref(), 0, {}, 1}}));
  reopen();
  EXPECT_EQ(s().list_messages(inbox.ref()).value().size(), 1u);
  EXPECT_EQ(s().mailbox(inbox.ref()).value().uidnext, 2u);
  EXPECT_EQ(s().integrity_check().value(), "");
}

TEST_F(StoreTest, RefusesANewerSchema) {
  m_store.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((m_dir / "db.sqlite").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = open_sqlite_store({m_dir / "db.sqlite", true});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::invalid);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos);
}

TEST_F(StoreTest, MissingDatabaseWithoutCreate) {
  auto s = open_sqlite_store({m_dir / "absent.sqlite", false});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().kind, ErrorKind::not_found);
}

TEST(SpecialUse, Names) {
  EXPECT_EQ(parse_special_use("\\Sent"), SpecialUse::sent);
  EXPECT_EQ(parse_special_use("junk"), SpecialUse::junk);
  EXPECT_EQ(parse_special_use(""), SpecialUse::none);
  EXPECT_FALSE(parse_special_use("\\Spam"));
  EXPECT_STREQ(to_string(SpecialUse::archive), "\\Archive");
  EXPECT_EQ(parse_role("legal"), Role::legal);
  EXPECT_FALSE(parse_role("owner"));
}

}  // namespace
}  // namespace estafeta::store

namespace estafeta::store {
namespace {

TEST_F(StoreTest, EventLogCarriesEventsAcrossProcesses) {
  EXPECT_EQ(s().last_event_id().value(), 0);
  Event revoked{EventKind::device_revoked};
  revoked.device_password_id = 42;
  revoked.address_id = 7;
  auto first = s().append_event(revoked).value();
  Event locked{EventKind::service_locked};
  locked.service_id = 3;
  auto second = s().append_event(locked).value();
  EXPECT_GT(second, first);
  EXPECT_EQ(s().last_event_id().value(), second);
  reopen();  // another process reading the same file sees the same log
  auto all = s().events_after(0, 10).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].second.kind, EventKind::device_revoked);
  EXPECT_EQ(all[0].second.device_password_id, 42);
  EXPECT_EQ(all[0].second.address_id, 7);
  EXPECT_EQ(all[1].second.service_id, 3);
  EXPECT_EQ(s().events_after(first, 10).value().size(), 1u);
  EXPECT_EQ(s().events_after(0, 1).value().size(), 1u);
  ASSERT_TRUE(s().prune_events(std::numeric_limits<Time>::max()));
  EXPECT_TRUE(s().events_after(0, 10).value().empty());
  EXPECT_EQ(s().append_event(revoked).value(), second + 1) << "ids keep ascending after pruning";
}

}  // namespace
}  // namespace estafeta::store

namespace estafeta::store {
namespace {

TEST_F(StoreTest, AcceptedMailQueueAndTrace) {
  auto c = chain("q");
  auto inbox = s().find_mailbox(c.address.id, "INBOX").value();
  auto sent = s().find_mailbox(c.address.id, "Sent").value();
  OutboundMessage out;
  out.sender = "info@q.example";
  out.sender_address_id = c.address.id;
  out.recipients = {{"bob@far.example", "far.example", "rfc822;bob@far.example", false, true, true, true},
                    {"carol@other.example", "other.example", "", true, false, false, false}};
  TraceEntry t{.address_id = c.address.id,
               .queue_id = "Q1",
               .direction = TraceDirection::out,
               .sender = "info@q.example",
               .recipient = "bob@far.example",
               .status = TraceStatus::accepted};
  auto acc = s().accept_message(blob("queued"), {{inbox.ref(), 0, {}, 1}, {sent.ref(), flag_seen, {}, 1}}, out, {t});
  ASSERT_TRUE(acc) << acc.error().detail;
  EXPECT_EQ(acc->local.size(), 2u);
  EXPECT_GT(acc->queue_id, 0);
  auto due = s().due_recipients(std::numeric_limits<Time>::max(), 10).value();
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].recipient, "bob@far.example");
  EXPECT_EQ(due[0].domain, "far.example");
  EXPECT_EQ(due[0].orcpt, "rfc822;bob@far.example");
  EXPECT_TRUE(due[0].notify_failure);
  EXPECT_FALSE(due[0].notify_never);
  EXPECT_TRUE(due[1].notify_never);
  EXPECT_EQ(due[0].sender, "info@q.example");
  EXPECT_EQ(due[0].blob_hash, "queued");
  EXPECT_EQ(s().due_recipients(0, 10).value().size(), 0u) << "not due before now";
  // A deferral moves the next attempt; delivery and failure end the recipient.
  Time later = std::time(nullptr) + 3600;
  ASSERT_TRUE(s().record_attempt(due[0].id, RecipientState::pending, later, "451 4.3.0 later", "mx.far.example"));
  auto again = s().due_recipients(later - 1, 10).value();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].recipient, "carol@other.example");
  EXPECT_EQ(s().next_due().value(), std::optional<Time>(again[0].next_attempt));
  ASSERT_TRUE(s().record_attempt(again[0].id, RecipientState::delivered, 0, "250 ok", "mx.other.example"));
  EXPECT_EQ(s().queued(10).value().size(), 2u) << "the message stays while bob is pending";
  ASSERT_TRUE(s().record_attempt(due[0].id, RecipientState::failed, 0, "550 5.1.1 no such user", "mx.far.example"));
  EXPECT_TRUE(s().queued(10).value().empty()) << "nobody left: the message leaves the queue";
  EXPECT_FALSE(s().next_due().value());
  EXPECT_EQ(s().record_attempt(424242, RecipientState::delivered, 0, "", "").error().kind, ErrorKind::not_found);
  auto lines = s().trace(c.address.id, 0, 10).value();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].queue_id, "Q1");
  EXPECT_EQ(lines[0].status, TraceStatus::accepted);
  EXPECT_GT(lines[0].time, 0);
  EXPECT_TRUE(s().trace(c.address.id + 1, 0, 10).value().empty());
  EXPECT_EQ(s().integrity_check().value(), "");
}

TEST_F(StoreTest, AcceptIsAllOrNothing) {
  auto c = chain("aon");
  auto inbox = s().find_mailbox(c.address.id, "INBOX").value();
  OutboundMessage out;
  out.sender = "x@aon.example";
  out.recipients = {{"y@far.example", "far.example", "", false, true, true, false}};
  auto bad =
      s().accept_message(blob("aon"), {{inbox.ref(), 0, {}, 1}, {{inbox.address_id, 999999}, 0, {}, 1}}, out, {});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(s().list_messages(inbox.ref()).value().empty());
  EXPECT_TRUE(s().queued(10).value().empty());
}

}  // namespace
}  // namespace estafeta::store
