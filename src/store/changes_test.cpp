// Tests of the Store's mailbox changes: flags (RFC 7162 UNCHANGEDSINCE),
// expunge and VANISHED bookkeeping, copy and move (RFC 6851), rename and
// delete (RFC 9051 §6.3.5, §6.3.6), roles, counts, blob collection, and the
// schema migration that brought the expunged table.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <random>
#include <set>

#include "core/testing.hpp"
#include "store/schema_testing.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/folder_blobs.hpp"
#include "store/sqlite/schema.hpp"
#include "store/store.hpp"
#include "store/tenant_testing.hpp"

namespace estafeta::store {
namespace {

using Uids = std::vector<std::uint32_t>;
using Words = std::vector<std::string>;

class ChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reopen();
    auto tenant = testing::make_tenant(s());
    m_domain = tenant.domain;
    m_address = tenant.address;
    m_inbox = box("INBOX");
  }
  void reopen() {
    m_store.reset();
    auto s = open_sqlite_store({path(), true});
    ASSERT_TRUE(s) << s.error().message << " " << s.error().detail;
    m_store = std::move(*s);
  }
  Store& s() { return *m_store; }
  std::string path() const { return (m_dir / "db.sqlite").string(); }

  MailboxRef box(const std::string& name, Id address_id = 0) {
    return s().find_mailbox(address_id ? address_id : m_address.id, name).value().ref();
  }
  MailboxRef create(const std::string& name) {
    return s().create_mailbox(m_address.id, name, SpecialUse::none).value().ref();
  }
  Mailbox info(MailboxRef mailbox) { return s().mailbox(mailbox).value(); }

  BlobInfo blob(const std::string& hash) {
    BlobInfo b;
    b.hash = hash;
    b.size = 100 + hash.size();
    b.subject = "Subject " + hash;
    b.text_headers = "Subject " + hash;
    b.text_body = "body of " + hash;
    return b;
  }

  // Appends `n` messages, each with its own blob; returns their UIDs.
  Uids append(MailboxRef mailbox, int n, std::uint32_t flags = 0, const Words& keywords = {}) {
    Uids out;
    for (int i = 0; i < n; ++i) {
      auto r = s().append_messages(blob("h" + std::to_string(m_next_blob++)), {{mailbox, flags, keywords, 1000 + i}});
      EXPECT_TRUE(r) << r.error().detail;
      if (r) out.push_back((*r)[0].uid);
    }
    return out;
  }

  Uids uids(MailboxRef mailbox) {
    Uids out;
    auto messages = s().list_messages(mailbox).value();  // a range-for over .value() of a temporary dangles
    for (auto& m : messages) out.push_back(m.uid);
    return out;
  }

  // Runs SQL on the database file directly (the store closed first).
  void raw(const std::string& sql) {
    m_store.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }
  // Takes the database back to an older schema with `undo` (SQL ending in
  // its PRAGMA user_version), opens the store to migrate it forward, and
  // closes it again for raw checks.
  void migrate_after(const std::string& undo) {
    raw(undo);
    reopen();
    m_store.reset();
    EXPECT_EQ(raw_int("PRAGMA user_version"), sqlite::current_schema_version());
  }
  std::int64_t raw_int(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::int64_t v = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }

  std::string raw_text(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::string v;
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
  }
  // Makes `table` what schema 7 had: ids without AUTOINCREMENT (the store closed first).
  void without_autoincrement(const std::string& table) {
    m_store.reset();
    auto create = raw_text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'");
    auto at = create.find(" AUTOINCREMENT");
    ASSERT_NE(at, std::string::npos) << create;
    create.erase(at, std::string(" AUTOINCREMENT").size());
    std::string dependents;
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(
        db,
        ("SELECT sql FROM sqlite_master WHERE type != 'table' AND sql IS NOT NULL AND tbl_name = '" + table + "'")
            .c_str(),
        -1, &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW)
      dependents += std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) + ";";
    sqlite3_finalize(st);
    sqlite3_close(db);
    raw("PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = ON; BEGIN; ALTER TABLE " + table + " RENAME TO old_" +
        table + "; " + create + "; INSERT INTO " + table + " SELECT * FROM old_" + table + "; DROP TABLE old_" + table +
        "; " + dependents + " DELETE FROM sqlite_sequence WHERE name = '" + table + "'; COMMIT;");
  }

  testing::TempDir m_dir{"changes"};
  std::unique_ptr<Store> m_store;
  Domain m_domain;
  Address m_address;
  MailboxRef m_inbox;
  int m_next_blob = 0;
};

// --- store_flags

TEST_F(ChangesTest, StoreFlagsAddRemoveReplace) {
  auto u = append(m_inbox, 3);
  auto before = info(m_inbox).highestmodseq;

  auto r = s().store_flags(m_inbox, {u[0], u[2]}, FlagOp::add, flag_seen | flag_flagged, {}, std::nullopt);
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_EQ(r->changed.size(), 2u);
  EXPECT_EQ(r->changed[0].uid, u[0]);
  EXPECT_EQ(r->changed[1].uid, u[2]);
  EXPECT_EQ(r->highestmodseq, before + 1);
  EXPECT_EQ(r->changed[0].modseq, before + 1) << "one call, one shared modseq";
  EXPECT_EQ(r->changed[1].modseq, before + 1);
  EXPECT_EQ(r->changed[0].flags, flag_seen | flag_flagged);
  EXPECT_TRUE(r->failed.empty());
  EXPECT_EQ(info(m_inbox).highestmodseq, before + 1);
  EXPECT_EQ(s().message(m_inbox, u[1]).value().flags, 0u) << "not named, not touched";

  r = s().store_flags(m_inbox, {u[0]}, FlagOp::remove, flag_seen, {}, std::nullopt);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->changed.size(), 1u);
  EXPECT_EQ(r->changed[0].flags, std::uint32_t{flag_flagged});
  EXPECT_EQ(r->highestmodseq, before + 2);

  r = s().store_flags(m_inbox, {u[0], u[1]}, FlagOp::replace, flag_answered, {"$Work"}, std::nullopt);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->changed.size(), 2u);
  for (auto uid : {u[0], u[1]}) {
    auto m = s().message(m_inbox, uid).value();
    EXPECT_EQ(m.flags, std::uint32_t{flag_answered});
    EXPECT_EQ(m.keywords, Words{"$Work"});
    EXPECT_EQ(m.modseq, before + 3);
  }
}

TEST_F(ChangesTest, StoreFlagsLeavesUnchangedMessagesAlone) {
  auto u = append(m_inbox, 2, flag_seen);
  auto m0 = s().message(m_inbox, u[0]).value();
  auto before = info(m_inbox).highestmodseq;

  auto r = s().store_flags(m_inbox, u, FlagOp::add, flag_seen, {}, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->changed.empty());
  EXPECT_EQ(r->highestmodseq, before) << "nothing changed, no new modseq";
  EXPECT_EQ(info(m_inbox).highestmodseq, before);
  EXPECT_EQ(s().message(m_inbox, u[0]).value().modseq, m0.modseq);

  // Only the message that really changes is reported.
  ASSERT_TRUE(s().store_flags(m_inbox, {u[1]}, FlagOp::remove, flag_seen, {}, std::nullopt));
  r = s().store_flags(m_inbox, u, FlagOp::replace, flag_seen, {}, std::nullopt);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->changed.size(), 1u);
  EXPECT_EQ(r->changed[0].uid, u[1]);
  EXPECT_EQ(s().message(m_inbox, u[0]).value().modseq, m0.modseq);
}

TEST_F(ChangesTest, KeywordsPerMessageAreBounded) {
  auto u = append(m_inbox, 2);
  Words first, more;
  for (std::size_t i = 0; i < kMaxKeywordsPerMessage; ++i) first.push_back(fmt::format("k{}", i));
  ASSERT_TRUE(s().store_flags(m_inbox, {u[0]}, FlagOp::add, 0, first, std::nullopt));
  auto before = info(m_inbox).highestmodseq;
  // One more on the first message fails the whole call: the second one is not changed either.
  auto r = s().store_flags(m_inbox, {u[1], u[0]}, FlagOp::add, 0, {"extra"}, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::limit);
  EXPECT_TRUE(s().message(m_inbox, u[1]).value().keywords.empty());
  EXPECT_EQ(info(m_inbox).highestmodseq, before);
  // Keywords it has already, a replace within the limit, removing: fine.
  EXPECT_TRUE(s().store_flags(m_inbox, {u[0]}, FlagOp::add, 0, {"K1"}, std::nullopt));
  EXPECT_TRUE(s().store_flags(m_inbox, {u[0]}, FlagOp::remove, 0, {"k1"}, std::nullopt));
  EXPECT_TRUE(s().store_flags(m_inbox, {u[0]}, FlagOp::replace, 0, {"only"}, std::nullopt));
}

TEST_F(ChangesTest, KeywordsAreCaseInsensitiveAndKeepTheirFirstSpelling) {
  auto u = append(m_inbox, 1, 0, {"$Work"});
  auto r = s().store_flags(m_inbox, u, FlagOp::add, 0, {"$work", "Urgent", "URGENT"}, std::nullopt);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->changed.size(), 1u);
  EXPECT_EQ(r->changed[0].keywords, (Words{"$Work", "Urgent"}));
  EXPECT_EQ(s().message(m_inbox, u[0]).value().keywords, (Words{"$Work", "Urgent"}));

  r = s().store_flags(m_inbox, u, FlagOp::add, 0, {"$WORK"}, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->changed.empty()) << "already there in another spelling";

  r = s().store_flags(m_inbox, u, FlagOp::replace, 0, {"urgent", "$WORK"}, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->changed.empty()) << "the same set in another order and spelling";

  r = s().store_flags(m_inbox, u, FlagOp::remove, 0, {"URGENT"}, std::nullopt);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->changed.size(), 1u);
  EXPECT_EQ(s().message(m_inbox, u[0]).value().keywords, Words{"$Work"});

  r = s().store_flags(m_inbox, u, FlagOp::replace, 0, {"$WORK", "Later", "later"}, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_EQ(s().message(m_inbox, u[0]).value().keywords, (Words{"$Work", "Later"}));

  r = s().store_flags(m_inbox, u, FlagOp::replace, 0, {}, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_TRUE(s().message(m_inbox, u[0]).value().keywords.empty());
}

TEST_F(ChangesTest, StoreFlagsErrors) {
  auto u = append(m_inbox, 1);
  auto r = s().store_flags(MailboxRef{m_address.id, 99999}, u, FlagOp::add, flag_seen, {}, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::not_found);
  for (auto bad : {"", "two words", "tab\there"}) {
    r = s().store_flags(m_inbox, u, FlagOp::add, 0, {bad}, std::nullopt);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::invalid);
  }
  EXPECT_TRUE(s().message(m_inbox, u[0]).value().keywords.empty());

  // Absent UIDs are skipped.
  r = s().store_flags(m_inbox, {u[0] + 10, u[0], u[0] + 20}, FlagOp::add, flag_seen, {}, std::nullopt);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->changed.size(), 1u);
  EXPECT_EQ(r->changed[0].uid, u[0]);
  r = s().store_flags(m_inbox, {}, FlagOp::add, flag_seen, {}, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->changed.empty());
}

TEST_F(ChangesTest, UnchangedSinceRefusesNewerMessages) {
  auto u = append(m_inbox, 3);
  auto mark = s().message(m_inbox, u[2]).value().modseq;  // all three are at or below
  ASSERT_TRUE(s().store_flags(m_inbox, {u[1]}, FlagOp::add, flag_flagged, {}, std::nullopt));
  auto newer = s().message(m_inbox, u[1]).value().modseq;
  ASSERT_GT(newer, mark);

  auto r = s().store_flags(m_inbox, u, FlagOp::add, flag_seen, {}, mark);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failed, Uids{u[1]});
  ASSERT_EQ(r->changed.size(), 2u);
  EXPECT_EQ(r->changed[0].uid, u[0]);
  EXPECT_EQ(r->changed[1].uid, u[2]);
  EXPECT_EQ(s().message(m_inbox, u[1]).value().flags, std::uint32_t{flag_flagged}) << "refused, left as it was";
  EXPECT_EQ(s().message(m_inbox, u[1]).value().modseq, newer);

  // Refused even when the store would not change it (RFC 7162 §3.1.3).
  r = s().store_flags(m_inbox, {u[1]}, FlagOp::add, flag_flagged, {}, mark);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failed, Uids{u[1]});
  // UNCHANGEDSINCE equal to the message's modseq passes.
  r = s().store_flags(m_inbox, {u[1]}, FlagOp::add, flag_seen, {}, newer);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->failed.empty());
  EXPECT_EQ(r->changed.size(), 1u);
  // UNCHANGEDSINCE 0 fails every message.
  r = s().store_flags(m_inbox, u, FlagOp::add, flag_draft, {}, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->failed, u);
  EXPECT_TRUE(r->changed.empty());
}

// --- expunge

TEST_F(ChangesTest, ExpungeRemembersUidsAndNeverReusesThem) {
  auto u = append(m_inbox, 4);
  auto before = info(m_inbox).highestmodseq;
  auto e = s().expunge(m_inbox, {u[3], u[1], u[3] + 7});
  ASSERT_TRUE(e) << e.error().detail;
  EXPECT_EQ(e->uids, (Uids{u[1], u[3]}));
  EXPECT_EQ(e->modseq, before + 1);
  EXPECT_EQ(info(m_inbox).highestmodseq, before + 1);
  EXPECT_EQ(uids(m_inbox), (Uids{u[0], u[2]}));
  EXPECT_EQ(s().message(m_inbox, u[1]).error().kind, ErrorKind::not_found);

  EXPECT_EQ(s().expunged_since(m_inbox, before).value(), (Uids{u[1], u[3]}));
  EXPECT_TRUE(s().expunged_since(m_inbox, before + 1).value().empty());

  // Nothing to remove: no new modseq.
  e = s().expunge(m_inbox, {u[1], 9999});
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->uids.empty());
  EXPECT_EQ(e->modseq, 0u);
  EXPECT_EQ(info(m_inbox).highestmodseq, before + 1);

  // The highest UID went; a new message still gets a fresh one, after a
  // reopen too.
  reopen();
  auto next = append(m_inbox, 1);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_GT(next[0], u[3]);
  EXPECT_EQ(s().expunged_since(m_inbox, 0).value(), (Uids{u[1], u[3]})) << "kept on disk";

  auto e2 = s().expunge(m_inbox, {u[0]});
  ASSERT_TRUE(e2);
  EXPECT_GT(e2->modseq, before + 1);
  EXPECT_EQ(s().expunged_since(m_inbox, before + 1).value(), Uids{u[0]});
}

// EXPUNGE picks the messages by their \Deleted flag in its own
// transaction, up to the highest UID the session knows.
TEST_F(ChangesTest, ExpungeDeletedTakesOnlyFlaggedMessagesUpToAUid) {
  auto u = append(m_inbox, 5);
  ASSERT_TRUE(s().store_flags(m_inbox, {u[0], u[2], u[3], u[4]}, FlagOp::add, flag_deleted, {}, std::nullopt));
  // u[4] arrived after the session's last report: not expunged yet.
  auto e = s().expunge_deleted(m_inbox, u[3], nullptr);
  ASSERT_TRUE(e) << e.error().detail;
  EXPECT_EQ(e->uids, (Uids{u[0], u[2], u[3]}));
  EXPECT_EQ(uids(m_inbox), (Uids{u[1], u[4]}));
  EXPECT_EQ(s().expunged_since(m_inbox, e->modseq - 1).value(), (Uids{u[0], u[2], u[3]}));

  // UID EXPUNGE: only those listed, and only if flagged.
  auto more = append(m_inbox, 3);
  ASSERT_TRUE(s().store_flags(m_inbox, {more[0], more[2]}, FlagOp::add, flag_deleted, {}, std::nullopt));
  Uids only{u[1], more[0], more[1]};
  e = s().expunge_deleted(m_inbox, more[2], &only);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->uids, Uids{more[0]});
  EXPECT_EQ(uids(m_inbox), (Uids{u[1], u[4], more[1], more[2]}));

  // Nothing flagged among them: nothing removed, no new modseq.
  auto before = info(m_inbox).highestmodseq;
  Uids none{u[1], more[1]};
  e = s().expunge_deleted(m_inbox, more[2], &none);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->uids.empty());
  EXPECT_EQ(e->modseq, 0u);
  EXPECT_EQ(info(m_inbox).highestmodseq, before);
}

// A session holds folder ids: a deleted folder's id must never name another
// folder, of this address or any other.
TEST_F(ChangesTest, IdsAreNeverReused) {
  auto x = create("X");
  append(x, 1);
  ASSERT_TRUE(s().delete_mailbox(x));  // the newest folder: SQLite alone would hand its id out again
  auto victim = s().create_address(m_domain.id, "victim").value();
  auto boxes = s().list_mailboxes(victim.id).value();
  for (auto& b : boxes) EXPECT_GT(b.id, x.id) << b.name;
  EXPECT_GT(create("Y").id, x.id);
  // Addresses too (and with them everything the address owned).
  ASSERT_TRUE(s().delete_address(victim.id));
  EXPECT_GT(s().create_address(m_domain.id, "next").value().id, victim.id);
}

// Every call on a folder matches the address in its query: a folder id with
// another address reaches nothing of the folder's owner.
TEST_F(ChangesTest, CallsOnAFolderAreScopedByItsAddress) {
  auto other = s().create_address(m_domain.id, "other").value();
  auto theirs = box("INBOX", other.id);
  auto u = append(theirs, 2, flag_seen);
  MailboxRef forged{m_address.id, theirs.id};
  auto missing = [](const auto& r) { return !r && r.error().kind == ErrorKind::not_found; };

  EXPECT_TRUE(missing(s().mailbox(forged)));
  EXPECT_TRUE(s().list_messages(forged).value().empty());
  EXPECT_TRUE(s().list_messages_brief(forged).value().empty());
  EXPECT_TRUE(s().list_messages_between(forged, 1, 100).value().empty());
  EXPECT_TRUE(s().list_messages_with_uids(forged, u).value().empty());
  EXPECT_TRUE(missing(s().message(forged, u[0])));
  EXPECT_TRUE(s().list_headlines(forged).value().empty());
  EXPECT_TRUE(s().list_headlines_with_uids(forged, u).value().empty());
  EXPECT_TRUE(s().find_messages_by_message_id(forged, "").value().empty());
  EXPECT_TRUE(missing(s().search_text(forged, "body", TextScope::whole)));
  EXPECT_TRUE(missing(s().store_flags(forged, u, FlagOp::remove, flag_seen, {}, std::nullopt)));
  EXPECT_TRUE(missing(s().expunge(forged, u)));
  EXPECT_TRUE(missing(s().store_flags(forged, u, FlagOp::add, flag_deleted, {}, std::nullopt)));
  EXPECT_TRUE(missing(s().expunge_deleted(forged, u.back(), nullptr)));
  EXPECT_TRUE(missing(s().expunge_deleted(forged, u.back(), &u)));
  EXPECT_TRUE(missing(s().expunged_since(forged, 0)));
  EXPECT_TRUE(missing(s().changed_since(forged, 0)));
  EXPECT_TRUE(missing(s().copy_messages(forged, u, m_inbox, false)));
  EXPECT_TRUE(missing(s().copy_messages(forged, u, m_inbox, true)));
  EXPECT_TRUE(missing(s().copy_messages(m_inbox, append(m_inbox, 1), forged, false)));
  EXPECT_TRUE(missing(s().mailbox_counts(forged)));
  EXPECT_TRUE(missing(s().rename_mailbox(forged, "Mine")));
  EXPECT_TRUE(missing(s().delete_mailbox(forged)));
  EXPECT_TRUE(missing(s().set_special_use(forged, SpecialUse::archive)));
  EXPECT_FALSE(s().append_messages(blob("forged"), {{forged, 0, {}, 1}}));

  auto left = s().list_messages(theirs).value();
  ASSERT_EQ(left.size(), 2u) << "nothing copied out, moved or expunged";
  EXPECT_EQ(left[0].flags, std::uint32_t{flag_seen}) << "flags untouched";
  EXPECT_EQ(info(theirs).name, "INBOX");
  EXPECT_EQ(s().subscriptions(other.id).value(), s().subscriptions(m_address.id).value()) << "the same folders";
}

TEST_F(ChangesTest, ExpungeErrors) {
  EXPECT_EQ(s().expunge(MailboxRef{m_address.id, 99999}, {1}).error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().expunged_since(MailboxRef{m_address.id, 99999}, 0).error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().changed_since(MailboxRef{m_address.id, 99999}, 0).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(s().expunged_since(m_inbox, 0).value().empty());
}

TEST_F(ChangesTest, ChangedSince) {
  auto u = append(m_inbox, 4);
  auto mark = info(m_inbox).highestmodseq;
  EXPECT_TRUE(s().changed_since(m_inbox, mark).value().empty());
  ASSERT_TRUE(s().store_flags(m_inbox, {u[2]}, FlagOp::add, flag_seen, {}, std::nullopt));
  ASSERT_TRUE(s().store_flags(m_inbox, {u[0]}, FlagOp::add, flag_seen, {}, std::nullopt));
  auto later = append(m_inbox, 1);
  auto changed = s().changed_since(m_inbox, mark).value();
  ASSERT_EQ(changed.size(), 3u);
  EXPECT_EQ(changed[0].uid, u[0]) << "ascending by UID, not by modseq";
  EXPECT_EQ(changed[1].uid, u[2]);
  EXPECT_EQ(changed[2].uid, later[0]);
  EXPECT_EQ(changed[0].flags, std::uint32_t{flag_seen});
  EXPECT_EQ(s().changed_since(m_inbox, 0).value().size(), 5u);
}

TEST_F(ChangesTest, ModseqStrictlyIncreasesAcrossCalls) {
  auto archive = box("Archive");
  auto u = append(m_inbox, 5);
  std::vector<std::uint64_t> seen{info(m_inbox).highestmodseq};
  auto step = [&](std::uint64_t reported) {
    auto now = info(m_inbox).highestmodseq;
    EXPECT_GT(now, seen.back()) << "a fresh MODSEQ per call (from the address's counter: gaps allowed)";
    EXPECT_EQ(reported, now);
    seen.push_back(now);
  };
  step(s().store_flags(m_inbox, u, FlagOp::add, flag_seen, {}, std::nullopt).value().highestmodseq);
  step(s().store_flags(m_inbox, {u[0]}, FlagOp::add, 0, {"a"}, std::nullopt).value().highestmodseq);
  step(s().expunge(m_inbox, {u[1], u[2]}).value().modseq);
  step(s().copy_messages(m_inbox, {u[3]}, m_inbox, false).value().target_modseq);
  step(s().copy_messages(m_inbox, {u[4]}, archive, true).value().source_modseq);
  step(s().append_messages(blob("late"), {{m_inbox, 0, {}, 1}}).value()[0].modseq);
  auto messages = s().list_messages(m_inbox).value();
  for (auto& m : messages) EXPECT_LE(m.modseq, seen.back());
}

// --- copy and move

TEST_F(ChangesTest, CopyToAnotherAddress) {
  auto other = s().create_address(m_domain.id, "sales").value();
  auto target = box("INBOX", other.id);
  append(target, 2);  // the target's UIDs start past these
  auto u = append(m_inbox, 3, flag_seen, {"$Work"});
  ASSERT_TRUE(s().store_flags(m_inbox, {u[1]}, FlagOp::add, flag_flagged, {}, std::nullopt));
  auto source_before = info(m_inbox);
  auto target_before = info(target);

  auto r = s().copy_messages(m_inbox, {u[2], u[0], u[1], 777}, target, false);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->uidvalidity, target_before.uidvalidity);
  using Pair = std::pair<std::uint32_t, std::uint32_t>;
  EXPECT_EQ(r->uids, (std::vector<Pair>{{u[0], 3}, {u[1], 4}, {u[2], 5}})) << "ascending source order";
  EXPECT_TRUE(r->removed.empty());
  EXPECT_EQ(r->source_modseq, 0u);
  EXPECT_EQ(r->target_modseq, target_before.highestmodseq + 1);

  auto after = info(target);
  EXPECT_EQ(after.uidnext, 6u);
  EXPECT_EQ(after.highestmodseq, target_before.highestmodseq + 1);
  EXPECT_EQ(info(m_inbox).highestmodseq, source_before.highestmodseq) << "a copy leaves the source alone";
  EXPECT_EQ(uids(m_inbox), u);

  auto original = s().message(m_inbox, u[1]).value();
  auto copy = s().message(target, 4).value();
  EXPECT_EQ(copy.flags, flag_seen | flag_flagged);
  EXPECT_EQ(copy.keywords, Words{"$Work"});
  EXPECT_EQ(copy.internal_date, original.internal_date);
  EXPECT_EQ(copy.blob_id, original.blob_id) << "same content, stored once";
  EXPECT_EQ(copy.size, original.size);
  EXPECT_EQ(copy.modseq, r->target_modseq);
  EXPECT_EQ(s().search_text(target, "body of", TextScope::whole).value().size(), 5u);
}

TEST_F(ChangesTest, CopyIntoTheSameMailbox) {
  auto u = append(m_inbox, 2);
  auto r = s().copy_messages(m_inbox, u, m_inbox, false);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->uids.size(), 2u);
  EXPECT_EQ(r->uids[0].second, u[1] + 1);
  EXPECT_EQ(r->uids[1].second, u[1] + 2);
  EXPECT_EQ(uids(m_inbox), (Uids{u[0], u[1], u[1] + 1, u[1] + 2}));
}

TEST_F(ChangesTest, RecentMessagesAreClaimedOnce) {
  auto first = append(m_inbox, 3);
  EXPECT_EQ(s().mailbox_counts(m_inbox).value().recent, 3u);
  auto claim = s().claim_recent(m_inbox).value();
  EXPECT_EQ(claim, (std::pair<std::uint32_t, std::uint32_t>{first[0] - 1, first[2]}));
  EXPECT_EQ(s().mailbox_counts(m_inbox).value().recent, 0u);
  auto again = s().claim_recent(m_inbox).value();
  EXPECT_EQ(again.first, again.second) << "nothing left to claim";
  auto more = append(m_inbox, 2);
  EXPECT_EQ(s().mailbox_counts(m_inbox).value().recent, 2u);
  EXPECT_EQ(s().claim_recent(m_inbox).value(), (std::pair<std::uint32_t, std::uint32_t>{first[2], more[1]}));
  EXPECT_EQ(info(m_inbox).recent_uid, more[1]);
  EXPECT_EQ(s().claim_recent(MailboxRef{m_inbox.address_id + 1000, m_inbox.id}).error().kind, ErrorKind::not_found);
}

TEST_F(ChangesTest, CopyNothingAndErrors) {
  auto u = append(m_inbox, 1);
  auto junk = box("Junk");
  auto before = info(junk);
  auto r = s().copy_messages(m_inbox, {u[0] + 5}, junk, true);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->uids.empty());
  EXPECT_TRUE(r->removed.empty());
  EXPECT_EQ(r->uidvalidity, before.uidvalidity);
  EXPECT_EQ(r->target_modseq, 0u);
  EXPECT_EQ(info(junk).highestmodseq, before.highestmodseq);
  EXPECT_EQ(info(junk).uidnext, before.uidnext);

  EXPECT_EQ(s().copy_messages(MailboxRef{m_address.id, 99999}, u, junk, false).error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().copy_messages(m_inbox, u, MailboxRef{m_address.id, 99999}, true).error().kind, ErrorKind::not_found);
  EXPECT_EQ(uids(m_inbox), u) << "a failed move removes nothing";
}

TEST_F(ChangesTest, CopyFailsWholeWhenTheTargetRunsOutOfUids) {
  auto u = append(m_inbox, 2);
  auto junk = box("Junk");
  raw("UPDATE mailbox SET uidnext = 4294967294 WHERE id = " + std::to_string(junk.id));
  reopen();
  auto r = s().copy_messages(m_inbox, u, junk, true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::limit);
  EXPECT_EQ(uids(m_inbox), u);
  EXPECT_TRUE(uids(junk).empty());
  EXPECT_EQ(info(junk).uidnext, 4294967294u);
  // One still fits: UID 4294967294 is the last a message may have.
  r = s().copy_messages(m_inbox, {u[0]}, junk, false);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->uids[0].second, 4294967294u);
}

TEST_F(ChangesTest, MoveRecordsExpungedUids) {
  auto archive = box("Archive");
  auto u = append(m_inbox, 3);
  auto source_before = info(m_inbox).highestmodseq;
  auto r = s().copy_messages(m_inbox, {u[0], u[2]}, archive, true);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->removed, (Uids{u[0], u[2]}));
  EXPECT_GT(r->source_modseq, source_before);
  EXPECT_EQ(info(m_inbox).highestmodseq, r->source_modseq);
  EXPECT_EQ(uids(m_inbox), Uids{u[1]});
  EXPECT_EQ(uids(archive), (Uids{1, 2}));
  EXPECT_EQ(s().expunged_since(m_inbox, source_before).value(), (Uids{u[0], u[2]}));
  EXPECT_TRUE(s().expunged_since(archive, 0).value().empty());
  EXPECT_EQ(s().integrity_check().value(), "");
}

TEST_F(ChangesTest, MoveWithinTheSameMailbox) {
  auto u = append(m_inbox, 2);
  auto before = info(m_inbox).highestmodseq;
  auto r = s().copy_messages(m_inbox, {u[0]}, m_inbox, true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source_modseq, before + 1);
  EXPECT_EQ(r->target_modseq, before + 1);
  EXPECT_EQ(info(m_inbox).highestmodseq, before + 1) << "one call, one bump";
  EXPECT_EQ(uids(m_inbox), (Uids{u[1], u[1] + 1}));
  EXPECT_EQ(s().expunged_since(m_inbox, before).value(), Uids{u[0]});
}

// --- counts

TEST_F(ChangesTest, MailboxCounts) {
  auto empty = s().mailbox_counts(box("Drafts"));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->messages, 0u);
  EXPECT_EQ(empty->unseen, 0u);
  EXPECT_EQ(empty->deleted, 0u);
  EXPECT_EQ(empty->size, 0u);

  auto u = append(m_inbox, 2);    // unseen
  append(m_inbox, 1, flag_seen);  // seen
  append(m_inbox, 1, flag_seen | flag_deleted);
  ASSERT_TRUE(s().store_flags(m_inbox, {u[0]}, FlagOp::add, flag_deleted, {}, std::nullopt));
  auto c = s().mailbox_counts(m_inbox).value();
  EXPECT_EQ(c.messages, 4u);
  EXPECT_EQ(c.unseen, 2u);
  EXPECT_EQ(c.deleted, 2u);
  std::uint64_t size = 0;
  auto messages = s().list_messages(m_inbox).value();
  for (auto& m : messages) size += m.size;
  EXPECT_EQ(c.size, size);
  EXPECT_GT(c.size, 400u);

  EXPECT_EQ(s().mailbox_counts(MailboxRef{m_address.id, 99999}).error().kind, ErrorKind::not_found);
}

// --- rename

TEST_F(ChangesTest, RenameMovesChildren) {
  auto a = create("a");
  auto ax = create("a/x");
  auto axy = create("a/x/y");
  auto ab = create("ab");  // shares a prefix, is no child
  append(ax, 2);
  auto validity = info(a).uidvalidity;
  auto child_validity = info(ax).uidvalidity;

  ASSERT_TRUE(s().rename_mailbox(a, "b"));
  EXPECT_EQ(info(a).name, "b");
  EXPECT_EQ(info(ax).name, "b/x");
  EXPECT_EQ(info(axy).name, "b/x/y");
  EXPECT_EQ(info(ab).name, "ab");
  EXPECT_EQ(info(a).uidvalidity, validity);
  EXPECT_EQ(info(ax).uidvalidity, child_validity);
  EXPECT_EQ(uids(ax), (Uids{1, 2})) << "messages stay with their folder";
  EXPECT_EQ(s().find_mailbox(m_address.id, "a").error().kind, ErrorKind::not_found);

  // A child renamed alone takes its own children.
  ASSERT_TRUE(s().rename_mailbox(ax, "top"));
  EXPECT_EQ(info(ax).name, "top");
  EXPECT_EQ(info(axy).name, "top/y");
  EXPECT_EQ(info(a).name, "b");
}

TEST_F(ChangesTest, RenameErrors) {
  auto c = create("c");
  auto d = create("d");
  auto dx = create("d/x");
  create("e/x");

  auto r = s().rename_mailbox(c, "Sent");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::exists);
  EXPECT_EQ(r.error().message, "a folder named 'Sent' already exists");

  // A child's new name taken: nothing is renamed.
  r = s().rename_mailbox(d, "e");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::exists);
  EXPECT_NE(r.error().message.find("'e/x'"), std::string::npos);
  EXPECT_EQ(info(d).name, "d");
  EXPECT_EQ(info(dx).name, "d/x");

  EXPECT_EQ(s().rename_mailbox(c, "c").error().kind, ErrorKind::exists);
  EXPECT_EQ(s().rename_mailbox(c, "inbox").error().kind, ErrorKind::exists);
  EXPECT_EQ(s().rename_mailbox(d, "d/x/deeper").error().kind, ErrorKind::invalid);
  EXPECT_EQ(s().rename_mailbox(c, "").error().kind, ErrorKind::invalid);
  EXPECT_EQ(s().rename_mailbox(MailboxRef{m_address.id, 99999}, "z").error().kind, ErrorKind::not_found);
  EXPECT_EQ(info(c).name, "c");

  // Names are per address: another address's "c" does not block.
  auto other = s().create_address(m_domain.id, "sales").value();
  ASSERT_TRUE(s().create_mailbox(other.id, "free", SpecialUse::none));
  EXPECT_TRUE(s().rename_mailbox(c, "free"));
}

TEST_F(ChangesTest, RenamingInboxMovesItsMessages) {
  auto u = append(m_inbox, 3, flag_seen);
  ASSERT_TRUE(s().expunge(m_inbox, {u[0]}));
  auto sub = create("INBOX/sub");
  auto before = info(m_inbox);

  ASSERT_TRUE(s().rename_mailbox(m_inbox, "Old"));
  auto old = s().find_mailbox(m_address.id, "Old");
  ASSERT_TRUE(old);
  EXPECT_NE(old->id, m_inbox.id);
  EXPECT_NE(old->uidvalidity, before.uidvalidity);
  EXPECT_EQ(uids(old->ref()), (Uids{1, 2})) << "new UIDs in the new folder";
  EXPECT_EQ(s().message(old->ref(), 1).value().flags, std::uint32_t{flag_seen});

  auto inbox = info(m_inbox);
  EXPECT_EQ(inbox.name, "INBOX");
  EXPECT_EQ(inbox.uidvalidity, before.uidvalidity);
  EXPECT_EQ(inbox.uidnext, before.uidnext) << "UIDs are not handed out again";
  EXPECT_GT(inbox.highestmodseq, before.highestmodseq);
  EXPECT_TRUE(uids(m_inbox).empty());
  EXPECT_EQ(s().expunged_since(m_inbox, before.highestmodseq).value(), (Uids{u[1], u[2]}));
  EXPECT_EQ(info(sub).name, "INBOX/sub") << "INBOX's children are not renamed";

  // Again, to a taken name: refused, INBOX keeps its messages.
  auto fresh = append(m_inbox, 1);
  auto r = s().rename_mailbox(m_inbox, "Old");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::exists);
  EXPECT_EQ(uids(m_inbox), fresh);
  EXPECT_EQ(s().integrity_check().value(), "");
}

// --- delete, subscription, roles

TEST_F(ChangesTest, DeleteMailbox) {
  auto p = create("p");
  auto child = create("p/child");
  auto u = append(p, 2);
  ASSERT_TRUE(s().expunge(p, {u[1]}));
  // One blob also in INBOX: it stays referenced.
  auto shared = s().append_messages(blob("shared"), {{p, 0, {}, 1}, {m_inbox, 0, {}, 1}});
  ASSERT_TRUE(shared);

  ASSERT_TRUE(s().delete_mailbox(p));
  EXPECT_EQ(s().mailbox(p).error().kind, ErrorKind::not_found);
  EXPECT_EQ(info(child).name, "p/child") << "children stay";
  EXPECT_EQ(uids(m_inbox).size(), 1u);
  EXPECT_EQ(s().delete_mailbox(p).error().kind, ErrorKind::not_found);

  auto collected = s().collect_unreferenced_blobs(100).value();
  std::set<std::string> got(collected.begin(), collected.end());
  EXPECT_EQ(got, (std::set<std::string>{"h0", "h1"})) << "the deleted folder's blobs, not the shared one";
  m_store.reset();
  EXPECT_EQ(raw_int("SELECT count(*) FROM expunged"), 0) << "expunged rows go with their folder";
  reopen();

  auto r = s().delete_mailbox(m_inbox);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid);
  EXPECT_EQ(r.error().message, "INBOX cannot be deleted");
  EXPECT_TRUE(s().mailbox(m_inbox));
  EXPECT_EQ(s().integrity_check().value(), "");
}

// Subscriptions are names (RFC 9051 §6.3.7): they outlive their folder,
// follow a rename, and belong to one address.
TEST_F(ChangesTest, Subscription) {
  using Names = std::vector<std::string>;
  // Beside the folders every address starts with (INBOX, Sent, …):
  const auto initial = s().subscriptions(m_address.id).value();
  ASSERT_NE(std::find(initial.begin(), initial.end(), "INBOX"), initial.end());
  auto subs = [&](Id address) {
    auto v = s().subscriptions(address).value();
    std::erase_if(
        v, [&](auto& n) { return n != "INBOX" && std::find(initial.begin(), initial.end(), n) != initial.end(); });
    return v;
  };
  auto work = create("Work");
  create("Work/2026");
  EXPECT_EQ(subs(m_address.id), (Names{"INBOX", "Work", "Work/2026"})) << "a new folder is subscribed";
  ASSERT_TRUE(s().set_subscribed(m_address.id, "Work", false));
  ASSERT_TRUE(s().set_subscribed(m_address.id, "Work", false)) << "idempotent";
  EXPECT_EQ(subs(m_address.id), (Names{"INBOX", "Work/2026"}));
  ASSERT_TRUE(s().set_subscribed(m_address.id, "Work", true));
  ASSERT_TRUE(s().set_subscribed(m_address.id, "Work", true)) << "idempotent";
  ASSERT_TRUE(s().set_subscribed(m_address.id, "Gone/Later", true)) << "any name";
  ASSERT_TRUE(s().rename_mailbox(work, "Jobs"));
  EXPECT_EQ(subs(m_address.id), (Names{"Gone/Later", "INBOX", "Jobs", "Jobs/2026"})) << "a rename takes them along";
  ASSERT_TRUE(s().delete_mailbox(s().find_mailbox(m_address.id, "Jobs/2026").value().ref()));
  EXPECT_EQ(subs(m_address.id), (Names{"Gone/Later", "INBOX", "Jobs", "Jobs/2026"})) << "deleting keeps the name";
  auto other = s().create_address(m_domain.id, "other").value();
  EXPECT_EQ(subs(other.id), Names{"INBOX"}) << "another address's are its own";
  EXPECT_EQ(s().set_subscribed(99999, "X", true).error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().set_subscribed(m_address.id, "", true).error().kind, ErrorKind::invalid);
  // Bounded: past the ceiling SUBSCRIBE fails, CREATE still works, unsubscribed.
  raw(
      fmt::format("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {}) "
                  "INSERT INTO subscription SELECT {}, 'filler-' || i FROM n",
                  store::Store::kMaxSubscriptions - s().subscriptions(m_address.id).value().size(), m_address.id));
  reopen();
  EXPECT_EQ(s().subscriptions(m_address.id).value().size(), store::Store::kMaxSubscriptions);
  EXPECT_EQ(s().set_subscribed(m_address.id, "One more", true).error().kind, ErrorKind::limit);
  ASSERT_TRUE(s().set_subscribed(m_address.id, "Jobs", true)) << "one already there is fine";
  ASSERT_TRUE(create("Past the ceiling").id);
  EXPECT_EQ(s().subscriptions(m_address.id).value().size(), store::Store::kMaxSubscriptions);
}

TEST_F(ChangesTest, SpecialUseMovesBetweenMailboxes) {
  auto other = s().create_address(m_domain.id, "sales").value();
  auto projects = create("Projects");
  auto archive = box("Archive");
  ASSERT_TRUE(s().set_special_use(projects, SpecialUse::archive));
  EXPECT_EQ(info(projects).special_use, SpecialUse::archive);
  EXPECT_EQ(info(archive).special_use, SpecialUse::none) << "the role moved";
  EXPECT_EQ(s().find_special_mailbox(m_address.id, SpecialUse::archive).value().id, projects.id);
  EXPECT_EQ(s().find_special_mailbox(other.id, SpecialUse::archive).value().name, "Archive")
      << "other addresses keep theirs";

  ASSERT_TRUE(s().set_special_use(projects, SpecialUse::flagged));
  EXPECT_EQ(info(projects).special_use, SpecialUse::flagged);
  EXPECT_EQ(s().find_special_mailbox(m_address.id, SpecialUse::archive).error().kind, ErrorKind::not_found);

  ASSERT_TRUE(s().set_special_use(projects, SpecialUse::none));
  EXPECT_EQ(info(projects).special_use, SpecialUse::none);
  EXPECT_EQ(info(box("Junk")).special_use, SpecialUse::junk) << "none takes nothing from others";
  EXPECT_EQ(s().set_special_use(MailboxRef{m_address.id, 99999}, SpecialUse::junk).error().kind, ErrorKind::not_found);
}

// --- blobs

TEST_F(ChangesTest, CollectUnreferencedBlobs) {
  // The waiting text this process knows of without reading it, next to
  // the count read from the table (each blob's text: 20 bytes).
  auto waits = [this](std::size_t messages) {
    auto known = s().known_text_backlog();
    EXPECT_EQ(known.messages, messages);
    EXPECT_EQ(known.bytes, 20 * messages);
    auto read = s().text_backlog().value();
    EXPECT_EQ(read.messages, known.messages);
    EXPECT_EQ(read.bytes, known.bytes);
  };
  waits(0);
  auto u = append(m_inbox, 4);  // blobs h0 … h3
  waits(4);
  EXPECT_EQ(s().index_pending_text(2).value(), 2u) << "h0 and h1 indexed, h2 and h3 still waiting";
  waits(2);
  EXPECT_TRUE(s().collect_unreferenced_blobs(100).value().empty()) << "all in use";
  ASSERT_TRUE(s().expunge(m_inbox, {u[0], u[1], u[2]}));

  auto first = s().collect_unreferenced_blobs(2).value();
  EXPECT_EQ(first, (std::vector<std::string>{"h0", "h1"})) << "limit honoured";
  waits(2);
  auto second = s().collect_unreferenced_blobs(2).value();
  EXPECT_EQ(second, std::vector<std::string>{"h2"});
  waits(1);  // h2's text went with it, unindexed
  EXPECT_TRUE(s().collect_unreferenced_blobs(2).value().empty());
  EXPECT_TRUE(s().collect_unreferenced_blobs(0).value().empty());

  m_store.reset();
  EXPECT_EQ(raw_int("SELECT count(*) FROM blob"), 1);
  EXPECT_EQ(raw_int("SELECT count(*) FROM blob_text"), 0) << "index entries go too";
  EXPECT_EQ(raw_int("SELECT count(*) FROM subject_text"), 0) << "the subjects' too";
  EXPECT_EQ(raw_int("SELECT count(*) FROM blob_text_pending"), 1) << "text waiting for the index goes too (h3 stays)";
  reopen();
  // The same content arriving again is stored and indexed afresh.
  auto again = s().append_messages(blob("h0"), {{m_inbox, 0, {}, 1}});
  ASSERT_TRUE(again);
  EXPECT_EQ(s().search_text(m_inbox, "body of h0", TextScope::whole).value(), Uids{(*again)[0].uid});
  EXPECT_EQ(s().integrity_check().value(), "");
}

// A needle of word characters is asked of the word index and its
// vocabulary (store/sqlite/text_match.hpp): found in any part of a word, in
// the columns the scope names, in words too long for the vocabulary, and no
// more once the blob is gone.
TEST_F(ChangesTest, TheWordIndexAnswersAsTheTrigrams) {
  auto text = [&](const std::string& hash, const std::string& body) {
    auto b = blob(hash);
    b.text_body = body;
    auto r = s().append_messages(b, {{m_inbox, 0, {}, 1}});
    EXPECT_TRUE(r) << r.error().detail;
    return r ? (*r)[0].uid : 0u;
  };
  std::string long_word = std::string(200, 'q') + "NeedleInLong";
  auto a = text("wa", "Estafetacommonword here, and ZYXQUORBIT");
  auto b = text("wb", "the estafetacommonword again");
  auto l = text("wc", "x " + long_word + " y");
  auto h = text("wd-commonword", "nothing of the kind");
  auto n = text("we", "común ÑANDÚ, Straße; σοφός");
  ASSERT_EQ(s().index_pending_text(100).value(), 5u);

  EXPECT_EQ(s().search_text(m_inbox, "COMMONWORD", TextScope::whole).value(), (Uids{a, b, h}));
  EXPECT_EQ(s().search_text(m_inbox, "commonword", TextScope::body).value(), (Uids{a, b})) << "not in wd's body";
  EXPECT_EQ(s().search_text(m_inbox, "ommonwor", TextScope::whole).value(), (Uids{a, b, h}));
  EXPECT_EQ(s().search_text(m_inbox, "needleinlong", TextScope::body).value(), Uids{l}) << "a word too long";
  EXPECT_EQ(s().search_text(m_inbox, "qqqneedle", TextScope::whole).value(), Uids{l});
  EXPECT_EQ(s().search_text(m_inbox, "ñandú", TextScope::body).value(), Uids{n});
  EXPECT_EQ(s().search_text(m_inbox, "STRASSE", TextScope::body).value(), Uids{}) << "ß is not ss to the index";
  EXPECT_EQ(s().search_text(m_inbox, "ΣΟΦΌΣ", TextScope::body).value(), Uids{n}) << "final sigma";
  EXPECT_EQ(s().search_text(m_inbox, "word here", TextScope::body).value(), Uids{a}) << "two words: trigrams";
  EXPECT_EQ(s().search_emails(m_address.id, "commonword", TextScope::body).value().size(), 2u);
  EXPECT_EQ(s().search_emails(m_address.id, "needleinlong", TextScope::whole).value().size(), 1u);

  ASSERT_TRUE(s().expunge(m_inbox, {b, l}));
  EXPECT_EQ(s().collect_unreferenced_blobs(10).value().size(), 2u);
  EXPECT_EQ(s().search_text(m_inbox, "commonword", TextScope::body).value(), Uids{a});
  EXPECT_EQ(s().search_text(m_inbox, "needleinlong", TextScope::body).value(), Uids{});
  auto again = text("wb", "the estafetacommonword again");
  EXPECT_EQ(s().index_pending_text(10).value(), 1u);
  EXPECT_EQ(s().search_text(m_inbox, "commonword", TextScope::body).value(), (Uids{a, again}));

  m_store.reset();
  EXPECT_EQ(raw_int("SELECT count(*) FROM text_term WHERE term IN ('estafetacommonword', 'zyxquorbit', 'ñandú')"), 3);
  EXPECT_EQ(raw_int("SELECT count(*) FROM text_term WHERE term IN ('of', 'x')"), 0) << "shorter than a needle";
  EXPECT_EQ(raw_int("SELECT count(*) FROM text_long_term"), 0) << "the long word's blob went";
  raw("INSERT INTO blob_words (blob_words, rank) VALUES ('integrity-check', 0)");
  raw("INSERT INTO text_term_index (text_term_index, rank) VALUES ('integrity-check', 1)");

  // Emptied behind the store's back, the word index shows which needles it
  // answers: those of word characters, not those the trigrams answer.
  raw("INSERT INTO blob_words (blob_words) VALUES ('delete-all')");
  reopen();
  EXPECT_EQ(s().search_text(m_inbox, "commonword", TextScope::body).value(), Uids{}) << "asked of the words";
  EXPECT_EQ(s().search_text(m_inbox, "word here", TextScope::body).value(), Uids{a}) << "asked of the trigrams";
}

// When the index matches a quarter of the folder or more, the folder's own
// (uid, blob) list is read in order and each blob tested against the
// matches: as a bitmap when their ids lie close together, by search when
// they are spread out; the answer is the same, each UID once.
TEST_F(ChangesTest, ManyMatchesAreReadWithTheFolder) {
  auto other = create("Other");
  auto text = [&](MailboxRef where, const std::string& hash, const std::string& body) {
    auto b = blob(hash);
    b.text_body = body;
    auto r = s().append_messages(b, {{where, 0, {}, 1}});
    EXPECT_TRUE(r) << r.error().detail;
    return r ? (*r)[0].uid : 0u;
  };
  // Close together: three of four match, one also through a word too long
  // for the vocabulary (both sides of the word index find it).
  auto a = text(m_inbox, "m1", "estafetacommonword one");
  auto b = text(m_inbox, "m2", "estafetacommonword " + std::string(150, 'z') + " two");
  text(m_inbox, "m3", "nothing here");
  auto d = text(m_inbox, "m4", "and estafetacommonword");
  ASSERT_EQ(s().index_pending_text(100).value(), 4u);
  EXPECT_EQ(s().search_text(m_inbox, "commonword", TextScope::body).value(), (Uids{a, b, d}));
  EXPECT_EQ(s().search_text(m_inbox, "zzzz two", TextScope::body).value(), (Uids{b})) << "the trigrams";
  EXPECT_EQ(s().search_emails(m_address.id, "commonword", TextScope::body).value().size(), 3u);

  // Spread out: 400 blobs elsewhere before the folder's next match.
  for (int i = 0; i < 400; ++i) text(other, "gap" + std::to_string(i), "filler text");
  auto e = text(m_inbox, "m5", "estafetacommonword five");
  ASSERT_EQ(s().index_pending_text(1000).value(), 401u);
  EXPECT_EQ(s().search_text(m_inbox, "commonword", TextScope::body).value(), (Uids{a, b, d, e}));
  EXPECT_EQ(s().search_text(m_inbox, "estafetacommonword", TextScope::whole).value(), (Uids{a, b, d, e}));
  EXPECT_EQ(s().search_text(other, "commonword", TextScope::body).value(), Uids{});
}

// The pairs FolderBlobs keeps follow the folder through arrivals,
// expunges, copies and moves in and out, and flag changes: at each step
// they are what a full read gives, whether brought up to date, read whole,
// or dropped for room and read again.
TEST_F(ChangesTest, KeptFolderPairsFollowTheFolder) {
  auto other = create("Other");
  append(other, 12);
  sqlite::FolderBlobs roomy(0, 1000);  // every folder, kept
  sqlite::FolderBlobs tight(0, 30);    // the two folders do not fit together
  auto db = sqlite::Database::open(path(), false).value();
  using Pairs = std::pair<Uids, std::vector<Id>>;
  auto full = [&](MailboxRef box) {
    Pairs out;
    auto st = db->prepare("SELECT uid, blob_id FROM message WHERE mailbox_id = ? ORDER BY uid").value();
    st.bind_all(box.id);
    while (st.step().value()) {
      out.first.push_back(static_cast<std::uint32_t>(st.int64(0)));
      out.second.push_back(st.int64(1));
    }
    return out;
  };
  auto check = [&](const std::string& after) {
    auto snapshot = sqlite::ReadSnapshot::begin(*db);
    ASSERT_TRUE(snapshot);
    for (auto box : {m_inbox, other}) {
      auto i = info(box);
      auto expected = full(box);
      for (auto* kept : {&roomy, &tight}) {
        auto got = kept->get(*db, box.id, static_cast<std::int64_t>(i.highestmodseq), i.uidnext);
        ASSERT_TRUE(got) << got.error().detail;
        EXPECT_EQ((*got)->uids, expected.first) << after << (box.id == other.id ? ", Other" : ", INBOX");
        EXPECT_EQ((*got)->blobs, expected.second) << after;
      }
    }
    ASSERT_TRUE(snapshot->end());
    EXPECT_LE(tight.kept_pairs(), 30u);
  };
  std::mt19937 rng(5);
  auto some = [&](MailboxRef box) {
    Uids out;
    for (auto uid : uids(box))
      if (rng() % 3 == 0) out.push_back(uid);
    return out;
  };
  check("at first");
  for (int round = 0; round < 60; ++round) {
    std::string what;
    auto in = some(m_inbox), out = some(other);
    switch (rng() % 6) {
      case 0: append(m_inbox, 1 + static_cast<int>(rng() % 4)), what = "arrivals"; break;
      case 1:
        if (!in.empty()) {
          ASSERT_TRUE(s().expunge(m_inbox, in));
        }
        what = "expunged";
        break;
      case 2:
        if (!out.empty()) {
          ASSERT_TRUE(s().copy_messages(other, out, m_inbox, false));
        }
        what = "copied in";
        break;
      case 3:
        if (!in.empty()) {
          ASSERT_TRUE(s().copy_messages(m_inbox, in, other, true));
        }
        what = "moved out";
        break;
      case 4:
        if (!in.empty()) {
          ASSERT_TRUE(s().store_flags(m_inbox, in, FlagOp::add, flag_seen, {}, std::nullopt));
        }
        what = "flags";
        break;
      default: append(other, 2), what = "elsewhere"; break;
    }
    check(what + " in round " + std::to_string(round));
    if (round % 7 == 0) check("asked again in round " + std::to_string(round));
  }
}

// --- schema

// Schema 8: tables of schema 7 get AUTOINCREMENT, with their rows, indexes,
// triggers and foreign keys intact.
TEST_F(ChangesTest, MigratesToIdsNeverReused) {
  auto x = create("X");
  auto u = append(x, 2);
  auto fresh_schema = raw_int("SELECT count(*) FROM sqlite_master");
  raw(kUndoToSchema11);
  for (auto* t : {"mailbox", "message", "address", "blob"}) without_autoincrement(t);
  raw("DROP TABLE web_session; DROP TABLE api_token; DROP TABLE user_security; DROP TABLE emergency_code; "
      "DROP TABLE org_policy; DROP TABLE login_history; "
      "DROP TABLE dkim_key; DROP TABLE dns_record; DROP TABLE dns_zone; DELETE FROM counter WHERE name = 'zones'; "
      "ALTER TABLE domain DROP COLUMN dmarc_reject; ALTER TABLE mailbox DROP COLUMN recent_uid; DROP TABLE "
      "subscription; ALTER TABLE mailbox ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 1; "
      "ALTER TABLE domain DROP COLUMN verified; ALTER TABLE domain DROP COLUMN verify_token; PRAGMA user_version = 7");
  EXPECT_EQ(raw_int("SELECT count(*) FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%' AND name = 'mailbox'"), 0);

  reopen();
  m_store.reset();
  EXPECT_EQ(raw_int("PRAGMA user_version"), sqlite::current_schema_version());
  EXPECT_EQ(raw_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('mailbox', 'message', "
                    "'address', 'blob') AND sql LIKE '%INTEGER PRIMARY KEY AUTOINCREMENT%'"),
            4);
  EXPECT_EQ(raw_int("SELECT count(*) FROM sqlite_master"), fresh_schema) << "every index and trigger is back";
  EXPECT_EQ(raw_int("SELECT count(*) FROM sqlite_master WHERE name LIKE '%before_8%'"), 0);

  reopen();
  EXPECT_EQ(uids(x), u) << "rows survive";
  EXPECT_EQ(s().address_usage(m_address.id).value().messages, 2u) << "the usage triggers still count";
  ASSERT_TRUE(s().delete_mailbox(x));
  EXPECT_EQ(s().address_usage(m_address.id).value().messages, 0u) << "the cascade and its trigger still run";
  EXPECT_GT(create("Z").id, x.id) << "the deleted newest id is not handed out again";
  EXPECT_EQ(s().integrity_check().value(), "");
}

// Schema 14: the subjects of the blobs already indexed go into their own
// index; those whose text still waits go in with it.
TEST_F(ChangesTest, MigratesTheSubjectsIntoTheirIndex) {
  auto u = append(m_inbox, 2);
  ASSERT_EQ(s().index_pending_text(1).value(), 1u) << "h0 indexed, h1 still waiting";
  migrate_after(std::string(kUndoToSchema15) + "DROP TABLE subject_text; PRAGMA user_version = 13");
  EXPECT_EQ(raw_int("SELECT count(*) FROM subject_text WHERE subject = 'Subject h0'"), 1);
  EXPECT_EQ(raw_int("SELECT count(*) FROM subject_text"), 1) << "h1's waits with its text";

  reopen();
  EXPECT_EQ(s().search_text(m_inbox, "SUBJECT H", TextScope::subject).value(), u);
  EXPECT_EQ(s().search_text(m_inbox, "ject h1", TextScope::subject).value(), Uids{u[1]});
  EXPECT_EQ(s().integrity_check().value(), "");
}

// Schema 15: each waiting text's size, ahead of the text; counted in the
// migration from the text already waiting.
TEST_F(ChangesTest, MigratesTheWaitingTextWithItsSize) {
  auto u = append(m_inbox, 3);
  ASSERT_EQ(s().index_pending_text(1).value(), 1u) << "h0 indexed, h1 and h2 waiting";
  auto waiting = s().text_backlog().value();
  ASSERT_EQ(waiting.messages, 2u);
  ASSERT_GT(waiting.bytes, 0u);
  migrate_after(std::string(kUndoToSchema15) +
                "ALTER TABLE blob_text_pending DROP COLUMN bytes; PRAGMA user_version = 14");
  EXPECT_EQ(raw_int("SELECT sum(bytes) FROM blob_text_pending"), static_cast<std::int64_t>(waiting.bytes));

  reopen();
  EXPECT_EQ(s().text_backlog().value().bytes, waiting.bytes);
  EXPECT_EQ(s().search_text(m_inbox, "SUBJECT H", TextScope::whole).value(), u) << "indexed and waiting alike";
  EXPECT_EQ(s().index_pending_text(10).value(), 2u);
  EXPECT_EQ(s().text_backlog().value().bytes, 0u);
  EXPECT_EQ(s().integrity_check().value(), "");
}

// Schema 16: the word index and its vocabulary, filled from the text
// already indexed; the text still waiting goes in with the indexer.
TEST_F(ChangesTest, MigratesTheTextIntoTheWordIndex) {
  auto u = append(m_inbox, 3);
  ASSERT_EQ(s().index_pending_text(2).value(), 2u) << "h0 and h1 indexed, h2 waiting";
  migrate_after(std::string(kUndoToSchema15) + "PRAGMA user_version = 15");
  EXPECT_EQ(raw_int("SELECT count(*) FROM blob_words WHERE blob_words MATCH 'h0 OR h1 OR h2'"), 2);
  EXPECT_EQ(raw_int("SELECT count(*) FROM text_term WHERE term IN ('subject', 'body')"), 2);

  reopen();
  EXPECT_EQ(s().search_text(m_inbox, "ubjec", TextScope::whole).value(), u) << "indexed and waiting alike";
  EXPECT_EQ(s().index_pending_text(10).value(), 1u);
  EXPECT_EQ(s().search_text(m_inbox, "ubjec", TextScope::whole).value(), u);
  EXPECT_EQ(s().search_text(m_inbox, "body", TextScope::body).value(), u);
  EXPECT_EQ(s().integrity_check().value(), "");
}

// Schema 17: each blob's size with CRLF line ends; unknown (NULL) for the
// blobs stored before, which POP3 measures when it needs them.
TEST_F(ChangesTest, MigratesToBlobsWithTheirCrlfSize) {
  auto b = blob("kept");
  b.crlf_size = 123;
  ASSERT_TRUE(s().append_messages(b, {{m_inbox, 0, {}, 1}}));
  append(m_inbox, 1);
  auto before = s().list_messages(m_inbox).value();
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].crlf_size, std::optional<std::uint64_t>(123));
  EXPECT_FALSE(before[1].crlf_size) << "stored without one";
  migrate_after(std::string(kUndoToSchema17) + "ALTER TABLE blob DROP COLUMN crlf_size; PRAGMA user_version = 16");
  reopen();
  auto after = s().list_messages(m_inbox).value();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_FALSE(after[0].crlf_size) << "what was there before the column is unknown";
  auto c = blob("new");
  c.crlf_size = 7;
  ASSERT_TRUE(s().append_messages(c, {{m_inbox, 0, {}, 1}}));
  EXPECT_EQ(s().list_messages(m_inbox).value().back().crlf_size, std::optional<std::uint64_t>(7));
  EXPECT_FALSE(s().list_messages_brief(m_inbox).value().back().crlf_size) << "the brief list does not read blobs";
  EXPECT_EQ(s().integrity_check().value(), "");
}

// Schema 19: each user's drive, empty for the users there before it; a
// name unique in its folder ignoring case, the top included.
TEST_F(ChangesTest, MigratesToTheDrive) {
  auto org = s().create_organisation("drive-org").value();
  auto user = s().create_user({.org_id = org.id, .login = "d@drive.example", .display_name = "D"}).value();
  migrate_after(std::string(kUndoToSchema18) + "PRAGMA user_version = 18");
  reopen();
  auto drive = s().drive_of(user.id, store::DriveSpace::personal).value();
  EXPECT_EQ(s().drive_usage(drive).value().items, 0);
  store::DriveQuota quota{.max_bytes = 100, .max_items = 10, .max_folder_items = 10};
  auto folder = s().create_drive_item({.drive_id = drive, .folder = true, .name = "Docs", .created = 1}, quota).value();
  EXPECT_EQ(
      s().create_drive_item({.drive_id = drive, .folder = true, .name = "DOCS", .created = 1}, quota).error().kind,
      ErrorKind::exists);
  EXPECT_TRUE(s().create_drive_item({.drive_id = drive, .parent_id = folder.id, .name = "docs", .created = 1}, quota));
  EXPECT_EQ(s().integrity_check().value(), "");
}

// Schema 20 gave items drives of their own: a user's items of schema 19
// are in a drive with the user's id (their bytes on disk are in a folder
// of that name), ids kept, and an id used before is never given again.
TEST_F(ChangesTest, MigratesToDrivesOfTheirOwn) {
  auto org = s().create_organisation("drives-org").value();
  auto ana = s().create_user({.org_id = org.id, .login = "ana@drives.example", .display_name = "Ana"}).value();
  auto bob = s().create_user({.org_id = org.id, .login = "bob@drives.example", .display_name = "Bob"}).value();
  migrate_after(
      std::string(kUndoToSchema19) +
      fmt::format("INSERT INTO drive_item (id, user_id, parent_id, folder, name, created, modified, touched) VALUES "
                  "(5, {0}, NULL, 1, 'Docs', 1, 1, 1), (6, {0}, 5, 0, 'a.txt', 1, 1, 1), "
                  "(9, {0}, NULL, 0, 'gone.txt', 1, 1, 1); DELETE FROM drive_item WHERE id = 9; "
                  "PRAGMA user_version = 19",
                  ana.id));
  reopen();
  auto anas = s().drive_of(ana.id, store::DriveSpace::personal).value();
  EXPECT_EQ(anas, ana.id);
  auto top = s().list_drive_folder(anas, 0).value();
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].id, 5);
  auto docs = s().list_drive_folder(anas, 5).value();
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].name, "a.txt");
  EXPECT_EQ(docs[0].drive_id, anas);
  // Drives made now have ids of their own: Bob's, and the organisation's
  // that both reach.
  auto bobs = s().drive_of(bob.id, store::DriveSpace::personal).value();
  auto shared = s().drive_of(ana.id, store::DriveSpace::organisation).value();
  EXPECT_NE(bobs, anas);
  EXPECT_NE(shared, anas);
  EXPECT_NE(shared, bobs);
  EXPECT_EQ(s().drive_of(bob.id, store::DriveSpace::organisation).value(), shared);
  EXPECT_EQ(s().list_drive_folder(bobs, 5).error().kind, ErrorKind::not_found);
  store::DriveQuota quota{.max_bytes = 100, .max_items = 10, .max_folder_items = 10};
  auto made = s().create_drive_item({.drive_id = shared, .name = "b.txt", .created = 1}, quota).value();
  EXPECT_GT(made.id, 9);
  EXPECT_EQ(s().integrity_check().value(), "");
  // A user deleted takes their own drive with them, not the organisation's.
  ASSERT_TRUE(s().delete_user(ana.id));
  EXPECT_EQ(raw_int(fmt::format("SELECT count(*) FROM drive_item WHERE drive_id = {}", anas)), 0);
  EXPECT_EQ(raw_int(fmt::format("SELECT count(*) FROM drive_item WHERE drive_id = {}", shared)), 1);
}

TEST_F(ChangesTest, MigratesFromSchemaOne) {
  auto u = append(m_inbox, 2);
  raw(std::string(kUndoToSchema11) +
      "DROP TABLE web_session; DROP TABLE api_token; DROP TABLE user_security; DROP TABLE emergency_code; "
      "DROP TABLE org_policy; DROP TABLE login_history; "
      "DROP TABLE dkim_key; DROP TABLE dns_record; DROP TABLE dns_zone; DELETE FROM counter WHERE name = 'zones'; "
      "ALTER TABLE domain DROP COLUMN dmarc_reject; ALTER TABLE mailbox DROP COLUMN recent_uid; DROP TABLE "
      "subscription; ALTER TABLE mailbox ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 1; "
      "DROP TABLE expunged; DROP TABLE event_log; DROP TABLE queue_rcpt; DROP TABLE queue; DROP TABLE trace; "
      "DROP TRIGGER message_used; DROP TRIGGER message_unused; DROP TRIGGER message_moved; "
      "DROP TRIGGER mailbox_unused; ALTER TABLE address DROP COLUMN quota_bytes; "
      "ALTER TABLE address DROP COLUMN quota_messages; ALTER TABLE address DROP COLUMN save_sent; "
      "ALTER TABLE address DROP COLUMN used_bytes; ALTER TABLE address DROP COLUMN used_messages; "
      "ALTER TABLE domain DROP COLUMN spf_fail; DROP TABLE blob_text_pending; DROP TABLE blob_data; "
      "ALTER TABLE domain DROP COLUMN verified; ALTER TABLE domain DROP COLUMN verify_token; "
      "PRAGMA user_version = 1;");
  EXPECT_EQ(raw_int("PRAGMA user_version"), 1);
  EXPECT_EQ(raw_int("SELECT count(*) FROM sqlite_master WHERE name = 'expunged'"), 0);

  reopen();
  m_store.reset();
  EXPECT_EQ(raw_int("PRAGMA user_version"), sqlite::current_schema_version());
  EXPECT_EQ(raw_int("SELECT count(*) FROM sqlite_master WHERE name IN ('expunged', 'expunged_modseq', 'event_log', "
                    "'blob_text_pending', 'blob_data')"),
            5);
  EXPECT_EQ(raw_int("SELECT sum(used_messages) FROM address"), 2) << "usage counted from the messages there";

  reopen();
  EXPECT_EQ(uids(m_inbox), u) << "data survives the migration";
  ASSERT_TRUE(s().expunge(m_inbox, {u[0]}));
  EXPECT_EQ(s().expunged_since(m_inbox, 0).value(), Uids{u[0]});
  EXPECT_EQ(s().integrity_check().value(), "");
}

}  // namespace
}  // namespace estafeta::store
