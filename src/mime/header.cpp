// RFC 5322 §2.2 header-block scanner (fields, folding, the blank line that
// ends the header) and §3.2.2 comment removal for structured fields.
//
// Security: input is untrusted; every scan is bounded by the range given and
// runs in linear time.
#include "mime/header.hpp"
#include "core/ascii.hpp"

#include <cstring>

#include "mime/text.hpp"

namespace estafeta::mime::detail {
namespace {

// A field name is printable US-ASCII without ':' (RFC 5322 §2.2); obsolete
// syntax allows whitespace before the colon (§4.5).
bool valid_field_name(std::string_view line, std::size_t colon) {
  std::string_view name = line.substr(0, colon);
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126) return false;
  }
  return true;
}

}  // namespace

HeaderBlock scan_header(std::string_view raw, std::size_t begin, std::size_t end) {
  HeaderBlock block;
  std::size_t value_start = 0, value_end = 0;
  std::string_view name;
  const auto flush = [&] {
    if (!name.empty()) block.fields.push_back({name, raw.substr(value_start, value_end - value_start)});
    name = {};
  };

  std::size_t pos = begin;
  while (pos < end) {
    const void* nl = std::memchr(raw.data() + pos, '\n', end - pos);
    const std::size_t line_end = nl ? static_cast<const char*>(nl) - raw.data() : end;
    const std::size_t next = nl ? line_end + 1 : end;
    std::size_t content_end = line_end;
    if (content_end > pos && raw[content_end - 1] == '\r') --content_end;

    if (content_end == pos) {  // the empty line that ends the header
      flush();
      block.body_start = next;
      return block;
    }
    const char first = raw[pos];
    if (first == ' ' || first == '\t') {  // continuation (a stray one is ignored)
      if (!name.empty()) value_end = content_end;
      pos = next;
      continue;
    }
    const std::string_view line = raw.substr(pos, content_end - pos);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !valid_field_name(line, colon)) {
      flush();  // not a header line: the body starts here
      block.body_start = pos;
      return block;
    }
    flush();
    std::string_view n = line.substr(0, colon);
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.remove_suffix(1);
    name = n;
    value_start = pos + colon + 1;
    value_end = content_end;
    pos = next;
  }
  flush();
  block.body_start = end;
  return block;
}

const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name) {
  for (const HeaderField& f : fields)
    if (ascii_iequals(f.name, name)) return &f;
  return nullptr;
}

std::string unfold(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value)
    if (c != '\r' && c != '\n') out += c;
  return std::string(trim(out));
}

std::string strip_comments(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  int depth = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && (quoted || depth > 0) && i + 1 < s.size()) {  // quoted-pair
      if (depth == 0) {
        out += c;
        out += s[i + 1];
      }
      ++i;
      continue;
    }
    if (depth > 0) {
      if (c == '(')
        ++depth;
      else if (c == ')')
        --depth;
      continue;
    }
    if (c == '"')
      quoted = !quoted;
    else if (c == '(' && !quoted) {
      depth = 1;
      continue;
    }
    out += c;
  }
  return std::string(trim(out));
}

}  // namespace estafeta::mime::detail
