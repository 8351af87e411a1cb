// Time-based one-time passwords for the second factor of web logins
// (DESIGN §2.2): TOTP (RFC 6238) over HOTP (RFC 4226) with HMAC-SHA-1,
// 6 digits, 30-second steps, the secret shown to the user in Base32
// (RFC 4648 §6) inside an otpauth:// URI (the key URI format every OTP app
// reads). Pure functions; the store keeps the secret sealed and the last
// step used, so a code is accepted once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace estafeta::auth {

inline constexpr int kTotpDigits = 6;
inline constexpr std::int64_t kTotpStep = 30;        // seconds
inline constexpr int kTotpWindow = 1;                // steps accepted on each side of now (clock drift)
inline constexpr std::size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226 §4 R6's recommendation

// RFC 4648 §6 Base32, upper case, without padding; decode also takes lower
// case, spaces and padding, and fails (nullopt) on any other character.
std::string base32_encode(std::string_view bytes);
std::optional<std::string> base32_decode(std::string_view text);

// A new random secret (raw bytes).
std::string new_totp_secret();

// RFC 4226 §5.3: the HOTP value of `counter`, `digits` long (6 to 8), as text
// with leading zeros.
std::string hotp(std::string_view secret, std::uint64_t counter, int digits = kTotpDigits);

// The time step of Unix time `now` (RFC 6238 §4.2, T0 = 0).
std::int64_t totp_step(std::int64_t now);

// The step `code` belongs to, within kTotpWindow steps of `now`, when that
// step is later than `last_used_step` (a code, or an older one, is never
// accepted twice); nullopt otherwise. Comparisons in constant time.
std::optional<std::int64_t> verify_totp(std::string_view secret, std::string_view code, std::int64_t now,
                                        std::int64_t last_used_step);

// otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view secret);

}  // namespace estafeta::auth
