#include "dns/authority.hpp"

#include <gtest/gtest.h>

#include "core/ascii.hpp"
#include "dns/response_limiter.hpp"
#include "dns/wire.hpp"
#include "dns/zone_resolver.hpp"

namespace estafeta::dns {
namespace {

std::string query(std::string_view name, std::uint16_t type, bool edns = false, std::uint16_t udp = 1232,
                  std::uint8_t version = 0) {
  std::string q;
  wire::put16(q, 0x1234);
  wire::put16(q, 0x0100);  // RD
  wire::put16(q, 1);
  wire::put16(q, 0);
  wire::put16(q, 0);
  wire::put16(q, edns ? 1 : 0);
  q += wire::encode_name(name).value();
  wire::put16(q, type);
  wire::put16(q, 1);
  if (edns) {
    q.push_back('\0');
    wire::put16(q, 41);
    wire::put16(q, udp);
    wire::put32(q, std::uint32_t{version} << 16);
    wire::put16(q, 0);
  }
  return q;
}

// A response read back for checking (names decompressed).
struct Rr {
  std::string name;
  std::uint16_t type;
  std::uint32_t ttl;
  std::string rdata;  // raw; names inside are not expanded
};
struct Parsed {
  std::uint16_t id, flags;
  std::vector<Rr> answer, authority, additional;
  int rcode() const { return flags & 0xF; }
  bool aa() const { return flags & 0x0400; }
  bool tc() const { return flags & 0x0200; }
};

std::uint16_t get16(const std::string& p, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(p.at(at)) << 8 | static_cast<std::uint8_t>(p.at(at + 1)));
}

std::string read_name(const std::string& p, std::size_t& pos) {
  std::string out;
  std::size_t at = pos;
  bool jumped = false;
  for (int guard = 0; guard < 100; ++guard) {
    auto len = static_cast<std::uint8_t>(p.at(at));
    if ((len & 0xC0) == 0xC0) {
      if (!jumped) pos = at + 2;
      jumped = true;
      at = get16(p, at) & 0x3FFF;
      continue;
    }
    if (len == 0) {
      if (!jumped) pos = at + 1;
      return out;
    }
    if (!out.empty()) out += ".";
    out += p.substr(at + 1, len);
    at += 1 + len;
  }
  return out;
}

Parsed parse(const std::string& p) {
  Parsed r{get16(p, 0), get16(p, 2), {}, {}, {}};
  std::size_t pos = 12;
  for (int i = 0; i < get16(p, 4); ++i) {
    read_name(p, pos);
    pos += 4;
  }
  std::vector<Rr>* sections[] = {&r.answer, &r.authority, &r.additional};
  for (int s = 0; s < 3; ++s)
    for (int i = 0; i < get16(p, 6 + 2 * s); ++i) {
      Rr rr;
      rr.name = read_name(p, pos);
      rr.type = get16(p, pos);
      rr.ttl = std::uint32_t{get16(p, pos + 4)} << 16 | get16(p, pos + 6);
      auto len = get16(p, pos + 8);
      rr.rdata = p.substr(pos + 10, len);
      pos += 10 + len;
      sections[s]->push_back(rr);
    }
  EXPECT_EQ(pos, p.size()) << "the whole message read";
  return r;
}

ZoneRecord rec(std::string name, RrType type, std::string_view text, std::uint32_t ttl = 3600) {
  return {0, std::move(name), type, ttl, parse_record_data(type, text).value()};
}

struct Authority : ::testing::Test {
  StaticZones zones;
  void SetUp() override {
    zones.add(
        {"example.com",
         {rec("example.com", RrType::soa, "ns1.example.com hostmaster.example.com 2026120300 7200 3600 1209600 300"),
          rec("example.com", RrType::ns, "ns1.example.com"), rec("example.com", RrType::mx, "10 mail.example.com"),
          rec("example.com", RrType::txt, "v=spf1 mx -all"), rec("ns1.example.com", RrType::a, "192.0.2.53"),
          rec("mail.example.com", RrType::a, "192.0.2.25"), rec("mail.example.com", RrType::aaaa, "2001:db8::25"),
          rec("www.example.com", RrType::cname, "web.example.com"), rec("web.example.com", RrType::a, "192.0.2.80"),
          rec("out.example.com", RrType::cname, "elsewhere.example.net"),
          rec("dangling.example.com", RrType::cname, "nothing.example.com"),
          rec("loop1.example.com", RrType::cname, "loop2.example.com"),
          rec("loop2.example.com", RrType::cname, "loop1.example.com"),
          rec("_imaps._tcp.example.com", RrType::srv, "0 1 993 mail.example.com"),
          rec("*.wild.example.com", RrType::txt, "wildcard"), rec("sub.example.com", RrType::ns, "ns.sub.example.com"),
          rec("ns.sub.example.com", RrType::a, "192.0.2.54"), rec("a.b.deep.example.com", RrType::a, "192.0.2.9")}});
    std::vector<ZoneRecord> big = {rec("big.example", RrType::soa, "ns.big.example h.big.example 1 1 1 1 60")};
    for (int i = 0; i < 15; ++i)
      big.push_back(rec("big.example", RrType::txt, "record number " + std::to_string(i) + " with some padding text"));
    zones.add({"big.example", big});
  }
  Parsed ask(std::string_view name, RrType type, DnsTransport t = DnsTransport::udp, bool edns = false) {
    auto out = answer_query(query(name, static_cast<std::uint16_t>(type), edns), zones, t);
    EXPECT_TRUE(out);
    return out ? parse(*out) : Parsed{};
  }
};

TEST_F(Authority, AnswersWithAaAndAdditionalAddresses) {
  auto r = ask("Example.COM", RrType::mx);
  EXPECT_EQ(r.id, 0x1234);
  EXPECT_TRUE(r.aa());
  EXPECT_EQ(r.rcode(), 0);
  EXPECT_TRUE(r.flags & 0x0100) << "RD echoed";
  EXPECT_FALSE(r.flags & 0x0080) << "no recursion available";
  ASSERT_EQ(r.answer.size(), 1u);
  EXPECT_EQ(r.answer[0].name, "Example.COM") << "the owner keeps the query's case";
  EXPECT_EQ(r.answer[0].ttl, 3600u);
  ASSERT_EQ(r.additional.size(), 2u) << "A and AAAA of the exchange";
  EXPECT_EQ(ascii_lower(r.additional[0].name), "mail.example.com") << "compressed against the question: its case";
  auto srv = ask("_imaps._tcp.example.com", RrType::srv);
  ASSERT_EQ(srv.answer.size(), 1u);
  EXPECT_EQ(srv.answer[0].rdata.substr(6), std::string("\4mail\7example\3com\0", 18)) << "SRV target uncompressed";
}

TEST_F(Authority, NegativeAnswersCarryTheSoa) {
  auto nx = ask("nope.example.com", RrType::a);
  EXPECT_EQ(nx.rcode(), 3);
  EXPECT_TRUE(nx.aa());
  ASSERT_EQ(nx.authority.size(), 1u);
  EXPECT_EQ(nx.authority[0].type, 6);
  EXPECT_EQ(nx.authority[0].ttl, 300u) << "min(SOA TTL, MINIMUM)";
  auto nodata = ask("mail.example.com", RrType::txt);
  EXPECT_EQ(nodata.rcode(), 0);
  EXPECT_TRUE(nodata.answer.empty());
  EXPECT_EQ(nodata.authority.size(), 1u);
  auto ent = ask("b.deep.example.com", RrType::a);
  EXPECT_EQ(ent.rcode(), 0) << "an empty non-terminal exists (RFC 8020)";
}

TEST_F(Authority, CnamesAreFollowedInsideTheZone) {
  auto r = ask("www.example.com", RrType::a);
  ASSERT_EQ(r.answer.size(), 2u);
  EXPECT_EQ(r.answer[0].type, 5);
  EXPECT_EQ(r.answer[1].name, "web.example.com");
  EXPECT_EQ(r.answer[1].type, 1);
  auto out = ask("out.example.com", RrType::a);
  EXPECT_EQ(out.answer.size(), 1u) << "a target elsewhere is left to the resolver";
  EXPECT_EQ(out.rcode(), 0);
  auto dangling = ask("dangling.example.com", RrType::a);
  EXPECT_EQ(dangling.answer.size(), 1u);
  EXPECT_EQ(dangling.rcode(), 3) << "RFC 6604: the rcode of the last name";
  auto loop = ask("loop1.example.com", RrType::a);
  EXPECT_EQ(loop.answer.size(), 2u) << "a loop ends";
  auto cname = ask("www.example.com", RrType::cname);
  ASSERT_EQ(cname.answer.size(), 1u);
}

TEST_F(Authority, CnamesGoOnIntoOtherZonesServedHere) {
  zones.add(
      {"example.org",
       {rec("example.org", RrType::soa, "ns1.example.org h.example.org 1 7200 3600 1209600 60"),
        rec("host.example.org", RrType::a, "192.0.2.77"), rec("back.example.org", RrType::cname, "www.example.com")}});
  std::string q = query("back.example.org", 1);
  auto r = parse(*answer_query(q, zones, DnsTransport::udp));
  ASSERT_EQ(r.answer.size(), 3u) << "back.example.org → www.example.com → web.example.com";
  EXPECT_EQ(r.answer[2].name, "web.example.com");
  EXPECT_TRUE(r.aa());
  // A chain ending in a missing name of the other zone: its NXDOMAIN and SOA.
  zones.add({"example.net", {rec("example.net", RrType::soa, "ns.example.net h.example.net 1 1 1 1 30")}});
  auto out = ask("out.example.com", RrType::a);
  EXPECT_EQ(out.answer.size(), 1u);
  EXPECT_EQ(out.rcode(), 3);
  ASSERT_EQ(out.authority.size(), 1u);
  EXPECT_EQ(out.authority[0].name, "example.net");
}

TEST_F(Authority, WildcardsAndDelegations) {
  auto w = ask("anything.wild.example.com", RrType::txt);
  ASSERT_EQ(w.answer.size(), 1u);
  EXPECT_EQ(w.answer[0].name, "anything.wild.example.com");
  EXPECT_EQ(ask("anything.wild.example.com", RrType::a).rcode(), 0) << "NODATA at a wildcard";
  auto ref = ask("host.sub.example.com", RrType::a);
  EXPECT_FALSE(ref.aa()) << "a referral is not authoritative";
  EXPECT_TRUE(ref.answer.empty());
  ASSERT_EQ(ref.authority.size(), 1u);
  EXPECT_EQ(ref.authority[0].type, 2);
  ASSERT_EQ(ref.additional.size(), 1u) << "glue";
}

TEST_F(Authority, RefusesWhatIsNotOurs) {
  auto r = ask("example.org", RrType::a);
  EXPECT_EQ(r.rcode(), 5);
  EXPECT_FALSE(r.aa());
  EXPECT_EQ(answer_query(query("example.com", 252), zones, DnsTransport::tcp).transform(parse)->rcode(), 5) << "AXFR";
}

TEST_F(Authority, EdnsAndTruncation) {
  auto small = ask("big.example", RrType::txt);
  EXPECT_TRUE(small.tc()) << "over 512 octets without EDNS";
  EXPECT_TRUE(small.answer.empty());
  auto edns = ask("big.example", RrType::txt, DnsTransport::udp, true);
  EXPECT_FALSE(edns.tc());
  EXPECT_EQ(edns.answer.size(), 15u);
  ASSERT_EQ(edns.additional.size(), 1u);
  EXPECT_EQ(edns.additional[0].type, 41) << "the OPT";
  auto tcp = ask("big.example", RrType::txt, DnsTransport::tcp);
  EXPECT_EQ(tcp.answer.size(), 15u);
  auto badvers = answer_query(query("example.com", 1, true, 1232, 1), zones, DnsTransport::udp);
  auto p = parse(*badvers);
  EXPECT_EQ(p.rcode(), 0);
  ASSERT_EQ(p.additional.size(), 1u);
  EXPECT_EQ(p.additional[0].ttl >> 24, 1u) << "extended rcode BADVERS (16)";
}

// RFC 2181 §9: extra addresses that do not fit are left out without TC;
// RFC 9471 §3: in-domain glue that does not fit sets TC.
TEST(AuthorityTruncation, OptionalAdditionsGoFirstGlueSetsTc) {
  StaticZones zones;
  std::vector<ZoneRecord> records = {rec("many.example", RrType::soa, "ns.many.example h.many.example 1 1 1 1 60"),
                                     rec("many.example", RrType::mx, "10 mx1.many.example"),
                                     rec("many.example", RrType::mx, "20 mx2.many.example"),
                                     rec("child.many.example", RrType::ns, "ns1.child.many.example"),
                                     rec("child.many.example", RrType::ns, "ns.other.example")};
  for (int i = 0; i < 20; ++i) {
    records.push_back(rec("mx1.many.example", RrType::a, "192.0.2." + std::to_string(i + 1)));
    records.push_back(rec("mx2.many.example", RrType::aaaa, "2001:db8::" + std::to_string(i + 1)));
    records.push_back(rec("ns1.child.many.example", RrType::aaaa, "2001:db8:1::" + std::to_string(i + 1)));
  }
  zones.add({"many.example", records});
  auto ask = [&](std::string_view name, RrType type) {
    return parse(*answer_query(query(name, static_cast<std::uint16_t>(type)), zones, DnsTransport::udp));
  };

  // 20 A of mx1 fit in 512 octets beside the MX records, 20 AAAA of mx2 do
  // not: those are left out as a whole, and the answer is not truncated.
  auto mx = ask("many.example", RrType::mx);
  EXPECT_FALSE(mx.tc());
  EXPECT_EQ(mx.answer.size(), 2u);
  ASSERT_EQ(mx.additional.size(), 20u);
  for (auto& r : mx.additional) EXPECT_EQ(r.type, 1) << "mx1's A RRset whole, mx2's AAAA RRset left out";
  // Over TCP everything goes.
  auto tcp = parse(*answer_query(query("many.example", 15), zones, DnsTransport::tcp));
  EXPECT_EQ(tcp.additional.size(), 40u);

  // A referral whose in-domain glue does not fit is truncated.
  auto referral = ask("host.child.many.example", RrType::a);
  EXPECT_TRUE(referral.tc());
  EXPECT_TRUE(referral.authority.empty());
}

// Labels are octets (RFC 4343 §2): a name with a dot, a space or 8-bit
// octets in a label, inside a zone of ours, is answered from the zone.
TEST_F(Authority, OddOctetsInNamesOfOurZones) {
  auto odd = ask(std::string("caf\xc3\xa9.example.com"), RrType::a);
  EXPECT_EQ(odd.rcode(), 3) << "NXDOMAIN, not REFUSED";
  EXPECT_TRUE(odd.aa());
  ASSERT_EQ(odd.authority.size(), 1u);
  EXPECT_EQ(odd.authority[0].type, 6) << "the SOA";
  auto wild = ask(std::string("a b.wild.example.com"), RrType::txt);
  ASSERT_EQ(wild.answer.size(), 1u) << "a wildcard matches any label";
  EXPECT_EQ(wild.answer[0].name, "a b.wild.example.com") << "the owner as asked, octet for octet";
  auto dotted = ask(std::string("x\\y.sub.example.com"), RrType::a);
  EXPECT_FALSE(dotted.aa()) << "below a delegation: a referral";
  EXPECT_EQ(dotted.authority.size(), 1u);
  EXPECT_EQ(ask(std::string("caf\xc3\xa9.example.org"), RrType::a).rcode(), 5) << "outside our zones: REFUSED";
}

TEST_F(Authority, BadPacketsAreAnsweredOrDropped) {
  EXPECT_FALSE(answer_query("short", zones, DnsTransport::udp)) << "a runt is dropped";
  auto q = query("example.com", 1);
  auto response = q;
  response[2] = static_cast<char>(response[2] | 0x80);
  EXPECT_FALSE(answer_query(response, zones, DnsTransport::udp)) << "a response is never answered";
  auto cut = answer_query(q.substr(0, q.size() - 3), zones, DnsTransport::udp);
  ASSERT_TRUE(cut);
  EXPECT_EQ(parse(*cut).rcode(), 1) << "FORMERR";
  auto loop = q.substr(0, 12) + std::string("\xC0\x0C", 2) + q.substr(q.size() - 4);
  EXPECT_EQ(parse(*answer_query(loop, zones, DnsTransport::udp)).rcode(), 1) << "a pointer loop";
  auto notify = q;
  notify[2] = static_cast<char>(0x20);  // opcode 4
  EXPECT_EQ(parse(*answer_query(notify, zones, DnsTransport::udp)).rcode(), 4) << "NOTIMP";
}

TEST_F(Authority, ZoneResolverAnswersFromTheZonesFirst) {
  StaticResolver network;
  network.add_txt("elsewhere.example.net", "from the network");
  network.add_txt("example.com", "stale cached copy");
  ZoneResolver resolver(zones, &network);
  EXPECT_EQ(resolver.txt("example.com").value(), std::vector<std::string>{"v=spf1 mx -all"});
  EXPECT_EQ(resolver.txt("EXAMPLE.com.").value(), std::vector<std::string>{"v=spf1 mx -all"});
  EXPECT_EQ(resolver.a("www.example.com").value().at(0).to_string(), "192.0.2.80");  // CNAME inside the zone
  EXPECT_EQ(resolver.txt("out.example.com").value(), std::vector<std::string>{"from the network"});  // CNAME out
  EXPECT_EQ(resolver.txt("x.wild.example.com").value(), std::vector<std::string>{"wildcard"});
  auto mx = resolver.mx("example.com").value();
  ASSERT_EQ(mx.size(), 1u);
  EXPECT_EQ(mx[0].preference, 10);
  EXPECT_EQ(mx[0].host, "mail.example.com");
  EXPECT_TRUE(resolver.aaaa("example.com").value().empty());      // NODATA
  EXPECT_TRUE(resolver.txt("deep.example.com").value().empty());  // an empty non-terminal
  auto missing = resolver.txt("nothing.example.com");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  EXPECT_EQ(resolver.txt("dangling.example.com").error().kind, ErrorKind::not_found);
  EXPECT_EQ(resolver.txt("loop1.example.com").error().kind, ErrorKind::temporary);
  // Below a delegation and outside every zone: the network.
  network.add_txt("x.sub.example.com", "delegated");
  EXPECT_EQ(resolver.txt("x.sub.example.com").value(), std::vector<std::string>{"delegated"});
  EXPECT_EQ(resolver.txt("elsewhere.example.net").value(), std::vector<std::string>{"from the network"});
  ZoneResolver alone(zones, nullptr);
  EXPECT_EQ(alone.txt("elsewhere.example.net").error().kind, ErrorKind::temporary);
  EXPECT_EQ(alone.txt("example.com").value(), std::vector<std::string>{"v=spf1 mx -all"});
}

TEST(ResponseLimiter, ABurstThenTheRatePerSourceNetwork) {
  ResponseLimiter limiter(10);
  auto t = ResponseLimiter::Clock::time_point{} + std::chrono::hours(1);
  auto a = *IpAddress::parse("192.0.2.1");
  auto same_net = *IpAddress::parse("192.0.2.200");
  auto other = *IpAddress::parse("198.51.100.1");
  int allowed = 0;
  for (int i = 0; i < 30; ++i) allowed += limiter.allow(i % 2 ? a : same_net, t);
  EXPECT_EQ(allowed, 10) << "one bucket for the /24";
  EXPECT_TRUE(limiter.allow(other, t));
  EXPECT_FALSE(limiter.allow(a, t));
  EXPECT_TRUE(limiter.allow(a, t + std::chrono::milliseconds(150))) << "refilled at 10/s";
  EXPECT_FALSE(limiter.allow(a, t + std::chrono::milliseconds(150)));
  // IPv6: a /56 is one source; IPv4-mapped addresses count as IPv4.
  auto v6 = *IpAddress::parse("2001:db8:0:1::1");
  auto v6_same = *IpAddress::parse("2001:db8:0:ff::2");
  auto v6_other = *IpAddress::parse("2001:db8:0:100::1");
  allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += limiter.allow(i % 2 ? v6 : v6_same, t);
  EXPECT_EQ(allowed, 10);
  EXPECT_TRUE(limiter.allow(v6_other, t));
  EXPECT_FALSE(limiter.allow(*IpAddress::parse("::ffff:192.0.2.9"), t));
  ResponseLimiter none(0);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(none.allow(a, t));
}

TEST(ResponseLimiter, MemoryStaysBounded) {
  ResponseLimiter limiter(5);
  auto t = ResponseLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (std::uint32_t i = 0; i < ResponseLimiter::kMaxSources + 5000; ++i) {
    std::array<std::uint8_t, 4> b{static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                                  static_cast<std::uint8_t>(i), 1};
    limiter.allow(IpAddress::v4(b), t);
  }
  EXPECT_LE(limiter.sources(), ResponseLimiter::kMaxSources);
}

}  // namespace
}  // namespace estafeta::dns
