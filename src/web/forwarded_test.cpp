#include "web/forwarded.hpp"

#include <gtest/gtest.h>

namespace estafeta::web {
namespace {

TrustedProxies proxies(std::vector<std::string> items) { return TrustedProxies::parse(items).value(); }

Request from(std::string peer, std::map<std::string, std::string> headers, bool tls = false) {
  Request r;
  r.method = "GET";
  r.target = "/";
  r.headers = std::move(headers);
  r.peer_ip = std::move(peer);
  r.tls = tls;
  return r;
}

// The client and scheme a request ends with.
std::pair<std::string, bool> resolved(Request r, const TrustedProxies& t) {
  resolve_client(r, t);
  return {r.peer_ip, r.tls};
}

TEST(TrustedProxies, AddressesAndNetworks) {
  auto t = proxies({"127.0.0.1", "10.0.0.0/8", "fd00::/8", "192.0.2.0/31"});
  EXPECT_TRUE(t.contains("127.0.0.1"));
  EXPECT_FALSE(t.contains("127.0.0.2"));
  EXPECT_TRUE(t.contains("10.255.1.2"));
  EXPECT_FALSE(t.contains("11.0.0.1"));
  EXPECT_TRUE(t.contains("fd12::1"));
  EXPECT_FALSE(t.contains("fe80::1"));
  EXPECT_TRUE(t.contains("192.0.2.1"));
  EXPECT_FALSE(t.contains("192.0.2.2"));
  EXPECT_TRUE(t.contains("::ffff:10.1.2.3")) << "an IPv4 peer on an IPv6 socket";
  EXPECT_FALSE(t.contains("not an address"));
  EXPECT_FALSE(TrustedProxies::parse({"10.0.0.0/33"}));
  EXPECT_FALSE(TrustedProxies::parse({"proxy.example"}));
  EXPECT_FALSE(TrustedProxies::parse({"10.0.0.0/x"}));
  EXPECT_TRUE(TrustedProxies::parse({})->empty());
}

TEST(ResolveClient, AnUntrustedPeerIsTheClientWhateverItSays) {
  auto t = proxies({"127.0.0.1"});
  auto r = from("198.51.100.9", {{"x-forwarded-for", "203.0.113.5"}, {"x-forwarded-proto", "https"}});
  EXPECT_EQ(resolved(r, t), std::make_pair(std::string("198.51.100.9"), false));
  EXPECT_EQ(resolved(r, proxies({})), std::make_pair(std::string("198.51.100.9"), false)) << "nothing trusted";
  auto local = from("127.0.0.1", {{"x-forwarded-for", "203.0.113.5"}});
  EXPECT_EQ(resolved(local, proxies({})).first, "127.0.0.1") << "by default not even loopback is a proxy";
}

TEST(ResolveClient, XForwardedForFromTheRight) {
  auto t = proxies({"127.0.0.1", "10.0.0.0/8"});
  // The proxy appended the address it saw; what the client wrote itself
  // is on the left and is not believed.
  EXPECT_EQ(resolved(from("127.0.0.1", {{"x-forwarded-for", "192.0.2.66, 203.0.113.5"}}), t).first, "203.0.113.5");
  // Two proxies of ours: the first address outside them is the client.
  EXPECT_EQ(resolved(from("127.0.0.1", {{"x-forwarded-for", "192.0.2.66,203.0.113.5, 10.1.1.1"}}), t).first,
            "203.0.113.5");
  // Every hop one of ours: the farthest.
  EXPECT_EQ(resolved(from("127.0.0.1", {{"x-forwarded-for", "10.2.2.2, 10.1.1.1"}}), t).first, "10.2.2.2");
  // Ports and IPv6 forms.
  EXPECT_EQ(resolved(from("127.0.0.1", {{"x-forwarded-for", "203.0.113.5:4711"}}), t).first, "203.0.113.5");
  EXPECT_EQ(resolved(from("127.0.0.1", {{"x-forwarded-for", "2001:db8::1"}}), t).first, "2001:db8::1");
  EXPECT_EQ(resolved(from("127.0.0.1", {{"x-forwarded-for", "[2001:DB8::1]:80"}}), t).first, "2001:db8::1");
  // Garbage nearest to us: the request stays the proxy's own.
  EXPECT_EQ(resolved(from("127.0.0.1", {{"x-forwarded-for", "203.0.113.5, unknown"}}), t).first, "127.0.0.1");
  EXPECT_EQ(resolved(from("127.0.0.1", {{"x-forwarded-for", ""}}), t).first, "127.0.0.1");
  // Garbage beyond a trusted hop: that hop is as far as is known.
  EXPECT_EQ(resolved(from("127.0.0.1", {{"x-forwarded-for", "bogus, 10.1.1.1"}}), t).first, "10.1.1.1");
  // No field at all: the proxy's own request.
  EXPECT_EQ(resolved(from("127.0.0.1", {}), t), std::make_pair(std::string("127.0.0.1"), false));
}

TEST(ResolveClient, TheScheme) {
  auto t = proxies({"127.0.0.1"});
  EXPECT_TRUE(
      resolved(from("127.0.0.1", {{"x-forwarded-for", "203.0.113.5"}, {"x-forwarded-proto", "HTTPS"}}), t).second);
  EXPECT_FALSE(
      resolved(from("127.0.0.1", {{"x-forwarded-for", "203.0.113.5"}, {"x-forwarded-proto", "http"}}, true), t).second)
      << "the client's own connection was clear text";
  EXPECT_TRUE(resolved(from("127.0.0.1", {{"x-forwarded-for", "203.0.113.5"}}, true), t).second)
      << "not said: the proxy's connection";
  // One value per hop: the client's own.
  EXPECT_TRUE(
      resolved(from("127.0.0.1", {{"x-forwarded-for", "203.0.113.5, 127.0.0.1"}, {"x-forwarded-proto", "https, http"}}),
               t)
          .second);
  // Neither one per hop nor one: not believed.
  EXPECT_FALSE(resolved(from("127.0.0.1", {{"x-forwarded-for", "203.0.113.5, 127.0.0.1, 127.0.0.1"},
                                           {"x-forwarded-proto", "https, https"}}),
                        t)
                   .second);
  // A proto without a client is no proxy's word either.
  EXPECT_FALSE(resolved(from("127.0.0.1", {{"x-forwarded-proto", "https"}}), t).second);
}

// RFC 7239 §4 and §7.1's examples.
TEST(ResolveClient, Forwarded) {
  auto t = TrustedProxies::parse({"127.0.0.1", "198.51.100.17"}, TrustedProxies::Field::forwarded).value();
  EXPECT_EQ(resolved(from("127.0.0.1", {{"forwarded", "for=192.0.2.43;proto=https"}}), t),
            std::make_pair(std::string("192.0.2.43"), true));
  EXPECT_EQ(resolved(from("127.0.0.1", {{"forwarded", R"(For="[2001:db8:cafe::17]:4711")"}}), t).first,
            "2001:db8:cafe::17");
  EXPECT_EQ(
      resolved(from("127.0.0.1", {{"forwarded", "for=192.0.2.43, for=198.51.100.17;by=203.0.113.60;proto=http"}}), t),
      std::make_pair(std::string("192.0.2.43"), false))
      << "the second proxy is ours, so its client's element counts (no proto there)";
  EXPECT_EQ(resolved(from("127.0.0.1", {{"forwarded", "for=unknown"}}), t).first, "127.0.0.1");
  EXPECT_EQ(resolved(from("127.0.0.1", {{"forwarded", "for=_hidden, for=198.51.100.17"}}), t).first, "198.51.100.17");
  // Only the configured field: the other is what a client sent, passed through.
  EXPECT_EQ(resolved(from("127.0.0.1", {{"forwarded", "for=192.0.2.43"}, {"x-forwarded-for", "203.0.113.5"}}), t).first,
            "192.0.2.43");
  EXPECT_EQ(resolved(from("127.0.0.1", {{"x-forwarded-for", "203.0.113.5"}}), t).first, "127.0.0.1");
  auto xff = proxies({"127.0.0.1"});
  EXPECT_EQ(
      resolved(from("127.0.0.1", {{"forwarded", "for=198.51.100.7"}, {"x-forwarded-for", "203.0.113.5"}}), xff).first,
      "203.0.113.5")
      << "a client's own Forwarded beside the proxy's X-Forwarded-For";
  EXPECT_EQ(resolved(from("127.0.0.1", {{"forwarded", "for=198.51.100.7"}}), xff).first, "127.0.0.1");
  // A comma inside a quoted value does not split elements.
  EXPECT_EQ(resolved(from("127.0.0.1", {{"forwarded", R"(for=192.0.2.43;by="a,b")"}}), t).first, "192.0.2.43");
}

TEST(Forwarded, AnyForwardingField) {
  EXPECT_TRUE(forwarded(from("127.0.0.1", {{"x-forwarded-for", "203.0.113.5"}})));
  EXPECT_TRUE(forwarded(from("127.0.0.1", {{"forwarded", "for=unknown"}})));
  EXPECT_FALSE(forwarded(from("127.0.0.1", {{"x-forwarded-proto", "https"}})));
}

}  // namespace
}  // namespace estafeta::web
