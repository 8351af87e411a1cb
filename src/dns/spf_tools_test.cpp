#include "dns/spf_tools.hpp"

#include <gtest/gtest.h>

namespace estafeta::dns {
namespace {

bool has_finding(const SpfAnalysis& a, SpfFinding::Level level, std::string_view words) {
  for (auto& f : a.findings)
    if (f.level == level && f.message.find(words) != std::string::npos) return true;
  return false;
}

struct SpfTools : ::testing::Test {
  StaticResolver zone;
  void SetUp() override {
    zone.add_txt("_spf.provider-a.example", "v=spf1 ip4:198.51.100.0/24 include:_b.provider-a.example -all");
    zone.add_txt("_b.provider-a.example", "v=spf1 ip4:198.51.101.0/24 a:relay.provider-a.example -all");
    zone.add_address("relay.provider-a.example", *IpAddress::parse("198.51.102.7"));
    zone.add_txt("_spf.provider-c.example", "v=spf1 ip6:2001:db8:c::/48 ~all");
    zone.add_txt("loop-1.example", "v=spf1 include:loop-2.example -all");
    zone.add_txt("loop-2.example", "v=spf1 include:loop-1.example -all");
    zone.add_txt("two.example", "v=spf1 -all");
    zone.add_txt("two.example", "v=spf1 +all");
    zone.add_mx("example.com", 10, "mail.example.com");
    zone.add_address("mail.example.com", *IpAddress::parse("192.0.2.25"));
    for (int i = 0; i < 12; ++i) {
      auto name = "_s" + std::to_string(i) + ".many.example";
      zone.add_txt(name, "v=spf1 ip4:203.0.113." + std::to_string(i) + " -all");
    }
  }
};

TEST_F(SpfTools, CountsLookupsThroughIncludesWithABreakdown) {
  auto a = analyze_spf("v=spf1 mx include:_spf.provider-a.example ip4:192.0.2.1 -all", "example.com", zone);
  EXPECT_TRUE(a.ok());
  EXPECT_EQ(a.lookups, 4) << "mx, include, the nested include, its a:";
  ASSERT_EQ(a.terms.size(), 2u);
  EXPECT_EQ(a.terms[0].term, "mx");
  EXPECT_EQ(a.terms[1].term, "include:_spf.provider-a.example");
  EXPECT_EQ(a.terms[1].lookups, 3);
  ASSERT_EQ(a.terms[1].nested.size(), 1u);
  EXPECT_EQ(a.terms[1].nested[0].nested[0].term, "a:relay.provider-a.example");
  EXPECT_TRUE(a.findings.empty());
}

TEST_F(SpfTools, OverTheLimitIsAnError) {
  std::string record = "v=spf1";
  for (int i = 0; i < 11; ++i) record += " include:_s" + std::to_string(i) + ".many.example";
  auto a = analyze_spf(record + " -all", "many.example", zone);
  EXPECT_EQ(a.lookups, 11);
  EXPECT_FALSE(a.ok());
  EXPECT_TRUE(has_finding(a, SpfFinding::Level::error, "at most 10"));
}

TEST_F(SpfTools, SyntaxErrorsHaveTheirPosition) {
  std::string record = "v=spf1 ip4:192.0.2.1 ip4:300.1.1.1 -all";
  auto a = analyze_spf(record, "example.com", zone);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.findings[0].term, "ip4:300.1.1.1");
  EXPECT_EQ(a.findings[0].position, record.find("ip4:300"));
}

TEST_F(SpfTools, WarningsAndErrorsOfEveryKind) {
  EXPECT_TRUE(has_finding(analyze_spf("v=spf1 +all", "example.com", zone), SpfFinding::Level::warning, "every server"));
  EXPECT_TRUE(
      has_finding(analyze_spf("v=spf1 mx ?all", "example.com", zone), SpfFinding::Level::warning, "nothing about"));
  EXPECT_TRUE(has_finding(analyze_spf("v=spf1 mx", "example.com", zone), SpfFinding::Level::warning, "no all"));
  EXPECT_TRUE(has_finding(analyze_spf("v=spf1 ptr -all", "example.com", zone), SpfFinding::Level::warning, "ptr"));
  EXPECT_TRUE(
      has_finding(analyze_spf("v=spf1 mx foo=bar -all", "example.com", zone), SpfFinding::Level::warning, "foo="));
  auto loop = analyze_spf("v=spf1 include:loop-1.example -all", "example.com", zone);
  EXPECT_TRUE(has_finding(loop, SpfFinding::Level::error, "loop"));
  EXPECT_TRUE(has_finding(analyze_spf("v=spf1 include:two.example -all", "example.com", zone), SpfFinding::Level::error,
                          "several SPF records"));
  auto missing = analyze_spf("v=spf1 include:nowhere.example -all", "example.com", zone);
  EXPECT_TRUE(has_finding(missing, SpfFinding::Level::error, "no SPF record"));
  auto voids = analyze_spf("v=spf1 a:n1.example a:n2.example a:n3.example -all", "example.com", zone);
  EXPECT_EQ(voids.void_lookups, 3);
  EXPECT_TRUE(has_finding(voids, SpfFinding::Level::error, "at most 2"));
  EXPECT_TRUE(has_finding(analyze_spf("v=spf1 include:%{d}.x.example -all", "example.com", zone),
                          SpfFinding::Level::warning, "macros"));
}

TEST_F(SpfTools, MergeTakesTheUnionAndTheStrictestAll) {
  auto m = merge_spf({"v=spf1 include:a.example include:b.example ?all", "v=spf1 include:c.example ~all",
                      "v=spf1 include:ours.example -all"},
                     "example.com", nullptr)
               .value();
  EXPECT_EQ(m.record, "v=spf1 include:a.example include:b.example include:c.example include:ours.example -all");
  EXPECT_EQ(m.lookups, 4);
  EXPECT_FALSE(m.flattened);
}

TEST_F(SpfTools, MergeRemovesDuplicatesAndTurnsRedirectIntoInclude) {
  auto m = merge_spf({"v=spf1 mx +ip4:192.0.2.1 ~all", "v=spf1 MX ip4:192.0.2.1 -ip4:192.0.2.9 redirect=_spf.x.example",
                      "v=spf1 ~ip4:192.0.2.9 all"},
                     "example.com", nullptr)
               .value();
  EXPECT_EQ(m.record, "v=spf1 mx +ip4:192.0.2.1 -ip4:192.0.2.9 include:_spf.x.example ~all") << m.record;
  EXPECT_GE(m.notes.size(), 3u);
  EXPECT_FALSE(merge_spf({"v=spf1 -all", "v=spf1 ip4:nope"}, "example.com", nullptr));
  EXPECT_FALSE(merge_spf({}, "example.com", nullptr));
}

TEST_F(SpfTools, MergeOverTheLimitOffersAFlattenedRecord) {
  std::vector<std::string> records;
  for (int i = 0; i < 12; ++i) records.push_back("v=spf1 include:_s" + std::to_string(i) + ".many.example -all");
  records.push_back("v=spf1 mx include:_spf.provider-a.example ~all");
  auto m = merge_spf(records, "example.com", &zone).value();
  EXPECT_GT(m.lookups, 10);
  ASSERT_TRUE(m.flattened);
  auto flat = *m.flattened;
  EXPECT_NE(flat.find("ip4:203.0.113.0 "), std::string::npos) << flat;
  EXPECT_NE(flat.find("ip4:203.0.113.11 "), std::string::npos);
  EXPECT_NE(flat.find("ip4:192.0.2.25"), std::string::npos) << "mx resolved";
  EXPECT_NE(flat.find("ip4:198.51.101.0/24"), std::string::npos) << "nested include resolved";
  EXPECT_NE(flat.find("ip4:198.51.102.7"), std::string::npos) << "the nested a: resolved";
  EXPECT_TRUE(flat.ends_with(" -all"));
  auto again = analyze_spf(flat, "example.com", zone);
  EXPECT_EQ(again.lookups, 0);
  EXPECT_TRUE(again.ok());
}

}  // namespace
}  // namespace estafeta::dns
