// The envelope of a message (structure.hpp; what RFC 9051 §7.5.2 ENVELOPE
// shows): raw header strings, unfolded and made valid UTF-8 but not RFC
// 2047-decoded (the client decodes), addresses split into name, route,
// mailbox and host with group markers. Sender and Reply-To fall back to From.
#include "mime/address.hpp"
#include "mime/part_tree.hpp"
#include "mime/text.hpp"

namespace estafeta::mime::detail {
namespace {

std::optional<std::string> raw_string(const std::vector<HeaderField>& fields, std::string_view name) {
  const HeaderField* f = find_field(fields, name);
  if (!f) return std::nullopt;
  return to_valid_utf8(unfold(f->value));
}

// Empty when the field is absent or holds no address.
std::vector<Address> address_list(const std::vector<HeaderField>& fields, std::string_view name) {
  const HeaderField* f = find_field(fields, name);
  if (!f) return {};
  return parse_address_list(to_valid_utf8(unfold(f->value)));
}

}  // namespace

Envelope read_envelope(const std::vector<HeaderField>& fields) {
  Envelope e;
  e.date = raw_string(fields, "Date");
  e.subject = raw_string(fields, "Subject");
  e.from = address_list(fields, "From");
  e.sender = address_list(fields, "Sender");
  e.reply_to = address_list(fields, "Reply-To");
  if (e.sender.empty()) e.sender = e.from;
  if (e.reply_to.empty()) e.reply_to = e.from;
  e.to = address_list(fields, "To");
  e.cc = address_list(fields, "Cc");
  e.bcc = address_list(fields, "Bcc");
  e.in_reply_to = raw_string(fields, "In-Reply-To");
  e.message_id = raw_string(fields, "Message-ID");
  return e;
}

}  // namespace estafeta::mime::detail
