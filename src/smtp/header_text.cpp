#include "smtp/header_text.hpp"

#include "core/ascii.hpp"
#include "smtp/parser.hpp"

namespace estafeta::smtp {

namespace {

bool control(unsigned char c) { return c < 0x20 || c == 0x7f; }

// RFC 5322 §3.2.3 atext (US-ASCII).
bool atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// RFC 5322 §3.2.3 dot-atom-text.
bool dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) return false;
  for (char c : s)
    if (c != '.' && !atext(c)) return false;
  return true;
}

// RFC 2045 §5.1 token characters: any US-ASCII CHAR but SPACE, CTLs and tspecials.
bool token_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// One line of `text` from `pos`: [pos, end of content) and the start of the next line.
struct Line {
  std::size_t begin, end, next;
};
Line line_at(std::string_view text, std::size_t pos) {
  auto lf = text.find('\n', pos);
  std::size_t next = lf == std::string_view::npos ? text.size() : lf + 1;
  std::size_t end = lf == std::string_view::npos ? text.size() : lf;
  if (end > pos && text[end - 1] == '\r') --end;
  return {pos, end, next};
}

bool wsp(char c) { return c == ' ' || c == '\t'; }

// The field name of a header line ("Name:" or obsolete "Name :"), or
// nullopt when the line is no field.
std::optional<std::string_view> field_name(std::string_view line) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto name = line.substr(0, colon);
  while (!name.empty() && wsp(name.back())) name.remove_suffix(1);
  if (name.empty()) return std::nullopt;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126) return std::nullopt;
  }
  return name;
}

// The authserv-id at the start of an Authentication-Results value (RFC 8601
// §2.2: [CFWS] authserv-id, a token or quoted-string), unquoted.
std::string authserv_id_of(std::string_view v) {
  std::size_t i = 0;
  for (;;) {  // CFWS: whitespace, line breaks, nested comments with quoted-pairs
    while (i < v.size() && (wsp(v[i]) || v[i] == '\r' || v[i] == '\n')) ++i;
    if (i >= v.size() || v[i] != '(') break;
    int depth = 0;
    for (; i < v.size(); ++i) {
      if (v[i] == '\\') {
        ++i;
        continue;
      }
      if (v[i] == '(') ++depth;
      if (v[i] == ')' && --depth == 0) {
        ++i;
        break;
      }
    }
  }
  std::string id;
  if (i < v.size() && v[i] == '"') {
    for (++i; i < v.size() && v[i] != '"'; ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      if (v[i] != '\r' && v[i] != '\n') id += v[i];
    }
    return id;
  }
  while (i < v.size() && token_char(v[i])) id += v[i++];
  return id;
}

std::string normalized_id(std::string_view id) {
  std::string out = ascii_lower(id);
  if (out.ends_with('.')) out.pop_back();
  return out;
}

}  // namespace

std::string quoted_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (control(static_cast<unsigned char>(c))) {
      out += '?';
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string result_value(std::string_view address) {
  auto at = address_at(address);
  if (at != std::string_view::npos) {
    auto local = address.substr(0, at), domain = address.substr(at + 1);
    // domain-name (RFC 6376 §3.5): more than one label, no address literal.
    if (dot_atom(local) && is_domain(domain) && domain.find('.') != std::string_view::npos && dot_atom(domain))
      return std::string(address);
  }
  return quoted_string(address);
}

std::string spf_value(std::string_view text) { return dot_atom(text) ? std::string(text) : quoted_string(text); }

std::string comment_text(std::string_view text, std::size_t max) {
  std::string out;
  for (char c : text.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    bool plain = u >= 0x20 && u < 0x7f && c != '(' && c != ')' && c != '\\' && c != ';';
    out += plain ? c : '?';
  }
  return out;
}

std::size_t remove_authentication_results(std::string& message, std::string_view authserv_id) {
  std::string_view text = message;
  const std::string ours = normalized_id(authserv_id);
  std::string kept;
  std::size_t removed = 0, pos = 0, copied = 0;
  while (pos < text.size()) {
    auto first = line_at(text, pos);
    if (first.begin == first.end) break;  // the empty line: the body follows
    // The field: this line and its continuation lines.
    std::size_t field_end = first.next;
    while (field_end < text.size() && wsp(text[field_end])) field_end = line_at(text, field_end).next;
    auto line = text.substr(first.begin, first.end - first.begin);
    auto name = field_name(line);
    if (name && !wsp(line.front()) && ascii_iequals(*name, "Authentication-Results")) {
      auto value = text.substr(first.begin + line.find(':') + 1, field_end - first.begin - line.find(':') - 1);
      if (normalized_id(authserv_id_of(value)) == ours) {
        kept.append(text.substr(copied, first.begin - copied));
        copied = field_end;
        ++removed;
      }
    }
    pos = field_end;
  }
  if (removed == 0) return 0;
  kept.append(text.substr(copied));
  message = std::move(kept);
  return removed;
}

std::optional<std::size_t> malformed_header_line(std::string_view message) {
  std::size_t number = 0;
  for (std::size_t pos = 0; pos < message.size();) {
    auto l = line_at(message, pos);
    ++number;
    auto line = message.substr(l.begin, l.end - l.begin);
    if (line.empty()) return std::nullopt;  // the end of the header block
    bool ok = wsp(line.front()) ? number > 1 : field_name(line).has_value();
    if (!ok) return number;
    pos = l.next;
  }
  return std::nullopt;
}

}  // namespace estafeta::smtp
