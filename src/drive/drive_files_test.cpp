#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <set>

#include "core/testing.hpp"
#include "drive/drive.hpp"
#include "drive/transfers.hpp"
#include "store/store.hpp"

namespace estafeta::drive {
namespace {

constexpr std::int64_t kDay = 86400;

class DriveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = store::open_sqlite_store({.path = m_dir / "db.sqlite"}).value();
    auto org = m_store->create_organisation("acme").value();
    auto other = m_store->create_organisation("beta").value();
    m_org = org.id;
    m_ana_user =
        m_store->create_user({.org_id = org.id, .login = "ana@acme.example", .display_name = "Ana"}).value().id;
    m_bob_user =
        m_store->create_user({.org_id = org.id, .login = "bob@acme.example", .display_name = "Bob"}).value().id;
    m_eve_user =
        m_store->create_user({.org_id = other.id, .login = "eve@beta.example", .display_name = "Eve"}).value().id;
    m_files = PieceFiles::open(m_dir / "drive").value();
    m_drive = std::make_unique<DriveService>(*m_store, *m_files, m_clock,
                                             DriveLimits{.max_drive_bytes = 1000,
                                                         .max_drive_items = 12,
                                                         .max_folder_items = 11,
                                                         .max_file_bytes = 700,
                                                         .max_depth = 3,
                                                         .max_piece = 64});
    m_ana = m_drive->drive_of(m_ana_user, store::DriveSpace::personal).value();
    m_eve = m_drive->drive_of(m_eve_user, store::DriveSpace::personal).value();
  }

  // A file of Ana's uploaded in pieces of 64.
  store::DriveItem uploaded(store::Id folder, const std::string& name, const std::string& bytes) {
    auto file = m_drive->make_file(m_ana, folder, name, "text/plain", std::int64_t(bytes.size())).value();
    for (std::size_t at = 0; at < bytes.size(); at += 64)
      file = m_drive->upload(m_ana, file.id, std::int64_t(at), bytes.substr(at, 64)).value();
    return file;
  }

  std::vector<std::string> names(store::Id user, store::Id folder) {
    std::vector<std::string> out;
    auto listing = m_drive->list(user, folder).value();
    for (auto& i : listing.items) out.push_back(i.name);
    return out;
  }

  testing::TempDir m_dir{"drive_files"};
  std::unique_ptr<store::Store> m_store;
  std::unique_ptr<PieceFiles> m_files;
  ManualClock m_clock{1'800'000'000};
  std::unique_ptr<DriveService> m_drive;
  store::Id m_org = 0, m_ana_user = 0, m_bob_user = 0, m_eve_user = 0;
  store::Id m_ana = 0, m_eve = 0;  // Ana's and Eve's own drives
};

std::string pattern(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += static_cast<char>(i * 13 + 1);
  return out;
}

TEST_F(DriveTest, FilesArriveInPiecesAndAreReadableOnceWhole) {
  auto docs = m_drive->make_folder(m_ana, 0, "Docs").value();
  auto bytes = pattern(300);
  auto file = m_drive->make_file(m_ana, docs.id, "notes.txt", "Text/Plain", 300).value();
  EXPECT_EQ(file.content_type, "text/plain");
  EXPECT_FALSE(file.ready);
  EXPECT_EQ(m_drive->upload(m_ana, file.id, 0, bytes.substr(0, 64)).value().received, 64);
  EXPECT_EQ(m_drive->read(m_ana, file.id, 1000).error().kind, ErrorKind::not_found) << "not readable half uploaded";
  // A piece sent again (its answer lost) says where to go on.
  auto again = m_drive->upload(m_ana, file.id, 0, bytes.substr(0, 64));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::in_use);
  EXPECT_EQ(again.error().field, "offset");
  EXPECT_NE(again.error().message.find("from 64 bytes"), std::string::npos) << again.error().message;
  EXPECT_EQ(m_drive->upload(m_ana, file.id, 64, std::string(65, 'x')).error().kind, ErrorKind::limit)
      << "a piece larger than allowed";
  store::DriveItem last;
  for (std::size_t at = 64; at < 300; at += 64)
    last = m_drive->upload(m_ana, file.id, std::int64_t(at), bytes.substr(at, 64)).value();
  EXPECT_TRUE(last.ready) << "ready once the last byte is in";
  EXPECT_EQ(m_drive->read(m_ana, file.id, 1000).value(), bytes);
  EXPECT_EQ(m_drive->read(m_ana, file.id, 299).error().kind, ErrorKind::limit);
  EXPECT_EQ(m_drive->upload(m_ana, file.id, 300, "x").error().kind, ErrorKind::invalid) << "a whole file never changes";

  auto d = m_drive->open(m_ana, file.id).value();
  d.reader->seek(250);
  EXPECT_EQ(d.reader->next(100).value(), bytes.substr(250));

  auto listing = m_drive->list(m_ana, docs.id).value();
  ASSERT_EQ(listing.path.size(), 1u);
  EXPECT_EQ(listing.path[0].name, "Docs");
  ASSERT_EQ(listing.items.size(), 1u);
  EXPECT_EQ(listing.items[0].size, 300);
  EXPECT_EQ(m_drive->usage(m_ana).value().bytes, 300);
  EXPECT_EQ(m_drive->usage(m_ana).value().items, 2);

  auto empty = m_drive->make_file(m_ana, 0, "empty.txt", "", 0).value();
  EXPECT_TRUE(empty.ready) << "an empty file has nothing to wait for";
  EXPECT_EQ(empty.content_type, "application/octet-stream");
  EXPECT_EQ(m_drive->read(m_ana, empty.id, 10).value(), "");
}

TEST_F(DriveTest, FoldersComeFirstAndTakenNamesGetANumber) {
  m_drive->add(m_ana, 0, "b.pdf", "application/pdf", "1").value();
  EXPECT_EQ(m_drive->add(m_ana, 0, "b.pdf", "application/pdf", "2").value().name, "b (2).pdf");
  EXPECT_EQ(m_drive->add(m_ana, 0, "B.PDF", "application/pdf", "3").value().name, "B (3).PDF")
      << "names are unique ignoring case, as on the disks they are saved to";
  EXPECT_EQ(m_drive->add(m_ana, 0, "../../etc/passwd", "", "4").value().name, "passwd") << "the last segment only";
  m_drive->make_folder(m_ana, 0, "Zeta").value();
  m_drive->make_folder(m_ana, 0, "alpha").value();
  EXPECT_EQ(m_drive->make_folder(m_ana, 0, "ALPHA").error().kind, ErrorKind::exists) << "a folder is not renamed";
  EXPECT_EQ(names(m_ana, 0), (std::vector<std::string>{"alpha", "Zeta", "b (2).pdf", "B (3).PDF", "b.pdf", "passwd"}));

  auto item = m_drive->list(m_ana, 0).value().items.back();
  EXPECT_EQ(m_drive->move(m_ana, item.id, std::nullopt, "b.pdf").error().kind, ErrorKind::exists)
      << "a rename onto a taken name is refused";
  EXPECT_EQ(m_drive->move(m_ana, item.id, std::nullopt, "shadow").value().name, "shadow");
}

TEST_F(DriveTest, AnotherAccountReachesNothing) {
  auto docs = m_drive->make_folder(m_ana, 0, "Docs").value();
  auto file = m_drive->add(m_ana, docs.id, "secret.txt", "text/plain", "ana's").value();
  auto partial = m_drive->make_file(m_ana, 0, "big.bin", "", 100).value();
  auto mine = m_drive->make_folder(m_eve, 0, "Mine").value();

  EXPECT_EQ(m_drive->find(m_eve, file.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->list(m_eve, docs.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->read(m_eve, file.id, 100).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->open(m_eve, file.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->upload(m_eve, partial.id, 0, "x").error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->move(m_eve, file.id, 0, "mine.txt").error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->move(m_eve, mine.id, docs.id, std::nullopt).error().kind, ErrorKind::not_found)
      << "nor into another's folder";
  EXPECT_EQ(m_drive->make_folder(m_eve, docs.id, "in").error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->add(m_eve, docs.id, "in.txt", "", "x").error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->remove(m_eve, docs.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(names(m_eve, 0), std::vector<std::string>{"Mine"});
  EXPECT_EQ(m_drive->read(m_ana, file.id, 100).value(), "ana's") << "all still Ana's";
  EXPECT_EQ(m_drive->usage(m_eve).value().items, 1);
}

TEST_F(DriveTest, TheTreeStaysATreeAndShallow) {
  auto a = m_drive->make_folder(m_ana, 0, "a").value();
  auto b = m_drive->make_folder(m_ana, a.id, "b").value();
  auto c = m_drive->make_folder(m_ana, b.id, "c").value();
  EXPECT_EQ(m_drive->make_folder(m_ana, c.id, "d").error().kind, ErrorKind::invalid) << "at most 3 deep";
  EXPECT_TRUE(m_drive->add(m_ana, c.id, "deep.txt", "", "x")) << "a file in the deepest folder is no folder deeper";
  EXPECT_EQ(m_drive->move(m_ana, a.id, c.id, std::nullopt).error().kind, ErrorKind::invalid) << "not below itself";
  EXPECT_EQ(m_drive->move(m_ana, a.id, a.id, std::nullopt).error().kind, ErrorKind::invalid) << "not into itself";
  auto x = m_drive->make_folder(m_ana, 0, "x").value();
  EXPECT_EQ(m_drive->move(m_ana, a.id, x.id, std::nullopt).error().kind, ErrorKind::invalid)
      << "a, b and c below x would be 4 deep";
  auto moved = m_drive->move(m_ana, c.id, 0, "c2").value();
  EXPECT_EQ(moved.parent_id, 0);
  EXPECT_EQ(moved.name, "c2");
  auto path = m_drive->list(m_ana, b.id).value().path;
  ASSERT_EQ(path.size(), 2u);
  EXPECT_EQ(path[0].id, a.id);
  EXPECT_EQ(path[1].id, b.id);
  EXPECT_TRUE(m_drive->list(m_ana, b.id).value().items.empty());
  EXPECT_EQ(m_drive->move(m_ana, b.id, x.id, std::nullopt).value().parent_id, x.id);
  auto file = m_drive->add(m_ana, 0, "f.txt", "", "f").value();
  EXPECT_EQ(m_drive->list(m_ana, file.id).error().kind, ErrorKind::not_found) << "a file is not a folder";
  EXPECT_EQ(m_drive->make_folder(m_ana, file.id, "in").error().kind, ErrorKind::not_found);
}

TEST_F(DriveTest, DeletingAFolderDeletesAllBelowItAndTheirBytes) {
  auto a = m_drive->make_folder(m_ana, 0, "a").value();
  auto b = m_drive->make_folder(m_ana, a.id, "b").value();
  auto f1 = uploaded(a.id, "one.txt", pattern(100));
  auto f2 = uploaded(b.id, "two.txt", pattern(70));
  auto keep = uploaded(0, "keep.txt", pattern(10));
  EXPECT_EQ(m_files->files(m_ana).value().size(), 3u);
  ASSERT_TRUE(m_drive->remove(m_ana, a.id));
  for (auto id : {a.id, b.id, f1.id, f2.id}) EXPECT_EQ(m_drive->find(m_ana, id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_files->files(m_ana).value(), std::vector<store::Id>{keep.id}) << "their bytes went with them";
  EXPECT_EQ(m_drive->usage(m_ana).value().bytes, 10);
}

TEST_F(DriveTest, LimitsHold) {
  EXPECT_EQ(m_drive->make_file(m_ana, 0, "huge", "", 701).error().kind, ErrorKind::limit);
  EXPECT_EQ(m_drive->make_file(m_ana, 0, "neg", "", -1).error().kind, ErrorKind::invalid);
  EXPECT_EQ(m_drive->make_file(m_ana, 0, "wrap", "", std::numeric_limits<std::int64_t>::max()).error().kind,
            ErrorKind::limit);
  m_drive->make_file(m_ana, 0, "a", "", 600).value();
  EXPECT_EQ(m_drive->make_file(m_ana, 0, "b", "", 401).error().kind, ErrorKind::over_quota)
      << "a file being uploaded counts";
  m_drive->make_file(m_ana, 0, "b", "", 400).value();
  EXPECT_EQ(m_drive->make_file(m_ana, 0, "c", "", 1).error().kind, ErrorKind::over_quota) << "1000 bytes at most";
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(m_drive->make_folder(m_ana, 0, "f" + std::to_string(i)));
  auto full = m_drive->make_folder(m_ana, 0, "one more");
  EXPECT_EQ(full.error().kind, ErrorKind::over_quota);
  EXPECT_EQ(full.error().field, "parent") << "11 items in a folder at most";
  auto f0 = m_drive->list(m_ana, 0).value().items.front().id;
  ASSERT_TRUE(m_drive->make_folder(m_ana, f0, "inside"));
  full = m_drive->make_folder(m_ana, f0, "one more");
  EXPECT_EQ(full.error().kind, ErrorKind::over_quota) << "12 items in all at most";
  EXPECT_EQ(full.error().field, "");
  EXPECT_EQ(m_drive->usage(m_eve).value().items, 0) << "limits are each drive's own";
  EXPECT_TRUE(m_drive->make_file(m_eve, 0, "e", "", 700));
}

TEST_F(DriveTest, TheSweeperRemovesAbandonedUploadsAndBytesWithoutAFile) {
  auto whole = uploaded(0, "whole.txt", pattern(100));
  auto stale = m_drive->make_file(m_ana, 0, "stale.bin", "", 200).value();
  ASSERT_TRUE(m_drive->upload(m_ana, stale.id, 0, pattern(64)));
  m_clock.advance(2 * kDay);
  auto fresh = m_drive->make_file(m_ana, 0, "fresh.bin", "", 200).value();
  ASSERT_TRUE(m_drive->upload(m_ana, fresh.id, 0, pattern(64)));
  // Bytes whose row is gone (a crash between the two deletes), and a deleted user's.
  ASSERT_TRUE(m_files->write(m_ana, 999999, 0, "orphan"));
  ASSERT_TRUE(m_files->write(987654, 5, 0, "nobody's"));

  EXPECT_EQ(m_drive->sweep().value(), 3u);
  EXPECT_EQ(m_drive->find(m_ana, stale.id).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(m_drive->find(m_ana, fresh.id)) << "an upload written to today stays";
  EXPECT_EQ(m_drive->read(m_ana, whole.id, 1000).value(), pattern(100));
  auto left = m_files->files(m_ana).value();
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<store::Id>{whole.id, fresh.id}));
  EXPECT_EQ(m_files->groups().value(), std::vector<store::Id>{m_ana}) << "an empty folder of nobody's went";
}

TEST_F(DriveTest, FilesSentAsALinkShareTheirBytes) {
  auth::DeviceKeyring keyring = auth::DeviceKeyring::from_key(std::string(32, 'k'));
  auto transfer_files = PieceFiles::open(m_dir / "transfers").value();
  TransferService transfers(*m_store, *transfer_files, keyring, m_clock);
  auto one = uploaded(0, "one.txt", pattern(150));
  auto two = m_drive->add(m_ana, 0, "two.txt", "text/plain", "").value();
  std::vector<SharedFile> files = {{{one.name, one.content_type, one.size}, m_ana, one.id},
                                   {{two.name, two.content_type, two.size}, m_ana, two.id}};
  auto made = transfers.create_shared(m_ana_user, m_org, m_drive->files(), files, 7).value();
  EXPECT_TRUE(made.transfer.complete) << "complete at once";
  EXPECT_EQ(made.transfer.expires, m_clock.now() + 7 * kDay);
  // Shared bytes are never written through either name.
  auto shared = made.transfer.files[0].id;
  EXPECT_EQ(transfer_files->write(made.transfer.id, shared, 10, "xx").error().kind, ErrorKind::invalid);
  EXPECT_EQ(m_drive->read(m_ana, one.id, 1000).value(), pattern(150));
  // The drive's file deleted: the link still has its bytes.
  ASSERT_TRUE(m_drive->remove(m_ana, one.id));
  auto d = transfers.download(made.token, made.transfer.files[0].id).value();
  std::string got;
  for (;;) {
    auto piece = d.reader->next(64).value();
    if (piece.empty()) break;
    got += piece;
  }
  EXPECT_EQ(got, pattern(150));
  // A download under way stops when its link is deleted, though the bytes live on elsewhere.
  auto again_one = uploaded(0, "again.txt", pattern(150));
  std::vector<SharedFile> one_more = {{{again_one.name, again_one.content_type, again_one.size}, m_ana, again_one.id}};
  auto link = transfers.create_shared(m_ana_user, m_org, m_drive->files(), one_more, 7).value();
  auto running = transfers.download(link.token, link.transfer.files[0].id).value();
  EXPECT_EQ(running.reader->next(64).value().size(), 64u);
  ASSERT_TRUE(transfers.remove(m_ana_user, link.transfer.id));
  EXPECT_EQ(running.reader->next(64).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->read(m_ana, again_one.id, 1000).value(), pattern(150)) << "the drive keeps its file";

  // A file gone before it is shared: no half-made link is left.
  auto gone = uploaded(0, "gone.txt", pattern(10));
  std::vector<SharedFile> again = {{{gone.name, gone.content_type, gone.size}, m_ana, gone.id}};
  ASSERT_TRUE(m_files->remove_file(m_ana, gone.id));
  EXPECT_EQ(transfers.create_shared(m_ana_user, m_org, m_drive->files(), again, 7).error().kind, ErrorKind::not_found);
  EXPECT_EQ(transfers.list(m_ana_user).value().size(), 1u) << "the first link alone";
}

TEST_F(DriveTest, TheOrganisationsDriveIsSharedByItsUsersAlone) {
  auto shared = m_drive->drive_of(m_ana_user, store::DriveSpace::organisation).value();
  EXPECT_EQ(m_drive->drive_of(m_bob_user, store::DriveSpace::organisation).value(), shared) << "one for all of acme";
  EXPECT_EQ(m_drive->drive_of(m_ana_user, store::DriveSpace::organisation).value(), shared) << "made once";
  auto bobs = m_drive->drive_of(m_bob_user, store::DriveSpace::personal).value();
  auto beta = m_drive->drive_of(m_eve_user, store::DriveSpace::organisation).value();
  EXPECT_EQ(std::set<store::Id>({m_ana, bobs, m_eve, shared, beta}).size(), 5u) << "five drives";
  EXPECT_EQ(m_drive->drive_of(424242, store::DriveSpace::organisation).error().kind, ErrorKind::not_found);

  // Ana puts a file there; Bob reads it, renames and moves it, and it is gone for both when he deletes it.
  auto team = m_drive->make_folder(shared, 0, "Team").value();
  auto plan = m_drive->add(shared, team.id, "plan.txt", "text/plain", "the plan").value();
  auto mine = m_drive->add(m_ana, 0, "mine.txt", "text/plain", "ana's own").value();
  EXPECT_EQ(m_drive->read(shared, plan.id, 100).value(), "the plan");
  EXPECT_EQ(m_drive->move(shared, plan.id, 0, "final.txt").value().name, "final.txt");
  EXPECT_EQ(names(shared, 0), (std::vector<std::string>{"Team", "final.txt"}));
  EXPECT_EQ(m_files->files(shared).value(), std::vector<store::Id>{plan.id}) << "its bytes in the drive's own folder";
  // Nothing crosses between the drives: not Ana's own through the shared one, nor the shared one through hers.
  EXPECT_EQ(m_drive->find(shared, mine.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->find(m_ana, plan.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->move(m_ana, mine.id, team.id, std::nullopt).error().kind, ErrorKind::not_found)
      << "not into another drive's folder";
  EXPECT_EQ(m_drive->make_folder(m_ana, team.id, "in").error().kind, ErrorKind::not_found);
  // Another organisation's drive knows none of it.
  EXPECT_EQ(m_drive->find(beta, plan.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->read(beta, plan.id, 100).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->list(beta, team.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_drive->remove(beta, team.id).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(m_drive->list(beta, 0).value().items.empty());
  // Limits are the shared drive's own.
  EXPECT_EQ(m_drive->usage(shared).value().bytes, 8);
  EXPECT_EQ(m_drive->usage(m_ana).value().bytes, 9);

  // Ana leaves: her own drive goes with her, the shared one stays, and the
  // sweeper removes her bytes alone.
  ASSERT_TRUE(m_store->delete_user(m_ana_user));
  EXPECT_EQ(m_drive->drive_of(m_ana_user, store::DriveSpace::organisation).error().kind, ErrorKind::not_found);
  EXPECT_GE(m_drive->sweep().value(), 1u);
  EXPECT_EQ(m_drive->read(shared, plan.id, 100).value(), "the plan");
  EXPECT_EQ(m_files->files(m_ana).value(), std::vector<store::Id>{});
  ASSERT_TRUE(m_drive->remove(shared, team.id));
  EXPECT_EQ(names(shared, 0), std::vector<std::string>{"final.txt"});
}

}  // namespace
}  // namespace estafeta::drive
