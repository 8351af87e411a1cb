// Conversion between the message structure (structure.hpp) and its stored
// JSON form (format in structure_json.hpp). The writer builds the same
// documents the first release wrote, member for member, so the bytes of a
// row do not depend on which release wrote it.
#include "mime/structure_json.hpp"

#include <nlohmann/json.hpp>

namespace estafeta::mime {
namespace {

using nlohmann::json;

// Strings are valid UTF-8 when the parser made them; should one not be,
// it is written with U+FFFD rather than failing the delivery.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json opt(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json params_json(const std::vector<Param>& params) {
  json out = json::array();
  for (const Param& p : params) out.push_back(json::array({p.name, p.value}));
  return out;
}

json addresses_json(const std::vector<Address>& list) {
  if (list.empty()) return nullptr;
  json out = json::array();
  for (const Address& a : list)
    out.push_back({{"name", opt(a.name)}, {"adl", opt(a.route)}, {"mailbox", opt(a.mailbox)}, {"host", opt(a.host)}});
  return out;
}

json envelope_json(const Envelope& e) {
  return {
      {"date", opt(e.date)},
      {"subject", opt(e.subject)},
      {"from", addresses_json(e.from)},
      {"sender", addresses_json(e.sender)},
      {"reply_to", addresses_json(e.reply_to)},
      {"to", addresses_json(e.to)},
      {"cc", addresses_json(e.cc)},
      {"bcc", addresses_json(e.bcc)},
      {"in_reply_to", opt(e.in_reply_to)},
      {"message_id", opt(e.message_id)},
  };
}

json part_json(const Part& part) {
  json j = {
      {"type", part.type},
      {"subtype", part.subtype},
      {"params", params_json(part.params)},
      {"id", opt(part.content_id)},
      {"description", opt(part.description)},
      {"md5", opt(part.md5)},
      {"location", opt(part.location)},
      {"header_start", part.header_start},
      {"body_start", part.body_start},
      {"body_end", part.body_end},
  };
  j["disposition"] = part.disposition
                         ? json{{"type", part.disposition->type}, {"params", params_json(part.disposition->params)}}
                         : json(nullptr);
  j["language"] = part.language.empty() ? json(nullptr) : json(part.language);

  if (!part.parts.empty()) {
    json parts = json::array();
    for (const Part& child : part.parts) parts.push_back(part_json(child));
    j["parts"] = std::move(parts);
    return j;
  }
  j["encoding"] = part.transfer_encoding;
  j["size"] = part.size();
  if (part.type == "text" || part.message) j["lines"] = part.lines;
  if (part.message)
    j["message"] = {{"envelope", envelope_json(part.message->envelope)}, {"body", part_json(part.message->root)}};
  if (part.opaque) j["opaque"] = true;
  return j;
}

// --- reading

const json* member(const json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::optional<std::string> read_string(const json& j, const char* key) {
  const json* m = member(j, key);
  if (!m || !m->is_string()) return std::nullopt;
  return m->get<std::string>();
}

void read_string(const json& j, const char* key, std::string& out) {
  if (const json* m = member(j, key); m && m->is_string()) out = m->get<std::string>();
}

void read_number(const json& j, const char* key, std::size_t& out) {
  if (const json* m = member(j, key); m && m->is_number_unsigned()) out = m->get<std::size_t>();
}

// [[name, value], …]; entries of another shape are skipped.
std::vector<Param> read_params(const json& j, const char* key) {
  std::vector<Param> out;
  const json* m = member(j, key);
  if (!m || !m->is_array()) return out;
  for (const json& p : *m)
    if (p.is_array() && p.size() == 2 && p[0].is_string() && p[1].is_string())
      out.push_back({p[0].get<std::string>(), p[1].get<std::string>()});
  return out;
}

std::vector<Address> read_addresses(const json& j, const char* key) {
  std::vector<Address> out;
  const json* m = member(j, key);
  if (!m || !m->is_array()) return out;
  out.reserve(m->size());
  for (const json& a : *m) {
    Address& address = out.emplace_back();
    if (!a.is_object()) continue;  // read as a group end, all members absent
    address.name = read_string(a, "name");
    address.route = read_string(a, "adl");
    address.mailbox = read_string(a, "mailbox");
    address.host = read_string(a, "host");
  }
  return out;
}

Envelope read_envelope(const json& j) {
  Envelope e;
  if (!j.is_object()) return e;
  e.date = read_string(j, "date");
  e.subject = read_string(j, "subject");
  e.from = read_addresses(j, "from");
  e.sender = read_addresses(j, "sender");
  e.reply_to = read_addresses(j, "reply_to");
  e.to = read_addresses(j, "to");
  e.cc = read_addresses(j, "cc");
  e.bcc = read_addresses(j, "bcc");
  e.in_reply_to = read_string(j, "in_reply_to");
  e.message_id = read_string(j, "message_id");
  return e;
}

Part read_part(const json& j) {
  Part part;
  if (!j.is_object()) return part;
  read_string(j, "type", part.type);
  read_string(j, "subtype", part.subtype);
  part.params = read_params(j, "params");
  part.content_id = read_string(j, "id");
  part.description = read_string(j, "description");
  read_string(j, "encoding", part.transfer_encoding);
  if (part.transfer_encoding.empty()) part.transfer_encoding = "7bit";
  part.md5 = read_string(j, "md5");
  part.location = read_string(j, "location");
  if (const json* d = member(j, "disposition"); d && d->is_object()) {
    if (std::optional<std::string> type = read_string(*d, "type"))
      part.disposition = Disposition{std::move(*type), read_params(*d, "params")};
  }
  if (const json* l = member(j, "language"); l && l->is_array())
    for (const json& tag : *l)
      if (tag.is_string()) part.language.push_back(tag.get<std::string>());
  read_number(j, "header_start", part.header_start);
  read_number(j, "body_start", part.body_start);
  read_number(j, "body_end", part.body_end);
  read_number(j, "lines", part.lines);
  if (const json* o = member(j, "opaque"); o && o->is_boolean()) part.opaque = o->get<bool>();

  if (const json* parts = member(j, "parts"); parts && parts->is_array()) {
    part.parts.reserve(parts->size());
    for (const json& child : *parts) part.parts.push_back(read_part(child));
    // A multipart without a subtype is read as multipart/mixed (RFC 2046 §5.1.3).
    const json* subtype = member(j, "subtype");
    if (!part.parts.empty() && (!subtype || !subtype->is_string())) part.subtype = "mixed";
  }
  if (const json* m = member(j, "message"); m && m->is_object()) {
    part.message = std::make_unique<MessageStructure>();
    if (const json* e = member(*m, "envelope")) part.message->envelope = read_envelope(*e);
    if (const json* b = member(*m, "body")) part.message->root = read_part(*b);
  }
  return part;
}

Result<json> parse_object(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object())
    return fail(ErrorKind::internal, "damaged message record", "stored structure is not a JSON object");
  return j;
}

}  // namespace

std::string envelope_to_json(const Envelope& envelope) { return dump(envelope_json(envelope)); }

std::string part_to_json(const Part& part) { return dump(part_json(part)); }

Result<Envelope> envelope_from_json(std::string_view text) { return read_envelope(TRY(parse_object(text))); }

Result<Part> part_from_json(std::string_view text) { return read_part(TRY(parse_object(text))); }

}  // namespace estafeta::mime
