// Builds the MIME part tree with byte offsets, and the envelope of each
// message in it (envelope.cpp).
//
// Structure is found by our own scanner so offsets are exact; header field
// values (Content-Type, Content-Disposition, RFC 2231 parameters) are parsed
// by GMime. Rules, after RFC 2046 §5.1.1 and what lenient MUAs do:
//  - a delimiter line is "--" boundary, a close delimiter "--" boundary "--",
//    each optionally followed by whitespace; the line break before a
//    delimiter belongs to the delimiter, not to the part before it;
//  - the preamble and epilogue are ignored; a missing close delimiter ends
//    the last part at the end of the enclosing body;
//  - a multipart without a boundary, or without any part, is read as
//    text/plain (RFC 2045 §5.2 default); so is an unparsable Content-Type;
//  - children of multipart/digest default to message/rfc822 (§5.1.5);
//  - message/rfc822 with a non-identity transfer encoding cannot be sliced
//    and is an opaque leaf.
// Bare-LF line ends are accepted wherever CRLF is.
//
// Security: untrusted input. Recursion is bounded by Limits::max_depth, the
// number of parts by Limits::max_parts; each scan is linear in its range.
#include "mime/part_tree.hpp"
#include "core/ascii.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstring>

#include "mime/rfc2047.hpp"
#include "mime/text.hpp"

namespace estafeta::mime::detail {
namespace {

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && !std::strchr("()<>@,;:\\\"/[]?=", c);
}

// "type/subtype" at the start of a Content-Type value (whitespace allowed
// around the slash, as GMime allows).
bool split_media_type(std::string_view v, std::string& type, std::string& subtype) {
  std::size_t i = 0;
  while (i < v.size() && is_token_char(v[i])) ++i;
  if (i == 0) return false;
  type = ascii_lower(v.substr(0, i));
  while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
  if (i >= v.size() || v[i] != '/') return false;
  ++i;
  while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
  const std::size_t s = i;
  while (i < v.size() && is_token_char(v[i])) ++i;
  if (i == s) return false;
  subtype = ascii_lower(v.substr(s, i - s));
  return true;
}

std::vector<Param> params_of(GMimeParamList* list) {
  std::vector<Param> out;
  const int n = list ? g_mime_param_list_length(list) : 0;
  for (int i = 0; i < n; ++i) {
    GMimeParam* p = g_mime_param_list_get_parameter_at(list, i);
    const char* name = g_mime_param_get_name(p);
    const char* value = g_mime_param_get_value(p);
    if (!name || !*name) continue;
    out.push_back({ascii_lower(to_valid_utf8(name)), to_valid_utf8(value ? value : "")});
  }
  return out;
}

// GMime's structured-field parser slows down badly on some long inputs;
// real Content-Type and Content-Disposition values are far shorter.
constexpr std::size_t kMaxStructuredValue = 16 * 1024;

std::string structured_value(const HeaderField& f) {
  std::string v = strip_comments(unfold(f.value.substr(0, 4 * kMaxStructuredValue)));
  if (v.size() > kMaxStructuredValue) v.resize(kMaxStructuredValue);
  return merge_encoded_words(v);
}

std::optional<std::string> raw_field(const std::vector<HeaderField>& fields, std::string_view name) {
  const HeaderField* f = find_field(fields, name);
  if (!f) return std::nullopt;
  return to_valid_utf8(unfold(f->value));
}

void set_plain_text(Part& part) {
  part.type = "text";
  part.subtype = "plain";
  part.params = {{"charset", "us-ascii"}};
}

void set_opaque(Part& part) {
  part.type = "application";
  part.subtype = "octet-stream";
  part.params.clear();
  part.opaque = true;
}

// Reads the Content-* fields of `fields` into `part`. `digest_child`:
// default message/rfc822.
void read_content_fields(Part& part, const std::vector<HeaderField>& fields, bool digest_child,
                         GMimeParserOptions* options) {
  const HeaderField* ct = find_field(fields, "Content-Type");
  const std::string ct_value = ct ? structured_value(*ct) : std::string();
  if (ct && split_media_type(ct_value, part.type, part.subtype)) {
    GMimeContentType* parsed = g_mime_content_type_parse(options, ct_value.c_str());
    part.params = params_of(g_mime_content_type_get_parameters(parsed));
    g_object_unref(parsed);
  } else if (!ct && digest_child) {
    part.type = "message";
    part.subtype = "rfc822";
  } else {
    set_plain_text(part);
  }
  if (part.type == "text" && !part.param("charset")) part.params.push_back({"charset", "us-ascii"});  // RFC 2046 §4.1.2

  if (const HeaderField* f = find_field(fields, "Content-Transfer-Encoding")) {
    part.transfer_encoding = ascii_lower(to_valid_utf8(strip_comments(unfold(f->value))));
    if (part.transfer_encoding.empty()) part.transfer_encoding = "7bit";
  }
  part.content_id = raw_field(fields, "Content-ID");
  part.description = raw_field(fields, "Content-Description");
  part.md5 = raw_field(fields, "Content-MD5");
  part.location = raw_field(fields, "Content-Location");

  if (const HeaderField* f = find_field(fields, "Content-Disposition")) {
    const std::string v = structured_value(*f);
    GMimeContentDisposition* d = g_mime_content_disposition_parse(options, v.c_str());
    const char* type = g_mime_content_disposition_get_disposition(d);
    const std::string t = ascii_lower(trim(to_valid_utf8(type ? type : "")));
    if (!t.empty()) part.disposition = Disposition{t, params_of(g_mime_content_disposition_get_parameters(d))};
    g_object_unref(d);
  }
  if (const HeaderField* f = find_field(fields, "Content-Language")) {
    std::vector<std::string> tags;
    const std::string v = to_valid_utf8(strip_comments(unfold(f->value)));
    std::size_t i = 0;
    while (i < v.size()) {
      const std::size_t comma = std::min(v.find(',', i), v.size());
      const std::string_view tag = trim(std::string_view(v).substr(i, comma - i));
      if (!tag.empty()) tags.emplace_back(tag);
      i = comma + 1;
    }
    part.language = std::move(tags);
  }
}

struct Delimiter {
  std::size_t line_start;  // offset of the "--"
  std::size_t next;        // offset after the line's end
  bool close;
};

class TreeBuilder {
 public:
  TreeBuilder(std::string_view raw, const Limits& limits, GMimeParserOptions* options)
      : m_raw(raw), m_limits(limits), m_options(options) {}

  PartTree build() {
    PartTree tree;
    tree.message = parse_message(0, m_raw.size(), 0, std::max<std::size_t>(m_limits.max_parts, 1), &tree.header);
    return tree;
  }

 private:
  // Parses raw[begin, end) as a message (header fields and root part) with
  // `depth` enclosing containers. `header`: where its fields go.
  MessageStructure parse_message(std::size_t begin, std::size_t end, std::size_t depth, std::size_t budget_end,
                                 std::vector<HeaderField>* header) {
    MessageStructure message;
    message.root = parse_part(begin, end, depth, budget_end, false, header);
    message.envelope = read_envelope(*header);
    return message;
  }

  // Parses raw[begin, end) as one part with `depth` enclosing containers;
  // the subtree may bring the part count up to `budget_end`. The part's
  // header fields go to `fields` when it is given.
  Part parse_part(std::size_t begin, std::size_t end, std::size_t depth, std::size_t budget_end, bool digest_child,
                  std::vector<HeaderField>* fields = nullptr) {
    Part part;
    HeaderBlock header = scan_header(m_raw, begin, end);
    part.header_start = begin;
    part.body_start = header.body_start;
    part.body_end = end;
    ++m_used;
    read_content_fields(part, header.fields, digest_child, m_options);
    if (fields) *fields = std::move(header.fields);

    const bool can_descend = depth < m_limits.max_depth && m_used < budget_end;
    if (part.type == "multipart") {
      const Param* b = part.param("boundary");
      if (!b || b->value.empty()) {
        set_plain_text(part);
      } else if (!can_descend) {
        set_opaque(part);
      } else {
        parse_children(part, b->value, depth, budget_end);
        if (part.parts.empty())
          set_plain_text(part);
        else
          part.transfer_encoding = "7bit";  // an identity one (RFC 2045 §6.4), not kept
      }
    } else if (part.type == "message" && (part.subtype == "rfc822" || part.subtype == "global")) {
      const std::string& e = part.transfer_encoding;
      const bool identity = e == "7bit" || e == "8bit" || e == "binary";
      if (!identity || !can_descend) {
        set_opaque(part);
      } else {
        std::vector<HeaderField> inner;
        part.message = std::make_unique<MessageStructure>(
            parse_message(part.body_start, part.body_end, depth + 1, budget_end, &inner));
      }
    }
    if (part.type == "text" || part.message)
      part.lines = count_lines(m_raw.substr(part.body_start, part.body_end - part.body_start));
    return part;
  }

  void parse_children(Part& part, const std::string& boundary, std::size_t depth, std::size_t budget_end) {
    const std::size_t end = part.body_end;
    const bool digest = part.subtype == "digest";
    std::optional<Delimiter> d = next_delimiter(part.body_start, end, boundary);
    if (!d || d->close) return;
    std::size_t child_start = d->next;
    for (;;) {
      std::optional<Delimiter> nd = next_delimiter(child_start, end, boundary);
      const std::size_t child_end = nd ? before_line_break(nd->line_start, child_start) : end;
      const bool last = !nd || nd->close;
      if (!last && m_used + 1 >= budget_end) {
        // One slot left: the rest of this multipart becomes one opaque part.
        std::size_t rest_end = child_end;
        while (nd && !nd->close) {
          const std::size_t from = nd->next;
          nd = next_delimiter(from, end, boundary);
          rest_end = nd ? before_line_break(nd->line_start, from) : end;
        }
        part.parts.push_back(remainder(child_start, rest_end));
        return;
      }
      part.parts.push_back(parse_part(child_start, child_end, depth + 1, last ? budget_end : budget_end - 1, digest));
      if (last) return;
      child_start = nd->next;
    }
  }

  Part remainder(std::size_t begin, std::size_t end) {
    ++m_used;
    Part part;
    part.header_start = part.body_start = begin;
    part.body_end = end;
    set_opaque(part);
    return part;
  }

  // The first delimiter line for `boundary` in raw[pos, end); pos is a line start.
  std::optional<Delimiter> next_delimiter(std::size_t pos, std::size_t end, std::string_view boundary) const {
    while (pos < end) {
      const void* nl = std::memchr(m_raw.data() + pos, '\n', end - pos);
      const std::size_t line_end = nl ? static_cast<const char*>(nl) - m_raw.data() : end;
      const std::size_t next = nl ? line_end + 1 : end;
      std::string_view line = m_raw.substr(pos, line_end - pos);
      if (line.size() >= 2 + boundary.size() && line[0] == '-' && line[1] == '-' &&
          line.substr(2, boundary.size()) == boundary) {
        std::string_view rest = line.substr(2 + boundary.size());
        const bool close = rest.starts_with("--");
        if (close) rest.remove_prefix(2);
        while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t' || rest.back() == '\r'))
          rest.remove_suffix(1);
        if (rest.empty()) return Delimiter{pos, next, close};
      }
      pos = next;
    }
    return std::nullopt;
  }

  // Offset of the line break (CRLF or LF) ending just before `line_start`,
  // never below `floor`.
  std::size_t before_line_break(std::size_t line_start, std::size_t floor) const {
    std::size_t p = line_start;
    if (p >= 1 && m_raw[p - 1] == '\n') {
      --p;
      if (p >= 1 && m_raw[p - 1] == '\r') --p;
    }
    return std::max(p, floor);
  }

  std::string_view m_raw;
  const Limits& m_limits;
  GMimeParserOptions* m_options;
  std::size_t m_used = 0;  // parts created so far
};

}  // namespace

PartTree build_tree(std::string_view raw, const Limits& limits, GMimeParserOptions* options) {
  return TreeBuilder(raw, limits, options).build();
}

std::size_t count_lines(std::string_view body) {
  if (body.empty()) return 0;
  const auto n = static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n'));
  return body.back() == '\n' ? n : n + 1;
}

}  // namespace estafeta::mime::detail
