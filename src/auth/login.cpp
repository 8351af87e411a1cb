#include "auth/login.hpp"

#include <optional>

namespace estafeta::auth {

Result<store::LoginCandidate> authenticate_device(store::Accounts& store, const DeviceKeyring& keyring,
                                                  const std::string& address, std::string_view password,
                                                  const std::string& ip, store::Time now) {
  auto candidates = TRY(store.login_candidates(address));
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    // Same work for every candidate: no early exit.
    bool ok = keyring.matches(candidates[i].device.hash, password);
    if (ok && !found) found = i;
  }
  if (!found) return fail(ErrorKind::permission, kLoginFailed);
  auto who = std::move(candidates[*found]);
  if (who.service_locked)
    return fail(ErrorKind::in_use, "the mail service of this address is locked by its administrator");
  TRY(store.touch_device_password(who.device.id, now, ip));
  // The session keeps who logged in, not the secrets that proved it: the
  // device password's keyed hash and the account password's hash are
  // dropped here (and with them their memory in every open connection).
  std::string().swap(who.device.hash);
  std::string().swap(who.user.password_hash);
  return who;
}

}  // namespace estafeta::auth
