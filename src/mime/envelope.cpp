// IMAP ENVELOPE (RFC 9051 §7.5.2) as JSON: raw header strings, unfolded and
// made valid UTF-8 but not RFC 2047-decoded (the client decodes), addresses
// split into name/adl/mailbox/host with RFC 9051 group markers. Sender and
// Reply-To fall back to From.
#include <nlohmann/json.hpp>

#include "mime/address.hpp"
#include "mime/json.hpp"
#include "mime/text.hpp"

namespace estafeta::mime::detail {
namespace {

using nlohmann::json;

json opt(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json raw_string(const std::vector<HeaderField>& fields, std::string_view name) {
  const HeaderField* f = find_field(fields, name);
  return f ? json(to_valid_utf8(unfold(f->value))) : json(nullptr);
}

// null when the field is absent or holds no address.
json address_list(const std::vector<HeaderField>& fields, std::string_view name) {
  const HeaderField* f = find_field(fields, name);
  if (!f) return nullptr;
  const std::vector<Address> list = parse_address_list(to_valid_utf8(unfold(f->value)));
  if (list.empty()) return nullptr;
  json out = json::array();
  for (const Address& a : list)
    out.push_back({{"name", opt(a.name)}, {"adl", opt(a.adl)}, {"mailbox", opt(a.mailbox)}, {"host", opt(a.host)}});
  return out;
}

}  // namespace

json envelope_json(const std::vector<HeaderField>& fields) {
  json from = address_list(fields, "From");
  json sender = address_list(fields, "Sender");
  json reply_to = address_list(fields, "Reply-To");
  if (sender.is_null()) sender = from;
  if (reply_to.is_null()) reply_to = from;
  return {
      {"date", raw_string(fields, "Date")},
      {"subject", raw_string(fields, "Subject")},
      {"from", std::move(from)},
      {"sender", std::move(sender)},
      {"reply_to", std::move(reply_to)},
      {"to", address_list(fields, "To")},
      {"cc", address_list(fields, "Cc")},
      {"bcc", address_list(fields, "Bcc")},
      {"in_reply_to", raw_string(fields, "In-Reply-To")},
      {"message_id", raw_string(fields, "Message-ID")},
  };
}

}  // namespace estafeta::mime::detail
