#include "core/ascii.hpp"
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

}  // namespace

const char* to_string(SpecialUse use) {
  for (auto& [u, name] : kUses)
    if (u == use) return name;
  return "";
}

std::optional<SpecialUse> parse_special_use(std::string_view text) {
  if (text.empty() || ascii_iequals(text, "none")) return SpecialUse::none;
  std::string_view bare = text.starts_with('\\') ? text.substr(1) : text;
  for (auto& [u, name] : kUses)
    if (ascii_iequals(bare, std::string_view(name).substr(1))) return u;
  return std::nullopt;
}

}  // namespace estafeta::store
