#include "core/metrics.hpp"

#include <gtest/gtest.h>

namespace estafeta {
namespace {

TEST(Metrics, TextFormatHasEveryFamily) {
  Metrics m;
  m.connection_opened("imap");
  m.connection_opened("imap");
  m.connection_closed("imap");
  m.login("imap", true);
  m.login("web", false);
  m.delivery(0.003);
  m.set_sampler([] {
    return Metrics::Sample{
        .queue_messages = 4, .queue_oldest_seconds = 90, .text_index_backlog = 7, .text_index_backlog_bytes = 9000};
  });
  auto t = m.text();
  EXPECT_NE(t.find("# TYPE estafeta_open_connections gauge"), std::string::npos) << t;
  EXPECT_NE(t.find("estafeta_open_connections{protocol=\"imap\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("estafeta_logins_total{outcome=\"failure\",protocol=\"web\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("estafeta_delivery_seconds_bucket{le=\"0.005\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("estafeta_delivery_seconds_bucket{le=\"0.0025\"} 0"), std::string::npos) << t;
  EXPECT_NE(t.find("estafeta_queue_messages 4"), std::string::npos) << t;
  EXPECT_NE(t.find("estafeta_text_index_backlog 7"), std::string::npos) << t;
  EXPECT_NE(t.find("estafeta_text_index_backlog_bytes 9000"), std::string::npos) << t;
}

}  // namespace
}  // namespace estafeta
