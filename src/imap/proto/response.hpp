// Writing IMAP response syntax (RFC 9051 §7, §9): strings as atoms, quoted
// strings or literals as their content requires, flag lists, sequence sets.
// Plain string building, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/types.hpp"

namespace estafeta::imap {

// A string: quoted when it can be, a literal otherwise (CR, LF, NUL, 8-bit
// when the client has not enabled UTF-8, or very long).
void append_string(std::string& out, std::string_view s, bool utf8_ok = true);
void append_nstring(std::string& out, const std::optional<std::string>& s, bool utf8_ok = true);
// An astring: the bare atom when that is unambiguous (mailbox names in LIST).
void append_astring(std::string& out, std::string_view s, bool utf8_ok = true);

// "(\Seen \Answered $Work)"
std::string flag_list(std::uint32_t flags, const std::vector<std::string>& keywords);
// Parses flag names (as the parser canonicalised them) into bits and keywords.
// Returns false for \Recent or \* (not settable) — the caller answers BAD.
bool split_flags(const std::vector<std::string>& names, std::uint32_t& flags, std::vector<std::string>& keywords);

// "1:3,7,9:12" from ascending numbers.
std::string compress_set(const std::vector<std::uint32_t>& ascending);

// Appends the number in decimal (a SEARCH answer may hold a million).
void append_number(std::string& out, std::uint32_t n);

// "17-Jul-1996 02:44:25 +0000"
std::string internal_date(std::int64_t unix_seconds);

}  // namespace estafeta::imap
