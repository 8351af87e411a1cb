// Passwords that people choose (account logins): Argon2id, libsodium's
// interactive limits (~170 ms and 64 MiB here). Slow on purpose: call from a
// worker thread, never from an io_context thread.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace estafeta::auth {

inline constexpr std::size_t kMinPasswordLength = 10;
inline constexpr std::size_t kMaxPasswordLength = 1024;

// Checks length rules; invalid with a message that says what is wanted.
Status check_password_policy(std::string_view password);

// The PHC string ("$argon2id$v=19$m=…"), salt included.
Result<std::string> hash_password(std::string_view password);

// Constant time in the password; false on a malformed hash.
bool verify_password(const std::string& hash, std::string_view password);

}  // namespace estafeta::auth
