// libFuzzer target for the Outlook autodiscover request reader
// (manage::autodiscover_email): the body of an unauthenticated POST.
// Seeds: fuzz/corpus/autodiscover/. Checked: an address found is one
// '@'-separated printable word, carried escaped in the response.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "manage/autoconfig.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto address = estafeta::manage::autodiscover_email(body);
  if (!address) return 0;
  if (address->empty() || address->size() > 320 || address->find('@') == std::string::npos) std::abort();
  for (char c : *address)
    if (c == '<' || c == '>' || c == '&' || c == '"' || static_cast<unsigned char>(c) <= 0x20) std::abort();
  auto response = estafeta::manage::autodiscover_response(*address, {});
  if (response.find(estafeta::manage::xml_escape(*address)) == std::string::npos) std::abort();
  return 0;
}
