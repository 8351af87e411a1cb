#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "core/testing.hpp"
#include "drive/transfers.hpp"
#include "store/store.hpp"

namespace estafeta::drive {
namespace {

constexpr std::int64_t kDay = 86400;

class TransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = store::open_sqlite_store({.path = m_dir / "db.sqlite"}).value();
    auto org = m_store->create_organisation("acme").value();
    auto other_org = m_store->create_organisation("beta").value();
    m_org = org.id;
    m_other_org = other_org.id;
    m_ana = m_store->create_user({.org_id = org.id, .login = "ana@acme.example", .display_name = "Ana"}).value().id;
    m_eve =
        m_store->create_user({.org_id = other_org.id, .login = "eve@beta.example", .display_name = "Eve"}).value().id;
    m_files = PieceFiles::open(m_dir / "transfers").value();
    m_service = std::make_unique<TransferService>(
        *m_store, *m_files, m_keyring, m_clock,
        TransferLimits{
            .max_transfer_bytes = 1000, .max_user_bytes = 1500, .max_files = 3, .max_days = 30, .max_piece = 64});
  }

  // A whole transfer of Ana's: made, uploaded in pieces of 64, completed.
  CreatedTransfer whole(const std::string& bytes, std::string name = "big.bin") {
    auto made = m_service->create(m_ana, m_org, {{name, "application/zip", std::int64_t(bytes.size())}}, 0).value();
    auto file = made.transfer.files[0].id;
    for (std::size_t at = 0; at < bytes.size(); at += 64)
      EXPECT_TRUE(m_service->upload(m_ana, made.transfer.id, file, std::int64_t(at), bytes.substr(at, 64)));
    EXPECT_TRUE(m_service->complete(m_ana, made.transfer.id));
    return made;
  }

  static std::string read_all(Download& d) {
    std::string out;
    while (d.reader) {
      auto piece = d.reader->next(100);
      if (!piece || piece->empty()) break;
      out += *piece;
    }
    return out;
  }

  testing::TempDir m_dir{"drive"};
  std::unique_ptr<store::Store> m_store;
  std::unique_ptr<PieceFiles> m_files;
  auth::DeviceKeyring m_keyring = auth::DeviceKeyring::from_key(std::string(32, 'k'));
  ManualClock m_clock{1'800'000'000};
  std::unique_ptr<TransferService> m_service;
  store::Id m_org = 0, m_other_org = 0, m_ana = 0, m_eve = 0;
};

TEST_F(TransferTest, UploadedInPiecesDownloadedWhole) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) bytes += static_cast<char>(i * 7);
  auto made = m_service->create(m_ana, m_org, {{"big.bin", "application/zip", 300}}, 0).value();
  EXPECT_EQ(made.transfer.expires, m_clock.now() + 30 * kDay) << "the longest allowed when not said";
  EXPECT_NE(made.transfer.token_hash, made.token) << "the secret is kept only as a hash";
  auto t = made.transfer.id, f = made.transfer.files[0].id;
  EXPECT_FALSE(m_service->by_token(made.token)) << "not downloadable before it is complete";

  EXPECT_EQ(m_service->upload(m_ana, t, f, 0, bytes.substr(0, 64)).value(), 64);
  // A piece sent again (its answer lost) or out of order says where to go on.
  auto again = m_service->upload(m_ana, t, f, 0, bytes.substr(0, 64));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::in_use);
  EXPECT_NE(again.error().message.find("from 64 bytes"), std::string::npos) << again.error().message;
  EXPECT_EQ(m_service->upload(m_ana, t, f, 64, std::string(65, 'x')).error().kind, ErrorKind::limit)
      << "a piece larger than allowed";
  EXPECT_EQ(m_service->complete(m_ana, t).error().kind, ErrorKind::invalid) << "not whole yet";
  for (std::size_t at = 64; at < 300; at += 64)
    ASSERT_TRUE(m_service->upload(m_ana, t, f, std::int64_t(at), bytes.substr(at, 64)));
  EXPECT_EQ(m_service->upload(m_ana, t, f, 300, "x").error().kind, ErrorKind::limit) << "past the declared size";
  ASSERT_TRUE(m_service->complete(m_ana, t));
  EXPECT_EQ(m_service->upload(m_ana, t, f, 300, "").error().kind, ErrorKind::invalid)
      << "a complete transfer's files no longer change";

  auto d = m_service->download(made.token, f);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->file.name, "big.bin");
  EXPECT_EQ(read_all(*d), bytes);
  m_service->count_download(t);
  EXPECT_EQ(m_service->find(m_ana, t)->downloads, 1);
  // A resumed download reads from where it stopped.
  auto resumed = m_service->download(made.token, f).value();
  resumed.reader->seek(250);
  EXPECT_EQ(read_all(resumed), bytes.substr(250));
  EXPECT_FALSE(m_service->download(made.token, f + 1)) << "a file of no such id behind the link";
  EXPECT_FALSE(m_service->download(made.token + "x", f));
  EXPECT_FALSE(m_service->by_token(""));
}

TEST_F(TransferTest, AnotherAccountReachesNothing) {
  auto made = whole("secret bytes");
  auto t = made.transfer.id, f = made.transfer.files[0].id;
  EXPECT_EQ(m_service->find(m_eve, t).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_service->remove(m_eve, t).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(m_service->list(m_eve)->empty());
  auto eves = m_service->create(m_eve, m_other_org, {{"e.txt", "", 5}}, 1);
  ASSERT_TRUE(eves) << eves.error().message;
  EXPECT_EQ(m_service->upload(m_eve, eves->transfer.id, f, 0, "abcde").error().kind, ErrorKind::not_found)
      << "Ana's file through Eve's transfer";
  EXPECT_EQ(m_service->upload(m_eve, t, f, 0, "abcde").error().kind, ErrorKind::not_found);
  ASSERT_EQ(m_service->list(m_ana)->size(), 1u);
  EXPECT_TRUE(m_service->remove(m_ana, t));
  EXPECT_FALSE(m_service->by_token(made.token)) << "deleted: the link is dead";
  EXPECT_FALSE(std::filesystem::exists(m_dir / "transfers" / std::to_string(t))) << "and its files gone";
}

TEST_F(TransferTest, Limits) {
  auto too_many = m_service->create(m_ana, m_org, {{"a", "", 1}, {"b", "", 1}, {"c", "", 1}, {"d", "", 1}}, 0);
  EXPECT_EQ(too_many.error().kind, ErrorKind::limit);
  EXPECT_EQ(m_service->create(m_ana, m_org, {{"a", "", 1001}}, 0).error().kind, ErrorKind::limit);
  EXPECT_EQ(m_service->create(m_ana, m_org, {{"a", "", -1}}, 0).error().kind, ErrorKind::invalid);
  EXPECT_EQ(m_service->create(m_ana, m_org, {}, 0).error().kind, ErrorKind::invalid);
  EXPECT_EQ(m_service->create(m_ana, m_org, {{"a", "", 1}}, 31).error().kind, ErrorKind::invalid);
  ASSERT_TRUE(m_service->create(m_ana, m_org, {{"a", "", 1000}}, 1));
  EXPECT_EQ(m_service->create(m_ana, m_org, {{"b", "", 501}}, 0).error().kind, ErrorKind::over_quota)
      << "1,500 bytes for the account's links together";
  m_clock.advance(kDay + 1);
  EXPECT_TRUE(m_service->create(m_ana, m_org, {{"b", "", 1000}}, 0)) << "the first has expired";
}

TEST_F(TransferTest, SizesCannotWrapAround) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(m_service->create(m_ana, m_org, {{"a", "", kMax}, {"b", "", kMax}}, 0).error().kind, ErrorKind::limit);
  EXPECT_EQ(m_service->create(m_ana, m_org, {{"a", "", 1LL << 62}, {"b", "", 1LL << 62}, {"c", "", 1LL << 62}}, 0)
                .error()
                .kind,
            ErrorKind::limit)
      << "three quarters of 2^64 are no small number";
}

TEST_F(TransferTest, AnotherAccountCannotHoldAnUploadUp) {
  auto made = m_service->create(m_ana, m_org, {{"a.bin", "", 10}}, 0).value();
  auto t = made.transfer.id, f = made.transfer.files[0].id;
  EXPECT_EQ(m_service->upload(m_eve, t, f, 0, "x").error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_service->complete(m_eve, t).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(m_service->upload(m_ana, t, f, 0, "abcde"));
}

TEST_F(TransferTest, AnUploadStillGoingIsNotSwept) {
  auto made = m_service->create(m_ana, m_org, {{"slow.bin", "", 4}}, 0).value();
  auto t = made.transfer.id, f = made.transfer.files[0].id;
  for (int i = 0; i < 4; ++i) {
    m_clock.advance(kDay - 60);
    ASSERT_TRUE(m_service->upload(m_ana, t, f, i, "x")) << "piece " << i;
    EXPECT_EQ(m_service->sweep().value(), 0u) << "written to within the day";
  }
  EXPECT_TRUE(m_service->complete(m_ana, t)) << "nearly four days after it was made";
}

TEST_F(TransferTest, ADeletedLinkStopsDownloadsUnderWay) {
  auto made = whole(std::string(300, 'z'));
  auto d = m_service->download(made.token, made.transfer.files[0].id).value();
  EXPECT_EQ(d.reader->next(100).value(), std::string(100, 'z'));
  ASSERT_TRUE(m_service->remove(m_ana, made.transfer.id));
  EXPECT_FALSE(d.reader->next(100)) << "the open file is read no further";
}

TEST_F(TransferTest, TheDiskKeepsRoomForMail) {
  TransferService strict(*m_store, *m_files, m_keyring, m_clock, TransferLimits{.min_free_bytes = 1ULL << 62});
  auto refused = strict.create(m_ana, m_org, {{"a.bin", "", 1}}, 0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::temporary);
  EXPECT_TRUE(m_service->list(m_ana)->empty()) << "nothing was made";
}

TEST_F(TransferTest, NamesAndTypes) {
  auto made = m_service
                  ->create(m_ana, m_org,
                           {{"C:\\Users\\ana\\report.pdf", "Application/PDF", 1},
                            {"../../etc/report.pdf", "text/html; charset=x", 1},
                            {" .\x01hidden. ", "bogus", 1}},
                           0)
                  .value();
  EXPECT_EQ(made.transfer.files[0].name, "report.pdf");
  EXPECT_EQ(made.transfer.files[0].content_type, "application/pdf");
  EXPECT_EQ(made.transfer.files[1].name, "report (2).pdf") << "saved side by side, neither overwrites the other";
  EXPECT_EQ(made.transfer.files[1].content_type, "application/octet-stream");
  EXPECT_EQ(made.transfer.files[2].name, "hidden");
  EXPECT_EQ(safe_file_name("...").value(), "file");
  EXPECT_EQ(safe_file_name("résumé.txt").value(), "résumé.txt");
  EXPECT_EQ(safe_file_name("invoice\u202Efdp.exe").value(), "invoicefdp.exe") << "no right-to-left override";
  EXPECT_EQ(safe_file_name("a\u2066b\u2069.txt").value(), "ab.txt");
  EXPECT_FALSE(safe_file_name(std::string(256, 'a')));
}

TEST_F(TransferTest, TheSweeperRemovesWhatEnded) {
  auto kept = whole("kept");
  auto expiring = m_service->create(m_ana, m_org, {{"old.bin", "", 3}}, 1).value();
  ASSERT_TRUE(m_service->upload(m_ana, expiring.transfer.id, expiring.transfer.files[0].id, 0, "old"));
  ASSERT_TRUE(m_service->complete(m_ana, expiring.transfer.id));
  auto abandoned = m_service->create(m_ana, m_org, {{"half.bin", "", 4}}, 0).value();
  ASSERT_TRUE(m_service->upload(m_ana, abandoned.transfer.id, abandoned.transfer.files[0].id, 0, "ha"));
  // A folder whose transfer went with its user.
  std::filesystem::create_directories(m_dir / "transfers" / "999");
  EXPECT_EQ(m_service->sweep().value(), 0u) << "nothing has ended yet";
  EXPECT_FALSE(std::filesystem::exists(m_dir / "transfers" / "999"));

  m_clock.advance(kDay + 1);
  EXPECT_EQ(m_service->sweep().value(), 2u) << "the expired one and the upload left for a day";
  EXPECT_FALSE(std::filesystem::exists(m_dir / "transfers" / std::to_string(expiring.transfer.id)));
  EXPECT_FALSE(std::filesystem::exists(m_dir / "transfers" / std::to_string(abandoned.transfer.id)));
  EXPECT_FALSE(m_service->find(m_ana, abandoned.transfer.id));
  auto d = m_service->download(kept.token, kept.transfer.files[0].id);
  ASSERT_TRUE(d);
  EXPECT_EQ(read_all(*d), "kept");
}

TEST_F(TransferTest, EmptyFiles) {
  auto made0 = m_service->create(m_ana, m_org, {{"empty.txt", "text/plain", 0}}, 0);
  ASSERT_TRUE(made0) << made0.error().message << " " << made0.error().detail;
  auto made = *made0;
  ASSERT_TRUE(m_service->complete(m_ana, made.transfer.id)) << "nothing to wait for";
  auto d = m_service->download(made.token, made.transfer.files[0].id);
  ASSERT_TRUE(d) << d.error().message << " " << d.error().detail;
  EXPECT_FALSE(d->reader);
}

}  // namespace
}  // namespace estafeta::drive
