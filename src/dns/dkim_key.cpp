// DKIM private keys over OpenSSL's EVP interface: RSA (RFC 6376 §3.3.1,
// 2048 bits by default, RFC 8301 §3.2) and Ed25519 (RFC 8463).
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "core/base64.hpp"
#include "dns/dkim.hpp"

namespace estafeta::dns::dkim {

struct PrivateKey::Impl {
  EVP_PKEY* key = nullptr;
  ~Impl() { EVP_PKEY_free(key); }
};

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

std::optional<Algorithm> algorithm_of(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return Algorithm::rsa_sha256;
    case EVP_PKEY_ED25519: return Algorithm::ed25519_sha256;
    default: return std::nullopt;
  }
}

}  // namespace

Result<PrivateKey> PrivateKey::generate(Algorithm algorithm, int rsa_bits) {
  auto impl = std::make_shared<Impl>();
  impl->key = algorithm == Algorithm::ed25519_sha256
                  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                  : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(rsa_bits));
  if (!impl->key) return fail(ErrorKind::internal, "cannot generate a DKIM key");
  return PrivateKey(std::move(impl), algorithm);
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(ErrorKind::internal, "out of memory");
  auto impl = std::make_shared<Impl>();
  impl->key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!impl->key) return fail(ErrorKind::invalid, "not a PEM private key");
  auto algorithm = algorithm_of(impl->key);
  if (!algorithm) return fail(ErrorKind::invalid, "a DKIM key is RSA or Ed25519");
  if (*algorithm == Algorithm::rsa_sha256 && EVP_PKEY_get_bits(impl->key) < 1024)
    return fail(ErrorKind::invalid, "RSA keys under 1024 bits are not accepted (RFC 8301)");
  return PrivateKey(std::move(impl), *algorithm);
}

std::string PrivateKey::pem() const {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), m_impl->key, nullptr, nullptr, 0, nullptr, nullptr) != 1) return {};
  char* data = nullptr;
  auto len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string PrivateKey::public_record() const {
  std::string der;
  if (m_algorithm == Algorithm::ed25519_sha256) {
    std::size_t len = 32;
    der.resize(len);
    if (EVP_PKEY_get_raw_public_key(m_impl->key, reinterpret_cast<unsigned char*>(der.data()), &len) != 1) return {};
    der.resize(len);
    return "v=DKIM1; k=ed25519; p=" + base64_encode(der);
  }
  int len = i2d_PUBKEY(m_impl->key, nullptr);
  if (len <= 0) return {};
  der.resize(static_cast<std::size_t>(len));
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_PUBKEY(m_impl->key, &out);
  return "v=DKIM1; k=rsa; p=" + base64_encode(der);
}

Result<std::string> PrivateKey::sign_data(std::string_view data) const {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return fail(ErrorKind::internal, "out of memory");
  unsigned char hash[SHA256_DIGEST_LENGTH];
  const unsigned char* input = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t input_len = data.size();
  const EVP_MD* md = EVP_sha256();
  if (m_algorithm == Algorithm::ed25519_sha256) {
    // RFC 8463 §3: PureEdDSA over the SHA-256 hash of the data.
    SHA256(input, input_len, hash);
    input = hash;
    input_len = sizeof hash;
    md = nullptr;
  }
  std::size_t sig_len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, m_impl->key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len, input, input_len) != 1)
    return fail(ErrorKind::internal, "DKIM signing failed");
  std::string sig(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &sig_len, input, input_len) != 1)
    return fail(ErrorKind::internal, "DKIM signing failed");
  sig.resize(sig_len);
  return sig;
}

}  // namespace estafeta::dns::dkim
