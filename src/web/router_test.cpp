#include "web/router.hpp"

#include <gtest/gtest.h>

#include "core/testing.hpp"
#include "mime/parsed_message.hpp"
#include "server/services.hpp"

namespace estafeta::web {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mime::init();
    auto config = std::make_shared<Config>();
    config->data_dir = m_dir.path();
    config->hostname = "mail.example.org";
    m_services = server::open_services(config).value();
    m_deps.emplace(Deps{.hostname = config->hostname, .accounts = *m_services->store});
  }
  testing::TempDir m_dir{"router"};
  std::unique_ptr<server::Services> m_services;
  std::optional<Deps> m_deps;
};

TEST_F(RouterTest, Health) {
  auto r = handle(*m_deps, Request{"GET", "/healthz?x=1", {}, "", "127.0.0.1", false});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{\"status\":\"ok\",\"hostname\":\"mail.example.org\"}\n");
  auto post = handle(*m_deps, Request{"POST", "/healthz", {}, "", "127.0.0.1", false});
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.headers["allow"], "GET, HEAD");
  EXPECT_EQ(handle(*m_deps, Request{"GET", "/nothing", {}, "", "127.0.0.1", false}).status, 404);
}

TEST_F(RouterTest, BodyLimits) {
  EXPECT_EQ(body_limit(*m_deps, "GET", "/healthz"), 0u);
  EXPECT_EQ(body_limit(*m_deps, "POST", "/healthz?x"), 0u) << "a route that takes no body takes none for any method";
  EXPECT_EQ(body_limit(*m_deps, "POST", "/anything"), kDefaultBodyLimit);
  EXPECT_EQ(body_limit(*m_deps, "GET", ""), kDefaultBodyLimit);
  EXPECT_EQ(handle(*m_deps, Request{"HEAD", "/healthz", {}, "", "127.0.0.1", false}).status, 200);
  EXPECT_EQ(handle(*m_deps, Request{"GETX", "/healthz", {}, "", "127.0.0.1", false}).status, 405);
}

}  // namespace
}  // namespace estafeta::web
