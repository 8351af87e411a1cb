// DomainKeys Identified Mail: signing (RFC 6376 §5) and verifying (§6) with
// RSA-SHA256 and Ed25519-SHA256 (RFC 8463). Canonicalisation, tag parsing
// and the choice of signed fields are ours; the cryptography is OpenSSL's.
//
//   dkim_canon.cpp   header and body canonicalisation (§3.4), field splitting
//   dkim_record.cpp  the DKIM-Signature field (§3.5) and key records (§3.6.1)
//   dkim_key.cpp     private keys: generation, PEM, the published record
//   dkim_sign.cpp    signing (§5)
//   dkim_verify.cpp  verifying every signature of a message (§6)
//
// Messages are given whole, header and body, in wire form. Lines may end in
// CRLF or a bare LF: canonical forms always use CRLF (§5.3).
//
// Security: signatures, key records and messages are attacker-controlled.
// Work is bounded: at most kMaxSignatures signatures are checked per message,
// each hashes the message once; an h= list longer than kMaxSignedFields is
// refused; RSA keys under 1024 bits and SHA-1 are never trusted (RFC 8301).
// A signature with l= shorter than the body does not vouch for what follows
// it: it is reported as `policy`, never as a pass.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dns/resolver.hpp"

namespace estafeta::dns::dkim {

enum class Algorithm { rsa_sha256, ed25519_sha256 };
enum class Canon { simple, relaxed };

const char* to_string(Algorithm algorithm);  // "rsa-sha256", "ed25519-sha256"
const char* to_string(Canon canon);          // "simple", "relaxed"

inline constexpr std::size_t kMaxSignatures = 8;
inline constexpr std::size_t kMaxSignedFields = 64;

// ---------------------------------------------------------------------------
// Canonicalisation (§3.4)

// One header field as written: the name and the whole field, from its first
// byte up to and including its last line end (folds kept).
struct RawField {
  std::string_view name;
  std::string_view text;
};

struct SplitMessage {
  std::vector<RawField> fields;  // in message order
  std::string_view body;         // after the empty line; empty when there is none
};

// Splits a message into its header fields and body. Views point into
// `message`, which must outlive the result.
SplitMessage split_message(std::string_view message);

// The field in canonical form, with its CRLF (§3.4.1, §3.4.2).
std::string canonical_field(std::string_view field, Canon canon);

// The body in canonical form (§3.4.3, §3.4.4).
std::string canonical_body(std::string_view body, Canon canon);

// ---------------------------------------------------------------------------
// What is hashed (§3.7)

// The header data a signature covers: the fields named in `signed_fields`,
// each taken from the bottom up (a name listed twice takes the last two
// instances; a name with no instance left adds nothing), canonicalised; then
// the signature field itself with its b= value removed, canonicalised,
// without its final CRLF.
std::string signed_header_data(const SplitMessage& split, const std::vector<std::string>& signed_fields,
                               std::string_view signature_field, Canon canon);

// `field` (a whole DKIM-Signature field) with the value of its b= tag,
// surrounding whitespace included, removed: "b=" stays (§3.7).
std::string without_b_value(std::string_view field);

// SHA-256 of `data`, raw.
std::string sha256(std::string_view data);

// ---------------------------------------------------------------------------
// Records

// A DKIM-Signature field's value (§3.5), checked: v=1, a known algorithm,
// the required tags, "from" among the signed fields, i= within d=.
struct Signature {
  Algorithm algorithm = Algorithm::rsa_sha256;
  Canon header_canon = Canon::simple;
  Canon body_canon = Canon::simple;
  std::string domain;                        // d=, lower case
  std::string selector;                      // s=
  std::vector<std::string> signed_fields;    // h=, in order, as written
  std::string identity;                      // i=; "@" + d when absent
  std::optional<std::uint64_t> body_length;  // l=
  std::optional<std::int64_t> timestamp;     // t=
  std::optional<std::int64_t> expiration;    // x=
  std::string body_hash;                     // bh=, decoded
  std::string signature;                     // b=, decoded
  std::string b_text;                        // b= as written, whitespace removed (Authentication-Results header.b)
};

// Errors: invalid (the message says which rule), with the algorithm named
// when it is known but not accepted (rsa-sha1).
Result<Signature> parse_signature(std::string_view value);

// A key record (§3.6.1). Empty p= means the key was revoked.
struct KeyRecord {
  Algorithm algorithm = Algorithm::rsa_sha256;  // from k= (rsa by default)
  std::string public_key;                       // decoded p=: DER SubjectPublicKeyInfo (RSA) or 32 raw octets (Ed25519)
  bool revoked = false;
  bool testing = false;          // t=y
  bool strict_identity = false;  // t=s: i= must be in d= itself, not a subdomain
};

Result<KeyRecord> parse_key_record(std::string_view txt);

// ---------------------------------------------------------------------------
// Keys and signing (§5)

// A private key, RSA or Ed25519. Copies share the key (it is immutable).
class PrivateKey {
 public:
  // A new key: RSA of `rsa_bits` (2048 by default) or Ed25519.
  static Result<PrivateKey> generate(Algorithm algorithm, int rsa_bits = 2048);
  // A key in PEM (PKCS#8 or traditional RSA). Errors: invalid.
  static Result<PrivateKey> from_pem(std::string_view pem);

  Algorithm algorithm() const { return m_algorithm; }
  std::string pem() const;  // PKCS#8, unencrypted: the caller protects it
  // The TXT record to publish at SELECTOR._domainkey.DOMAIN (§3.6.1, RFC 8463 §4).
  std::string public_record() const;
  // Signs `data` as the algorithm says: RSA over SHA-256 of data, Ed25519
  // over the SHA-256 hash (RFC 8463 §3). Errors: internal.
  Result<std::string> sign_data(std::string_view data) const;

  struct Impl;

 private:
  PrivateKey(std::shared_ptr<Impl> impl, Algorithm algorithm) : m_impl(std::move(impl)), m_algorithm(algorithm) {}
  std::shared_ptr<Impl> m_impl;
  Algorithm m_algorithm;
};

struct SignOptions {
  std::string domain;     // d=
  std::string selector;   // s=
  std::int64_t time = 0;  // t= (seconds since the epoch)
  Canon header_canon = Canon::relaxed;
  Canon body_canon = Canon::relaxed;
};

// The fields signed by default (RFC 6376 §5.4.1): those present are signed;
// the ones a forwarder must never add are also "oversigned" (listed once
// more than present), so that adding one breaks the signature.
extern const std::vector<std::string_view> kSignedFields;
extern const std::vector<std::string_view> kOversignedFields;

// A complete "DKIM-Signature: …\r\n" field (folded) to put in front of the
// message. Errors: invalid (no From field: §5.4 requires signing it),
// internal (crypto).
Result<std::string> sign(std::string_view message, const PrivateKey& key, const SignOptions& options);

// ---------------------------------------------------------------------------
// Verifying (§6)

// RFC 8601 §2.7.1 result values.
enum class Verdict { pass, fail, neutral, policy, temperror, permerror };

const char* to_string(Verdict verdict);

struct Verification {
  Verdict verdict = Verdict::permerror;
  Algorithm algorithm = Algorithm::rsa_sha256;
  std::string domain;    // d= (empty when the signature did not parse)
  std::string selector;  // s=
  std::string identity;  // i=
  std::string b_prefix;  // the first 8 characters of b= (RFC 6008)
  std::string reason;    // why, when not a pass (safe to show: no message bytes)
  bool testing = false;  // the key says t=y
};

// Checks every DKIM-Signature field (the first kMaxSignatures) against the
// key found through `resolver`, at time `now`. An empty result: the message
// has no signature. Blocking (DNS): never on an io_context thread.
std::vector<Verification> verify(std::string_view message, Resolver& resolver, std::int64_t now);

// Verifies one parsed signature against one key record (no DNS): the core of
// verify(), exposed for tests and for the domain diagnostic.
Verification verify_with_key(const SplitMessage& split, std::string_view signature_field, const KeyRecord& key,
                             std::int64_t now);

}  // namespace estafeta::dns::dkim
