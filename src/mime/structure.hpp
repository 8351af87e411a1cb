// The structure of a message as the store keeps it: its envelope (the
// header fields that identify it and its correspondents) and its tree of
// MIME parts (RFC 2045, RFC 2046) with each part's byte offsets in the raw
// message, so any part can be served by slicing the stored bytes.
//
// Computed once at delivery by mime::parse_message and read back from the
// store (the stored form: mime/structure_json.hpp). Protocols render it in
// their own syntax — IMAP ENVELOPE and BODYSTRUCTURE (RFC 9051 §7.5.2), a
// JMAP Email's bodyStructure (RFC 8621 §4.1.4) — without parsing the
// message again.
//
// Plain values, no GMime, no I/O: cheap to include anywhere.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace estafeta::mime {

// A mailbox of an address-list header field (RFC 5322 §3.4), or a group
// marker, its parts as written (display name not RFC 2047-decoded).
//   Mailbox: mailbox and host set (host "" when the address has no domain).
//   Group start: mailbox = the group's name, host nullopt.
//   Group end: mailbox and host nullopt.
struct Address {
  std::optional<std::string> name;     // display name, unquoted, encoded words kept
  std::optional<std::string> route;    // obsolete source route "@a,@b" (RFC 5322 §4.4)
  std::optional<std::string> mailbox;  // local part (quoted form kept)
  std::optional<std::string> host;     // domain

  bool is_mailbox() const { return host.has_value(); }
  // "local@domain", or just the local part when there is no domain.
  std::string addr_spec() const {
    std::string out = mailbox.value_or("");
    if (host && !host->empty()) out += "@" + *host;
    return out;
  }
  bool operator==(const Address&) const = default;
};

// The header fields that identify a message. Strings are raw: the first
// field of that name, unfolded and trimmed, encoded words left as written
// (RFC 2047), bytes that are not UTF-8 read as windows-1252; nullopt when
// the field is absent. An address list is empty when the field is absent
// or holds nothing that parses; sender and reply_to are the from list when
// their own field gives none (as RFC 9051 §7.5.2 requires of ENVELOPE).
struct Envelope {
  std::optional<std::string> date;
  std::optional<std::string> subject;
  std::vector<Address> from, sender, reply_to, to, cc, bcc;
  std::optional<std::string> in_reply_to;
  std::optional<std::string> message_id;

  bool operator==(const Envelope&) const = default;
};

// A parameter of Content-Type or Content-Disposition.
struct Param {
  std::string name;   // lower-case
  std::string value;  // RFC 2231 continuations joined, charsets and RFC 2047 words decoded to UTF-8
  bool operator==(const Param&) const = default;
};

// Content-Disposition (RFC 2183).
struct Disposition {
  std::string type;  // lower-case: "inline", "attachment", …
  std::vector<Param> params;
  bool operator==(const Disposition&) const = default;
};

struct MessageStructure;

// One MIME part. The root part is the message itself (header_start 0).
//
// Offsets index the raw message: the part's content is raw[body_start,
// body_end) — the line break before a boundary delimiter excluded (RFC 2046
// §5.1.1) — and its header raw[header_start, body_start), blank line
// included.
//
// Values: type, subtype, transfer encoding, disposition type and parameter
// names are lower-case. A missing or unparsable Content-Type, and a
// multipart without a boundary or without any part, read as text/plain;
// charset=us-ascii (RFC 2045 §5.2); text/* without a charset gets
// charset=us-ascii; parts of a multipart/digest default to message/rfc822.
struct Part {
  std::string type = "text";
  std::string subtype = "plain";
  std::vector<Param> params;               // of Content-Type
  std::optional<std::string> content_id;   // Content-ID, raw
  std::optional<std::string> description;  // Content-Description, raw
  std::string transfer_encoding = "7bit";  // Content-Transfer-Encoding; a multipart's is not kept: "7bit"
  std::optional<std::string> md5;          // Content-MD5, raw
  std::optional<Disposition> disposition;  // when the field is present with a type
  std::vector<std::string> language;       // Content-Language tags; empty when absent
  std::optional<std::string> location;     // Content-Location, raw

  std::size_t header_start = 0;
  std::size_t body_start = 0;
  std::size_t body_end = 0;
  // Lines of the content (line breaks, plus one for a final line without
  // one) for text/* parts and encapsulated messages; 0 for the others.
  std::size_t lines = 0;

  // Not descended into: a multipart or message nested deeper than
  // Limits::max_depth, a message/rfc822 with a base64 or quoted-printable
  // encoding, or — when Limits::max_parts is reached — the remaining parts
  // of a multipart taken together (header_start == body_start). Reported as
  // application/octet-stream without parameters.
  bool opaque = false;

  std::vector<Part> parts;                    // multipart/*: its parts, in order, never empty
  std::unique_ptr<MessageStructure> message;  // message/rfc822, message/global: the message it holds

  Part();
  Part(const Part& other);
  Part(Part&& other) noexcept;
  Part& operator=(const Part& other);
  Part& operator=(Part&& other) noexcept;
  ~Part();
  bool operator==(const Part& other) const;

  // Octets of the content as stored (before any transfer decoding).
  std::size_t size() const { return body_end > body_start ? body_end - body_start : 0; }
  bool is_multipart() const { return !parts.empty() && !opaque; }
  // The encapsulated message, or nullptr.
  const MessageStructure* encapsulated() const { return opaque ? nullptr : message.get(); }
  // The Content-Type parameter `name` (lower-case), or nullptr.
  const Param* param(std::string_view name) const;
  // The disposition's filename, else the Content-Type name; "" if neither.
  std::string filename() const;
  // The disposition type, "" when there is none.
  std::string_view disposition_type() const { return disposition ? std::string_view(disposition->type) : ""; }
};

// A message: the top-level one, or one a message/rfc822 part holds (then
// root.header_start is that part's body_start).
struct MessageStructure {
  Envelope envelope;
  Part root;
  bool operator==(const MessageStructure&) const = default;
};

}  // namespace estafeta::mime
