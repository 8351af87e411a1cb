// Value semantics of the message structure (structure.hpp): a Part owns the
// message it encapsulates, so copying a part copies that message too.
#include "mime/structure.hpp"

namespace estafeta::mime {

Part::Part() = default;
Part::Part(Part&& other) noexcept = default;
Part& Part::operator=(Part&& other) noexcept = default;
Part::~Part() = default;

Part::Part(const Part& other)
    : type(other.type),
      subtype(other.subtype),
      params(other.params),
      content_id(other.content_id),
      description(other.description),
      transfer_encoding(other.transfer_encoding),
      md5(other.md5),
      disposition(other.disposition),
      language(other.language),
      location(other.location),
      header_start(other.header_start),
      body_start(other.body_start),
      body_end(other.body_end),
      lines(other.lines),
      opaque(other.opaque),
      parts(other.parts),
      message(other.message ? std::make_unique<MessageStructure>(*other.message) : nullptr) {}

Part& Part::operator=(const Part& other) {
  if (this != &other) *this = Part(other);
  return *this;
}

bool Part::operator==(const Part& o) const {
  const bool same_message = message && o.message ? *message == *o.message : !message && !o.message;
  return same_message && type == o.type && subtype == o.subtype && params == o.params && content_id == o.content_id &&
         description == o.description && transfer_encoding == o.transfer_encoding && md5 == o.md5 &&
         disposition == o.disposition && language == o.language && location == o.location &&
         header_start == o.header_start && body_start == o.body_start && body_end == o.body_end && lines == o.lines &&
         opaque == o.opaque && parts == o.parts;
}

const Param* Part::param(std::string_view name) const {
  for (const Param& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

std::string Part::filename() const {
  if (disposition)
    for (const Param& p : disposition->params)
      if (p.name == "filename" && !p.value.empty()) return p.value;
  if (const Param* p = param("name"); p && !p->value.empty()) return p->value;
  return {};
}

}  // namespace estafeta::mime
