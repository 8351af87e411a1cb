// Parsing SMTP command lines into Commands, with the RFC 5321 §4.5.3.1
// limits. A failure carries the reply to send (code, enhanced code, text),
// so the session answers bad input with the protocol's own error.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "smtp/command.hpp"

namespace estafeta::smtp {

// RFC 5321 §4.5.3.1.4 asks for 512 octets, CRLF included; DSN (RFC 3461
// §5.4) for 530 more, for RCPT's ORCPT and NOTIFY.
inline constexpr std::size_t kMaxCommandLine = 512 + 530;
inline constexpr std::size_t kMaxLocalPart = 64;  // §4.5.3.1.1
inline constexpr std::size_t kMaxDomain = 255;    // §4.5.3.1.2
inline constexpr std::size_t kMaxPath = 256;      // §4.5.3.1.3

struct ParseError {
  int code;            // 500, 501, 502, 504, 555
  std::string status;  // "5.5.2"
  std::string text;
};

// One line, with or without its CRLF (which must not hold a bare CR or LF).
std::expected<Command, ParseError> parse_command(std::string_view line);

// The command's CommandFlags from its verb alone (0 for an unknown one): what
// the transport asks before parsing the line.
unsigned command_flags(std::string_view line);

// The path parser, exposed for tests: "<a@b>", "<>", "<@x,@y:a@b>".
std::expected<std::optional<Mailbox>, ParseError> parse_path(std::string_view text, bool allow_null);

// RFC 5321 §4.1.2 Domain (U-labels allowed for SMTPUTF8) and §4.1.3
// address-literal, as HELO/EHLO and paths may carry them.
bool is_domain(std::string_view text);
bool is_address_literal(std::string_view text);

// RFC 5321 §4.1.2: a local part as a Dot-string when it is one, otherwise as
// a Quoted-string ('"' and '\' escaped). The local part never holds CR,
// LF or other controls (the parser refuses them).
std::string format_local_part(std::string_view local);

// Where the '@' between local part and domain is in an address as
// address() writes it: the last '@', unless the domain is an address
// literal, whose General-address-literal may hold '@' but never '['
// (RFC 5321 §4.1.3 dcontent). npos when there is none.
std::size_t address_at(std::string_view address);

// An envelope address for the wire (MAIL FROM, RCPT TO, DSN fields), from
// the form the store keeps: split by address_at(), the local part left as
// it is when already a Dot-string or a valid Quoted-string, otherwise
// quoted. "" (the null reverse-path) stays "".
std::string format_envelope_address(std::string_view address);

// RFC 3461 §4: xtext ("+2B" for "+") decoding; nullopt when malformed.
std::optional<std::string> xtext_decode(std::string_view s);
// RFC 3461 §4: "+" "=" and octets outside 33-126 as "+XX".
std::string xtext_encode(std::string_view s);

}  // namespace estafeta::smtp
