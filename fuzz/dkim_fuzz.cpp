// libFuzzer target for the parsers of DKIM and DMARC input: tag lists,
// DKIM-Signature fields and key records (RFC 6376 §3.2, §3.5, §3.6.1),
// DMARC records (RFC 7489 §6.3), and the verification of the input as a
// whole message against a fixed key. Seeds: fuzz/corpus/dkim/.
//
// Invariants (abort on violation): canonical bodies end in CRLF or are
// empty; verification returns at most dkim::kMaxSignatures results.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dns/dkim.hpp"
#include "dns/dmarc.hpp"
#include "dns/tag_list.hpp"

namespace {

using namespace estafeta::dns;

StaticResolver& keys() {
  static StaticResolver* zone = [] {
    auto* z = new StaticResolver;  // lives as long as the process
    z->add_txt("sel._domainkey.example.com", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
    z->add_txt(
        "rsa._domainkey.example.com",
        "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi"
        "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
        "Ip3G+2kryOTIKT+l/K4w3QIDAQAB");
    return z;
  }();
  return *zone;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_tag_list(text);
  (void)dkim::parse_signature(text);
  (void)dkim::parse_key_record(text);
  (void)dmarc::parse_record(text);
  for (auto canon : {dkim::Canon::simple, dkim::Canon::relaxed}) {
    auto body = dkim::canonical_body(text, canon);
    if (!body.empty() && !body.ends_with("\r\n")) std::abort();
  }
  auto results = dkim::verify(text, keys(), 1700000000);
  if (results.size() > dkim::kMaxSignatures) std::abort();
  return 0;
}
