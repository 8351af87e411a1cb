#include "web/app.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "core/testing.hpp"
#include "web/app_files_embedded.hpp"

namespace estafeta::web {
namespace {

Request get(std::string target, std::map<std::string, std::string> headers = {}) {
  return Request{"GET", std::move(target), std::move(headers), "", "127.0.0.1", false};
}

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(m_dir / "assets");
    write("index.html", "<!doctype html><title>Estafeta</title><script type=module src=/assets/app-1a2b.js></script>");
    write("assets/app-1a2b.js", "console.log('app')");
    write("favicon.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    write(".env", "SECRET=1");
    m_files = app_folder(m_dir.path());
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(m_dir / name) << text; }

  testing::TempDir m_dir{"app"};
  std::unique_ptr<AppFiles> m_files;
};

TEST_F(AppTest, TheAppsPagesAreIndexHtmlUnderItsPolicy) {
  for (auto target : {"/", "/index.html", "/mail/inbox", "/settings?tab=identities"}) {
    auto r = serve_app(*m_files, get(target));
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << target;
    EXPECT_TRUE(r.body.starts_with("<!doctype html>")) << target;
    EXPECT_EQ(r.headers["content-security-policy"], kAppPolicy);
    EXPECT_EQ(r.headers["cache-control"], "no-cache") << "index.html is revalidated, so a new build shows at once";
    EXPECT_EQ(r.headers["referrer-policy"], "no-referrer");
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
    EXPECT_NE(r.headers["content-security-policy"].find("frame-ancestors 'none'"), std::string::npos);
  }
  EXPECT_EQ(kAppPolicy.find("'unsafe-eval'"), std::string_view::npos);
  EXPECT_NE(kAppPolicy.find("script-src 'self';"), std::string_view::npos) << "no inline script";
}

TEST_F(AppTest, HashedFilesAreImmutableAndMissingFilesAreNotThePage) {
  auto js = serve_app(*m_files, get("/assets/app-1a2b.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, "console.log('app')");
  EXPECT_EQ(js.headers["cache-control"], "public, max-age=31536000, immutable");
  EXPECT_EQ(serve_app(*m_files, get("/favicon.svg")).headers["cache-control"], "no-cache");
  EXPECT_EQ(serve_app(*m_files, get("/assets/app-0000.js")).status, 404);
  EXPECT_EQ(serve_app(*m_files, get("/robots.txt")).status, 404);
}

TEST_F(AppTest, NothingOutsideTheFolderOrHiddenIsServed) {
  std::ofstream(m_dir.path().parent_path() / "outside.txt") << "not yours";
  for (auto target : {"/../outside.txt", "/assets/../../outside.txt", "/.env", "/assets/%2e%2e/index.html",
                      "/assets//app-1a2b.js", "/assets/", "/assets/.", "//etc/passwd"}) {
    auto r = serve_app(*m_files, get(target));
    EXPECT_TRUE(r.status == 404 || r.body.starts_with("<!doctype html>")) << target << " → " << r.body;
    EXPECT_EQ(r.body.find("not yours"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << target;
  }
  std::filesystem::remove(m_dir.path().parent_path() / "outside.txt");
  auto post = serve_app(*m_files, Request{"POST", "/", {}, "x", "127.0.0.1", false});
  EXPECT_EQ(post.status, 404);
}

TEST_F(AppTest, AnUnchangedFileIsNotSentAgain) {
  auto first = serve_app(*m_files, get("/"));
  auto etag = first.headers["etag"];
  ASSERT_GE(etag.size(), 3u);
  EXPECT_EQ(etag.front(), '"');
  auto again = serve_app(*m_files, get("/", {{"if-none-match", "\"x\", " + etag}}));
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(serve_app(*m_files, get("/", {{"if-none-match", "W/" + etag}})).status, 304) << "weak comparison";
  write("index.html", "<!doctype html><title>Estafeta 2</title>");
  auto changed = serve_app(*m_files, get("/", {{"if-none-match", etag}}));
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.headers["etag"], etag);
}

TEST(AcceptEncoding, CodingsAndTheirWeights) {
  auto a = accepted_codings("gzip, deflate, br");
  EXPECT_TRUE(a.gzip);
  EXPECT_TRUE(a.brotli);
  a = accepted_codings("br;q=0, gzip;q=0.5");
  EXPECT_FALSE(a.brotli);
  EXPECT_TRUE(a.gzip);
  a = accepted_codings("GZIP;q=0.000,BR;Q=1");
  EXPECT_FALSE(a.gzip);
  EXPECT_TRUE(a.brotli);
  a = accepted_codings("");
  EXPECT_FALSE(a.gzip || a.brotli);
  a = accepted_codings("identity");
  EXPECT_FALSE(a.gzip || a.brotli);
}

// The app built into this binary (when the build had Node.js): index.html
// is there, every file has its validator, and compressed forms are served
// only to clients that take them.
TEST(EmbeddedApp, ServesTheBuiltFilesInTheCodingAsked) {
#ifndef ESTAFETA_WEB_APP_EMBEDDED
  GTEST_SKIP() << "this binary was built without the web app (ESTAFETA_WEB_APP=OFF, or no web/ folder)";
#endif
  auto app = embedded_app();
  ASSERT_NE(app, nullptr);
  auto files = embedded::files();
  ASSERT_FALSE(files.empty());
  bool compressed = false;
  for (auto& f : files) {
    EXPECT_TRUE(f.path.starts_with("/")) << f.path;
    EXPECT_EQ(f.immutable, f.path.starts_with("/assets/")) << f.path;
    EXPECT_GT(f.etag.size(), 2u) << f.path;
    if (!f.gzip.empty()) {
      EXPECT_LT(f.gzip.size(), f.identity.size()) << f.path;
    }
    if (!f.brotli.empty()) {
      EXPECT_LT(f.brotli.size(), f.identity.size()) << f.path;
    }
    compressed = compressed || !f.brotli.empty();
  }
  EXPECT_TRUE(compressed) << "the app's scripts compress";
  auto plain = serve_app(*app, get("/"));
  ASSERT_EQ(plain.status, 200);
  EXPECT_NE(plain.body.find("<script"), std::string::npos);
  EXPECT_EQ(plain.headers.count("content-encoding"), 0u);
  // A hashed file that compresses is sent in brotli to a client that takes
  // it, as another representation with its own validator.
  auto hashed = std::find_if(files.begin(), files.end(), [](auto& f) { return f.immutable && !f.brotli.empty(); });
  ASSERT_NE(hashed, files.end()) << "the app's scripts compress";
  auto identity = serve_app(*app, get(std::string(hashed->path)));
  auto br = serve_app(*app, get(std::string(hashed->path), {{"accept-encoding", "gzip, br"}}));
  EXPECT_EQ(br.headers["content-encoding"], "br");
  EXPECT_EQ(br.body, hashed->brotli);
  EXPECT_EQ(identity.body, hashed->identity);
  EXPECT_LT(br.body.size(), identity.body.size());
  EXPECT_NE(br.headers["etag"], identity.headers["etag"]) << "another representation, another strong validator";
}

}  // namespace
}  // namespace estafeta::web
