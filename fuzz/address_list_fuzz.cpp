// libFuzzer target for RFC 5322 address lists (mime::detail::
// parse_address_list): From, To, Cc … of every message that arrives, the
// IMAP ENVELOPE and the search text are built from them. Seeds:
// fuzz/corpus/address_list/.
//
// Checked: parsing is bounded (no more addresses than the value has bytes),
// every part is a slice of valid UTF-8 input without a line end, and group
// starts and ends pair up.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mime/address.hpp"
#include "mime/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace estafeta::mime::detail;
  // The parser takes an unfolded value in valid UTF-8, as the MIME layer gives it.
  std::string value = to_valid_utf8(std::string_view(reinterpret_cast<const char*>(data), size));
  for (char& c : value)
    if (c == '\r' || c == '\n') c = ' ';
  auto list = parse_address_list(value);
  if (list.size() > value.size() + 1) std::abort();
  int open_groups = 0;
  for (const Address& a : list) {
    for (const auto* part : {&a.name, &a.route, &a.mailbox, &a.host})
      if (*part && !is_valid_utf8(**part)) std::abort();
    if (a.is_mailbox() && a.addr_spec().find_first_of("\r\n") != std::string::npos) std::abort();
    if (!a.host && a.mailbox) ++open_groups;
    if (!a.host && !a.mailbox && !a.name && !a.route && --open_groups < 0) std::abort();
  }
  return 0;
}
