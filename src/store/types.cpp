#include "store/types.hpp"

#include <string_view>

namespace estafeta::store {

const char* to_string(Role role) {
  switch (role) {
    case Role::admin: return "admin";
    case Role::legal: return "legal";
    case Role::member: return "member";
  }
  return "member";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::admin;
  if (text == "legal") return Role::legal;
  if (text == "member") return Role::member;
  return std::nullopt;
}

namespace {
constexpr std::pair<SpecialUse, const char*> kUses[] = {
    {SpecialUse::drafts, "\\Drafts"}, {SpecialUse::sent, "\\Sent"},       {SpecialUse::trash, "\\Trash"},
    {SpecialUse::archive, "\\Archive"}, {SpecialUse::junk, "\\Junk"},     {SpecialUse::all, "\\All"},
    {SpecialUse::flagged, "\\Flagged"},
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace

const char* to_string(SpecialUse use) {
  for (auto& [u, name] : kUses)
    if (u == use) return name;
  return "";
}

std::optional<SpecialUse> parse_special_use(std::string_view text) {
  if (text.empty() || iequals(text, "none")) return SpecialUse::none;
  std::string_view bare = text.starts_with('\\') ? text.substr(1) : text;
  for (auto& [u, name] : kUses)
    if (iequals(bare, std::string_view(name).substr(1))) return u;
  return std::nullopt;
}

}  // namespace estafeta::store
