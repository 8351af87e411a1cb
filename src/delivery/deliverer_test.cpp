#include "delivery/deliverer.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "core/testing.hpp"

namespace estafeta::delivery {
namespace {

std::string message(int i, const std::string& subject = "Hello") {
  return fmt::format(
      "From: Ana <ana@example.org>\r\nTo: team@o.example\r\nSubject: {} {}\r\n"
      "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m{}@example.org>\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n\r\nBody number {} with the word pelícano.\r\n",
      subject, i, i, i);
}

class DelivererTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { mime::init(); }
  void SetUp() override { open(); }
  void open() {
    m_deliverer.reset();
    m_store = store::open_sqlite_store({m_dir / "db", true}).value();
    m_blobs = store::BlobStore::open(m_dir / "blobs", m_store.get()).value();
    mime::Limits limits;
    limits.max_size = 1024 * 1024;
    m_deliverer = std::make_unique<Deliverer>(*m_store, *m_blobs, m_bus, limits);
  }
  store::Address address(const std::string& local) {
    if (m_domain.id == 0) {
      auto org = m_store->create_organisation("O").value();
      auto svc = m_store->create_service(org.id, "s").value();
      m_domain = m_store->add_domain(svc.id, "o.example", "").value();
    }
    return m_store->create_address(m_domain.id, local).value();
  }

  testing::TempDir m_dir{"deliver"};
  EventBus m_bus;
  std::unique_ptr<store::Store> m_store;
  std::unique_ptr<store::BlobStore> m_blobs;
  std::unique_ptr<Deliverer> m_deliverer;
  store::Domain m_domain;
};

TEST_F(DelivererTest, StoresIndexesAndNotifies) {
  auto a = address("team");
  auto inbox = m_deliverer->inbox_of(a.id).value();
  std::vector<Event> events;
  auto sub = m_bus.subscribe([&](const Event& e) { events.push_back(e); });
  auto r = m_deliverer->deliver(message(1), {{inbox, store::flag_seen, {}, 1700000000}});
  ASSERT_TRUE(r) << r.error().message << r.error().detail;
  ASSERT_EQ(r->size(), 1u);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::message_appended);
  EXPECT_EQ(events[0].mailbox_id, inbox.id);
  EXPECT_EQ(events[0].address_id, a.id);
  EXPECT_EQ(events[0].uid, (*r)[0].uid);

  auto m = m_store->message(inbox, (*r)[0].uid).value();
  EXPECT_EQ(m.size, message(1).size());
  EXPECT_EQ(m.internal_date, 1700000000);
  EXPECT_EQ(m_blobs->get(m.blob_hash).value(), message(1)) << "bytes kept exactly";
  auto info = m_store->blob_info(m.blob_id).value();
  EXPECT_EQ(info.subject, "Hello 1");
  EXPECT_EQ(info.from_address, "ana@example.org");
  EXPECT_EQ(info.message_id, "m1@example.org");
  EXPECT_EQ(info.structure.envelope.subject, "Hello 1");
  EXPECT_EQ(info.structure.root.subtype, "plain");
  EXPECT_EQ(m_store->search_text(inbox, "pelícano", store::TextScope::whole).value(),
            std::vector<std::uint32_t>{(*r)[0].uid});
}

TEST_F(DelivererTest, OneBlobForManyRecipients) {
  auto a = address("a");
  auto b = address("b");
  auto count_files = [&] {
    int files = 0;
    for (auto& e : std::filesystem::recursive_directory_iterator(m_dir / "blobs"))
      if (e.is_regular_file()) ++files;
    return files;
  };
  // A small message lives in the database, a large one in one file; either
  // way one copy serves both recipients.
  auto large = message(3) + std::string(store::BlobStore::kInlineLimit, 'y') + "\r\n";
  int expected_files = 0;
  for (const auto& bytes : {message(2), large}) {
    auto r = m_deliverer->deliver(
        bytes, {{m_deliverer->inbox_of(a.id).value(), 0, {}, 1}, {m_deliverer->inbox_of(b.id).value(), 0, {}, 1}});
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 2u);
    auto ma = m_store->message({a.id, (*r)[0].mailbox_id}, (*r)[0].uid).value();
    auto mb = m_store->message({b.id, (*r)[1].mailbox_id}, (*r)[1].uid).value();
    EXPECT_EQ(ma.blob_id, mb.blob_id);
    bool in_file = bytes.size() > store::BlobStore::kInlineLimit;
    expected_files += in_file;
    EXPECT_EQ(count_files(), expected_files);
    EXPECT_EQ(m_blobs->contains(ma.blob_hash), in_file);
    EXPECT_EQ(m_store->blob_data(ma.blob_hash).value().has_value(), !in_file);
    EXPECT_EQ(m_blobs->get(ma.blob_hash).value(), bytes) << "bytes kept exactly, wherever they are";
  }
}

TEST_F(DelivererTest, RefusesWithoutLanding) {
  auto a = address("a");
  auto inbox = m_deliverer->inbox_of(a.id).value();
  auto big = m_deliverer->deliver(std::string(2 * 1024 * 1024, 'x'), {{inbox, 0, {}, 1}});
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().kind, ErrorKind::limit);
  auto none = m_deliverer->deliver(message(3), {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::invalid);
  auto bad = m_deliverer->deliver(message(4), {{inbox, 0, {}, 1}, {{a.id, 424242}, 0, {}, 1}});
  ASSERT_FALSE(bad);
  EXPECT_TRUE(m_store->list_messages(inbox).value().empty());
}

TEST_F(DelivererTest, AThousandMessagesSurviveReopen) {
  auto a = address("bulk");
  auto inbox = m_deliverer->inbox_of(a.id).value();
  for (int i = 0; i < 1000; ++i) {
    auto r = m_deliverer->deliver(message(i, "Bulk"), {{inbox, 0, {}, 1700000000 + i}});
    ASSERT_TRUE(r) << i << ": " << r.error().message;
    ASSERT_EQ((*r)[0].uid, static_cast<std::uint32_t>(i + 1));
  }
  open();
  auto msgs = m_store->list_messages(inbox).value();
  ASSERT_EQ(msgs.size(), 1000u);
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    ASSERT_EQ(msgs[i].uid, i + 1);
    ASSERT_EQ(msgs[i].internal_date, 1700000000 + static_cast<long>(i));
  }
  EXPECT_EQ(m_store->blob_info(msgs[999].blob_id).value().subject, "Bulk 999");
  EXPECT_EQ(m_blobs->get(msgs[500].blob_hash).value(), message(500, "Bulk"));
  EXPECT_EQ(m_store->integrity_check().value(), "");
  EXPECT_EQ(m_store->mailbox(inbox).value().uidnext, 1001u);
}

}  // namespace
}  // namespace estafeta::delivery
