// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3), used with clients that
// have not enabled UTF8=ACCEPT or IMAP4rev2 (which speak UTF-8, RFC 9051 §5.1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace estafeta::imap {

std::string utf8_to_mutf7(std::string_view utf8);
// nullopt when the input is not valid modified UTF-7 (or decodes to invalid UTF-16).
std::optional<std::string> mutf7_to_utf8(std::string_view mutf7);

}  // namespace estafeta::imap
