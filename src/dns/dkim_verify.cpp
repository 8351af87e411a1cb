// RFC 6376 §6: verifying the signatures of a message, with the key from DNS
// (§6.1.2) and the RFC 8301 floor on RSA keys.
#include <memory>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "core/ascii.hpp"
#include "dns/dkim.hpp"

namespace estafeta::dns::dkim {

namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

// p= holds a SubjectPublicKeyInfo for RSA (§3.6.1); some publishers put a
// bare PKCS#1 RSAPublicKey there, which is accepted too.
KeyPtr public_key(const KeyRecord& record) {
  auto* der = reinterpret_cast<const unsigned char*>(record.public_key.data());
  auto len = static_cast<long>(record.public_key.size());
  if (record.algorithm == Algorithm::ed25519_sha256)
    return KeyPtr(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, der, record.public_key.size()));
  const unsigned char* p = der;
  KeyPtr key(d2i_PUBKEY(nullptr, &p, len));
  if (!key) {
    p = der;
    key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len));
  }
  if (key && EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) key.reset();
  return key;
}

bool verify_data(EVP_PKEY* key, Algorithm algorithm, std::string_view data, std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  std::string hash;
  const EVP_MD* md = EVP_sha256();
  if (algorithm == Algorithm::ed25519_sha256) {  // RFC 8463 §3
    hash = sha256(data);
    data = hash;
    md = nullptr;
  }
  return EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
}

Verification outcome(Verification v, Verdict verdict, std::string reason) {
  v.verdict = verdict;
  v.reason = std::move(reason);
  return v;
}

Verification described(const Signature& sig) {
  Verification v;
  v.algorithm = sig.algorithm;
  v.domain = sig.domain;
  v.selector = sig.selector;
  v.identity = sig.identity;
  v.b_prefix = sig.b_text.substr(0, 8);
  return v;
}

std::string_view field_value(std::string_view field) {
  auto colon = field.find(':');
  return colon == std::string_view::npos ? std::string_view{} : field.substr(colon + 1);
}

// Whether the domain of i= is exactly d= (a key with t=s, §3.6.1).
bool identity_in_domain(std::string_view identity, std::string_view domain) {
  auto at = identity.rfind('@');
  return at != std::string_view::npos && ascii_iequals(identity.substr(at + 1), domain);
}

}  // namespace

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::neutral: return "neutral";
    case Verdict::policy: return "policy";
    case Verdict::temperror: return "temperror";
    case Verdict::permerror: return "permerror";
  }
  return "permerror";
}

Verification verify_with_key(const SplitMessage& split, std::string_view signature_field, const KeyRecord& key,
                             std::int64_t now) {
  auto parsed = parse_signature(field_value(signature_field));
  if (!parsed) return outcome({}, Verdict::permerror, parsed.error().message);
  auto& sig = *parsed;
  auto v = described(sig);
  v.testing = key.testing;
  if (sig.expiration && *sig.expiration < now) return outcome(v, Verdict::fail, "signature expired");
  if (key.revoked) return outcome(v, Verdict::permerror, "key revoked");
  if (key.algorithm != sig.algorithm) return outcome(v, Verdict::permerror, "key type does not match a=");
  if (key.strict_identity && !identity_in_domain(sig.identity, sig.domain))
    return outcome(v, Verdict::permerror, "the key requires i= in d= itself");
  auto pkey = public_key(key);
  if (!pkey) return outcome(v, Verdict::permerror, "key syntax error");
  if (sig.algorithm == Algorithm::rsa_sha256 && EVP_PKEY_get_bits(pkey.get()) < 1024)
    return outcome(v, Verdict::permerror, "RSA key under 1024 bits (RFC 8301)");

  auto body = canonical_body(split.body, sig.body_canon);
  bool partial = false;
  if (sig.body_length) {
    if (*sig.body_length > body.size()) return outcome(v, Verdict::fail, "l= is longer than the body");
    partial = *sig.body_length < body.size();
    body.resize(*sig.body_length);
  }
  if (sha256(body) != sig.body_hash) return outcome(v, Verdict::fail, "body hash did not verify");
  auto data = signed_header_data(split, sig.signed_fields, signature_field, sig.header_canon);
  if (!verify_data(pkey.get(), sig.algorithm, data, sig.signature))
    return outcome(v, Verdict::fail, "signature did not verify");
  // §8.2: text after l= is not covered; such a signature vouches for nothing
  // a reader can rely on.
  if (partial) return outcome(v, Verdict::policy, "the signature covers only part of the body (l=)");
  return outcome(v, Verdict::pass, {});
}

std::vector<Verification> verify(std::string_view message, Resolver& resolver, std::int64_t now) {
  std::vector<Verification> results;
  auto split = split_message(message);
  for (auto& field : split.fields) {
    if (!ascii_iequals(field.name, "DKIM-Signature")) continue;
    if (results.size() == kMaxSignatures) break;
    auto parsed = parse_signature(field_value(field.text));
    if (!parsed) {
      results.push_back(outcome({}, Verdict::permerror, parsed.error().message));
      continue;
    }
    auto v = described(*parsed);
    auto records = resolver.txt(parsed->selector + "._domainkey." + parsed->domain);
    if (!records) {
      bool missing = records.error().kind == ErrorKind::not_found;
      results.push_back(outcome(v, missing ? Verdict::permerror : Verdict::temperror,
                                missing ? "no key for signature" : "key lookup failed"));
      continue;
    }
    std::optional<KeyRecord> key;
    for (auto& txt : *records)
      if (auto k = parse_key_record(txt)) {
        key = std::move(*k);
        break;
      }
    if (!key) {
      results.push_back(outcome(v, Verdict::permerror, records->empty() ? "no key for signature" : "key syntax error"));
      continue;
    }
    results.push_back(verify_with_key(split, field.text, *key, now));
  }
  return results;
}

}  // namespace estafeta::dns::dkim
