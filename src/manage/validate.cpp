// Syntax of the names an operator types: domains, local parts, logins, labels.
#include <fmt/format.h>

#include "manage/manager.hpp"

namespace estafeta::manage {

namespace {
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
}  // namespace

// RFC 1035 §2.3.1 (LDH labels, 1-63 octets, 253 in all), at least two labels.
Status check_domain_name(const std::string& d) {
  auto bad = [&](std::string why) {
    return fail(ErrorKind::invalid, fmt::format("'{}' is not a valid domain name: {}", d, why));
  };
  if (d.empty() || d.size() > 253) return bad("it must be 1 to 253 characters long");
  if (d.find('.') == std::string::npos) return bad("it needs at least two labels, like example.com");
  std::size_t start = 0;
  while (start <= d.size()) {
    auto end = d.find('.', start);
    if (end == std::string::npos) end = d.size();
    auto label = std::string_view(d).substr(start, end - start);
    if (label.empty() || label.size() > 63) return bad("each label must be 1 to 63 characters long");
    if (!is_alnum(label.front()) || !is_alnum(label.back())) return bad("labels start and end with a letter or digit");
    for (char c : label)
      if (!is_alnum(c) && c != '-') return bad("only letters, digits, '-' and '.' are allowed");
    start = end + 1;
    if (end == d.size()) break;
  }
  return {};
}

// RFC 5321 §4.1.2 Dot-string: atoms of atext joined by single dots, at most 64 octets.
Status check_local_part(const std::string& local) {
  auto bad = [&](std::string why) {
    return fail(ErrorKind::invalid, fmt::format("'{}' is not a valid local part: {}", local, why));
  };
  if (local.empty() || local.size() > 64) return bad("it must be 1 to 64 characters long");
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string::npos)
    return bad("dots may not start, end or repeat");
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~.";
  for (std::size_t i = 0; i < local.size(); ++i) {
    char c = local[i];
    if (is_alnum(c) || kSpecials.find(c) != std::string_view::npos) continue;
    if (static_cast<unsigned char>(c) >= 0x80) {
      // Name the whole UTF-8 character, not one byte of it.
      std::size_t end = i + 1;
      while (end < local.size() && (static_cast<unsigned char>(local[end]) & 0xC0) == 0x80) ++end;
      return bad(fmt::format("the character '{}' is not allowed (only ASCII letters, digits and !#$%&'*+-/=?^_`{{|}}~.)",
                             local.substr(i, end - i)));
    }
    return bad(fmt::format("the character '{}' is not allowed", c));
  }
  return {};
}

Status check_login(const std::string& login) {
  if (login.empty() || login.size() > 254)
    return fail(ErrorKind::invalid, "a login must be 1 to 254 characters long");
  for (unsigned char c : login)
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\')
      return fail(ErrorKind::invalid, "a login may not contain spaces, quotes, backslashes or control characters");
  return {};
}

Status check_label(const std::string& what, const std::string& text, std::size_t max) {
  if (text.empty() || text.size() > max)
    return fail(ErrorKind::invalid, fmt::format("{} must be 1 to {} characters long", what, max));
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f) return fail(ErrorKind::invalid, fmt::format("{} may not contain control characters", what));
  return {};
}

}  // namespace estafeta::manage
