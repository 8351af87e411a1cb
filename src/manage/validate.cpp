// Syntax of what an operator types: domains, local parts, logins, labels,
// quota limits.
#include <fmt/format.h>

#include <limits>

#include "core/ascii.hpp"
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
      return bad(
          fmt::format("the character '{}' is not allowed (only ASCII letters, digits and !#$%&'*+-/=?^_`{{|}}~.)",
                      local.substr(i, end - i)));
    }
    return bad(fmt::format("the character '{}' is not allowed", c));
  }
  return {};
}

Status check_login(const std::string& login) {
  if (login.empty() || login.size() > 254) return fail(ErrorKind::invalid, "a login must be 1 to 254 characters long");
  for (unsigned char c : login)
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\')
      return fail(ErrorKind::invalid, "a login may not contain spaces, quotes, backslashes or control characters");
  return {};
}

Status check_label(const std::string& what, const std::string& text, std::size_t max) {
  if (text.empty() || text.size() > max)
    return fail(ErrorKind::invalid, fmt::format("{} must be 1 to {} characters long", what, max));
  for (unsigned char c : text)
    if (c < 0x20 || c == 0x7f)
      return fail(ErrorKind::invalid, fmt::format("{} may not contain control characters", what));
  return {};
}

namespace {

bool is_none(std::string_view text) { return ascii_iequals(text, "none") || ascii_iequals(text, "unlimited"); }

// Leading decimal digits → value; nullopt on no digits or overflow.
std::optional<std::uint64_t> leading_number(std::string_view& text) {
  std::uint64_t v = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    unsigned digit = static_cast<unsigned>(text[i] - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  if (i == 0) return std::nullopt;
  text.remove_prefix(i);
  return v;
}

}  // namespace

Result<std::optional<std::uint64_t>> parse_size_limit(std::string_view text) {
  if (is_none(text)) return std::optional<std::uint64_t>();
  auto bad = [&] {
    return fail(ErrorKind::invalid,
                fmt::format("'{}' is not a size: use octets or a number with K, M, G or T (like 500M), or none", text));
  };
  auto rest = text;
  auto n = leading_number(rest);
  if (!n) return bad();
  int shift = 0;
  if (!rest.empty()) {
    switch (ascii_lower(rest.front())) {
      case 'k': shift = 10; break;
      case 'm': shift = 20; break;
      case 'g': shift = 30; break;
      case 't': shift = 40; break;
      default: return bad();
    }
    rest.remove_prefix(1);
    if (!rest.empty() && ascii_lower(rest.front()) == 'i') rest.remove_prefix(1);
    if (!rest.empty() && ascii_lower(rest.front()) == 'b') rest.remove_prefix(1);
    if (!rest.empty()) return bad();
  }
  if (shift && *n > (std::numeric_limits<std::uint64_t>::max() >> shift)) return bad();
  // SQLite keeps the limit as a signed 64-bit integer.
  auto octets = *n << shift;
  if (octets > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return bad();
  return std::optional<std::uint64_t>(octets);
}

Result<std::optional<std::uint64_t>> parse_count_limit(std::string_view text) {
  if (is_none(text)) return std::optional<std::uint64_t>();
  auto rest = text;
  auto n = leading_number(rest);
  if (!n || !rest.empty() || *n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return fail(ErrorKind::invalid, fmt::format("'{}' is not a number of messages (or none)", text));
  return std::optional<std::uint64_t>(*n);
}

std::string format_size(std::uint64_t octets) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (octets < 1024) return fmt::format("{} bytes", octets);
  int unit = 0;
  double value = static_cast<double>(octets) / 1024;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  // Whole numbers without decimals ("500 MiB"), others to one decimal ("1.5 GiB").
  auto whole = static_cast<std::uint64_t>(value);
  if (value == static_cast<double>(whole)) return fmt::format("{} {}", whole, kUnits[unit]);
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

}  // namespace estafeta::manage
