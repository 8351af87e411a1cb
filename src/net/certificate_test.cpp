#include "net/certificate.hpp"

#include <gtest/gtest.h>

#include "core/fs.hpp"
#include "core/testing.hpp"

namespace estafeta::net {
namespace {

TEST(Certificate, SelfSignedIsMadeOnceAndReused) {
  testing::TempDir dir("cert");
  auto first = ensure_certificate({}, {}, dir / "tls", "mail.example.org");
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_TRUE(first->generated);
  auto fp1 = certificate_fingerprint(first->cert).value();
  EXPECT_EQ(fp1.size(), 32u * 3 - 1);
  auto pem = read_file(first->cert).value();
  EXPECT_TRUE(pem.starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_TRUE(read_file(first->key).value().find("PRIVATE KEY") != std::string::npos);
  EXPECT_EQ(std::filesystem::status(first->key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  auto second = ensure_certificate({}, {}, dir / "tls", "mail.example.org");
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->generated);
  EXPECT_EQ(certificate_fingerprint(second->cert).value(), fp1);
}

TEST(Certificate, ConfiguredFilesMustExist) {
  testing::TempDir dir("cert-conf");
  auto r = ensure_certificate(dir / "missing.pem", dir / "missing.key", dir / "tls", "h");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("missing.pem"), std::string::npos);
  ASSERT_TRUE(write_file_durably(dir / "junk.pem", "not a certificate"));
  EXPECT_FALSE(certificate_fingerprint(dir / "junk.pem"));
}

}  // namespace
}  // namespace estafeta::net
