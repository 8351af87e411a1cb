// RFC 6376 §3.7: the data a signature covers.
#include <map>

#include <openssl/sha.h>

#include "core/ascii.hpp"
#include "dns/dkim.hpp"

namespace estafeta::dns::dkim {

std::string sha256(std::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string without_b_value(std::string_view field) {
  auto colon = field.find(':');
  if (colon == std::string_view::npos) return std::string(field);
  std::string out(field.substr(0, colon + 1));
  std::size_t pos = colon + 1;
  while (pos <= field.size()) {
    auto end = field.find(';', pos);
    bool last = end == std::string_view::npos;
    if (last) end = field.size();
    auto spec = field.substr(pos, end - pos);
    auto eq = spec.find('=');
    std::string_view name = eq == std::string_view::npos ? std::string_view{} : spec.substr(0, eq);
    while (!name.empty() && std::string_view(" \t\r\n").find(name.front()) != std::string_view::npos)
      name.remove_prefix(1);
    while (!name.empty() && std::string_view(" \t\r\n").find(name.back()) != std::string_view::npos)
      name.remove_suffix(1);
    if (name == "b")
      out.append(spec.substr(0, eq + 1));
    else
      out.append(spec);
    if (!last) out.push_back(';');
    pos = end + 1;
  }
  return out;
}

std::string signed_header_data(const SplitMessage& split, const std::vector<std::string>& signed_fields,
                               std::string_view signature_field, Canon canon) {
  std::string data;
  std::map<std::string, std::size_t> used;  // per lower-cased name: instances taken from the bottom
  for (auto& name : signed_fields) {
    auto key = ascii_lower(name);
    auto& taken = used[key];
    std::size_t seen = 0;
    for (auto it = split.fields.rbegin(); it != split.fields.rend(); ++it) {
      if (!ascii_iequals(it->name, name)) continue;
      if (seen++ < taken) continue;
      data += canonical_field(it->text, canon);
      break;
    }
    ++taken;
  }
  auto own = canonical_field(without_b_value(signature_field), canon);
  if (own.ends_with("\r\n")) own.resize(own.size() - 2);
  data += own;
  return data;
}

}  // namespace estafeta::dns::dkim
