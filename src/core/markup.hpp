// Text into HTML: the five characters that could end an element, an
// attribute value or a reference, as character references. Everything else
// as it is (UTF-8 passes through).
#pragma once

#include <string>
#include <string_view>

namespace estafeta {

inline std::string escape_html(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace estafeta
