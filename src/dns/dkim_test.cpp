#include "dns/dkim.hpp"

#include <gtest/gtest.h>

#include "core/base64.hpp"
#include "core/hex.hpp"

namespace estafeta::dns::dkim {
namespace {

// RFC 8463 Appendix A: one message signed with Ed25519 and with RSA.
constexpr std::string_view kRfc8463Message =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    " subject : date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; i=@football.example.com;\r\n"
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
    " date : message-id : from : subject : date;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";

constexpr const char* kRfc8463Ed25519Record = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
constexpr const char* kRfc8463RsaRecord =
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
    "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
    "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
    "Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

constexpr std::int64_t kNow = 1528637909 + 3600;

void fill_rfc8463_zone(StaticResolver& zone) {
  zone.add_txt("brisbane._domainkey.football.example.com", kRfc8463Ed25519Record);
  zone.add_txt("test._domainkey.football.example.com", kRfc8463RsaRecord);
}

std::string replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string s(text);
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

const std::string kMessage =
    "From: Ana <ana@example.com>\r\n"
    "To: bo@example.net\r\n"
    "Subject:  Lunch \t tomorrow\r\n"
    "Date: Thu, 03 Dec 2026 10:00:00 +0000\r\n"
    "Message-ID: <1@example.com>\r\n"
    "X-Unsigned: anything\r\n"
    "\r\n"
    "See you at  noon.  \r\n"
    "\r\n"
    "\r\n";

TEST(DkimCanon, Rfc6376Section346Example) {
  std::string message = "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";
  auto split = split_message(message);
  ASSERT_EQ(split.fields.size(), 2u);
  EXPECT_EQ(split.fields[1].name, "B");
  EXPECT_EQ(
      canonical_field(split.fields[0].text, Canon::relaxed) + canonical_field(split.fields[1].text, Canon::relaxed),
      "a:X\r\nb:Y Z\r\n");
  EXPECT_EQ(canonical_body(split.body, Canon::relaxed), " C\r\nD E\r\n");
  EXPECT_EQ(canonical_field(split.fields[1].text, Canon::simple), "B : Y\t\r\n\tZ  \r\n");
  EXPECT_EQ(canonical_body(split.body, Canon::simple), " C \r\nD \t E\r\n");
}

TEST(DkimCanon, EmptyBodiesAndMissingLineEnds) {
  EXPECT_EQ(canonical_body("", Canon::simple), "\r\n") << "§3.4.3";
  EXPECT_EQ(canonical_body("\r\n\r\n", Canon::simple), "\r\n");
  EXPECT_EQ(canonical_body("", Canon::relaxed), "") << "§3.4.4";
  EXPECT_EQ(canonical_body(" \t\r\n\r\n", Canon::relaxed), "");
  EXPECT_EQ(canonical_body("abc", Canon::simple), "abc\r\n") << "a missing final CRLF is added";
  EXPECT_EQ(canonical_body("a\nb\n", Canon::simple), "a\r\nb\r\n") << "bare LF is a line end";
  EXPECT_EQ(base64_encode(sha256(canonical_body("", Canon::simple))), "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
  EXPECT_EQ(base64_encode(sha256(canonical_body("", Canon::relaxed))), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(DkimCanon, WithoutBValueKeepsTheTagAndBh) {
  EXPECT_EQ(without_b_value("DKIM-Signature: a=x; bh=abc; b=de\r\n f; d=x\r\n"),
            "DKIM-Signature: a=x; bh=abc; b=; d=x\r\n");
  EXPECT_EQ(without_b_value("DKIM-Signature: b = abc\r\n"), "DKIM-Signature: b =");
}

TEST(DkimRecord, ParsesTheRfc8463Signatures) {
  auto split = split_message(kRfc8463Message);
  ASSERT_EQ(split.fields.size(), 7u);
  auto text = split.fields[0].text.substr(split.fields[0].text.find(':') + 1);
  auto sig = parse_signature(text).value();
  EXPECT_EQ(sig.algorithm, Algorithm::ed25519_sha256);
  EXPECT_EQ(sig.header_canon, Canon::relaxed);
  EXPECT_EQ(sig.domain, "football.example.com");
  EXPECT_EQ(sig.selector, "brisbane");
  EXPECT_EQ(sig.signed_fields.size(), 8u);
  EXPECT_EQ(sig.signed_fields[2], "subject");
  EXPECT_EQ(sig.timestamp, 1528637909);
  EXPECT_EQ(sig.signature.size(), 64u);
  EXPECT_EQ(sig.body_hash.size(), 32u);
}

TEST(DkimRecord, RefusesBadSignatures) {
  const std::string good = "v=1; a=rsa-sha256; d=example.com; s=s; h=from:to; bh=AAAA; b=AAAA";
  EXPECT_TRUE(parse_signature(good));
  EXPECT_FALSE(parse_signature(replace(good, "v=1", "v=2")));
  EXPECT_FALSE(parse_signature(replace(good, "rsa-sha256", "rsa-sha1"))) << "RFC 8301";
  EXPECT_FALSE(parse_signature(replace(good, "h=from:to", "h=to:subject"))) << "From must be signed";
  EXPECT_FALSE(parse_signature(replace(good, "; s=s", ""))) << "s= is required";
  EXPECT_FALSE(parse_signature(good + "; i=joe@evil.example")) << "i= outside d=";
  EXPECT_TRUE(parse_signature(good + "; i=joe@mail.example.com")) << "a subdomain of d=";
  EXPECT_FALSE(parse_signature(good + "; i=joe@badexample.com")) << "a suffix is not a subdomain";
  EXPECT_FALSE(parse_signature(good + "; l=-1"));
  EXPECT_FALSE(parse_signature(good + "; l=99999999999999999999999")) << "overflow";
  EXPECT_FALSE(parse_signature(good + "; t=10; x=5")) << "expires before it was made";
  EXPECT_FALSE(parse_signature(good + "; c=fancy"));
  EXPECT_FALSE(parse_signature(replace(good, "bh=AAAA", "bh=A*AA")));
  std::string many = "from";
  for (int i = 0; i < 100; ++i) many += ":x";
  EXPECT_FALSE(parse_signature(replace(good, "from:to", many))) << "h= is bounded";
}

TEST(DkimRecord, KeyRecords) {
  auto rsa = parse_key_record(kRfc8463RsaRecord).value();
  EXPECT_EQ(rsa.algorithm, Algorithm::rsa_sha256);
  EXPECT_FALSE(rsa.revoked);
  EXPECT_TRUE(parse_key_record("k=ed25519; p=").value().revoked);
  EXPECT_TRUE(parse_key_record("p=AAAA").has_value()) << "v= and k= are optional";
  EXPECT_FALSE(parse_key_record("k=rsa; v=DKIM1; p=AAAA")) << "v= must come first";
  EXPECT_FALSE(parse_key_record("v=DKIM2; p=AAAA"));
  EXPECT_FALSE(parse_key_record("k=dsa; p=AAAA"));
  EXPECT_FALSE(parse_key_record("h=sha1; p=AAAA")) << "sha256 not allowed by the key";
  EXPECT_FALSE(parse_key_record("s=other; p=AAAA"));
  EXPECT_TRUE(parse_key_record("s=email:other; p=AAAA"));
  EXPECT_FALSE(parse_key_record("v=DKIM1; k=rsa")) << "p= is required";
  auto flags = parse_key_record("t=y:s; p=AAAA").value();
  EXPECT_TRUE(flags.testing);
  EXPECT_TRUE(flags.strict_identity);
}

TEST(DkimVerify, TheRfc8463ExampleVerifiesWithBothAlgorithms) {
  StaticResolver zone;
  fill_rfc8463_zone(zone);
  auto results = verify(kRfc8463Message, zone, kNow);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].verdict, Verdict::pass) << results[0].reason;
  EXPECT_EQ(results[0].algorithm, Algorithm::ed25519_sha256);
  EXPECT_EQ(results[0].b_prefix, "/gCrinpc");
  EXPECT_EQ(results[1].verdict, Verdict::pass) << results[1].reason;
  EXPECT_EQ(results[1].algorithm, Algorithm::rsa_sha256);
}

TEST(DkimVerify, ChangesBreakTheRfc8463Signatures) {
  StaticResolver zone;
  fill_rfc8463_zone(zone);
  auto body = verify(replace(kRfc8463Message, "Are you hungry", "Are you angry"), zone, kNow);
  EXPECT_EQ(body[0].verdict, Verdict::fail);
  EXPECT_EQ(body[0].reason, "body hash did not verify");
  auto header = verify(replace(kRfc8463Message, "Is dinner ready?", "Is dinner burnt?"), zone, kNow);
  EXPECT_EQ(header[0].verdict, Verdict::fail);
  EXPECT_EQ(header[1].verdict, Verdict::fail);
  EXPECT_EQ(header[1].reason, "signature did not verify");
  // Relaxed canonicalisation forgives whitespace and case of names.
  auto relaxed = verify(replace(kRfc8463Message, "Subject: Is dinner", "SUBJECT:   Is   dinner"), zone, kNow);
  EXPECT_EQ(relaxed[0].verdict, Verdict::pass);
  // The fields are signed twice (oversigned): a second Subject breaks both.
  auto added = verify(replace(kRfc8463Message, "Date: Fri", "Subject: Free money\r\nDate: Fri"), zone, kNow);
  EXPECT_EQ(added[0].verdict, Verdict::fail);
}

TEST(DkimVerify, KeyProblemsAreErrorsNotFailures) {
  StaticResolver none;
  auto missing = verify(kRfc8463Message, none, kNow);
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].verdict, Verdict::permerror);
  StaticResolver slow;
  slow.add_timeout("brisbane._domainkey.football.example.com");
  slow.add_txt("test._domainkey.football.example.com", "v=DKIM1; k=rsa; p=");
  auto r = verify(kRfc8463Message, slow, kNow);
  EXPECT_EQ(r[0].verdict, Verdict::temperror);
  EXPECT_EQ(r[1].verdict, Verdict::permerror);
  EXPECT_EQ(r[1].reason, "key revoked");
  StaticResolver swapped;  // an RSA key where the signature says Ed25519
  swapped.add_txt("brisbane._domainkey.football.example.com", kRfc8463RsaRecord);
  EXPECT_EQ(verify(kRfc8463Message, swapped, kNow)[0].verdict, Verdict::permerror);
}

TEST(DkimVerify, ABadSignatureFieldIsAPermerrorAndTheNumberIsBounded) {
  std::string message;
  for (int i = 0; i < 20; ++i) message += "DKIM-Signature: v=1; a=rsa-sha1; d=x; s=y; h=from; bh=; b=\r\n";
  message += "From: a@x\r\n\r\nhi\r\n";
  StaticResolver none;
  auto results = verify(message, none, kNow);
  ASSERT_EQ(results.size(), kMaxSignatures);
  EXPECT_EQ(results[0].verdict, Verdict::permerror);
  EXPECT_EQ(none.queries(), 0u) << "no lookup for a signature that does not parse";
}

// An Ed25519 PKCS#8 key from RFC 8032 §7.1 test 1's secret (the RFC 8463 key).
std::string rfc8463_ed25519_pem() {
  auto seed = base64_decode("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=").value();
  auto der = from_hex("302e020100300506032b657004220420").value() + seed;
  return "-----BEGIN PRIVATE KEY-----\n" + base64_encode(der) + "\n-----END PRIVATE KEY-----\n";
}

class DkimSignTest : public ::testing::TestWithParam<Algorithm> {};

TEST_P(DkimSignTest, SignedMessagesVerifyAndChangesBreakThem) {
  auto key = PrivateKey::generate(GetParam()).value();
  auto again = PrivateKey::from_pem(key.pem()).value();
  EXPECT_EQ(again.public_record(), key.public_record()) << "PEM round trip";
  StaticResolver zone;
  zone.add_txt("sel._domainkey.example.com", key.public_record());
  for (auto canon : {Canon::simple, Canon::relaxed}) {
    SignOptions options{
        .domain = "example.com", .selector = "sel", .time = kNow, .header_canon = canon, .body_canon = canon};
    auto field = sign(kMessage, key, options).value();
    EXPECT_TRUE(field.starts_with("DKIM-Signature: v=1; a=")) << field;
    EXPECT_TRUE(field.ends_with("\r\n"));
    for (std::size_t at = 0, line = 0; at < field.size(); at = line + 2) {
      line = field.find("\r\n", at);
      EXPECT_LE(line - at, 78u) << "folded lines";
    }
    auto signed_message = field + kMessage;
    auto ok = verify(signed_message, zone, kNow);
    ASSERT_EQ(ok.size(), 1u);
    EXPECT_EQ(ok[0].verdict, Verdict::pass) << ok[0].reason << "\n" << field;
    EXPECT_EQ(ok[0].domain, "example.com");
    EXPECT_EQ(verify(replace(signed_message, "noon", "nine"), zone, kNow)[0].verdict, Verdict::fail);
    EXPECT_EQ(verify(replace(signed_message, "Ana <", "Eve <"), zone, kNow)[0].verdict, Verdict::fail);
    EXPECT_EQ(verify(replace(signed_message, "anything", "changed"), zone, kNow)[0].verdict, Verdict::pass)
        << "unsigned fields may change";
    EXPECT_EQ(verify(replace(signed_message, "To: bo", "Reply-To: eve@evil.example\r\nTo: bo"), zone, kNow)[0].verdict,
              Verdict::fail)
        << "an added Reply-To breaks the signature (oversigned although absent)";
    EXPECT_EQ(verify(replace(signed_message, "From: Ana", "From: Eve <eve@x>\r\nFrom: Ana"), zone, kNow)[0].verdict,
              Verdict::fail);
  }
}

INSTANTIATE_TEST_SUITE_P(BothAlgorithms, DkimSignTest,
                         ::testing::Values(Algorithm::ed25519_sha256, Algorithm::rsa_sha256));

TEST(DkimSign, TheRfc8463Ed25519KeyPublishesTheRfcRecord) {
  auto key = PrivateKey::from_pem(rfc8463_ed25519_pem()).value();
  EXPECT_EQ(key.algorithm(), Algorithm::ed25519_sha256);
  EXPECT_EQ(key.public_record(), kRfc8463Ed25519Record);
}

TEST(DkimSign, AMessageWithoutFromIsRefused) {
  auto key = PrivateKey::generate(Algorithm::ed25519_sha256).value();
  EXPECT_FALSE(sign("To: a@b\r\n\r\nhi\r\n", key, {.domain = "x", .selector = "s"}));
  EXPECT_FALSE(PrivateKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
}

TEST(DkimVerify, PartialBodiesAndExpiryAreNotPasses) {
  auto key = PrivateKey::generate(Algorithm::ed25519_sha256).value();
  StaticResolver zone;
  zone.add_txt("sel._domainkey.example.com", key.public_record());
  auto record = parse_key_record(key.public_record()).value();
  // A hand-made signature with l= covering the first line only, and x=.
  auto body_start = kMessage.find("\r\n\r\n") + 4;
  auto first_line = canonical_body(kMessage.substr(body_start), Canon::relaxed).substr(0, 10);
  auto head =
      "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=sel; t=100; x=200; l=10; h=from;"
      " bh=" +
      base64_encode(sha256(first_line)) + "; b=";
  auto split = split_message(kMessage);
  auto sig = key.sign_data(signed_header_data(split, {"from"}, head, Canon::relaxed)).value();
  auto field = head + base64_encode(sig) + "\r\n";
  auto message = field + kMessage;
  auto split_signed = split_message(message);
  EXPECT_EQ(verify_with_key(split_signed, split_signed.fields[0].text, record, 150).verdict, Verdict::policy);
  EXPECT_EQ(verify_with_key(split_signed, split_signed.fields[0].text, record, 201).verdict, Verdict::fail);
  EXPECT_EQ(verify_with_key(split_signed, split_signed.fields[0].text, record, 201).reason, "signature expired");
}

}  // namespace
}  // namespace estafeta::dns::dkim
