// ENVELOPE, BODY and BODYSTRUCTURE (RFC 9051 §7.5.2; grammar §9: envelope,
// address, body, body-type-1part, body-type-mpart, body-ext-1part,
// body-ext-mpart), partial substrings (§6.4.5) and FETCH item names.
//
// Input is the JSON stored at delivery (mime/parsed_message.hpp). Missing or
// mistyped members are rendered as NIL / defaults rather than trusted, so a
// record written by an older parser still yields valid syntax.
#include "core/ascii.hpp"
#include "imap/proto/fetch_render.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "imap/proto/response.hpp"

namespace estafeta::imap {
namespace {

using nlohmann::json;


std::optional<std::string> member_string(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::uint64_t member_number(const json& j, const char* key, std::uint64_t fallback = 0) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_unsigned()) return fallback;
  return it->get<std::uint64_t>();
}

// "((name adl mailbox host)…)" or NIL; an empty list is NIL too (§9:
// env-from = "(" 1*address ")" / nil).
void append_addresses(std::string& out, const json& list, bool utf8) {
  if (!list.is_array() || list.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  for (const json& a : list) {
    out += '(';
    append_nstring(out, member_string(a, "name"), utf8);
    out += ' ';
    append_nstring(out, member_string(a, "adl"), utf8);
    out += ' ';
    append_nstring(out, member_string(a, "mailbox"), utf8);
    out += ' ';
    append_nstring(out, member_string(a, "host"), utf8);
    out += ')';
  }
  out += ')';
}

void append_envelope(std::string& out, const json& e, bool utf8) {
  const auto member = [&](const char* key) -> const json& {
    static const json kNull;
    if (!e.is_object()) return kNull;
    const auto it = e.find(key);
    return it == e.end() ? kNull : *it;
  };
  out += '(';
  append_nstring(out, member_string(e, "date"), utf8);
  out += ' ';
  append_nstring(out, member_string(e, "subject"), utf8);
  for (const char* key : {"from", "sender", "reply_to", "to", "cc", "bcc"}) {
    out += ' ';
    append_addresses(out, member(key), utf8);
  }
  out += ' ';
  append_nstring(out, member_string(e, "in_reply_to"), utf8);
  out += ' ';
  append_nstring(out, member_string(e, "message_id"), utf8);
  out += ')';
}

// body-fld-param: ("NAME" "value" …) or NIL when there is none.
void append_params(std::string& out, const json& part, const char* key, bool utf8) {
  const auto it = part.is_object() ? part.find(key) : part.end();
  bool any = false;
  if (it != part.end() && it->is_array()) {
    for (const json& p : *it) {
      if (!p.is_array() || p.size() != 2 || !p[0].is_string() || !p[1].is_string()) continue;
      out += any ? ' ' : '(';
      append_string(out, ascii_upper(p[0].get<std::string>()), utf8);
      out += ' ';
      append_string(out, p[1].get<std::string>(), utf8);
      any = true;
    }
  }
  out += any ? ")" : "NIL";
}

// body-fld-dsp SP body-fld-lang SP body-fld-loc: the extension data shared by
// single parts and multiparts.
void append_dsp_lang_loc(std::string& out, const json& part, bool utf8) {
  const auto dsp = part.find("disposition");
  if (dsp != part.end() && dsp->is_object() && member_string(*dsp, "type")) {
    out += '(';
    append_string(out, ascii_upper(*member_string(*dsp, "type")), utf8);
    out += ' ';
    append_params(out, *dsp, "params", utf8);
    out += ')';
  } else {
    out += "NIL";
  }
  out += ' ';
  // body-fld-lang: one tag as a string, several as a list.
  std::vector<std::string> tags;
  if (const auto lang = part.find("language"); lang != part.end() && lang->is_array())
    for (const json& t : *lang)
      if (t.is_string()) tags.push_back(t.get<std::string>());
  if (tags.empty()) {
    out += "NIL";
  } else if (tags.size() == 1) {
    append_string(out, tags[0], utf8);
  } else {
    for (std::size_t i = 0; i < tags.size(); ++i) {
      out += i == 0 ? '(' : ' ';
      append_string(out, tags[i], utf8);
    }
    out += ')';
  }
  out += ' ';
  append_nstring(out, member_string(part, "location"), utf8);
}

bool is_opaque(const json& part) {
  const auto it = part.find("opaque");
  return it != part.end() && it->is_boolean() && it->get<bool>();
}

void append_body(std::string& out, const json& part, bool ext, bool utf8) {
  out += '(';
  const auto parts = part.is_object() ? part.find("parts") : part.end();
  if (parts != part.end() && parts->is_array() && !parts->empty() && !is_opaque(part)) {
    // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    for (const json& child : *parts) append_body(out, child, ext, utf8);
    out += ' ';
    append_string(out, ascii_upper(member_string(part, "subtype").value_or("mixed")), utf8);
    if (ext) {
      out += ' ';
      append_params(out, part, "params", utf8);
      out += ' ';
      append_dsp_lang_loc(out, part, utf8);
    }
    out += ')';
    return;
  }

  std::string type = ascii_upper(member_string(part, "type").value_or("text"));
  std::string subtype = ascii_upper(member_string(part, "subtype").value_or("plain"));
  const auto message = part.is_object() ? part.find("message") : part.end();
  const bool has_message = message != part.end() && message->is_object() && !is_opaque(part);
  const bool message_type = type == "MESSAGE" && (subtype == "RFC822" || subtype == "GLOBAL");
  // Parts not descended into (limits, encoded messages) are plain octets;
  // §9 forbids MESSAGE/RFC822 in body-type-basic.
  const bool opaque = is_opaque(part) || (message_type && !has_message);
  if (opaque) {
    type = "APPLICATION";
    subtype = "OCTET-STREAM";
  }
  append_string(out, type, utf8);
  out += ' ';
  append_string(out, subtype, utf8);
  out += ' ';
  // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
  if (opaque) out += "NIL";
  else append_params(out, part, "params", utf8);
  out += ' ';
  append_nstring(out, member_string(part, "id"), utf8);
  out += ' ';
  append_nstring(out, member_string(part, "description"), utf8);
  out += ' ';
  std::string encoding = ascii_upper(member_string(part, "encoding").value_or(""));
  append_string(out, encoding.empty() ? "7BIT" : encoding, utf8);
  out += ' ';
  const std::uint64_t start = member_number(part, "body_start"), end = member_number(part, "body_end");
  out += std::to_string(member_number(part, "size", end > start ? end - start : 0));

  if (!opaque && message_type) {
    // body-type-msg: … SP envelope SP body SP body-fld-lines
    out += ' ';
    append_envelope(out, message->contains("envelope") ? (*message)["envelope"] : json(), utf8);
    out += ' ';
    append_body(out, message->contains("body") ? (*message)["body"] : json::object(), ext, utf8);
    out += ' ';
    out += std::to_string(member_number(part, "lines"));
  } else if (!opaque && type == "TEXT") {
    out += ' ';
    out += std::to_string(member_number(part, "lines"));
  }
  if (ext) {
    // body-ext-1part = body-fld-md5 SP body-fld-dsp SP body-fld-lang SP body-fld-loc
    out += ' ';
    append_nstring(out, member_string(part, "md5"), utf8);
    out += ' ';
    append_dsp_lang_loc(out, part, utf8);
  }
  out += ')';
}

// section-spec text: "1.2", "HEADER", "1.HEADER.FIELDS (DATE FROM)", "2.MIME".
std::string section_spec(const Section& s) {
  std::string out;
  for (std::size_t i = 0; i < s.part.size(); ++i) {
    if (i > 0) out += '.';
    out += std::to_string(s.part[i]);
  }
  const char* text = nullptr;
  switch (s.text) {
    case Section::Text::none: return out;
    case Section::Text::header: text = "HEADER"; break;
    case Section::Text::header_fields: text = "HEADER.FIELDS"; break;
    case Section::Text::header_fields_not: text = "HEADER.FIELDS.NOT"; break;
    case Section::Text::text: text = "TEXT"; break;
    case Section::Text::mime: text = "MIME"; break;
  }
  if (!out.empty()) out += '.';
  out += text;
  if (s.text == Section::Text::header_fields || s.text == Section::Text::header_fields_not) {
    out += " (";
    for (std::size_t i = 0; i < s.fields.size(); ++i) {
      if (i > 0) out += ' ';
      append_astring(out, s.fields[i], false);  // header-fld-name = astring
    }
    out += ')';
  }
  return out;
}

std::string origin(const std::optional<Partial>& p) {
  return p ? "<" + std::to_string(p->offset) + ">" : std::string();
}

}  // namespace

std::string render_envelope(const json& envelope, bool utf8) {
  std::string out;
  append_envelope(out, envelope, utf8);
  return out;
}

std::string render_body(const json& body, bool extensible, bool utf8) {
  std::string out;
  append_body(out, body.is_object() ? body : json::object(), extensible, utf8);
  return out;
}

std::string_view partial_view(std::string_view bytes, std::optional<Partial> partial) {
  if (!partial) return bytes;
  if (partial->offset >= bytes.size()) return {};
  return bytes.substr(static_cast<std::size_t>(partial->offset),
                      static_cast<std::size_t>(std::min<std::uint64_t>(partial->length, bytes.size())));
}

std::string apply_partial(std::string bytes, std::optional<Partial> partial) {
  if (!partial) return bytes;
  if (partial->offset >= bytes.size()) return {};
  bytes.erase(0, static_cast<std::size_t>(partial->offset));
  if (partial->length < bytes.size()) bytes.resize(static_cast<std::size_t>(partial->length));
  return bytes;
}

std::string fetch_item_name(const FetchAttr& a) {
  using K = FetchAttr::Kind;
  switch (a.kind) {
    case K::envelope: return "ENVELOPE";
    case K::flags: return "FLAGS";
    case K::internaldate: return "INTERNALDATE";
    case K::rfc822: return "RFC822";
    case K::rfc822_header: return "RFC822.HEADER";
    case K::rfc822_size: return "RFC822.SIZE";
    case K::rfc822_text: return "RFC822.TEXT";
    case K::body: return "BODY";
    case K::bodystructure: return "BODYSTRUCTURE";
    case K::body_section: return "BODY[" + section_spec(a.section) + "]" + origin(a.partial);
    case K::binary: return "BINARY[" + section_spec(Section{a.section.part}) + "]" + origin(a.partial);
    case K::binary_size: return "BINARY.SIZE[" + section_spec(Section{a.section.part}) + "]";
    case K::uid: return "UID";
    case K::modseq: return "MODSEQ";
  }
  return {};
}

}  // namespace estafeta::imap
