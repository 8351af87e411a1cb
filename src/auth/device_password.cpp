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
  TRY(write_file_durably(key_file, std::string_view(reinterpret_cast<const char*>(k.m_key.data()), k.m_key.size()),
                         0600));
  return k;
}

DeviceKeyring DeviceKeyring::from_key(std::string_view key32) {
  DeviceKeyring k;
  for (std::size_t i = 0; i < k.m_key.size() && i < key32.size(); ++i)
    k.m_key[i] = static_cast<unsigned char>(key32[i]);
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

namespace {

constexpr unsigned char kSealVersion = 1;

// BLAKE2b keyed with the server key over the purpose: one independent key
// per purpose, so a value sealed for one use never opens for another.
std::array<unsigned char, crypto_secretbox_KEYBYTES> purpose_key(const std::array<unsigned char, 32>& master,
                                                                 std::string_view purpose) {
  std::array<unsigned char, crypto_secretbox_KEYBYTES> key{};
  std::string input = "estafeta-seal:";
  input += purpose;
  crypto_generichash(key.data(), key.size(), reinterpret_cast<const unsigned char*>(input.data()), input.size(),
                     master.data(), master.size());
  return key;
}

}  // namespace

std::string DeviceKeyring::seal(std::string_view plaintext, std::string_view purpose) const {
  if (sodium_init() < 0) std::abort();
  auto key = purpose_key(m_key, purpose);
  std::string out(1 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  p[0] = kSealVersion;
  randombytes_buf(p + 1, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(p + 1 + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), p + 1, key.data());
  sodium_memzero(key.data(), key.size());
  return out;
}

Result<std::string> DeviceKeyring::open(std::string_view sealed, std::string_view purpose) const {
  constexpr std::size_t overhead = 1 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
  if (sealed.size() < overhead || static_cast<unsigned char>(sealed[0]) != kSealVersion)
    return fail(ErrorKind::invalid, "a sealed secret is damaged");
  auto key = purpose_key(m_key, purpose);
  std::string out(sealed.size() - overhead, '\0');
  auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  int rc =
      crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(out.data()), in + 1 + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - 1 - crypto_secretbox_NONCEBYTES, in + 1, key.data());
  sodium_memzero(key.data(), key.size());
  if (rc != 0) return fail(ErrorKind::invalid, "a sealed secret does not open with this server's key");
  return out;
}

bool DeviceKeyring::matches(std::string_view stored_hash, std::string_view password) const {
  auto h = hash(password);
  if (stored_hash.size() != h.size()) return false;
  return sodium_memcmp(stored_hash.data(), h.data(), h.size()) == 0;
}

}  // namespace estafeta::auth
