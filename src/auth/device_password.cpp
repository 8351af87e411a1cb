#include "auth/device_password.hpp"

#include <sodium.h>

#include <cstdlib>

#include "core/fs.hpp"

namespace estafeta::auth {

namespace {
// No 0, 1, i, l (easily confused): 32 characters, 5 bits each.
constexpr char kAlphabet[] = "abcdefghjkmnopqrstuvwxyz23456789";
static_assert(sizeof kAlphabet - 1 == 32);
}  // namespace

std::string normalise_device_password(std::string_view password) {
  std::string out;
  out.reserve(password.size());
  for (char c : password) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out += c;
  }
  return out;
}

Result<DeviceKeyring> DeviceKeyring::load_or_create(const std::filesystem::path& key_file) {
  if (sodium_init() < 0) return fail(ErrorKind::internal, "crypto library failed to start");
  DeviceKeyring k;
  auto existing = read_file(key_file);
  if (existing) {
    if (existing->size() != k.m_key.size())
      return fail(ErrorKind::invalid, key_file.string() + " is damaged (expected 32 bytes)");
    std::copy(existing->begin(), existing->end(), k.m_key.begin());
    return k;
  }
  if (existing.error().kind != ErrorKind::not_found) return std::unexpected(existing.error());
  randombytes_buf(k.m_key.data(), k.m_key.size());
  TRY(write_file_durably(key_file, std::string_view(reinterpret_cast<const char*>(k.m_key.data()), k.m_key.size()), 0600));
  return k;
}

DeviceKeyring DeviceKeyring::from_key(std::string_view key32) {
  DeviceKeyring k;
  for (std::size_t i = 0; i < k.m_key.size() && i < key32.size(); ++i) k.m_key[i] = static_cast<unsigned char>(key32[i]);
  return k;
}

std::string DeviceKeyring::generate() {
  if (sodium_init() < 0) std::abort();
  // 32 characters × 5 bits = 160 bits; uniform since 32 is a power of two.
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i && i % 4 == 0) out += '-';
    out += kAlphabet[bytes[i] & 31];
  }
  return out;
}

std::string DeviceKeyring::hash(std::string_view password) const {
  auto norm = normalise_device_password(password);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, m_key.data(), m_key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(norm.data()), norm.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

bool DeviceKeyring::matches(std::string_view stored_hash, std::string_view password) const {
  auto h = hash(password);
  if (stored_hash.size() != h.size()) return false;
  return sodium_memcmp(stored_hash.data(), h.data(), h.size()) == 0;
}

}  // namespace estafeta::auth
