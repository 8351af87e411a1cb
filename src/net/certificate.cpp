#include "net/certificate.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <ctime>
#include <memory>

#include <fmt/format.h>

#include "core/fs.hpp"

namespace estafeta::net {

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

std::unexpected<Error> ssl_error(std::string what) {
  return fail(ErrorKind::internal, "could not make a TLS certificate", std::move(what));
}

Result<std::string> bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n <= 0) return ssl_error("empty PEM");
  return std::string(data, static_cast<std::size_t>(n));
}

Status add_extension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return ssl_error(fmt::format("extension {}={}", nid, value));
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return {};
}

Status generate(const std::filesystem::path& cert_path, const std::filesystem::path& key_path,
                const std::string& hostname) {
  PKey key(EVP_EC_gen("P-256"));
  if (!key) return ssl_error("EC key generation");
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return ssl_error("random serial");
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 825L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Estafeta"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(hostname.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:" + hostname;
  if (hostname != "localhost") san += ",DNS:localhost";
  san += ",IP:127.0.0.1,IP:::1";
  TRY(add_extension(cert.get(), NID_subject_alt_name, san));
  TRY(add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  TRY(add_extension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  TRY(add_extension(cert.get(), NID_ext_key_usage, "serverAuth"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return ssl_error("sign");

  Bio key_bio(BIO_new(BIO_s_mem()));
  Bio cert_bio(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ||
      !PEM_write_bio_X509(cert_bio.get(), cert.get()))
    return ssl_error("PEM write");
  // Key first: a certificate without its key would be useless on restart.
  TRY(write_file_durably(key_path, TRY(bio_string(key_bio.get())), 0600));
  TRY(write_file_durably(cert_path, TRY(bio_string(cert_bio.get())), 0644));
  return {};
}

}  // namespace

Result<CertificateFiles> ensure_certificate(const std::filesystem::path& configured_cert,
                                            const std::filesystem::path& configured_key,
                                            const std::filesystem::path& tls_dir, const std::string& hostname) {
  if (!configured_cert.empty()) {
    for (auto& p : {configured_cert, configured_key})
      if (!read_file(p)) return fail(ErrorKind::not_found, fmt::format("tls: cannot read {}", p.string()));
    return CertificateFiles{configured_cert, configured_key, false};
  }
  CertificateFiles files{tls_dir / "cert.pem", tls_dir / "key.pem", false};
  std::error_code ec;
  if (std::filesystem::exists(files.cert, ec) && std::filesystem::exists(files.key, ec)) return files;
  TRY(make_directories(tls_dir, 0700));
  TRY(generate(files.cert, files.key, hostname));
  files.generated = true;
  return files;
}

Result<std::string> certificate_fingerprint(const std::filesystem::path& cert_path) {
  auto pem = TRY(read_file(cert_path));
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return fail(ErrorKind::invalid, fmt::format("{} is not a PEM certificate", cert_path.string()));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &n);
  std::string out;
  for (unsigned i = 0; i < n; ++i) out += fmt::format("{}{:02X}", i ? ":" : "", md[i]);
  return out;
}

Result<CertificateInfo> certificate_info(const std::filesystem::path& cert_path) {
  auto pem = TRY(read_file(cert_path));
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return fail(ErrorKind::invalid, fmt::format("{} is not a PEM certificate", cert_path.string()));
  CertificateInfo info;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    auto* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_DNS) continue;
    auto* s = n->d.dNSName;
    std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<std::size_t>(ASN1_STRING_length(s)));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    info.dns_names.push_back(std::move(name));
  }
  GENERAL_NAMES_free(names);
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) == 1) info.not_after = timegm(&tm);
  info.self_signed = X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0;
  return info;
}

}  // namespace estafeta::net
