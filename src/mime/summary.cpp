// Summary and search text: RFC 2047 decoded headers, RFC 5322 §3.3 date,
// §3.6.4 message identifiers, and body text decoded per RFC 2045 §6
// (transfer encoding) and the charset parameter, HTML reduced to text.
//
// Which text counts as the body: text/plain and text/html leaves that are
// not Content-Disposition: attachment; in a multipart/alternative only the
// first alternative holding text/plain is read (else the last one), so the
// same text is not indexed twice.
//
// Security: decoding is capped by Limits::max_search_text (a few times that
// in encoded input), so a huge text part costs bounded work.
#include "mime/summary.hpp"

#include <algorithm>
#include <cstdint>

#include "mime/address.hpp"
#include "mime/decode.hpp"
#include "mime/rfc2047.hpp"
#include "mime/text.hpp"

namespace estafeta::mime::detail {
namespace {

constexpr std::size_t kPreviewChars = 200;
constexpr std::size_t kMaxHeaderText = 64 * 1024;  // bytes of header text indexed (all fields, decoded)

std::string field_text(const std::vector<HeaderField>& fields, std::string_view name) {
  const HeaderField* f = find_field(fields, name);
  return f ? to_valid_utf8(unfold(f->value)) : std::string();
}

// The first "<id>" without its brackets; a bare id when there is no bracket.
std::string first_msg_id(std::string_view v) {
  const std::size_t open = v.find('<');
  if (open != std::string_view::npos) {
    const std::size_t close = v.find('>', open + 1);
    if (close != std::string_view::npos) return std::string(trim(v.substr(open + 1, close - open - 1)));
  }
  v = trim(v);
  return std::string(v.substr(0, std::min(v.find_first_of(" \t"), v.size())));
}

// "Name <addr>, addr, …" with names decoded; group markers left out.
std::string decoded_addresses(const std::vector<Address>& list) {
  std::string out;
  for (const Address& a : list) {
    if (!a.is_mailbox()) continue;
    if (!out.empty()) out += ", ";
    const std::string name = a.name ? decode_header_text(*a.name) : std::string();
    out += name.empty() ? a.addr_spec() : name + " <" + a.addr_spec() + ">";
  }
  return out;
}

bool is_attachment(const Part& p) {
  if (p.is_multipart()) return false;
  if (p.disposition_type() == "attachment") return true;
  if (p.filename().empty()) return false;
  const bool inline_text = p.type == "text" && (!p.disposition || p.disposition->type == "inline");
  return !inline_text;
}

template <class F>
void for_each_part(const Part& p, const F& f) {
  f(p);
  for (const Part& c : p.parts) for_each_part(c, f);
  if (p.message) for_each_part(p.message->root, f);
}

bool is_body_text(const Part& p) {
  return p.parts.empty() && !p.message && !p.opaque && p.type == "text" &&
         (p.subtype == "plain" || p.subtype == "html") && p.disposition_type() != "attachment";
}

bool contains_plain(const Part& p) {
  bool found = false;
  for_each_part(p, [&](const Part& q) { found = found || (is_body_text(q) && q.subtype == "plain"); });
  return found;
}

void collect_text_parts(const Part& p, std::vector<const Part*>& out) {
  if (p.message) {
    collect_text_parts(p.message->root, out);
  } else if (!p.parts.empty() && p.subtype == "alternative") {
    const Part* pick = &p.parts.back();
    for (const Part& c : p.parts)
      if (contains_plain(c)) {
        pick = &c;
        break;
      }
    collect_text_parts(*pick, out);
  } else if (!p.parts.empty()) {
    for (const Part& c : p.parts) collect_text_parts(c, out);
  } else if (is_body_text(p)) {
    out.push_back(&p);
  }
}

// Decoded UTF-8 text of a text part, roughly `budget` bytes at most.
std::string part_text(std::string_view raw, const Part& p, std::size_t budget) {
  const bool html = p.subtype == "html";
  // Charsets and markup shrink text; decode a few times the budget.
  const std::size_t cap = budget > SIZE_MAX / 8 ? SIZE_MAX : budget * (html ? 4 : 2) + 16;
  const std::string decoded = transfer_decode(raw.substr(p.body_start, p.size()), p.transfer_encoding, cap);
  const Param* charset = p.param("charset");
  std::string text = charset_to_utf8(decoded, charset ? charset->value : "");
  if (html) text = html_to_text(text);
  sanitize_controls(text);
  truncate_utf8(text, budget);
  return text;
}

}  // namespace

void summarize(std::string_view raw, const std::vector<HeaderField>& fields, const Part& root, const Limits& limits,
               Summary& summary, SearchText& text) {
  summary.subject = decode_header_text(field_text(fields, "Subject"));
  for (std::string_view name : {"From", "To", "Cc"}) {
    const std::vector<Address> list = parse_address_list(field_text(fields, name));
    for (const Address& a : list) {
      if (!a.is_mailbox()) continue;
      if (name == "From") {
        summary.from_name = a.name ? decode_header_text(*a.name) : std::string();
        summary.from_address = a.addr_spec();
        break;
      }
      if (!a.addr_spec().empty()) summary.to.push_back(a.addr_spec());
    }
  }

  // The header text TEXT searches (RFC 9051 §6.4.4: "the header (including
  // MIME header fields)"): every field as "Name: value", its name as
  // written and its value decoded (RFC 2047), so that names match as the
  // header holds them ("Subject: msg 3"). The fields searches ask for most
  // come first, so that a header past the bound still has them: the
  // subject, then the address fields, their display names decoded even
  // inside quotes.
  static constexpr std::string_view kFirst[] = {"Subject", "From", "To", "Cc", "Bcc", "Reply-To"};
  auto is_first = [](const HeaderField& f) {
    return std::any_of(std::begin(kFirst), std::end(kFirst),
                       [&](std::string_view n) { return ascii_iequals(f.name, n); });
  };
  std::string headers;
  auto add = [&](const HeaderField& f) {
    const std::string value = to_valid_utf8(unfold(f.value));
    std::string shown;
    if (is_first(f) && !ascii_iequals(f.name, "Subject")) shown = decoded_addresses(parse_address_list(value));
    if (shown.empty()) shown = decode_header_text(value);  // not addresses, or none in it (a group alone)
    headers += (headers.empty() ? "" : "\n") + std::string(f.name) + ": " + shown;
  };
  for (std::string_view name : kFirst)
    for (const HeaderField& f : fields)
      if (ascii_iequals(f.name, name) && headers.size() < kMaxHeaderText) add(f);
  for (const HeaderField& f : fields)
    if (!is_first(f) && headers.size() < kMaxHeaderText) add(f);
  truncate_utf8(headers, kMaxHeaderText);
  text.headers = std::move(headers);

  summary.date = decode_date(field_text(fields, "Date"));
  summary.message_id = first_msg_id(field_text(fields, "Message-ID"));
  summary.in_reply_to = first_msg_id(field_text(fields, "In-Reply-To"));
  summary.references = collapse_whitespace(field_text(fields, "References"));

  for_each_part(root, [&](const Part& p) {
    summary.has_attachments = summary.has_attachments || is_attachment(p);
    if (std::string name = p.filename(); !name.empty()) {
      if (!text.attachments.empty()) text.attachments += '\n';
      text.attachments += name;
    }
  });

  std::vector<const Part*> parts;
  collect_text_parts(root, parts);
  std::string& body = text.body;
  for (const Part* p : parts) {
    if (body.size() + 1 >= limits.max_search_text) break;
    if (!body.empty()) body += '\n';
    body += part_text(raw, *p, limits.max_search_text - body.size());
  }
  truncate_utf8(body, limits.max_search_text);
  summary.preview = collapse_whitespace(body, kPreviewChars);
}

}  // namespace estafeta::mime::detail
