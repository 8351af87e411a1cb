// SORT keys (RFC 5256 §3, RFC 5957) from a message's subject and from the
// addresses of its envelope (mime/structure.hpp).
#pragma once

#include <string>
#include <string_view>

#include "mime/structure.hpp"

namespace estafeta::imap {

struct AddressSortKeys {
  // RFC 5256 §3 FROM, TO, CC: the addr-mailbox (local part) of the first
  // address of the field; "" when the field is absent.
  std::string from, to, cc;
  // RFC 5957 §3, §4 DISPLAYFROM, DISPLAYTO: the first address's decoded
  // display name when it has a non-empty one, else mailbox@host, else the
  // mailbox; "" when the field is absent.
  std::string display_from, display_to;
};

// Each key is in collation form already (mime::unicode_casemap, the
// i;unicode-casemap of RFC 5256 §7): keys compare as plain octets, and the
// empty string first.
AddressSortKeys address_sort_keys(const mime::Envelope& envelope);

// The SUBJECT key: the base subject (RFC 5256 §2.1) in collation form.
std::string subject_sort_key(std::string_view decoded_subject);

}  // namespace estafeta::imap
