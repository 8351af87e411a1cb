// CaresResolver::at_hand: the cache alone, never the network. Against a
// UDP socket on 127.0.0.1 that never answers, so every real query fails
// after its timeout and is kept as a failure (LifetimeLimits::failure).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "dns/cares/cares_resolver.hpp"

namespace estafeta::dns {
namespace {

class Silent {
 public:
  Silent() {
    m_fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(m_fd, reinterpret_cast<sockaddr*>(&a), len), 0);
    EXPECT_EQ(::getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    m_port = ntohs(a.sin_port);
    EXPECT_NE(m_port, 0);
  }
  ~Silent() { ::close(m_fd); }
  std::string server() const { return "127.0.0.1:" + std::to_string(m_port); }

 private:
  int m_fd = -1;
  int m_port = 0;
};

std::unique_ptr<CaresResolver> resolver(const Silent& silent, std::size_t cache_entries) {
  CaresOptions o;
  o.servers = {silent.server()};
  o.timeout = std::chrono::milliseconds(100);
  o.tries = 1;
  o.cache_entries = cache_entries;
  o.cache_limits.failure = std::chrono::seconds(60);
  return CaresResolver::create(o).value();
}

TEST(AtHandTest, AnswersFromTheCacheAloneAndSaysWhatItMissed) {
  Silent silent;
  auto r = resolver(silent, 16);

  bool missed = false;
  auto view = r->at_hand(missed);
  ASSERT_NE(view, nullptr);
  auto started = std::chrono::steady_clock::now();
  auto first = view->txt("_dmarc.far.example");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(50)) << "no query was sent";
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().kind, ErrorKind::temporary);
  EXPECT_TRUE(missed);

  // The network's answer (a failure after the timeout) goes into the cache.
  auto asked = r->txt("_dmarc.far.example");
  ASSERT_FALSE(asked);
  EXPECT_EQ(asked.error().kind, ErrorKind::temporary);

  bool missed_again = false;
  auto again = r->at_hand(missed_again);
  auto held = again->txt("_DMARC.Far.Example.");  // the same name as lookups compare it
  ASSERT_FALSE(held);
  EXPECT_EQ(held.error().kind, ErrorKind::temporary);
  auto what = [](const std::string& detail) { return detail.substr(detail.find(':')); };  // after the name asked
  EXPECT_EQ(what(held.error().detail), what(asked.error().detail))
      << "what the cache holds reads as the lookup gave it";
  EXPECT_FALSE(missed_again);

  // Another type of the same name is not at hand.
  EXPECT_FALSE(again->a("_dmarc.far.example"));
  EXPECT_TRUE(missed_again);
}

TEST(AtHandTest, NothingIsAtHandWithoutACache) {
  Silent silent;
  bool missed = false;
  EXPECT_EQ(resolver(silent, 0)->at_hand(missed), nullptr);
  StaticResolver zone;
  EXPECT_EQ(zone.at_hand(missed), nullptr);
  EXPECT_FALSE(missed);
}

}  // namespace
}  // namespace estafeta::dns
