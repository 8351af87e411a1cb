#include "mime/msg_ids.hpp"

namespace estafeta::mime {

std::vector<std::string> parse_msg_ids(std::string_view v) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = v.find('<', pos)) != std::string_view::npos) {
    auto end = v.find('>', pos);
    if (end == std::string_view::npos) break;
    std::string id;
    for (char c : v.substr(pos + 1, end - pos - 1))
      if (c != '"' && c != ' ' && c != '\t' && c != '\r' && c != '\n') id += c;
    if (id.find('@') != std::string::npos) out.push_back(id);
    pos = end + 1;
  }
  return out;
}

}  // namespace estafeta::mime
