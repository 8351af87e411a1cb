// header_addresses(): the mailboxes of a header field, without a full parse
// (SMTP submission checks From: against the user's addresses).
#include "mime/address.hpp"
#include "mime/header.hpp"
#include "mime/parsed_message.hpp"

namespace estafeta::mime {

std::vector<std::string> header_addresses(std::string_view raw, std::string_view field) {
  auto block = detail::scan_header(raw, 0, raw.size());
  std::vector<std::string> out;
  for (auto& f : block.fields) {
    if (f.name.size() != field.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < field.size(); ++i)
      if ((f.name[i] | 0x20) != (field[i] | 0x20)) same = false;
    if (!same) continue;
    for (auto& a : detail::parse_address_list(detail::unfold(f.value)))
      if (a.is_mailbox()) out.push_back(a.addr_spec());
  }
  return out;
}

}  // namespace estafeta::mime
