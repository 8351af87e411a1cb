#include "web/forwarded.hpp"

#include <charconv>

#include "core/ascii.hpp"

namespace estafeta::web {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits at `sep` outside quoted strings (RFC 9110 §5.6.4).
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (quoted && s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && s[i] == sep) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(s.substr(start)));
  return out;
}

// A quoted-string's content (a node such as "[2001:db8::1]:4711" must be
// quoted); a token as it is.
std::string unquote(std::string_view v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  std::string out;
  for (std::size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

// A node (RFC 7239 §6; X-Forwarded-For writes the same forms): an IPv4
// address, "[IPv6]", either with ":port", or a bare IPv6 address (as
// X-Forwarded-For has it); nullopt for "unknown", "_obfuscated" and
// anything else.
std::optional<dns::IpAddress> node_address(std::string_view node) {
  if (node.starts_with('[')) {
    auto close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    auto rest = node.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return std::nullopt;
    node = node.substr(1, close - 1);
    auto ip = dns::IpAddress::parse(node);
    if (!ip || ip->is_v4()) return std::nullopt;
    return ip->unmapped();
  }
  if (auto ip = dns::IpAddress::parse(node)) return ip->unmapped();
  // "192.0.2.43:47011"
  auto colon = node.find(':');
  if (colon == std::string_view::npos || node.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
  auto ip = dns::IpAddress::parse(node.substr(0, colon));
  if (!ip || !ip->is_v4()) return std::nullopt;
  return ip;
}

// One hop as a proxy forwarded it: its client (if known) and the scheme
// that client used (if said).
struct Hop {
  std::optional<dns::IpAddress> client;
  std::string proto;
};

const std::string* field(const Request& r, const char* name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? nullptr : &it->second;
}

// RFC 7239 §4: elements separated by commas, each pairs separated by ';'.
std::vector<Hop> forwarded_hops(std::string_view value) {
  std::vector<Hop> hops;
  for (auto element : split(value, ',')) {
    Hop hop;
    for (auto pair : split(element, ';')) {
      auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      auto name = ascii_lower(trim(pair.substr(0, eq)));
      auto v = unquote(trim(pair.substr(eq + 1)));
      if (name == "for") hop.client = node_address(v);
      if (name == "proto") hop.proto = ascii_lower(v);
    }
    hops.push_back(std::move(hop));
  }
  return hops;
}

std::vector<Hop> x_forwarded_hops(std::string_view value, const std::string* proto) {
  std::vector<Hop> hops;
  for (auto node : split(value, ',')) hops.push_back({node_address(unquote(node)), {}});
  if (proto) {
    auto protos = split(*proto, ',');
    if (protos.size() == hops.size()) {
      for (std::size_t i = 0; i < hops.size(); ++i) hops[i].proto = ascii_lower(protos[i]);
    } else if (protos.size() == 1) {
      for (auto& h : hops) h.proto = ascii_lower(protos[0]);
    }
  }
  return hops;
}

}  // namespace

std::optional<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& items, Field field) {
  TrustedProxies out;
  out.m_field = field;
  for (auto& item : items) {
    std::string_view text = item;
    auto slash = text.find('/');
    auto ip = dns::IpAddress::parse(text.substr(0, slash));
    if (!ip) return std::nullopt;
    int prefix = ip->bits();
    if (slash != std::string_view::npos) {
      auto digits = text.substr(slash + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (ec != std::errc() || end != digits.data() + digits.size() || prefix < 0 || prefix > ip->bits())
        return std::nullopt;
    }
    out.m_networks.push_back({*ip, prefix});
  }
  return out;
}

bool TrustedProxies::contains(const dns::IpAddress& ip) const {
  auto plain = ip.unmapped();
  for (auto& n : m_networks)
    if (plain.in_network(n.address, n.prefix)) return true;
  return false;
}

bool TrustedProxies::contains(std::string_view ip) const {
  auto parsed = dns::IpAddress::parse(ip);
  return parsed && contains(*parsed);
}

bool forwarded(const Request& request) { return field(request, "forwarded") || field(request, "x-forwarded-for"); }

void resolve_client(Request& request, const TrustedProxies& proxies) {
  if (proxies.empty() || !proxies.contains(request.peer_ip)) return;
  std::vector<Hop> hops;
  if (proxies.field() == TrustedProxies::Field::forwarded) {
    if (auto* f = field(request, "forwarded")) hops = forwarded_hops(*f);
  } else if (auto* x = field(request, "x-forwarded-for")) {
    hops = x_forwarded_hops(*x, field(request, "x-forwarded-proto"));
  }
  // From the nearest hop outwards, while the hop's client is a proxy we
  // trust: each trusted proxy vouches for the one before it.
  const Hop* client = nullptr;
  for (auto it = hops.rbegin(); it != hops.rend() && it->client; ++it) {
    client = &*it;
    if (!proxies.contains(*it->client)) break;
  }
  if (!client) return;
  request.peer_ip = client->client->to_string();
  if (client->proto == "https") request.tls = true;
  if (client->proto == "http") request.tls = false;
}

}  // namespace estafeta::web
