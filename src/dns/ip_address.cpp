// IpAddress: strict parsing and the text forms SPF and PTR lookups need.
// RFC 7208 §5.6 (ip4-network), RFC 4291 §2.2/§2.5.5.2, RFC 5952, RFC 3596 §2.5.
#include "dns/ip_address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace estafeta::dns {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// qnum = DIGIT / %x31-39 DIGIT / "1" 2DIGIT / "2" %x30-34 DIGIT / "25" %x30-35
std::optional<std::array<std::uint8_t, 4>> parse_dotted_quad(std::string_view text) {
  std::array<std::uint8_t, 4> out{};
  std::size_t at = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (at >= text.size() || text[at] != '.') return std::nullopt;
      ++at;
    }
    std::size_t start = at;
    unsigned value = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9' && at - start < 3) {
      value = value * 10 + static_cast<unsigned>(text[at] - '0');
      ++at;
    }
    std::size_t len = at - start;
    if (len == 0 || value > 255 || (len > 1 && text[start] == '0')) return std::nullopt;
    out[part] = static_cast<std::uint8_t>(value);
  }
  if (at != text.size()) return std::nullopt;
  return out;
}

}  // namespace

IpAddress IpAddress::v4(const std::array<std::uint8_t, 4>& bytes) {
  IpAddress ip;
  ip.m_family = Family::v4;
  std::memcpy(ip.m_bytes.data(), bytes.data(), 4);
  return ip;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress ip;
  ip.m_family = Family::v6;
  ip.m_bytes = bytes;
  return ip;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (auto quad = parse_dotted_quad(text)) return v4(*quad);
  // inet_pton needs a terminated string; an IPv6 text is at most 45 chars.
  if (text.empty() || text.size() > 45 || text.find(':') == std::string_view::npos) return std::nullopt;
  char buffer[46];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  std::array<std::uint8_t, 16> bytes{};
  if (::inet_pton(AF_INET6, buffer, bytes.data()) != 1) return std::nullopt;
  return v6(bytes);
}

IpAddress IpAddress::unmapped() const {
  if (is_v4()) return *this;
  for (int i = 0; i < 10; ++i)
    if (m_bytes[i] != 0) return *this;
  if (m_bytes[10] != 0xff || m_bytes[11] != 0xff) return *this;
  return v4({m_bytes[12], m_bytes[13], m_bytes[14], m_bytes[15]});
}

bool IpAddress::in_network(const IpAddress& network, int prefix) const {
  if (m_family != network.m_family) return false;
  if (prefix < 0) prefix = 0;
  if (prefix > bits()) prefix = bits();
  int whole = prefix / 8;
  if (std::memcmp(m_bytes.data(), network.m_bytes.data(), static_cast<std::size_t>(whole)) != 0) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (m_bytes[whole] & mask) == (network.m_bytes[whole] & mask);
}

std::string IpAddress::to_string() const {
  if (is_v4()) return dotted();
  char buffer[INET6_ADDRSTRLEN];
  if (!::inet_ntop(AF_INET6, m_bytes.data(), buffer, sizeof buffer)) return {};
  return buffer;
}

std::string IpAddress::dotted() const {
  std::string out;
  if (is_v4()) {
    for (int i = 0; i < 4; ++i) {
      if (i) out += '.';
      out += std::to_string(m_bytes[i]);
    }
    return out;
  }
  out.reserve(63);
  for (int i = 0; i < 16; ++i) {
    if (i) out += '.';
    out += kHex[m_bytes[i] >> 4];
    out += '.';
    out += kHex[m_bytes[i] & 0xf];
  }
  return out;
}

std::string IpAddress::reverse_name() const {
  std::string out;
  if (is_v4()) {
    for (int i = 3; i >= 0; --i) {
      out += std::to_string(m_bytes[i]);
      out += '.';
    }
    return out + "in-addr.arpa";
  }
  out.reserve(72);
  for (int i = 15; i >= 0; --i) {
    out += kHex[m_bytes[i] & 0xf];
    out += '.';
    out += kHex[m_bytes[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

}  // namespace estafeta::dns
