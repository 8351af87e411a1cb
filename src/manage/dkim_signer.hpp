// DKIM signatures for mail submitted from a served domain (RFC 6376 §5,
// RFC 8463): one per active key of the From domain, Ed25519 and RSA side by
// side, relaxed/relaxed. Private keys are opened from the store (sealed with
// the server key) once and kept by key id: a key never changes under its id.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "auth/device_password.hpp"
#include "core/result.hpp"
#include "dns/dkim.hpp"
#include "store/zones.hpp"

namespace estafeta::manage {

class DkimSigner {
 public:
  DkimSigner(store::Zones& store, const auth::DeviceKeyring& keyring) : m_store(store), m_keyring(keyring) {}

  // The DKIM-Signature fields to put in front of `message` (CRLF lines),
  // one per active key of `domain`; "" when the domain has none. Blocking
  // (the store). Errors: a key that does not open, a store error.
  Result<std::string> signatures(std::string_view message, const std::string& domain, std::int64_t now);

 private:
  static constexpr std::size_t kMaxCachedKeys = 10000;
  Result<dns::dkim::PrivateKey> key_of(const store::DkimKey& key);

  store::Zones& m_store;
  const auth::DeviceKeyring& m_keyring;
  std::mutex m_mutex;
  std::map<store::Id, dns::dkim::PrivateKey> m_keys;  // GUARDED_BY(m_mutex)
};

}  // namespace estafeta::manage
