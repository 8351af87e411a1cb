// SMTP commands as typed values (RFC 5321 §4.1.1, §4.1.2; SIZE RFC 1870,
// 8BITMIME RFC 6152, SMTPUTF8 RFC 6531, DSN RFC 3461, CHUNKING RFC 3030,
// AUTH RFC 4954, STARTTLS RFC 3207). No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace estafeta::smtp {

// A mailbox of a path: local@domain. Domain lower-cased; the local part as
// sent (quoted forms unquoted, RFC 5321 §4.1.2: they are the same mailbox).
struct Mailbox {
  std::string local;
  std::string domain;         // a domain name, or an address literal "[…]" as sent
  bool quoted = false;        // the local part was a Quoted-string
  bool utf8 = false;          // 8-bit characters (needs SMTPUTF8)
  bool source_route = false;  // an A-d-l was given (ignored, RFC 5321 §4.1.1.3)
  // "local@domain", the local part as a Quoted-string when it is no
  // Dot-string (RFC 5321 §4.1.2: "a b"@x stays "a b"@x, "ana"@x is ana@x):
  // the form for the wire, headers, the store and the logs.
  std::string address() const;
  bool operator==(const Mailbox&) const = default;
};

enum class Body { unspecified, seven_bit, eight_bit_mime, binary_mime };
enum class Ret { unspecified, full, headers };

struct MailFrom {
  std::optional<Mailbox> sender;  // nullopt: the null reverse-path "<>"
  std::optional<std::uint64_t> size;
  Body body = Body::unspecified;
  bool smtputf8 = false;
  Ret ret = Ret::unspecified;
  std::string envid;  // xtext-decoded
  std::string auth;   // AUTH= (RFC 4954 §5), xtext-decoded
  bool given_envid = false, given_auth = false;
};

struct RcptTo {
  Mailbox recipient;
  bool postmaster = false;  // "<Postmaster>" without a domain (RFC 5321 §4.1.1.3)
  // DSN (RFC 3461 §4.1): NOTIFY=NEVER or a set of SUCCESS, FAILURE, DELAY.
  bool notify_never = false, notify_success = false, notify_failure = false, notify_delay = false;
  bool notify_given = false;
  std::string orcpt;  // "rfc822;addr", xtext-decoded
};

// The other commands' arguments (RFC 5321 §4.1.1; BDAT RFC 3030 §2; AUTH
// RFC 4954 §4; STARTTLS RFC 3207 §4).
namespace cmd {
struct Hello {
  std::string domain;
  bool extended = false;  // EHLO, not HELO
};
struct Data {};
struct Bdat {
  std::uint64_t chunk_size = 0;
  bool last = false;
};
struct Rset {};
struct Noop {
  std::string argument;
};
struct Quit {};
struct Vrfy {
  std::string argument;
};
struct Help {
  std::string argument;
};
struct StartTls {};
struct Auth {
  std::string mechanism;               // upper-cased
  std::optional<std::string> initial;  // the initial response ("=" for empty)
};
}  // namespace cmd

using Args = std::variant<cmd::Hello, MailFrom, RcptTo, cmd::Data, cmd::Bdat, cmd::Rset, cmd::Noop, cmd::Quit,
                          cmd::Vrfy, cmd::Help, cmd::StartTls, cmd::Auth>;

// What the transport needs to know of a command before it runs it.
enum CommandFlags : unsigned {
  kBlocks = 1u << 0,              // asks the store or checks a password: on the worker pool
  kBlocksOnSubmission = 1u << 1,  // blocks on submission once logged in (MAIL asks the store)
};

struct Command {
  std::string verb;  // upper-cased
  Args args;         // its type says which handler runs it
  unsigned flags = 0;
};

}  // namespace estafeta::smtp
