// FETCH data items served from what delivery stored (RFC 9051 §6.4.5,
// §7.5.2; RFC 3516 BINARY): ENVELOPE and BODY/BODYSTRUCTURE rendered from the
// message's structure (mime/structure.hpp), and BODY[section] /
// BINARY[section] cut from the raw message with the byte offsets the
// structure carries. The message is never parsed again here.
//
// Plain string building, no I/O. `raw` must be the exact bytes the
// structure was computed from; offsets that do not fit it are reported as
// an internal error, never read out of bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "imap/proto/command.hpp"
#include "mime/structure.hpp"

namespace estafeta::imap {

// The IMAP `envelope` production (RFC 9051 §7.5.2, §9) of a message's
// envelope. `utf8`: the client enabled UTF8=ACCEPT, so 8-bit text may go in
// quoted strings; otherwise such strings are sent as literals.
std::string render_envelope(const mime::Envelope& envelope, bool utf8);

// An address's addr-mailbox (RFC 9051 §9, RFC 3501 §9): the local part
// "after removing [RFC-2822] quoting" — the envelope keeps it as written
// ("\"odd local\"" → "odd local", "\"a\\\"b\"" → "a\"b"). A group's
// name (no host) is returned as it is.
std::string addr_mailbox(const mime::Address& address);

// The IMAP `body` production of a message's root part: BODY when
// `extensible` is false, BODYSTRUCTURE (with extension data) when true.
// Types, subtypes, parameter names, encodings and disposition types are
// upper-cased, as in the RFC examples; values are sent as stored.
std::string render_body(const mime::Part& body, bool extensible, bool utf8);

// The octets of BODY[section] (RFC 9051 §6.4.5.1), byte-exact slices of
// `raw` except HEADER.FIELDS[.NOT], which is the matching field lines (with
// their continuation lines) followed by the header's blank line.
// Errors: not_found when the message has no such section (a part number
// past the end, HEADER/TEXT after a part that is not message/rfc822, a
// number below a leaf part) — the caller answers NO ("can't fetch that
// data", §6.4.5); internal when the offsets do not fit `raw`. `body` is the
// message's root part.
Result<std::string> section_bytes(std::string_view raw, const mime::Part& body, const Section& section);

// Error::detail of the error binary_bytes/binary_size return for a
// Content-Transfer-Encoding they cannot decode (kind invalid): the caller
// answers NO [UNKNOWN-CTE] (RFC 3516 §4.3, RFC 9051 §7.5.2).
inline constexpr std::string_view kUnknownCte = "unknown-cte";
inline bool is_unknown_cte(const Error& e) { return e.kind == ErrorKind::invalid && e.detail == kUnknownCte; }

// The decoded content of BINARY[part] (RFC 3516 §4.2, RFC 9051 §6.4.5):
// base64 and quoted-printable are decoded, 7bit/8bit/binary pass through;
// text/* content is sent with CRLF line ends (RFC 9051 §7.5.2).
// BINARY[] (empty `part`) is the whole message as stored: the message as a
// whole carries no Content-Transfer-Encoding of its own (RFC 3516 §3: none
// given means the identity "7bit"), so nothing is decoded.
// Errors: not_found as for section_bytes; invalid for a multipart or
// message/rfc822 part (BINARY is for leaf parts only, RFC 9051 §6.4.5);
// invalid with detail kUnknownCte for an unknown encoding.
Result<std::string> binary_bytes(std::string_view raw, const mime::Part& body, const std::vector<std::uint32_t>& part);

// BINARY.SIZE[part]: always the size of what binary_bytes returns.
Result<std::uint64_t> binary_size(std::string_view raw, const mime::Part& body, const std::vector<std::uint32_t>& part);

// The <origin.length> substring (RFC 9051 §6.4.5): empty when the origin is
// at or past the end, truncated at the end. Without a partial, unchanged.
std::string apply_partial(std::string bytes, std::optional<Partial> partial);
// The same substring as a view of `bytes` (no copy: a FETCH may ask for many
// small partials of one large section).
std::string_view partial_view(std::string_view bytes, std::optional<Partial> partial);

// The data item name of a FETCH response (RFC 9051 §7.5.2, §9 msg-att):
// BODY.PEEK[…] answers as BODY[…], a partial as its origin only
// ("BODY[HEADER.FIELDS (DATE FROM)]<0>"), HEADER.FIELDS lists the names as
// requested; "BINARY[1]", "BINARY.SIZE[1]", "RFC822.HEADER", "UID", ….
std::string fetch_item_name(const FetchAttr& attr);

}  // namespace estafeta::imap
