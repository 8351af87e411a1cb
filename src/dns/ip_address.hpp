// An IPv4 or IPv6 address as a value: parsing, text forms, prefix matching
// and the reverse-lookup name. Plain C++; no sockets, no resolver.
//
// Standards: RFC 4291 §2.2 (IPv6 text), §2.5.5.2 (IPv4-mapped addresses),
// RFC 5952 (canonical IPv6 text), RFC 1035 §3.5 (in-addr.arpa),
// RFC 3596 §2.5 (ip6.arpa nibbles), RFC 7208 §5.6 (ip4-network grammar).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace estafeta::dns {

class IpAddress {
 public:
  enum class Family { v4, v6 };

  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(const std::array<std::uint8_t, 4>& bytes);
  static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);

  // A dotted quad (decimal, no leading zeros: RFC 7208 §5.6 ip4-network) or
  // IPv6 text (RFC 4291 §2.2, embedded IPv4 allowed). IPv4-mapped IPv6 text
  // stays IPv6 here; call unmapped() to treat it as IPv4. nullopt otherwise.
  static std::optional<IpAddress> parse(std::string_view text);

  Family family() const { return m_family; }
  bool is_v4() const { return m_family == Family::v4; }
  std::span<const std::uint8_t> bytes() const { return {m_bytes.data(), is_v4() ? std::size_t{4} : std::size_t{16}}; }
  int bits() const { return is_v4() ? 32 : 128; }

  // ::ffff:a.b.c.d as the IPv4 address a.b.c.d; any other address unchanged.
  IpAddress unmapped() const;

  // True when both are of one family and the first `prefix` bits agree.
  // `prefix` is clamped to [0, bits()].
  bool in_network(const IpAddress& network, int prefix) const;

  // "192.0.2.3" or RFC 5952 text ("2001:db8::cb01").
  std::string to_string() const;
  // IPv4 as to_string(); IPv6 as 32 lowercase nibbles joined by dots, most
  // significant first ("2.0.0.1.0.d.b.8. ..."): the SPF "i" macro (RFC 7208 §7.3).
  std::string dotted() const;
  // The name a PTR query asks for: "3.2.0.192.in-addr.arpa" or the reversed
  // nibbles under "ip6.arpa".
  std::string reverse_name() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  Family m_family = Family::v4;
  std::array<std::uint8_t, 16> m_bytes{};  // IPv4 uses the first four
};

}  // namespace estafeta::dns
