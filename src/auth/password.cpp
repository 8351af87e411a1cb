#include "auth/password.hpp"

#include <sodium.h>

#include <fmt/format.h>

namespace estafeta::auth {

Status check_password_policy(std::string_view password) {
  if (password.size() < kMinPasswordLength)
    return fail(ErrorKind::invalid,
                fmt::format("the password must be at least {} characters long", kMinPasswordLength));
  if (password.size() > kMaxPasswordLength)
    return fail(ErrorKind::invalid, fmt::format("the password must be at most {} characters long", kMaxPasswordLength));
  for (unsigned char c : password)
    if (c < 0x20 || c == 0x7f) return fail(ErrorKind::invalid, "the password must not contain control characters");
  return {};
}

Result<std::string> hash_password(std::string_view password) {
  if (sodium_init() < 0) return fail(ErrorKind::internal, "crypto library failed to start");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return fail(ErrorKind::temporary, "out of memory while hashing the password");
  return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
  if (sodium_init() < 0) return false;
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace estafeta::auth
