// The TLS certificate: the operator's PEM files, or a self-signed pair made on
// first start and reused afterwards (<data_dir>/tls/cert.pem, key.pem).
//
// The self-signed certificate is ECDSA P-256, valid 825 days, with the
// hostname, "localhost", 127.0.0.1 and ::1 as subject alternative names, so
// local clients can pin it. Plain OpenSSL; no Asio here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace estafeta::net {

struct CertificateFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
  bool generated = false;  // made now (first start)
};

// Returns the configured pair if set (both must be readable), otherwise the
// self-signed pair under `tls_dir`, creating it when absent.
Result<CertificateFiles> ensure_certificate(const std::filesystem::path& configured_cert,
                                            const std::filesystem::path& configured_key,
                                            const std::filesystem::path& tls_dir, const std::string& hostname);

// What the domain diagnostic checks of a certificate.
struct CertificateInfo {
  std::vector<std::string> dns_names;  // subject alternative names of type DNS, lower case
  std::int64_t not_after = 0;          // Unix seconds
  bool self_signed = false;            // issuer and subject the same
};
Result<CertificateInfo> certificate_info(const std::filesystem::path& cert);

// SHA-256 fingerprint of a PEM certificate file, "AB:CD:…" (printed at start
// so a user can check what their client shows).
Result<std::string> certificate_fingerprint(const std::filesystem::path& cert);

}  // namespace estafeta::net
