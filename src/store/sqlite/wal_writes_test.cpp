// A commit's WAL frames reach the file in one write, before its sync, and
// before any other connection can see the commit; what SQLite reads back
// (its own frames spilled mid-transaction, a checkpoint) is what it wrote;
// a process that dies right after a commit loses nothing of it.
#include "store/sqlite/wal_writes.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "core/testing.hpp"
#include "store/sqlite/db.hpp"

namespace estafeta::store::sqlite {
namespace {

class WalWritesTest : public ::testing::Test {
 protected:
  std::string path() const { return (m_dir / "w.sqlite").string(); }

  std::unique_ptr<Database> open_writer(bool synced = true) {
    auto db = Database::open(path(), true).value();
    EXPECT_TRUE(db->exec("PRAGMA journal_mode = WAL"));
    EXPECT_TRUE(db->exec(synced ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL"));
    EXPECT_TRUE(db->exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v BLOB)"));
    return db;
  }

  // One transaction of `rows` rows of 3 KB each: about a page per row, and
  // index pages for k.
  void insert(Database& db, int first, int rows) {
    auto tx = Transaction::begin(db).value();
    for (int i = first; i < first + rows; ++i) {
      auto st = db.prepare("INSERT INTO t (id, k, v) VALUES (?, ?, ?)").value();
      st.bind(1, std::int64_t{i}).bind(2, "key-" + std::to_string(i)).bind_blob(3, std::string(3000, 'a' + i % 26));
      ASSERT_TRUE(st.run());
    }
    ASSERT_TRUE(tx.commit());
  }

  // Ten commits with gathering on, each counted at once from another connection.
  void reader_sees_each_commit(bool synced) {
    auto db = open_writer(synced);
    ASSERT_EQ(gather_wal_writes(db->handle(), true), SQLITE_OK);
    auto reader = Database::open(path(), false).value();
    for (int round = 0; round < 10; ++round) {
      insert(*db, round * 7, 7);
      EXPECT_EQ(count(*reader), (round + 1) * 7);
    }
  }

  static std::int64_t count(Database& db) {
    auto st = db.prepare("SELECT count(*), coalesce(sum(length(v)), 0) FROM t").value();
    EXPECT_TRUE(st.step().value());
    EXPECT_EQ(st.int64(1), st.int64(0) * 3000);
    return st.int64(0);
  }

  testing::TempDir m_dir{"wal-writes"};
};

TEST_F(WalWritesTest, ACommitsFramesAreOneWrite) {
  auto db = open_writer();
  ASSERT_EQ(gather_wal_writes(db->handle(), true), SQLITE_OK);
  insert(*db, 0, 1);  // the log's header, written and synced on its own
  auto before = wal_write_counts();
  insert(*db, 1, 20);
  auto after = wal_write_counts();
  // Two writes a frame (its header, its page) asked for, one made.
  EXPECT_GE(after.asked - before.asked, 40u);
  EXPECT_EQ(after.issued - before.issued, 1u);

  ASSERT_EQ(gather_wal_writes(db->handle(), false), SQLITE_OK);
  before = wal_write_counts();
  insert(*db, 21, 20);
  after = wal_write_counts();
  EXPECT_GE(after.asked - before.asked, 40u);
  EXPECT_EQ(after.issued - before.issued, after.asked - before.asked);
  EXPECT_EQ(count(*db), 41);
}

// The default VFS writes at most 128 KiB - 1 in a call (a bigger one ends
// as SQLITE_FULL, "the disk is full"): a bigger commit goes in parts.
TEST_F(WalWritesTest, ACommitOver128KiBIsWrittenInParts) {
  auto db = open_writer();
  ASSERT_EQ(gather_wal_writes(db->handle(), true), SQLITE_OK);
  insert(*db, 0, 1);
  auto before = wal_write_counts();
  insert(*db, 1, 100);  // ~100 frames of 4 KiB: ~400 KiB
  auto after = wal_write_counts();
  EXPECT_GE(after.issued - before.issued, 4u);
  EXPECT_LE(after.issued - before.issued, 6u);
  auto reader = Database::open(path(), false).value();
  EXPECT_EQ(count(*reader), 101);
}

TEST_F(WalWritesTest, AnotherConnectionSeesEveryCommit) { reader_sees_each_commit(true); }

// Without a sync before it, a commit is published at the WAL index's
// barrier: its frames must be in the file by then for a reader to see them.
TEST_F(WalWritesTest, AnUnsyncedCommitIsInTheFileWhenPublished) { reader_sees_each_commit(false); }

// A transaction bigger than the page cache writes frames before its commit
// and reads them back; checkpoints copy the log into the database.
TEST_F(WalWritesTest, SpilledFramesAndCheckpointsReadWhatWasWritten) {
  auto db = open_writer();
  ASSERT_EQ(gather_wal_writes(db->handle(), true), SQLITE_OK);
  ASSERT_TRUE(db->exec("PRAGMA cache_size = 8"));  // pages
  ASSERT_TRUE(db->exec("PRAGMA wal_autocheckpoint = 50"));
  {
    auto tx = Transaction::begin(*db).value();
    for (int i = 0; i < 200; ++i) {
      auto st = db->prepare("INSERT INTO t (id, k, v) VALUES (?, ?, ?)").value();
      st.bind(1, std::int64_t{i}).bind(2, "key-" + std::to_string(i)).bind_blob(3, std::string(3000, 'a' + i % 26));
      ASSERT_TRUE(st.run());
    }
    // Pages written out to the log mid-transaction, read back here.
    EXPECT_EQ(count(*db), 200);
    ASSERT_TRUE(tx.commit());
  }
  for (int round = 0; round < 5; ++round) insert(*db, 200 + round * 30, 30);
  auto reader = Database::open(path(), false).value();
  EXPECT_EQ(count(*reader), 350);
  auto check = db->prepare("PRAGMA integrity_check").value();
  ASSERT_TRUE(check.step().value());
  EXPECT_EQ(check.text(0), "ok");
}

// A process that ends right after its commit returns (no close, no
// checkpoint, nothing flushed at exit) has its rows in the file.
TEST_F(WalWritesTest, ACommitSurvivesTheProcessEndingRightAfterIt) {
  { open_writer(); }
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto db = Database::open(path(), false);
    bool ok = db && (*db)->set_synced_commits(true);
    if (ok) {
      auto tx = Transaction::begin(**db);
      ok = tx.has_value();
      for (int i = 0; ok && i < 20; ++i) {
        auto st = (*db)->prepare("INSERT INTO t (id, k, v) VALUES (?, ?, ?)");
        ok =
            st &&
            st->bind(1, std::int64_t{i}).bind(2, "key-" + std::to_string(i)).bind_blob(3, std::string(3000, 'z')).run();
      }
      ok = ok && tx->commit();
    }
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto db = Database::open(path(), false).value();
  EXPECT_EQ(count(*db), 20);
}

}  // namespace
}  // namespace estafeta::store::sqlite
