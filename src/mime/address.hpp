// RFC 5322 §3.4 address lists (with §4.4 obsolete routes), parsed into the
// four parts an IMAP ENVELOPE address has (RFC 9051 §7.5.2), names left
// undecoded. Lenient: whatever cannot be parsed is skipped, never an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace estafeta::mime::detail {

struct Address {
  // A mailbox has a mailbox and a host ("" when the address has no domain).
  // Group start: mailbox = group name, host = nullopt. Group end: all nullopt.
  std::optional<std::string> name;     // display name, unquoted, encoded words kept
  std::optional<std::string> adl;      // obsolete source route, "@a,@b"
  std::optional<std::string> mailbox;  // local part (quoted form kept)
  std::optional<std::string> host;     // domain

  bool is_mailbox() const { return host.has_value(); }
  // "local@domain", or just the local part when there is no domain.
  std::string addr_spec() const;
};

// Parses an unfolded header value (To, From, …) that is valid UTF-8.
std::vector<Address> parse_address_list(std::string_view value);

}  // namespace estafeta::mime::detail
