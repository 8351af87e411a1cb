// Mail-protocol login (IMAP, POP3, SMTP AUTH): username = the full address,
// password = one of that address's device passwords (DESIGN §2.1).
#pragma once

#include <string>
#include <string_view>

#include "auth/device_password.hpp"
#include "core/result.hpp"
#include "store/accounts.hpp"

namespace estafeta::auth {

// The one message every failed login gets, whatever the reason was (unknown
// address, wrong or revoked password): nothing to learn from it.
inline constexpr const char* kLoginFailed = "invalid address or device password";

// Checks the password against every live device password of the address,
// without stopping at the first match (the work does not depend on which one
// matches). On success records last-used time and IP on the device, and
// returns the candidate without its secrets (device.hash and
// user.password_hash are empty).
// Errors: permission (kLoginFailed) for any mismatch; in_use when the mail
// service is locked (message says so); store errors pass through.
Result<store::LoginCandidate> authenticate_device(store::Accounts& store, const DeviceKeyring& keyring,
                                                  const std::string& address, std::string_view password,
                                                  const std::string& ip, store::Time now);

}  // namespace estafeta::auth
