// IMAP BODYSTRUCTURE (RFC 9051 §7.5.2) as JSON, one object per part, with
// the byte offsets that let BODY[section] (§6.4.5) be served by slicing:
// BODY[n] = raw[body_start, body_end), BODY[n.MIME] = raw[header_start,
// body_start). Layout documented in parsed_message.hpp.
#include <nlohmann/json.hpp>

#include "mime/json.hpp"

namespace estafeta::mime::detail {
namespace {

using nlohmann::json;

json opt(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json params_json(const std::vector<Param>& params) {
  json out = json::array();
  for (const Param& p : params) out.push_back(json::array({p.name, p.value}));
  return out;
}

}  // namespace

json bodystructure_json(const Part& part) {
  json j = {
      {"type", part.type},
      {"subtype", part.subtype},
      {"params", params_json(part.params)},
      {"id", opt(part.id)},
      {"description", opt(part.description)},
      {"md5", opt(part.md5)},
      {"location", opt(part.location)},
      {"header_start", part.header_start},
      {"body_start", part.body_start},
      {"body_end", part.body_end},
  };
  j["disposition"] = part.disposition
                         ? json{{"type", *part.disposition}, {"params", params_json(part.disposition_params)}}
                         : json(nullptr);
  j["language"] = part.language ? json(*part.language) : json(nullptr);

  if (part.kind == Part::Kind::multipart) {
    json parts = json::array();
    for (const Part& child : part.children) parts.push_back(bodystructure_json(child));
    j["parts"] = std::move(parts);
    return j;
  }
  j["encoding"] = part.encoding;
  j["size"] = part.body_end - part.body_start;
  if (part.type == "text" || part.kind == Part::Kind::message) j["lines"] = part.lines;
  if (part.kind == Part::Kind::message)
    j["message"] = {{"envelope", envelope_json(part.message->fields)}, {"body", bodystructure_json(*part.message)}};
  if (part.opaque) j["opaque"] = true;
  return j;
}

}  // namespace estafeta::mime::detail
