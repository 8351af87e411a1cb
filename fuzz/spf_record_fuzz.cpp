// libFuzzer target for SPF (RFC 7208): the record parser, the macro checker
// and expander, and check_host() on the input as a published record against
// a small in-memory zone. Seeds: fuzz/corpus/spf_record/.
//
//   ninja -C build-fuzz spf_record_fuzz
//   build-fuzz/fuzz/spf_record_fuzz -max_total_time=60 fuzz/corpus/spf_record
//
// Invariants checked (abort on violation): a parsed record prints to text
// that parses to the same record; expanded domain-specs fit 253 octets when
// they can be truncated; the lookup counters stay within one of their limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dns/resolver.hpp"
#include "dns/spf.hpp"

namespace {

using namespace estafeta::dns;

void check_record(std::string_view text) {
  auto record = parse_spf_record(text);
  if (!record) return;
  std::string printed = record->to_string();
  auto again = parse_spf_record(printed);
  if (!again || again->to_string() != printed || again->dns_terms() != record->dns_terms()) std::abort();
}

void check_macros(std::string_view text) {
  MacroContext context;
  context.sender = "strong-bad@email.example.com";
  context.local_part = "strong-bad";
  context.sender_domain = "email.example.com";
  context.domain = "email.example.com";
  context.ip = *IpAddress::parse("2001:db8::cb01");
  context.helo = "mx.example.org";
  context.receiver = "receiver.example.net";
  context.timestamp = 1700000000;
  context.validated_name = [] { return std::string("mx.example.org"); };
  for (auto use : {MacroUse::domain_spec, MacroUse::explanation, MacroUse::modifier}) {
    bool valid = check_macro_string(text, use).has_value();
    auto expanded = expand_macros(text, context, use);
    if (valid != expanded.has_value()) std::abort();
  }
  if (auto name = expand_domain_spec(text, context)) {
    if (name->size() > 253 && name->find('.') != std::string::npos) std::abort();
  }
}

void check_evaluation(std::string_view text) {
  StaticResolver zone;
  std::string record = is_spf_record(text) ? std::string(text) : "v=spf1 " + std::string(text);
  zone.add_txt("example.com", record);
  zone.add_txt("loop.example.com", "v=spf1 include:example.com redirect=example.com");
  zone.add_txt("exp.example.com", "%{s} from %{c} (%{p}) at %{t} via %{r}");
  zone.add_address("example.com", *IpAddress::parse("192.0.2.1"));
  zone.add_address("example.com", *IpAddress::parse("2001:db8::1"));
  zone.add_mx("example.com", 10, "example.com");
  zone.add_ptr(*IpAddress::parse("192.0.2.1"), "example.com");
  zone.add_timeout("slow.example.com");
  SpfOptions options;
  options.now = 1700000000;
  options.default_explanation = "%{d}";
  for (const char* client : {"192.0.2.1", "2001:db8::2"}) {
    SpfResult result = check_host(zone, client, "example.com", "user@example.com", "mail.example.com", options);
    if (result.dns_lookups > kSpfMaxDnsLookups + 1 || result.void_lookups > options.max_void_lookups + 1) std::abort();
    for (char c : result.explanation)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_record(text);
  check_macros(text);
  check_evaluation(text);
  return 0;
}
