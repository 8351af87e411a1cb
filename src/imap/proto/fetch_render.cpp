// ENVELOPE, BODY and BODYSTRUCTURE (RFC 9051 §7.5.2; grammar §9: envelope,
// address, body, body-type-1part, body-type-mpart, body-ext-1part,
// body-ext-mpart), partial substrings (§6.4.5) and FETCH item names.
//
// Input is the structure stored at delivery (mime/structure.hpp), read
// tolerantly from older records: whatever a record lacks is rendered as
// NIL / defaults, so the syntax is always valid.
#include "imap/proto/fetch_render.hpp"
#include "core/ascii.hpp"

#include <algorithm>

#include "imap/proto/response.hpp"

namespace estafeta::imap {
namespace {

// "((name adl mailbox host)…)" or NIL; an empty list is NIL too (§9:
// env-from = "(" 1*address ")" / nil).
void append_addresses(std::string& out, const std::vector<mime::Address>& list, bool utf8) {
  if (list.empty()) {
    out += "NIL";
    return;
  }
  out += '(';
  for (const mime::Address& a : list) {
    out += '(';
    append_nstring(out, a.name, utf8);
    out += ' ';
    append_nstring(out, a.route, utf8);
    out += ' ';
    append_nstring(out, a.mailbox ? std::optional<std::string>(addr_mailbox(a)) : std::nullopt, utf8);
    out += ' ';
    append_nstring(out, a.host, utf8);
    out += ')';
  }
  out += ')';
}

void append_envelope(std::string& out, const mime::Envelope& e, bool utf8) {
  out += '(';
  append_nstring(out, e.date, utf8);
  out += ' ';
  append_nstring(out, e.subject, utf8);
  for (const auto* list : {&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc}) {
    out += ' ';
    append_addresses(out, *list, utf8);
  }
  out += ' ';
  append_nstring(out, e.in_reply_to, utf8);
  out += ' ';
  append_nstring(out, e.message_id, utf8);
  out += ')';
}

// body-fld-param: ("NAME" "value" …) or NIL when there is none.
void append_params(std::string& out, const std::vector<mime::Param>& params, bool utf8) {
  bool any = false;
  for (const mime::Param& p : params) {
    out += any ? ' ' : '(';
    append_string(out, ascii_upper(p.name), utf8);
    out += ' ';
    append_string(out, p.value, utf8);
    any = true;
  }
  out += any ? ")" : "NIL";
}

// body-fld-dsp SP body-fld-lang SP body-fld-loc: the extension data shared by
// single parts and multiparts.
void append_dsp_lang_loc(std::string& out, const mime::Part& part, bool utf8) {
  if (part.disposition) {
    out += '(';
    append_string(out, ascii_upper(part.disposition->type), utf8);
    out += ' ';
    append_params(out, part.disposition->params, utf8);
    out += ')';
  } else {
    out += "NIL";
  }
  out += ' ';
  // body-fld-lang: one tag as a string, several as a list.
  const std::vector<std::string>& tags = part.language;
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
  append_nstring(out, part.location, utf8);
}

void append_body(std::string& out, const mime::Part& part, bool ext, bool utf8) {
  out += '(';
  if (part.is_multipart()) {
    // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
    for (const mime::Part& child : part.parts) append_body(out, child, ext, utf8);
    out += ' ';
    append_string(out, ascii_upper(part.subtype), utf8);
    if (ext) {
      out += ' ';
      append_params(out, part.params, utf8);
      out += ' ';
      append_dsp_lang_loc(out, part, utf8);
    }
    out += ')';
    return;
  }

  std::string type = ascii_upper(part.type);
  std::string subtype = ascii_upper(part.subtype);
  const mime::MessageStructure* message = part.encapsulated();
  const bool message_type = type == "MESSAGE" && (subtype == "RFC822" || subtype == "GLOBAL");
  // Parts not descended into (limits, encoded messages) are plain octets;
  // §9 forbids MESSAGE/RFC822 in body-type-basic.
  const bool opaque = part.opaque || (message_type && !message);
  if (opaque) {
    type = "APPLICATION";
    subtype = "OCTET-STREAM";
  }
  append_string(out, type, utf8);
  out += ' ';
  append_string(out, subtype, utf8);
  out += ' ';
  // body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP body-fld-octets
  if (opaque)
    out += "NIL";
  else
    append_params(out, part.params, utf8);
  out += ' ';
  append_nstring(out, part.content_id, utf8);
  out += ' ';
  append_nstring(out, part.description, utf8);
  out += ' ';
  const std::string encoding = ascii_upper(part.transfer_encoding);
  append_string(out, encoding.empty() ? "7BIT" : encoding, utf8);
  out += ' ';
  out += std::to_string(part.size());

  if (!opaque && message_type) {
    // body-type-msg: … SP envelope SP body SP body-fld-lines
    out += ' ';
    append_envelope(out, message->envelope, utf8);
    out += ' ';
    append_body(out, message->root, ext, utf8);
    out += ' ';
    out += std::to_string(part.lines);
  } else if (!opaque && type == "TEXT") {
    out += ' ';
    out += std::to_string(part.lines);
  }
  if (ext) {
    // body-ext-1part = body-fld-md5 SP body-fld-dsp SP body-fld-lang SP body-fld-loc
    out += ' ';
    append_nstring(out, part.md5, utf8);
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

std::string addr_mailbox(const mime::Address& a) {
  std::string_view local = a.mailbox ? std::string_view(*a.mailbox) : std::string_view();
  if (!a.host || local.find('"') == std::string_view::npos) return std::string(local);
  // RFC 5322 §3.4.1 local-part = dot-atom / quoted-string / obs-local-part
  // (words, some quoted, joined by dots): the quotes go, a quoted-pair
  // (§3.2.1) gives the character it quotes.
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < local.size(); ++i) {
    char c = local[i];
    if (c == '"') {
      quoted = !quoted;
    } else if (quoted && c == '\\' && i + 1 < local.size()) {
      out += local[++i];
    } else {
      out += c;
    }
  }
  return out;
}

std::string render_envelope(const mime::Envelope& envelope, bool utf8) {
  std::string out;
  append_envelope(out, envelope, utf8);
  return out;
}

std::string render_body(const mime::Part& body, bool extensible, bool utf8) {
  std::string out;
  append_body(out, body, extensible, utf8);
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
