#include "auth/totp.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>

#include <fmt/format.h>

namespace estafeta::auth {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// RFC 3986 unreserved characters stay; everything else is %XX.
std::string uri_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace

std::string base32_encode(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == ' ' || c == '=' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    auto v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

std::string new_totp_secret() {
  std::string s(kTotpSecretBytes, '\0');
  randombytes_buf(s.data(), s.size());
  return s;
}

std::string hotp(std::string_view secret, std::uint64_t counter, int digits) {
  std::array<unsigned char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), message.data(), message.size(), mac.data(), &length);
  // RFC 4226 §5.3: dynamic truncation.
  auto offset = mac[length - 1] & 0x0f;
  std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                         (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                         (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  std::uint32_t modulo = 1;
  for (int i = 0; i < digits; ++i) modulo *= 10;
  return fmt::format("{:0{}}", binary % modulo, digits);
}

std::int64_t totp_step(std::int64_t now) { return now >= 0 ? now / kTotpStep : 0; }

std::optional<std::int64_t> verify_totp(std::string_view secret, std::string_view code, std::int64_t now,
                                        std::int64_t last_used_step) {
  if (code.size() != static_cast<std::size_t>(kTotpDigits)) return std::nullopt;
  std::optional<std::int64_t> found;
  auto step = totp_step(now);
  // Every candidate is computed and compared: the time taken does not say which matched.
  for (auto s = step - kTotpWindow; s <= step + kTotpWindow; ++s) {
    if (s < 0) continue;
    auto expected = hotp(secret, static_cast<std::uint64_t>(s));
    if (CRYPTO_memcmp(expected.data(), code.data(), expected.size()) == 0 && s > last_used_step) found = s;
  }
  return found;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret) {
  // Key URI format: the label is "issuer:account" (the colon may stay literal).
  return fmt::format("otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={}&period={}", uri_escape(issuer),
                     uri_escape(account), base32_encode(secret), uri_escape(issuer), kTotpDigits, kTotpStep);
}

}  // namespace estafeta::auth
