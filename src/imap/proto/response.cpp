#include "imap/proto/response.hpp"

#include <charconv>
#include <ctime>
#include <iterator>

#include <fmt/format.h>

namespace estafeta::imap {

namespace {

bool needs_literal(std::string_view s, bool utf8_ok) {
  if (s.size() > 1024) return true;
  for (unsigned char c : s)
    if (c == '\r' || c == '\n' || c == 0 || (c >= 0x80 && !utf8_ok)) return true;
  return false;
}

bool is_atom(std::string_view s) {
  if (s.empty() || s.size() > 1024) return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f) return false;
    switch (c) {
      case '(':
      case ')':
      case '{':
      case '%':
      case '*':
      case '"':
      case '\\':
      case ']': return false;
      default: break;
    }
  }
  return !(s.size() == 3 && (s[0] == 'N' || s[0] == 'n') && (s[1] == 'I' || s[1] == 'i') &&
           (s[2] == 'L' || s[2] == 'l'));
}

}  // namespace

void append_string(std::string& out, std::string_view s, bool utf8_ok) {
  if (needs_literal(s, utf8_ok)) {
    out += fmt::format("{{{}}}\r\n", s.size());
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void append_nstring(std::string& out, const std::optional<std::string>& s, bool utf8_ok) {
  if (!s)
    out += "NIL";
  else
    append_string(out, *s, utf8_ok);
}

void append_astring(std::string& out, std::string_view s, bool utf8_ok) {
  if (is_atom(s))
    out += s;
  else
    append_string(out, s, utf8_ok);
}

std::string flag_list(std::uint32_t flags, const std::vector<std::string>& keywords) {
  std::string out = "(";
  auto add = [&](std::string_view f) {
    if (out.size() > 1) out += ' ';
    out += f;
  };
  if (flags & store::flag_seen) add("\\Seen");
  if (flags & store::flag_answered) add("\\Answered");
  if (flags & store::flag_flagged) add("\\Flagged");
  if (flags & store::flag_deleted) add("\\Deleted");
  if (flags & store::flag_draft) add("\\Draft");
  for (auto& k : keywords) add(k);
  out += ')';
  return out;
}

bool split_flags(const std::vector<std::string>& names, std::uint32_t& flags, std::vector<std::string>& keywords) {
  flags = 0;
  keywords.clear();
  for (auto& n : names) {
    if (n == "\\Seen")
      flags |= store::flag_seen;
    else if (n == "\\Answered")
      flags |= store::flag_answered;
    else if (n == "\\Flagged")
      flags |= store::flag_flagged;
    else if (n == "\\Deleted")
      flags |= store::flag_deleted;
    else if (n == "\\Draft")
      flags |= store::flag_draft;
    else if (n.starts_with('\\'))
      return false;  // \Recent, \*, unknown system flags
    else
      keywords.push_back(n);
  }
  return true;
}

void append_number(std::string& out, std::uint32_t n) {
  char digits[10];
  auto end = std::to_chars(std::begin(digits), std::end(digits), n).ptr;
  out.append(digits, end);
}

std::string compress_set(const std::vector<std::uint32_t>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size();) {
    std::size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!out.empty()) out += ',';
    append_number(out, v[i]);
    if (j > i) {
      out += ':';
      append_number(out, v[j]);
    }
    i = j + 1;
  }
  return out;
}

std::string internal_date(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{:02}-{}-{:04} {:02}:{:02}:{:02} +0000", tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

}  // namespace estafeta::imap
