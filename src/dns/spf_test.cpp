// Unit tests of the SPF library: the record grammar, macro expansion with
// the RFC 7208 §7.4 examples, and check_host() against a StaticResolver
// (limits, void lookups, redirect, include mapping, exp=, DNS errors).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/resolver.hpp"
#include "dns/spf.hpp"

namespace estafeta::dns {
namespace {

using Code = SpfResult::Code;
using K = SpfMechanismKind;

IpAddress ip(const char* text) {
  auto parsed = IpAddress::parse(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(IpAddress{});
}

// ---------------------------------------------------------------------------
// IpAddress and StaticResolver

TEST(IpAddress, ParsesStrictly) {
  EXPECT_TRUE(ip("192.0.2.1").is_v4());
  EXPECT_FALSE(ip("2001:db8::1").is_v4());
  for (const char* bad :
       {"01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "", ":", "::1/64", "a::g", "1.2.3.04"})
    EXPECT_FALSE(IpAddress::parse(bad).has_value()) << bad;
}

TEST(IpAddress, MappedPrefixAndTextForms) {
  EXPECT_EQ(ip("::ffff:192.0.2.1").unmapped(), ip("192.0.2.1"));
  EXPECT_FALSE(ip("::192.0.2.1").unmapped().is_v4());
  EXPECT_TRUE(ip("192.0.2.200").in_network(ip("192.0.2.0"), 24));
  EXPECT_FALSE(ip("192.0.3.1").in_network(ip("192.0.2.0"), 24));
  EXPECT_TRUE(ip("192.0.2.1").in_network(ip("10.0.0.0"), 0));
  EXPECT_FALSE(ip("192.0.2.1").in_network(ip("::"), 0));  // never across families
  EXPECT_TRUE(ip("2001:db8:8000::1").in_network(ip("2001:db8:8000::"), 33));
  EXPECT_FALSE(ip("2001:db8::1").in_network(ip("2001:db8:8000::"), 33));
  EXPECT_EQ(ip("2001:DB8:0:0:0:0:0:CB01").to_string(), "2001:db8::cb01");
  EXPECT_EQ(ip("192.0.2.3").reverse_name(), "3.2.0.192.in-addr.arpa");
  EXPECT_EQ(ip("2001:db8::cb01").dotted(), "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
  EXPECT_EQ(ip("2001:db8::cb01").reverse_name(),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST(StaticResolver, DistinguishesNoNameNoDataAndTimeouts) {
  StaticResolver zone;
  ASSERT_TRUE(zone.add("Host.Example.com.", RecordType::a, "192.0.2.1"));
  ASSERT_TRUE(zone.add("alias.example.com", RecordType::cname, "host.example.com."));
  ASSERT_TRUE(zone.add("loop1.example.com", RecordType::cname, "loop2.example.com"));
  ASSERT_TRUE(zone.add("loop2.example.com", RecordType::cname, "loop1.example.com"));
  ASSERT_TRUE(zone.add("example.com", RecordType::mx, "10 host.example.com"));
  zone.add_timeout("slow.example.com", RecordType::txt);
  EXPECT_FALSE(zone.add("example.com", RecordType::mx, "x host").has_value());
  EXPECT_FALSE(zone.add("example.com", RecordType::a, "2001:db8::1").has_value());

  EXPECT_EQ(zone.a("host.example.com")->size(), 1u);
  EXPECT_EQ(zone.a("ALIAS.example.com")->front(), ip("192.0.2.1"));
  EXPECT_TRUE(zone.txt("host.example.com")->empty());                             // no data
  EXPECT_EQ(zone.txt("nowhere.example.com").error().kind, ErrorKind::not_found);  // no name
  EXPECT_EQ(zone.a("loop1.example.com").error().kind, ErrorKind::temporary);
  EXPECT_EQ(zone.txt("slow.example.com").error().kind, ErrorKind::temporary);
  EXPECT_TRUE(zone.a("slow.example.com")->empty());
  EXPECT_EQ(zone.mx("example.com")->front().preference, 10);
}

// ---------------------------------------------------------------------------
// Records

TEST(SpfRecord, VersionDetection) {
  for (const char* yes : {"v=spf1", "v=spf1 -all", "V=SpF1 ~all", "v=spf1 "}) EXPECT_TRUE(is_spf_record(yes)) << yes;
  for (const char* no : {"v=spf10", "v=spf1\t-all", "v=spf1mx", " v=spf1", "spf1", "", "v=spf2.0/pra"})
    EXPECT_FALSE(is_spf_record(no)) << no;
}

TEST(SpfRecord, ParsesEveryTerm) {
  auto record = parse_spf_record(
      "v=spf1 +all -include:_spf.example.com ~a ?a:mail.example.com/24//64 mx//48 MX:%{d}/28 ptr "
      "ptr:example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 exists:%{ir}.bl.example.com  "
      "Redirect=_spf.example.net exp=explain.%{d} x-custom.name=%{h}-%{c} ");
  ASSERT_TRUE(record.has_value()) << record.error().message;
  const auto& m = record->mechanisms;
  ASSERT_EQ(m.size(), 11u);
  EXPECT_EQ(m[0].kind, K::all);
  EXPECT_EQ(m[0].qualifier, SpfQualifier::pass);
  EXPECT_EQ(m[1].kind, K::include);
  EXPECT_EQ(m[1].qualifier, SpfQualifier::fail);
  EXPECT_EQ(m[1].domain_spec, "_spf.example.com");
  EXPECT_EQ(m[2].qualifier, SpfQualifier::softfail);
  EXPECT_EQ(m[2].domain_spec, "");
  EXPECT_EQ(m[3].qualifier, SpfQualifier::neutral);
  EXPECT_EQ(m[3].domain_spec, "mail.example.com");
  EXPECT_EQ(m[3].cidr4, 24);
  EXPECT_EQ(m[3].cidr6, 64);
  EXPECT_EQ(m[4].cidr4, 32);
  EXPECT_EQ(m[4].cidr6, 48);
  EXPECT_EQ(m[5].kind, K::mx);
  EXPECT_EQ(m[5].domain_spec, "%{d}");
  EXPECT_EQ(m[5].cidr4, 28);
  EXPECT_EQ(m[7].domain_spec, "example.org");
  EXPECT_EQ(m[8].network, ip("192.0.2.0"));
  EXPECT_EQ(m[8].cidr4, 24);
  EXPECT_EQ(m[9].network, ip("2001:db8::"));
  EXPECT_EQ(m[9].cidr6, 32);
  EXPECT_EQ(m[10].kind, K::exists);
  EXPECT_EQ(m[10].text, "exists:%{ir}.bl.example.com");
  EXPECT_EQ(record->redirect, "_spf.example.net");
  EXPECT_EQ(record->explanation, "explain.%{d}");
  ASSERT_EQ(record->unknown.size(), 1u);
  EXPECT_EQ(record->unknown[0].name, "x-custom.name");
}

TEST(SpfRecord, LastMechanismText) {
  auto record = parse_spf_record("v=spf1 a -all");
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->mechanisms.back().text, "-all");
}

TEST(SpfRecord, ModifiersAndCounts) {
  auto record = parse_spf_record(
      "v=spf1 a mx ptr exists:x.example.com include:y.example.com ip4:192.0.2.1 ip6:::1 all "
      "redirect=z.example.com exp=e.example.com moo.cow-far_out=man:dog/cat default=+");
  ASSERT_TRUE(record.has_value()) << record.error().message;
  EXPECT_EQ(record->dns_terms(), 6);  // a mx ptr exists include + redirect
  EXPECT_EQ(record->redirect, "z.example.com");
  EXPECT_EQ(record->explanation, "e.example.com");
  ASSERT_EQ(record->unknown.size(), 2u);
  EXPECT_EQ(record->unknown[0].name, "moo.cow-far_out");
  EXPECT_EQ(record->unknown[0].value, "man:dog/cat");
  // to_string() gives a record that parses to the same terms.
  auto again = parse_spf_record(record->to_string());
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->to_string(), record->to_string());
}

TEST(SpfRecord, AcceptsUnusualButValidDomainSpecs) {
  for (const char* good : {
           "v=spf1 a:foo:bar/baz.example.com",  // any visible character but '%'
           "v=spf1 a:foo.example.xn--zckzah",   // dashes in the top label
           "v=spf1 a:example.com.",             // one trailing dot
           "v=spf1 a:%{d}",                     // ends in a macro
           "v=spf1 a:%{d}.%%",                  // "%%" is a macro-expand too
           "v=spf1 a:mail.example...com",       // empty labels: grammar allows
           "v=spf1 a:1-2.3-4",                  // all-numeric with a dash
           "v=spf1 ip4:0.0.0.0/0 ip6:::/0",
           "v=spf1",
       })
    EXPECT_TRUE(parse_spf_record(good).has_value()) << good;
}

TEST(SpfRecord, RejectsSyntaxErrors) {
  for (const char* bad : {
           "v=spf1 moo",                   // unknown mechanism
           "v=spf1 ip4:1.2.3.4 -all moo",  // anywhere in the record
           "v=spf1 -all.",
           "v=spf1 -all:foo",
           "v=spf1 all/8",
           "v=spf1 *all",
           "v=spf1 a/33",
           "v=spf1 a//129",
           "v=spf1 a/24/64",
           "v=spf1 a/032",
           "v=spf1 mx/",
           "v=spf1 a:",
           "v=spf1 a:foo-bar",
           "v=spf1 a:abc.123",
           "v=spf1 a:111.222.33.44",
           "v=spf1 a:example.-com",
           "v=spf1 a:museum",
           "v=spf1 a:museum.",
           "v=spf1 a:example.com:8080",
           "v=spf1 a:foo.example.com/24/64",
           "v=spf1 ip4",
           "v=spf1 ip4:1.2.3",
           "v=spf1 ip4:1.2.3.4/33",
           "v=spf1 ip4:1.2.3.4/032",
           "v=spf1 ip4:1.2.3.4//32",
           "v=spf1 ip4:1.2.3.4:8080",
           "v=spf1 ip4:2001:db8::1",
           "v=spf1 ip6",
           "v=spf1 ip6::CAFE::BABE",
           "v=spf1 ip6:::1/129",
           "v=spf1 ip6:::1//33",
           "v=spf1 ip6:1.2.3.4",
           "v=spf1 include",
           "v=spf1 include:",
           "v=spf1 include:ip5.example.com/24",
           "v=spf1 exists",
           "v=spf1 exists:",
           "v=spf1 exists:mail.example.com/24",
           "v=spf1 ptr/0",
           "v=spf1 ptr:",
           "v=spf1 redirect=",
           "v=spf1 redirect=-all",
           "v=spf1 redirect=a.com redirect=b.com",
           "v=spf1 redirect:example.com",  // a mechanism, unknown
           "v=spf1 exp=",
           "v=spf1 exp=-all",
           "v=spf1 exp=a.com EXP=b.com",
           "v=spf1 1up=foo",
           "v=spf1 =all",
           "v=spf1 moo.cow/far_out=man:dog/cat",
           "v=spf1 foo=%abc",
           "v=spf1 a:%{a}.example.com",
           "v=spf1 exists:%(ir).sbl.example.com",
           "v=spf1 exists:foo%.example.com",
           "v=spf1 exp=%{r}.example.com",
           "v=spf1 a:%{c}.example.com",
           "v=spf1 a:%{d0}",
           "v=spf1 a:%{d",
           "v=spf1 a:%",
           "v=spf1 a:ctrl.example.com\rptr",
           "v=spf1 ip4:192.0.2.5\n",
           "v=spf1 a:\xEF\xBB\xBFgarbage.example.net",
           "v=spf1 \x80"
           "a",
           "v=spf1 \x96"
           "all",
           "not spf at all",
       }) {
    auto record = parse_spf_record(bad);
    EXPECT_FALSE(record.has_value()) << bad;
    if (!record) {
      EXPECT_EQ(record.error().kind, ErrorKind::invalid);
    }
  }
  // An embedded NUL (the literal above stops at it).
  EXPECT_FALSE(parse_spf_record(std::string_view("v=spf1 a:foo.example.com\0", 25)).has_value());
}

// ---------------------------------------------------------------------------
// Macros

MacroContext rfc_context(const char* client) {
  MacroContext c;
  c.sender = "strong-bad@email.example.com";
  c.local_part = "strong-bad";
  c.sender_domain = "email.example.com";
  c.domain = "email.example.com";
  c.ip = ip(client);
  c.helo = "mx.example.org";
  c.receiver = "mail.example.net";
  c.timestamp = 1700000000;
  c.validated_name = [] { return std::string("mx.example.org"); };
  return c;
}

std::string expand(std::string_view text, const MacroContext& c, MacroUse use = MacroUse::domain_spec) {
  auto out = expand_macros(text, c, use);
  EXPECT_TRUE(out.has_value()) << text;
  return out.value_or("<error>");
}

TEST(SpfMacro, Rfc7208Section74Examples) {
  auto c = rfc_context("192.0.2.3");
  const std::pair<const char*, const char*> examples[] = {
      {"%{s}", "strong-bad@email.example.com"},
      {"%{o}", "email.example.com"},
      {"%{d}", "email.example.com"},
      {"%{d4}", "email.example.com"},
      {"%{d3}", "email.example.com"},
      {"%{d2}", "example.com"},
      {"%{d1}", "com"},
      {"%{dr}", "com.example.email"},
      {"%{d2r}", "example.email"},
      {"%{l}", "strong-bad"},
      {"%{l-}", "strong.bad"},
      {"%{lr}", "strong-bad"},
      {"%{lr-}", "bad.strong"},
      {"%{l1r-}", "strong"},
      {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
      {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
      {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
      {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
      {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
  };
  for (const auto& [macro, expansion] : examples) EXPECT_EQ(expand(macro, c), expansion) << macro;

  auto c6 = rfc_context("2001:db8::cb01");
  EXPECT_EQ(expand("%{ir}.%{v}._spf.%{d2}", c6),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(SpfMacro, ExplanationLetters) {
  auto c = rfc_context("192.0.2.3");
  EXPECT_EQ(expand("%{c} is not one of %{d}'s designated mail servers.", c, MacroUse::explanation),
            "192.0.2.3 is not one of email.example.com's designated mail servers.");
  EXPECT_EQ(expand("%{c} is not one of %{d}'s designated mail servers.", rfc_context("2001:db8::cb01"),
                   MacroUse::explanation),
            "2001:db8::cb01 is not one of email.example.com's designated mail servers.");
  EXPECT_EQ(expand("%{r} at %{t} for %{p} (%{h})", c, MacroUse::explanation),
            "mail.example.net at 1700000000 for mx.example.org (mx.example.org)");
  // c, r and t only in explanations; spaces only there too.
  for (const char* only_exp : {"%{c}", "%{r}", "%{t}", "a b"}) {
    EXPECT_FALSE(check_macro_string(only_exp, MacroUse::domain_spec).has_value()) << only_exp;
    EXPECT_TRUE(check_macro_string(only_exp, MacroUse::explanation).has_value()) << only_exp;
  }
  EXPECT_TRUE(check_macro_string("%{c}", MacroUse::modifier).has_value());
}

TEST(SpfMacro, EscapesDelimitersAndUrlEncoding) {
  auto c = rfc_context("192.0.2.3");
  EXPECT_EQ(expand("macro%%percent%_%_space%-url-space.example.com", c),
            "macro%percent  space%20url-space.example.com");
  c.local_part = "~jack&jill=up-a_b3.c";
  EXPECT_EQ(expand("http://example.com/why.html?l=%{L}", c, MacroUse::explanation),
            "http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c");
  c.local_part = "philip-gladstone-test";
  EXPECT_EQ(expand("%{i}.%{l2r-}.user.%{d2}", c), "192.0.2.3.gladstone.philip.user.example.com");
  c.local_part = "foo-bar+zip+quux";
  EXPECT_EQ(expand("%{l2r+-}.user.%{d2}", c), "bar.foo.user.example.com");
  EXPECT_EQ(expand("%{d999}", c), "email.example.com");  // more parts than there are: all
  EXPECT_EQ(expand("%{D}", c), "email.example.com");
  EXPECT_EQ(expand("%{S}", c), "strong-bad%40email.example.com");
  for (const char* bad : {"%{d0}", "%{x}", "%{d", "%(d)", "%", "%d", "%{d2r.x}", "a\tb"})
    EXPECT_FALSE(check_macro_string(bad, MacroUse::explanation).has_value()) << bad;
}

TEST(SpfMacro, ValidatedNameOnlyWhenUsed) {
  auto c = rfc_context("192.0.2.3");
  int calls = 0;
  c.validated_name = [&] {
    ++calls;
    return std::string("host.example.org");
  };
  EXPECT_EQ(expand("%{d}", c), "email.example.com");
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(expand("%{p2}", c), "example.org");
  EXPECT_EQ(calls, 1);
  c.validated_name = nullptr;
  EXPECT_EQ(expand("%{p}", c), "unknown");
}

TEST(SpfMacro, DomainSpecTruncationAndTrailingDot) {
  auto c = rfc_context("192.0.2.3");
  std::string long_domain;
  for (int i = 0; i < 30; ++i) long_domain += (i ? "." : "") + std::string("abcdefghi");  // 299 octets
  c.domain = long_domain;
  auto name = expand_domain_spec("%{d}", c);
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->size(), 249u);  // five labels dropped from the left
  EXPECT_TRUE(long_domain.ends_with(*name));
  EXPECT_EQ(*expand_domain_spec("%{d2}.example.net.", c), "abcdefghi.abcdefghi.example.net");
  EXPECT_TRUE(is_queryable_name("example.com."));
  EXPECT_FALSE(is_queryable_name("a..example.com"));
  EXPECT_FALSE(is_queryable_name(std::string(64, 'a') + ".example.com"));
  EXPECT_FALSE(is_queryable_name(""));
}

// ---------------------------------------------------------------------------
// check_host()

class SpfCheck : public ::testing::Test {
 protected:
  void txt(const char* name, std::string text) { zone.add_txt(name, std::move(text)); }
  void rr(const char* name, RecordType type, const char* value) { ASSERT_TRUE(zone.add(name, type, value)); }
  SpfResult check(const char* client, const char* domain = "example.com", const char* sender = "user@example.com") {
    return check_host(zone, client, domain, sender, "mail.example.org", options);
  }

  StaticResolver zone;
  SpfOptions options;
};

TEST_F(SpfCheck, BasicResultsAndMechanism) {
  txt("example.com", "v=spf1 ip4:192.0.2.0/24 ~ip6:2001:db8::/32 ?ip4:198.51.100.1 -all");
  txt("example.com", "some unrelated text");  // other TXT records do not matter
  auto pass = check("192.0.2.77");
  EXPECT_EQ(pass.code, Code::pass);
  EXPECT_EQ(pass.mechanism, "ip4:192.0.2.0/24");
  EXPECT_EQ(pass.dns_lookups, 0);
  EXPECT_EQ(check("2001:db8::5").code, Code::softfail);
  EXPECT_EQ(check("198.51.100.1").code, Code::neutral);
  auto fail = check("203.0.113.9");
  EXPECT_EQ(fail.code, Code::fail);
  EXPECT_EQ(fail.mechanism, "-all");
  EXPECT_EQ(check("2001:db8::5", "nowhere.example.com").code, Code::none);
  EXPECT_EQ(check("not an address").code, Code::permerror);
}

TEST_F(SpfCheck, NoRecordMultipleRecordsAndMalformedDomains) {
  txt("none.example.com", "v=spf10 -all");
  txt("two.example.com", "v=spf1 -all");
  txt("two.example.com", "V=SPF1 +all");
  EXPECT_EQ(check("192.0.2.1", "none.example.com").code, Code::none);
  EXPECT_EQ(check("192.0.2.1", "two.example.com").code, Code::permerror);
  auto before = zone.queries();
  EXPECT_EQ(check("192.0.2.1", "a..example.com").code, Code::none);
  EXPECT_EQ(check("192.0.2.1", "localhost").code, Code::none);  // not multi-label
  EXPECT_EQ(check("192.0.2.1", "[192.0.2.1]").code, Code::none);
  EXPECT_EQ(check("192.0.2.1", (std::string(64, 'a') + ".example.com").c_str()).code, Code::none);
  EXPECT_EQ(zone.queries(), before);  // none of them was looked up
}

TEST_F(SpfCheck, DnsErrorsAreTemperror) {
  zone.add_timeout("slow.example.com");
  txt("a.example.com", "v=spf1 a:slow.example.com -all");
  txt("mx.example.com", "v=spf1 mx:slow.example.com -all");
  txt("exists.example.com", "v=spf1 exists:slow.example.com -all");
  txt("ptr.example.com", "v=spf1 ptr -all");
  zone.add_timeout(ip("192.0.2.1").reverse_name());
  EXPECT_EQ(check("192.0.2.1", "slow.example.com").code, Code::temperror);
  EXPECT_EQ(check("192.0.2.1", "a.example.com").code, Code::temperror);
  EXPECT_EQ(check("192.0.2.1", "mx.example.com").code, Code::temperror);
  EXPECT_EQ(check("192.0.2.1", "exists.example.com").code, Code::temperror);
  // §5.5: a PTR lookup error is no match, not temperror.
  EXPECT_EQ(check("192.0.2.1", "ptr.example.com").code, Code::fail);
}

TEST_F(SpfCheck, IncludeResultsMapPerSection52) {
  txt("pass.example.com", "v=spf1 +all");
  txt("fail.example.com", "v=spf1 -all");
  txt("softfail.example.com", "v=spf1 ~all");
  txt("neutral.example.com", "v=spf1 ?all");
  zone.add_timeout("temperror.example.com", RecordType::txt);
  txt("permerror.example.com", "v=spf1 moo");
  rr("none.example.com", RecordType::a, "192.0.2.1");
  const std::pair<const char*, Code> table[] = {
      {"pass", Code::pass},            // match: the include's qualifier (+)
      {"fail", Code::softfail},        // no match: on to ~all
      {"softfail", Code::softfail},    // no match
      {"neutral", Code::softfail},     // no match
      {"temperror", Code::temperror},  // error passes through
      {"permerror", Code::permerror},  // error passes through
      {"none", Code::permerror},       // no record behind an include
  };
  for (const auto& [inner, outer] : table) {
    std::string domain = std::string("outer-") + inner + ".example.com";
    txt(domain.c_str(), std::string("v=spf1 include:") + inner + ".example.com ~all");
    auto result = check("192.0.2.1", domain.c_str());
    EXPECT_EQ(result.code, outer) << inner << ": " << to_string(result.code);
    if (outer == Code::pass) {
      EXPECT_EQ(result.mechanism, "include:pass.example.com");
    }
  }
  // The include's own qualifier applies on a match.
  txt("minus.example.com", "v=spf1 -include:pass.example.com +all");
  EXPECT_EQ(check("192.0.2.1", "minus.example.com").code, Code::fail);
}

TEST_F(SpfCheck, RedirectOnlyWithoutMatchAndNeverWithAll) {
  txt("other.example.com", "v=spf1 -ip4:192.0.2.1 +all");
  txt("example.com", "v=spf1 redirect=other.example.com ~all");
  auto result = check("192.0.2.1");
  EXPECT_EQ(result.code, Code::softfail);  // "all" matched; redirect ignored
  EXPECT_EQ(result.dns_lookups, 0);

  txt("r.example.com", "v=spf1 ip4:203.0.113.1 redirect=other.example.com");
  EXPECT_EQ(check("203.0.113.1", "r.example.com").code, Code::pass);  // matched before redirect
  auto redirected = check("192.0.2.1", "r.example.com");
  EXPECT_EQ(redirected.code, Code::fail);
  EXPECT_EQ(redirected.mechanism, "-ip4:192.0.2.1");
  EXPECT_EQ(redirected.dns_lookups, 1);

  txt("nowhere.example.com", "v=spf1 redirect=missing.example.com");
  EXPECT_EQ(check("192.0.2.1", "nowhere.example.com").code, Code::permerror);
  txt("self.example.com", "v=spf1 redirect=self.example.com");
  auto loop = check("192.0.2.1", "self.example.com");
  EXPECT_EQ(loop.code, Code::permerror);
  EXPECT_EQ(loop.dns_lookups, kSpfMaxDnsLookups + 1);
}

TEST_F(SpfCheck, RedirectChangesDomainAndExplanation) {
  txt("example.com", "v=spf1 exp=exp1.example.com redirect=other.example.com");
  txt("other.example.com", "v=spf1 a -all exp=exp2.example.com");
  rr("other.example.com", RecordType::a, "192.0.2.9");
  txt("exp1.example.com", "not this one");
  txt("exp2.example.com", "%{d} does not send for %{o} from %{i}");
  EXPECT_EQ(check("192.0.2.9").code, Code::pass);  // "a" of other.example.com
  auto result = check("192.0.2.1");
  EXPECT_EQ(result.code, Code::fail);
  EXPECT_EQ(result.explanation, "other.example.com does not send for example.com from 192.0.2.1");
}

TEST_F(SpfCheck, LookupLimitCountsQueryingTermsAcrossIncludes) {
  rr("example.com", RecordType::a, "198.51.100.1");
  std::string ten = "v=spf1";
  for (int i = 0; i < 10; ++i) ten += " a:example.com";
  txt("ten.example.com", ten + " ip4:192.0.2.1 ip6:::1 -all");
  txt("eleven.example.com", ten + " a:example.com ip4:192.0.2.1 -all");
  auto at_limit = check("192.0.2.1", "ten.example.com");
  EXPECT_EQ(at_limit.code, Code::pass);
  EXPECT_EQ(at_limit.dns_lookups, 10);
  auto over = check("192.0.2.1", "eleven.example.com");
  EXPECT_EQ(over.code, Code::permerror);
  EXPECT_NE(over.problem.find("10 DNS"), std::string::npos) << over.problem;

  // Terms after the match are not evaluated, so not counted.
  txt("early.example.com", "v=spf1 ip4:192.0.2.1" + ten.substr(6) + ten.substr(6));
  EXPECT_EQ(check("192.0.2.1", "early.example.com").dns_lookups, 0);

  // include counts itself and its record's terms.
  txt("inner.example.com", "v=spf1 a a a a a a a a");
  rr("inner.example.com", RecordType::a, "198.51.100.2");
  rr("nested.example.com", RecordType::a, "198.51.100.3");
  rr("nested2.example.com", RecordType::a, "198.51.100.4");
  txt("nested.example.com", "v=spf1 a include:inner.example.com ip4:192.0.2.1 mx -all");
  auto nested = check("192.0.2.1", "nested.example.com");
  EXPECT_EQ(nested.code, Code::pass);
  EXPECT_EQ(nested.dns_lookups, 10);
  txt("nested2.example.com", "v=spf1 a include:inner.example.com a ip4:192.0.2.1 -all");
  EXPECT_EQ(check("192.0.2.1", "nested2.example.com").code, Code::permerror);
}

TEST_F(SpfCheck, VoidLookupLimit) {
  txt("two.example.com", "v=spf1 a:nx1.example.com mx:nx2.example.com ?all");
  txt("three.example.com", "v=spf1 a:nx1.example.com exists:nx2.example.com ptr:example.com ?all");
  auto two = check("192.0.2.1", "two.example.com");
  EXPECT_EQ(two.code, Code::neutral);
  EXPECT_EQ(two.void_lookups, 2);
  auto three = check("192.0.2.1", "three.example.com");  // no PTR records: the third void
  EXPECT_EQ(three.code, Code::permerror);
  EXPECT_NE(three.problem.find("void"), std::string::npos);
  options.max_void_lookups = 3;
  EXPECT_EQ(check("192.0.2.1", "three.example.com").code, Code::neutral);
  // A name that exists but has no A record is void too.
  options.max_void_lookups = 0;
  rr("v6only.example.com", RecordType::aaaa, "2001:db8::1");
  txt("nodata.example.com", "v=spf1 a:v6only.example.com ?all");
  EXPECT_EQ(check("192.0.2.1", "nodata.example.com").code, Code::permerror);
  EXPECT_EQ(check("2001:db8::1", "nodata.example.com").code, Code::pass);
}

TEST_F(SpfCheck, MxLimitIsPermerror) {
  rr("mail.example.com", RecordType::a, "192.0.2.5");
  txt("ten.example.com", "v=spf1 mx -all");
  txt("eleven.example.com", "v=spf1 mx -all");
  for (int i = 0; i < 10; ++i) {
    zone.add_mx("ten.example.com", static_cast<std::uint16_t>(i), "mail.example.com");
    zone.add_mx("eleven.example.com", static_cast<std::uint16_t>(i), "nx" + std::to_string(i) + ".example.com");
  }
  zone.add_mx("eleven.example.com", 10, "mail.example.com");
  EXPECT_EQ(check("192.0.2.5", "ten.example.com").code, Code::pass);
  EXPECT_EQ(check("192.0.2.5", "eleven.example.com").code, Code::permerror);
  // A null MX matches nothing and is not looked up.
  zone.add_mx("nullmx.example.com", 0, ".");
  txt("nullmx.example.com", "v=spf1 mx ?all");
  EXPECT_EQ(check("192.0.2.5", "nullmx.example.com").code, Code::neutral);
}

TEST_F(SpfCheck, PtrChecksOnlyTenValidatedNames) {
  auto client = ip("192.0.2.1");
  for (int i = 0; i < 10; ++i) zone.add_ptr(client, "host" + std::to_string(i) + ".other.org");
  zone.add_ptr(client, "mail.example.com.");  // the eleventh: ignored
  rr("mail.example.com", RecordType::a, "192.0.2.1");
  txt("example.com", "v=spf1 ptr -all");
  EXPECT_EQ(check("192.0.2.1").code, Code::fail);

  auto second = ip("192.0.2.2");
  zone.add_ptr(second, "Mail.Example.COM.");
  zone.add_ptr(second, "forged.example.com");  // its address is not 192.0.2.2
  rr("mail.example.com", RecordType::a, "192.0.2.2");
  auto pass = check("192.0.2.2");
  EXPECT_EQ(pass.code, Code::pass);
  txt("strict.example.com", "v=spf1 ptr:forged.example.com -all");
  EXPECT_EQ(check("192.0.2.2", "strict.example.com").code, Code::fail);
}

TEST_F(SpfCheck, DualCidrAndMappedClients) {
  rr("example.com", RecordType::a, "192.0.2.10");
  rr("example.com", RecordType::aaaa, "2001:db8::10");
  txt("example.com", "v=spf1 a/24//64 -all");
  EXPECT_EQ(check("192.0.2.99").code, Code::pass);
  EXPECT_EQ(check("198.51.100.1").code, Code::fail);
  EXPECT_EQ(check("2001:db8::ffff").code, Code::pass);
  EXPECT_EQ(check("2001:db8:1::1").code, Code::fail);
  EXPECT_EQ(check("::ffff:192.0.2.99").code, Code::pass);  // IPv4-mapped is IPv4 (§5)

  txt("mapped.example.com", "v=spf1 ip6:::/0 ip4:192.0.2.1 -all");
  auto mapped = check("::FFFF:192.0.2.1", "mapped.example.com");
  EXPECT_EQ(mapped.code, Code::pass);
  EXPECT_EQ(mapped.mechanism, "ip4:192.0.2.1");
}

TEST_F(SpfCheck, ExplanationRules) {
  options.default_explanation = "default for %{d}";
  txt("example.com", "v=spf1 -ip4:192.0.2.1 ~all exp=why.example.com");
  txt("why.example.com", "%{l} may not send from %{c} via %{h} (%{r})");
  options.receiver = "mx.example.net";
  auto result = check("192.0.2.1");
  EXPECT_EQ(result.code, Code::fail);
  EXPECT_EQ(result.explanation, "user may not send from 192.0.2.1 via mail.example.org (mx.example.net)");
  EXPECT_EQ(check("192.0.2.2").explanation, "");  // softfail: no explanation

  // Every failure of exp= falls back to the default, silently.
  txt("two.example.com", "v=spf1 -all exp=two-txt.example.com");
  txt("two-txt.example.com", "one");
  txt("two-txt.example.com", "two");
  txt("bad.example.com", "v=spf1 -all exp=bad-txt.example.com");
  txt("bad-txt.example.com", "The %{x}-files.");
  txt("slow.example.com", "v=spf1 -all exp=slow-txt.example.com");
  zone.add_timeout("slow-txt.example.com");
  txt("gone.example.com", "v=spf1 a:nx1.example.com a:nx2.example.com -all exp=nx3.example.com");
  for (const char* domain : {"two.example.com", "bad.example.com", "slow.example.com", "gone.example.com"}) {
    auto r = check("192.0.2.1", domain);
    EXPECT_EQ(r.code, Code::fail) << domain;  // exp= lookups are not void lookups
    EXPECT_EQ(r.explanation, std::string("default for ") + domain) << domain;
  }
  // An include's exp= is never used; the including record's is.
  txt("inner.example.com", "v=spf1 -all exp=inner-txt.example.com");
  txt("inner-txt.example.com", "inner");
  txt("outer.example.com", "v=spf1 include:inner.example.com -all exp=outer-txt.example.com");
  txt("outer-txt.example.com", "outer");
  EXPECT_EQ(check("192.0.2.1", "outer.example.com").explanation, "outer");
  // Sender text is made printable.
  txt("local.example.com", "v=spf1 -all exp=local-txt.example.com");
  txt("local-txt.example.com", "%{l}");
  EXPECT_EQ(check("192.0.2.1", "local.example.com",
                  "a\x01\x7f"
                  "b@local.example.com")
                .explanation,
            "a??b");
  options.explain = false;
  EXPECT_EQ(check("192.0.2.1").explanation, "default for example.com");
}

TEST_F(SpfCheck, MailFromIdentity) {
  txt("helo.example.org", "v=spf1 -all exp=why.example.org");
  txt("why.example.org", "%{s} / %{l} / %{o} / %{d} / %{h}");
  auto null_path = check_mail_from(zone, "192.0.2.1", "", "helo.example.org", options);
  EXPECT_EQ(null_path.code, Code::fail);
  EXPECT_EQ(null_path.explanation,
            "postmaster@helo.example.org / postmaster / helo.example.org / helo.example.org / helo.example.org");
  auto no_local = check_mail_from(zone, "192.0.2.1", "@helo.example.org", "other.example.net", options);
  EXPECT_EQ(no_local.explanation,
            "postmaster@helo.example.org / postmaster / helo.example.org / helo.example.org / other.example.net");
}

TEST_F(SpfCheck, MacrosInTargets) {
  rr("1.2.0.192.bl.example.com", RecordType::a, "127.0.0.2");
  txt("example.com", "v=spf1 -exists:%{ir}.bl.%{d} a:%{l}.%{d2} -all");
  rr("user.example.com", RecordType::a, "192.0.2.7");
  EXPECT_EQ(check("192.0.2.1").code, Code::fail);
  EXPECT_EQ(check("192.0.2.1").mechanism, "-exists:%{ir}.bl.%{d}");
  auto pass = check("192.0.2.7");
  EXPECT_EQ(pass.code, Code::pass);
  EXPECT_EQ(pass.mechanism, "a:%{l}.%{d2}");
  EXPECT_EQ(pass.void_lookups, 1);  // the exists: that found nothing
}

}  // namespace
}  // namespace estafeta::dns
