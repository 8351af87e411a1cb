#include "manage/dkim_signer.hpp"

#include "manage/zone_records.hpp"

namespace estafeta::manage {

Result<dns::dkim::PrivateKey> DkimSigner::key_of(const store::DkimKey& key) {
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_keys.find(key.id); it != m_keys.end()) return it->second;
  }
  auto pem = m_keyring.open(key.sealed_private, dkim_seal_purpose());
  if (!pem)
    return fail(ErrorKind::internal, "a DKIM key does not open",
                "selector " + key.selector + ": " + pem.error().message);
  auto parsed = TRY(dns::dkim::PrivateKey::from_pem(*pem));
  std::lock_guard lock(m_mutex);
  if (m_keys.size() >= kMaxCachedKeys) m_keys.clear();
  m_keys.emplace(key.id, parsed);
  return parsed;
}

Result<std::string> DkimSigner::signatures(std::string_view message, const std::string& domain, std::int64_t now) {
  auto keys = TRY(m_store.signing_keys(domain));
  std::string out;
  for (auto& k : keys) {
    auto key = TRY(key_of(k));
    dns::dkim::SignOptions options;
    options.domain = domain;
    options.selector = k.selector;
    options.time = now;
    out += TRY(dns::dkim::sign(message, key, options));
  }
  return out;
}

}  // namespace estafeta::manage
