#include "dns/tag_list.hpp"

#include <fmt/format.h>

namespace estafeta::dns {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool valid_name(std::string_view name) {
  if (name.empty() || !is_alpha(name.front())) return false;
  for (char c : name)
    if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  return true;
}

// VALCHAR (%x21-3A / %x3C-7E) runs separated by whitespace: ";" never
// reaches here, since it ends the tag-spec.
bool valid_value(std::string_view value) {
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (is_space(c)) continue;
    if (u < 0x21 || u > 0x7E) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<Tag>> parse_tag_list(std::string_view text) {
  std::vector<Tag> tags;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    auto spec = trim(text.substr(pos, end - pos));
    pos = end + 1;
    if (spec.empty()) {
      // Only the optional ";" after the last tag-spec may leave nothing.
      if (end == text.size() || trim(text.substr(pos)).empty()) break;
      return fail(ErrorKind::invalid, "empty tag-spec");
    }
    auto eq = spec.find('=');
    if (eq == std::string_view::npos)
      return fail(ErrorKind::invalid, fmt::format("tag without '=' near \"{:.20}\"", spec));
    auto name = trim(spec.substr(0, eq));
    auto value = trim(spec.substr(eq + 1));
    if (!valid_name(name)) return fail(ErrorKind::invalid, fmt::format("bad tag name \"{:.20}\"", name));
    if (!valid_value(value)) return fail(ErrorKind::invalid, fmt::format("bad character in the value of tag {}", name));
    if (find_tag(tags, name)) return fail(ErrorKind::invalid, fmt::format("tag {} appears twice", name));
    tags.push_back({std::string(name), std::string(value)});
  }
  return tags;
}

const std::string* find_tag(const std::vector<Tag>& tags, std::string_view name) {
  for (auto& t : tags)
    if (t.name == name) return &t.value;
  return nullptr;
}

std::string strip_whitespace(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value)
    if (!is_space(c)) out.push_back(c);
  return out;
}

}  // namespace estafeta::dns
