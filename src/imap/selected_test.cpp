// SelectedMailbox::place against seq_of: for any ascending list of UIDs
// (present, expunged, never given, beyond the last), the pairs are those
// of the UIDs present, with their sequence numbers.
#include "imap/selected.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "core/testing.hpp"
#include "store/tenant_testing.hpp"

namespace estafeta::imap {
namespace {

using Pairs = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

class SelectedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_sqlite_store({(m_dir.path() / "db.sqlite").string(), true});
    ASSERT_TRUE(s) << s.error().message;
    m_store = std::move(*s);
    m_box = m_store->find_mailbox(testing::make_tenant(*m_store).address.id, "INBOX").value();
  }

  std::vector<std::uint32_t> append(int n) {
    std::vector<std::uint32_t> out;
    for (int i = 0; i < n; ++i) {
      store::BlobInfo b;
      b.hash = "h" + std::to_string(m_next++);
      b.size = 100;
      auto r = m_store->append_messages(b, {{m_box.ref(), 0, {}, 1000}});
      EXPECT_TRUE(r) << r.error().detail;
      if (r) out.push_back((*r)[0].uid);
    }
    return out;
  }

  static Pairs by_seq_of(const SelectedMailbox& view, const std::vector<std::uint32_t>& uids) {
    Pairs out;
    for (auto uid : uids)
      if (auto seq = view.seq_of(uid)) out.emplace_back(*seq, uid);
    return out;
  }

  testing::TempDir m_dir{"selected"};
  std::unique_ptr<store::Store> m_store;
  store::Mailbox m_box;
  int m_next = 0;
};

TEST_F(SelectedTest, PlacesAscendingUidsAsSeqOfDoes) {
  auto uids = append(300);
  std::mt19937 rng(7);
  // Gaps: single UIDs, a run of 40, the first and the last.
  std::vector<std::uint32_t> gone{uids.front(), uids.back()};
  for (int i = 0; i < 30; ++i) gone.push_back(uids[1 + rng() % 298]);
  for (int i = 100; i < 140; ++i) gone.push_back(uids[i]);
  std::sort(gone.begin(), gone.end());
  gone.erase(std::unique(gone.begin(), gone.end()), gone.end());
  ASSERT_TRUE(m_store->expunge(m_box.ref(), gone));
  m_box = m_store->find_mailbox(m_box.address_id, "INBOX").value();
  auto view = SelectedMailbox::open(*m_store, m_box, true);
  ASSERT_TRUE(view) << view.error().message;
  auto& v = **view;
  ASSERT_EQ(v.exists(), 300 - gone.size());

  EXPECT_TRUE(v.place({}).empty());
  EXPECT_EQ(v.place(v.uids()), by_seq_of(v, v.uids())) << "every UID present";
  EXPECT_EQ(v.place(gone), Pairs{}) << "only expunged ones";
  std::vector<std::uint32_t> beyond{uids.back() + 1, uids.back() + 1000, 4294967295u};
  EXPECT_EQ(v.place(beyond), Pairs{});
  for (int round = 0; round < 200; ++round) {
    // Dense and sparse choices among 0 … last + 5.
    std::vector<std::uint32_t> ask;
    auto keep = 1 + rng() % 100;
    for (std::uint32_t uid = 0; uid <= uids.back() + 5; ++uid)
      if (rng() % 100 < keep) ask.push_back(uid);
    ASSERT_EQ(v.place(ask), by_seq_of(v, ask)) << "round " << round << ", " << ask.size() << " UIDs asked";
  }
}

}  // namespace
}  // namespace estafeta::imap
