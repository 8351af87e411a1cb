// The header text the SMTP server writes or checks in accepted mail: values
// of its trace fields (RFC 8601 Authentication-Results, RFC 7208 §9.1
// Received-SPF), the removal of forged Authentication-Results (RFC 8601
// §5), and the shape of a submitted header block (RFC 5322 §2.2). No I/O.
//
// Security: every input here comes from the client (envelope, HELO,
// message); what these functions return is safe to place in a header as
// the value or comment it is made for — it cannot end the field, open a
// new one, or add a property.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace estafeta::smtp {

// RFC 5322 §3.2.4 quoted-string: DQUOTE, the text with '"' and '\' escaped,
// DQUOTE. Controls (CR, LF included) become '?': they have no quoted form.
std::string quoted_string(std::string_view text);

// RFC 8601 §2.2 pvalue for a property such as smtp.mailfrom: the address
// as it is when it is a Dot-string local part "@" a domain name
// ("[ [ local-part ] "@" ] domain-name"), otherwise the whole as a
// quoted-string (value = token / quoted-string, RFC 2045 §5.1).
std::string result_value(std::string_view address);

// RFC 7208 §9.1 key-value-pair value: a dot-atom as it is, otherwise a
// quoted-string ("client-ip=192.0.2.1", "client-ip=\"2001:db8::1\"").
std::string spf_value(std::string_view text);

// RFC 5322 §3.2.2 comment text (inside "(" ")"): printable ASCII only,
// '(' ')' '\' and controls replaced by '?', at most `max` octets.
std::string comment_text(std::string_view text, std::size_t max = 200);

// RFC 8601 §5: removes from the header block of `message` (up to the first
// empty line) every Authentication-Results field whose authserv-id is
// `authserv_id` (compared without case and a final dot; quoted or not,
// comments skipped), however folded. Other fields and the body are kept
// byte for byte. Returns how many fields were removed.
std::size_t remove_authentication_results(std::string& message, std::string_view authserv_id);

// RFC 5322 §2.2: the first line of the header block (1-based) that is
// neither a field ("name:" with printable ASCII name), a continuation
// (starting with space or tab, not first), nor the empty line that ends
// the block. nullopt when the block is well formed. Lines end with CRLF.
std::optional<std::size_t> malformed_header_line(std::string_view message);

}  // namespace estafeta::smtp
