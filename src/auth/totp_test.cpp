#include "auth/totp.hpp"

#include <gtest/gtest.h>

namespace estafeta::auth {
namespace {

const std::string kRfcSecret = "12345678901234567890";  // RFC 4226 App. D, RFC 6238 App. B (SHA-1)

TEST(Base32, Rfc4648Vectors) {
  // RFC 4648 §10, without the padding.
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "MY"},
                                                         {"fo", "MZXQ"},
                                                         {"foo", "MZXW6"},
                                                         {"foob", "MZXW6YQ"},
                                                         {"fooba", "MZXW6YTB"},
                                                         {"foobar", "MZXW6YTBOI"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base32_encode(plain), encoded);
    EXPECT_EQ(base32_decode(encoded), std::string(plain));
  }
  EXPECT_EQ(base32_decode("mzxw 6ytb oi=="), std::string("foobar")) << "lower case, spaces and padding";
  EXPECT_EQ(base32_decode("MZXW1"), std::nullopt) << "1 is not in the alphabet";
}

TEST(Hotp, Rfc4226Vectors) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t c = 0; c < 10; ++c) EXPECT_EQ(hotp(kRfcSecret, c), expected[c]) << "counter " << c;
}

TEST(Totp, Rfc6238Vectors) {
  const std::pair<std::int64_t, const char*> vectors[] = {{59, "94287082"},         {1111111109, "07081804"},
                                                          {1111111111, "14050471"}, {1234567890, "89005924"},
                                                          {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (auto [time, code] : vectors) EXPECT_EQ(hotp(kRfcSecret, static_cast<std::uint64_t>(totp_step(time)), 8), code);
}

TEST(Totp, WindowAndReplay) {
  const std::int64_t now = 1'800'000'015;
  auto step = totp_step(now);
  auto code = [&](std::int64_t s) { return hotp(kRfcSecret, static_cast<std::uint64_t>(s)); };
  EXPECT_EQ(verify_totp(kRfcSecret, code(step), now, 0), step);
  EXPECT_EQ(verify_totp(kRfcSecret, code(step - 1), now, 0), step - 1) << "one step of drift is accepted";
  EXPECT_EQ(verify_totp(kRfcSecret, code(step + 1), now, 0), step + 1);
  EXPECT_EQ(verify_totp(kRfcSecret, code(step - 2), now, 0), std::nullopt) << "two steps are too far";
  EXPECT_EQ(verify_totp(kRfcSecret, code(step), now, step), std::nullopt) << "a used code is refused";
  EXPECT_EQ(verify_totp(kRfcSecret, code(step - 1), now, step), std::nullopt) << "so is an older one";
  EXPECT_EQ(verify_totp(kRfcSecret, "12345", now, 0), std::nullopt);
  EXPECT_EQ(verify_totp(kRfcSecret, "abcdef", now, 0), std::nullopt);
}

TEST(Totp, SecretsAndUri) {
  auto a = new_totp_secret();
  EXPECT_EQ(a.size(), kTotpSecretBytes);
  EXPECT_NE(a, new_totp_secret());
  EXPECT_EQ(otpauth_uri("Estafeta mail.example", "ana@example.com", kRfcSecret),
            "otpauth://totp/Estafeta%20mail.example:ana%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Estafeta%20mail.example&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace estafeta::auth
