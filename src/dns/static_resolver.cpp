// StaticResolver: an in-memory zone answering the Resolver interface, with
// CNAME chains (RFC 1034 §3.6.2: followed, loops are an error) and injected
// timeouts. Used by the SPF tests and the conformance suite.
#include <idn2.h>

#include <algorithm>
#include <charconv>

#include "core/ascii.hpp"
#include "dns/resolver.hpp"

namespace estafeta::dns {

namespace {

constexpr int kMaxCnameHops = 8;

}  // namespace

const char* to_string(RecordType type) {
  switch (type) {
    case RecordType::a: return "A";
    case RecordType::aaaa: return "AAAA";
    case RecordType::mx: return "MX";
    case RecordType::txt: return "TXT";
    case RecordType::ptr: return "PTR";
    case RecordType::cname: return "CNAME";
    case RecordType::srv: return "SRV";
  }
  return "?";
}

StaticResolver::Node& StaticResolver::node(std::string_view name) {
  std::string key = normalize_name(name);
  auto it = m_nodes.find(key);
  if (it == m_nodes.end()) it = m_nodes.emplace(std::move(key), Node{}).first;
  return it->second;
}

Status StaticResolver::add(std::string_view name, RecordType type, std::string_view value) {
  switch (type) {
    case RecordType::a:
    case RecordType::aaaa: {
      auto ip = IpAddress::parse(value);
      if (!ip || ip->is_v4() != (type == RecordType::a))
        return fail(ErrorKind::invalid, "bad address for " + std::string(to_string(type)), std::string(value));
      add_address(name, *ip);
      return {};
    }
    case RecordType::mx: {
      auto space = value.find(' ');
      if (space == std::string_view::npos) {
        add_mx(name, 0, std::string(value));
        return {};
      }
      unsigned preference = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + space, preference);
      if (ec != std::errc{} || end != value.data() + space || preference > 65535)
        return fail(ErrorKind::invalid, "bad MX preference", std::string(value));
      add_mx(name, static_cast<std::uint16_t>(preference), std::string(value.substr(space + 1)));
      return {};
    }
    case RecordType::txt: add_txt(name, std::string(value)); return {};
    case RecordType::ptr: node(name).ptr.emplace_back(value); return {};
    case RecordType::cname: node(name).cname = std::string(value); return {};
    case RecordType::srv: {
      // "priority weight port target"
      unsigned v[3] = {};
      std::string_view rest = value;
      for (auto& x : v) {
        auto space = rest.find(' ');
        auto [end, ec] = std::from_chars(rest.data(), rest.data() + std::min(space, rest.size()), x);
        if (space == std::string_view::npos || ec != std::errc{} || end != rest.data() + space || x > 65535)
          return fail(ErrorKind::invalid, "bad SRV record (priority weight port target)", std::string(value));
        rest.remove_prefix(space + 1);
      }
      add_srv(name, {static_cast<std::uint16_t>(v[0]), static_cast<std::uint16_t>(v[1]),
                     static_cast<std::uint16_t>(v[2]), std::string(rest)});
      return {};
    }
  }
  return fail(ErrorKind::invalid, "unknown record type");
}

void StaticResolver::add_txt(std::string_view name, std::string text) { node(name).txt.push_back(std::move(text)); }

void StaticResolver::add_address(std::string_view name, const IpAddress& ip) {
  auto& n = node(name);
  (ip.is_v4() ? n.a : n.aaaa).push_back(ip);
}

void StaticResolver::add_mx(std::string_view name, std::uint16_t preference, std::string host) {
  node(name).mx.push_back(MxRecord{preference, std::move(host)});
}

void StaticResolver::add_ptr(const IpAddress& ip, std::string host) {
  node(ip.reverse_name()).ptr.push_back(std::move(host));
}

void StaticResolver::add_timeout(std::string_view name, std::optional<RecordType> type) {
  auto& n = node(name);
  if (type)
    n.timeouts.insert(*type);
  else
    n.all_timeout = true;
}

Result<const StaticResolver::Node*> StaticResolver::find(std::string_view name, RecordType type) {
  ++m_queries;
  std::string key = normalize_name(name);
  for (int hop = 0; hop <= kMaxCnameHops; ++hop) {
    auto it = m_nodes.find(key);
    if (it == m_nodes.end()) return fail(ErrorKind::not_found, "no such name", key);
    const Node& n = it->second;
    if (n.all_timeout || n.timeouts.contains(type))
      return fail(ErrorKind::temporary, "DNS timeout", key + " " + to_string(type));
    if (!n.cname) return &n;
    key = normalize_name(*n.cname);
  }
  return fail(ErrorKind::temporary, "CNAME chain too long or looping", std::string(name));
}

Result<std::vector<std::string>> StaticResolver::txt(std::string_view name) {
  return TRY(find(name, RecordType::txt))->txt;
}

Result<std::vector<IpAddress>> StaticResolver::a(std::string_view name) { return TRY(find(name, RecordType::a))->a; }

Result<std::vector<IpAddress>> StaticResolver::aaaa(std::string_view name) {
  return TRY(find(name, RecordType::aaaa))->aaaa;
}

Result<std::vector<MxRecord>> StaticResolver::mx(std::string_view name) { return TRY(find(name, RecordType::mx))->mx; }

Result<std::vector<SrvRecord>> StaticResolver::srv(std::string_view name) {
  return TRY(find(name, RecordType::srv))->srv;
}

void StaticResolver::add_srv(std::string_view name, SrvRecord record) { node(name).srv.push_back(std::move(record)); }

Result<std::vector<std::string>> StaticResolver::ptr(const IpAddress& ip) {
  return TRY(find(ip.reverse_name(), RecordType::ptr))->ptr;
}

std::optional<std::string> ascii_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  bool ascii = std::all_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return std::string(name);
  // IDNA2008 (RFC 5891 §4) with UTS #46 mapping, non-transitional: "ß"
  // stays itself, upper case folds.
  char* out = nullptr;
  std::string text(name);
  int rc = idn2_to_ascii_8z(text.c_str(), &out, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  if (rc != IDN2_OK) return std::nullopt;
  std::string converted(out);
  idn2_free(out);
  return converted;
}

std::string normalize_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return ascii_lower(ascii_name(name).value_or(std::string(name)));
}

}  // namespace estafeta::dns
