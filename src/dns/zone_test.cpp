#include "dns/zone.hpp"

#include <gtest/gtest.h>

namespace estafeta::dns {
namespace {

std::string round_trip(RrType type, std::string_view text) {
  auto data = parse_record_data(type, text);
  if (!data) return "error: " + data.error().message;
  return format_record_data(type, *data);
}

TEST(ZoneRecord, ParsesAndPrintsEachType) {
  EXPECT_EQ(round_trip(RrType::a, "192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(round_trip(RrType::aaaa, "2001:DB8:0::1"), "2001:db8::1");
  EXPECT_EQ(round_trip(RrType::mx, "10 MX.Example.com."), "10 mx.example.com");
  EXPECT_EQ(round_trip(RrType::mx, "0 ."), "0 .") << "null MX, RFC 7505";
  EXPECT_EQ(round_trip(RrType::cname, "www.example.com"), "www.example.com");
  EXPECT_EQ(round_trip(RrType::srv, "0 1 993 imap.example.com"), "0 1 993 imap.example.com");
  EXPECT_EQ(round_trip(RrType::caa, "0 issue \"letsencrypt.org\""), "0 issue \"letsencrypt.org\"");
  EXPECT_EQ(round_trip(RrType::soa, "ns1.example.com hostmaster.example.com 2026120301 7200 3600 1209600 300"),
            "ns1.example.com hostmaster.example.com 2026120301 7200 3600 1209600 300");
  EXPECT_EQ(round_trip(RrType::txt, "v=spf1 -all"), "\"v=spf1 -all\"") << "unquoted text is one string";
  EXPECT_EQ(round_trip(RrType::txt, R"("a \"q\" b" "c\\d" "\233")"), R"("a \"q\" b" "c\\d" "\233")");
}

TEST(ZoneRecord, LongTxtIsSplitInto255OctetStrings) {
  std::string key = "v=DKIM1; k=rsa; p=" + std::string(400, 'A');
  auto data = parse_record_data(RrType::txt, key).value();
  auto& txt = std::get<TxtData>(data);
  ASSERT_EQ(txt.strings.size(), 2u);
  EXPECT_EQ(txt.strings[0].size(), 255u);
  EXPECT_EQ(txt.joined(), key);
  EXPECT_FALSE(parse_record_data(RrType::txt, std::string(kMaxTxtLength + 1, 'x')));
  EXPECT_EQ(std::get<TxtData>(parse_record_data(RrType::txt, "\"\"").value()).strings.size(), 1u) << "an empty string";
}

TEST(ZoneRecord, RefusesBadData) {
  EXPECT_FALSE(parse_record_data(RrType::a, "2001:db8::1"));
  EXPECT_FALSE(parse_record_data(RrType::a, "192.0.2.256"));
  EXPECT_FALSE(parse_record_data(RrType::aaaa, "192.0.2.1"));
  EXPECT_FALSE(parse_record_data(RrType::mx, "mx.example.com")) << "no preference";
  EXPECT_FALSE(parse_record_data(RrType::mx, "70000 mx.example.com"));
  EXPECT_FALSE(parse_record_data(RrType::mx, "10 mx..example.com"));
  EXPECT_FALSE(parse_record_data(RrType::cname, "."));
  EXPECT_FALSE(parse_record_data(RrType::cname, "*.example.com"));
  EXPECT_FALSE(parse_record_data(RrType::srv, "0 1 imap.example.com"));
  EXPECT_FALSE(parse_record_data(RrType::caa, "0 is-sue \"x\""));
  EXPECT_FALSE(parse_record_data(RrType::caa, "256 issue \"x\""));
  EXPECT_FALSE(parse_record_data(RrType::txt, "\"open"));
  EXPECT_FALSE(parse_record_data(RrType::txt, "\"a\" b")) << "quoted and unquoted mixed";
  EXPECT_FALSE(parse_record_data(RrType::soa, "ns1 host 1 2 3 4"));
}

TEST(ZoneRecord, Names) {
  EXPECT_EQ(normalize_zone_name("WWW.Example.COM.").value(), "www.example.com");
  EXPECT_EQ(normalize_zone_name("_imaps._tcp.example.com").value(), "_imaps._tcp.example.com");
  EXPECT_EQ(normalize_zone_name("*.example.com").value(), "*.example.com");
  EXPECT_FALSE(normalize_zone_name("a.*.example.com"));
  EXPECT_FALSE(normalize_zone_name(std::string(64, 'a') + ".com"));
  EXPECT_FALSE(normalize_zone_name("exa mple.com"));
  EXPECT_FALSE(normalize_zone_name("a..b"));
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "abc.";
  EXPECT_FALSE(normalize_zone_name(long_name));
  EXPECT_EQ(parse_rr_type("mx"), RrType::mx);
  EXPECT_FALSE(parse_rr_type("HINFO"));
}

ZoneRecord rec(std::int64_t id, std::string name, RrType type, std::string_view text) {
  return {id, std::move(name), type, kDefaultTtl, parse_record_data(type, text).value()};
}

struct ZoneRules : ::testing::Test {
  std::vector<ZoneRecord> zone = {
      rec(1, "example.com", RrType::soa, "ns1.example.com hostmaster.example.com 1 7200 3600 1209600 300"),
      rec(2, "example.com", RrType::ns, "ns1.example.com"),
      rec(3, "example.com", RrType::mx, "10 mail.example.com"),
      rec(4, "mail.example.com", RrType::a, "192.0.2.10"),
      rec(5, "www.example.com", RrType::cname, "example.net"),
      rec(6, "example.com", RrType::txt, "v=spf1 mx -all"),
  };
  Status add(const ZoneRecord& r) { return check_zone_change("example.com", zone, r); }
};

TEST_F(ZoneRules, AcceptsOrdinaryChanges) {
  EXPECT_TRUE(add(rec(0, "imap.example.com", RrType::a, "192.0.2.11")));
  EXPECT_TRUE(add(rec(0, "example.com", RrType::txt, "google-site-verification=abc")));
  EXPECT_TRUE(add(rec(0, "sub.example.com", RrType::txt, "v=spf1 -all"))) << "another name may have its own SPF";
  EXPECT_TRUE(add(rec(6, "example.com", RrType::txt, "v=spf1 mx a -all"))) << "editing the SPF record itself";
}

TEST_F(ZoneRules, CnameIsAloneAtItsName) {
  auto e = add(rec(0, "www.example.com", RrType::a, "192.0.2.1"));
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("alias"), std::string::npos);
  e = add(rec(0, "mail.example.com", RrType::cname, "other.example"));
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("mail.example.com A 192.0.2.10"), std::string::npos) << e.error().message;
  EXPECT_FALSE(add(rec(0, "example.com", RrType::cname, "example.net"))) << "not at the apex";
  EXPECT_FALSE(add(rec(0, "www.example.com", RrType::cname, "example.org"))) << "one CNAME per name";
}

TEST_F(ZoneRules, TargetsAreNotAliases) {
  EXPECT_FALSE(add(rec(0, "example.com", RrType::mx, "20 www.example.com")));
  EXPECT_FALSE(add(rec(0, "_imaps._tcp.example.com", RrType::srv, "0 1 993 www.example.com")));
  // Nor can a target become an alias afterwards.
  zone.push_back(rec(7, "old.example.com", RrType::a, "192.0.2.9"));
  zone.push_back(rec(8, "example.com", RrType::mx, "20 mx2.example.com"));
  auto e = add(rec(0, "mx2.example.com", RrType::cname, "elsewhere.example"));
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("RFC 2181"), std::string::npos);
}

TEST_F(ZoneRules, OneSpfPerNameWithAPointerToTheMerge) {
  auto e = add(rec(0, "example.com", RrType::txt, "v=spf1 include:_spf.example.net ~all"));
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("v=spf1 mx -all"), std::string::npos) << "names the record in the way";
  EXPECT_NE(e.error().message.find("merge"), std::string::npos);
}

TEST_F(ZoneRules, SoaNamesAndDuplicates) {
  EXPECT_FALSE(add(rec(0, "example.com", RrType::soa, "ns2.example.com h.example.com 2 1 1 1 1")));
  EXPECT_TRUE(add(rec(1, "example.com", RrType::soa, "ns2.example.com h.example.com 2 1 1 1 1")));
  EXPECT_FALSE(add(rec(0, "x.example.com", RrType::soa, "ns2.example.com h.example.com 2 1 1 1 1")));
  EXPECT_FALSE(add(rec(0, "example.org", RrType::a, "192.0.2.1"))) << "outside the zone";
  EXPECT_FALSE(add(rec(0, "badexample.com", RrType::a, "192.0.2.1"))) << "a suffix is not inside";
  auto dup = add(rec(0, "mail.example.com", RrType::a, "192.0.2.10"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().kind, ErrorKind::exists);
  auto ttl = rec(0, "t.example.com", RrType::a, "192.0.2.1");
  ttl.ttl = kMaxTtl + 1;
  EXPECT_FALSE(add(ttl));
}

TEST(ZoneSerial, DatedAndAlwaysIncreasing) {
  EXPECT_EQ(next_serial(1, 20261203), 2026120300u);
  EXPECT_EQ(next_serial(2026120300, 20261203), 2026120301u);
  EXPECT_EQ(next_serial(2026120399, 20261203), 2026120400u) << "past nn = 99 it keeps counting";
  EXPECT_EQ(next_serial(2026120305, 20261204), 2026120400u);
  EXPECT_EQ(next_serial(4000000000u, 20261203), 4000000001u) << "a serial ahead of the date only grows";
  EXPECT_EQ(next_serial(0xffffffffu, 20261203), 2026120300u) << "serial arithmetic wraps (RFC 1982)";
}

}  // namespace
}  // namespace estafeta::dns
