#include "dns/dmarc.hpp"

#include <gtest/gtest.h>

namespace estafeta::dns::dmarc {
namespace {

TEST(DmarcRecord, ParsesTheTags) {
  auto r =
      parse_record(
          "v=DMARC1; p=reject; sp=quarantine; adkim=s; aspf=r; pct=50; rua=mailto:a@x.example,mailto:b@y.example!10m")
          .value();
  EXPECT_EQ(r.policy, Policy::reject);
  EXPECT_EQ(r.subdomain_policy, Policy::quarantine);
  EXPECT_TRUE(r.strict_dkim);
  EXPECT_FALSE(r.strict_spf);
  EXPECT_EQ(r.percent, 50);
  ASSERT_EQ(r.aggregate_reports.size(), 2u);
  EXPECT_EQ(r.aggregate_reports[1], "mailto:b@y.example!10m");
  EXPECT_TRUE(parse_record("v=DMARC1; p=none; future=tag")) << "unknown tags are ignored";
}

TEST(DmarcRecord, RefusesBadRecords) {
  EXPECT_FALSE(parse_record("p=reject; v=DMARC1")) << "v= must be first";
  EXPECT_FALSE(parse_record("v=DMARC2; p=reject"));
  EXPECT_FALSE(parse_record("v=DMARC1")) << "no p= and no rua=";
  EXPECT_FALSE(parse_record("v=DMARC1; p=block"));
  EXPECT_FALSE(parse_record("v=DMARC1; p=none; sp=maybe"));
  // §6.6.3: a bad p= (or sp=) with a valid rua= acts as p=none.
  EXPECT_EQ(parse_record("v=DMARC1; p=bogus; rua=mailto:r@x.example").value().policy, Policy::none);
  auto bad_sp = parse_record("v=DMARC1; p=reject; sp=maybe; rua=mailto:r@x.example").value();
  EXPECT_EQ(bad_sp.policy, Policy::none);
  EXPECT_FALSE(bad_sp.subdomain_policy);
}

// §6.3: "Syntax errors in the remainder of the record SHOULD be discarded
// in favor of default values (if any) or ignored outright": a slip beside
// p=reject leaves p=reject.
TEST(DmarcRecord, SlipsInOtherTagsKeepThePolicy) {
  for (auto txt : {"v=DMARC1; p=reject; rua=", "v=DMARC1;; p=reject", "v=DMARC1; p=reject; rua=mailto:",
                   "v=DMARC1; p=reject; pct=101; adkim=x; aspf=", "v=DMARC1; p=reject; junk; =x; rua=nocolon",
                   "v=DMARC1 ; P = Reject ;"}) {
    auto r = parse_record(txt);
    ASSERT_TRUE(r) << txt;
    EXPECT_EQ(r->policy, Policy::reject) << txt;
    EXPECT_EQ(r->percent, 100) << txt;
    EXPECT_FALSE(r->strict_dkim) << txt;
    EXPECT_TRUE(r->aggregate_reports.empty()) << txt;
  }
  EXPECT_EQ(parse_record("v=DMARC1; p=none; rua=nocolon, mailto:r@x.example").value().aggregate_reports,
            std::vector<std::string>{"mailto:r@x.example"});
}

TEST(DmarcDomains, OrganizationalDomainsComeFromThePublicSuffixList) {
  EXPECT_EQ(organizational_domain("mail.example.com"), "example.com");
  EXPECT_EQ(organizational_domain("a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(organizational_domain("Example.COM."), "example.com");
  EXPECT_EQ(organizational_domain("co.uk"), "co.uk") << "a public suffix is its own";
  EXPECT_TRUE(aligned("news.example.com", "example.com", false));
  EXPECT_FALSE(aligned("news.example.com", "example.com", true));
  EXPECT_TRUE(aligned("EXAMPLE.com", "example.COM", true));
  EXPECT_FALSE(aligned("example.co.uk", "other.co.uk", false)) << "a shared public suffix is no alignment";
  EXPECT_FALSE(aligned("", "", false));
}

dkim::Verification dkim_result(dkim::Verdict verdict, std::string domain) {
  dkim::Verification v;
  v.verdict = verdict;
  v.domain = std::move(domain);
  return v;
}

struct DmarcEvaluate : ::testing::Test {
  StaticResolver zone;
  void SetUp() override {
    zone.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine");
    zone.add_txt("_dmarc.strict.example", "v=DMARC1; p=reject; adkim=s; aspf=s");
    zone.add_txt("_dmarc.half.example", "v=DMARC1; p=reject; pct=50");
    zone.add_txt("_dmarc.two.example", "v=DMARC1; p=reject");
    zone.add_txt("_dmarc.two.example", "v=DMARC1; p=none");
    zone.add_txt("_dmarc.watch.example", "v=DMARC1; p=none");
    zone.add_timeout("_dmarc.slow.example");
    zone.add_txt("_dmarc.broken.example.com", "v=DMARC1; p=bogus");
    zone.add_txt("_dmarc.twice.example.com", "v=DMARC1; p=none");
    zone.add_txt("_dmarc.twice.example.com", "v=DMARC1; p=none; pct=50");
  }
  Input input(std::string from) {
    Input in;
    in.from_domains = {std::move(from)};
    return in;
  }
};

TEST_F(DmarcEvaluate, AlignedSpfOrDkimPasses) {
  auto in = input("example.com");
  in.spf = SpfResult::pass;
  in.spf_domain = "bounces.example.com";  // relaxed: same organisational domain
  auto e = evaluate(in, zone);
  EXPECT_EQ(e.verdict, Verdict::pass);
  EXPECT_TRUE(e.spf_aligned);
  EXPECT_FALSE(e.dkim_aligned);
  in = input("example.com");
  in.dkim = {dkim_result(dkim::Verdict::fail, "example.com"), dkim_result(dkim::Verdict::pass, "example.com")};
  e = evaluate(in, zone);
  EXPECT_EQ(e.verdict, Verdict::pass);
  EXPECT_TRUE(e.dkim_aligned);
}

TEST_F(DmarcEvaluate, UnalignedPassesFailWithTheRecordsPolicy) {
  auto in = input("example.com");
  in.spf = SpfResult::pass;
  in.spf_domain = "mailer.example.net";
  in.dkim = {dkim_result(dkim::Verdict::pass, "mailer.example.net"), dkim_result(dkim::Verdict::policy, "example.com")};
  auto e = evaluate(in, zone);
  EXPECT_EQ(e.verdict, Verdict::fail);
  EXPECT_EQ(e.requested, Policy::reject);
  EXPECT_EQ(e.applied, Policy::reject);
  EXPECT_EQ(e.policy_domain, "example.com");
}

TEST_F(DmarcEvaluate, SubdomainsUseTheOrganisationalRecordAndItsSp) {
  auto e = evaluate(input("news.example.com"), zone);
  EXPECT_EQ(e.verdict, Verdict::fail);
  EXPECT_EQ(e.policy_domain, "example.com");
  EXPECT_EQ(e.requested, Policy::quarantine);
}

TEST_F(DmarcEvaluate, StrictAlignmentNeedsTheSameDomain) {
  auto in = input("strict.example");
  in.dkim = {dkim_result(dkim::Verdict::pass, "mail.strict.example")};
  in.spf = SpfResult::pass;
  in.spf_domain = "mail.strict.example";
  EXPECT_EQ(evaluate(in, zone).verdict, Verdict::fail);
  in.dkim = {dkim_result(dkim::Verdict::pass, "STRICT.example")};
  EXPECT_EQ(evaluate(in, zone).verdict, Verdict::pass);
}

TEST_F(DmarcEvaluate, PercentSamplingStepsThePolicyDown) {
  auto in = input("half.example");
  in.sample = 10;
  EXPECT_EQ(evaluate(in, zone).applied, Policy::reject);
  in.sample = 75;
  auto e = evaluate(in, zone);
  EXPECT_EQ(e.requested, Policy::reject);
  EXPECT_EQ(e.applied, Policy::quarantine);
}

TEST_F(DmarcEvaluate, NoRecordSeveralRecordsErrorsAndFromProblems) {
  EXPECT_EQ(evaluate(input("nowhere.example"), zone).verdict, Verdict::none);
  auto two = evaluate(input("two.example"), zone);
  EXPECT_EQ(two.verdict, Verdict::none) << "several records: no policy (§6.6.3)";
  EXPECT_NE(two.reason.find("several"), std::string::npos);
  EXPECT_EQ(evaluate(input("slow.example"), zone).verdict, Verdict::temperror);
  auto watch = evaluate(input("watch.example"), zone);
  EXPECT_EQ(watch.verdict, Verdict::fail);
  EXPECT_EQ(watch.applied, Policy::none);
  EXPECT_EQ(evaluate(Input{}, zone).verdict, Verdict::none);
  // §6.6.3: a record at the From domain that is no policy, or several,
  // end DMARC processing there: the organisational domain's does not apply.
  for (auto* sub : {"broken.example.com", "twice.example.com"}) {
    auto e = evaluate(input(sub), zone);
    EXPECT_EQ(e.verdict, Verdict::none) << sub;
    EXPECT_EQ(e.applied, Policy::none) << sub;
  }
}

// §6.6.2: with no aligned pass, an aligned check that failed for now
// leaves the policy unapplied (temperror, the policy it would have had).
TEST_F(DmarcEvaluate, AnAlignedCheckThatFailedForNowIsNoFailure) {
  auto in = input("example.com");
  in.dkim = {dkim_result(dkim::Verdict::temperror, "example.com")};
  in.spf = SpfResult::pass;
  in.spf_domain = "other.example.net";
  auto e = evaluate(in, zone);
  EXPECT_EQ(e.verdict, Verdict::temperror);
  EXPECT_EQ(e.requested, Policy::reject);
  EXPECT_EQ(e.applied, Policy::none);
  in = input("example.com");
  in.spf = SpfResult::temperror;
  in.spf_domain = "bounces.example.com";
  EXPECT_EQ(evaluate(in, zone).verdict, Verdict::temperror);
  // Not aligned, it changes nothing: the message fails.
  in.spf_domain = "example.net";
  in.dkim = {dkim_result(dkim::Verdict::temperror, "example.net")};
  EXPECT_EQ(evaluate(in, zone).verdict, Verdict::fail);
  // An aligned pass still passes.
  in.dkim.push_back(dkim_result(dkim::Verdict::pass, "example.com"));
  EXPECT_EQ(evaluate(in, zone).verdict, Verdict::pass);
}

// §6.6.1: every From domain is evaluated and the strictest result applies:
// a second author does not carry a spoofed domain past its policy.
TEST_F(DmarcEvaluate, SeveralFromDomainsTakeTheStrictestResult) {
  Input in;
  in.from_domains = {"watch.example", "example.com", "Example.COM."};
  in.dkim = {dkim_result(dkim::Verdict::pass, "watch.example")};
  auto e = evaluate(in, zone);
  EXPECT_EQ(e.verdict, Verdict::fail);
  EXPECT_EQ(e.from_domain, "example.com");
  EXPECT_EQ(e.applied, Policy::reject);
  in.dkim.push_back(dkim_result(dkim::Verdict::pass, "example.com"));
  EXPECT_EQ(evaluate(in, zone).verdict, Verdict::pass) << "both aligned: a pass";
  in.from_domains = {"nowhere.example", "watch.example"};
  EXPECT_EQ(evaluate(in, zone).verdict, Verdict::pass) << "no policy and a pass";
  in.from_domains = {"a.example", "b.example", "c.example", "d.example", "e.example"};
  e = evaluate(in, zone);
  EXPECT_EQ(e.verdict, Verdict::fail) << "more domains than are looked up";
  EXPECT_EQ(e.applied, Policy::reject);
}

// An internationalised From domain is looked up by its A-labels (RFC 7489
// §6.6.1 via RFC 5891): its record applies, and a signature of the same
// domain in A-labels is aligned with it.
TEST(DmarcIdn, UnicodeDomainsAreTheirALabels) {
  EXPECT_EQ(ascii_name("B\xc3\xbc"
                       "cher.test."),
            "xn--bcher-kva.test");
  EXPECT_EQ(ascii_name("plain.example"), "plain.example");
  EXPECT_FALSE(ascii_name("bad\xc3.test")) << "not UTF-8";
  EXPECT_EQ(normalize_name("_dmarc.b\xc3\xbc"
                           "cher.test"),
            "_dmarc.xn--bcher-kva.test");
  StaticResolver zone;
  zone.add_txt("_dmarc.xn--bcher-kva.test", "v=DMARC1; p=reject");
  Input in;
  in.from_domains = {
      "b\xc3\xbc"
      "cher.test"};
  auto e = evaluate(in, zone);
  EXPECT_EQ(e.verdict, Verdict::fail);
  EXPECT_EQ(e.applied, Policy::reject);
  in.dkim = {dkim_result(dkim::Verdict::pass, "xn--bcher-kva.test")};
  EXPECT_EQ(evaluate(in, zone).verdict, Verdict::pass);
  EXPECT_TRUE(
      aligned("mail.b\xc3\xbc"
              "cher.test",
              "xn--bcher-kva.test", false));
}

}  // namespace
}  // namespace estafeta::dns::dmarc
