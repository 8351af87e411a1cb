// RFC 6376 §3.4: canonicalisation of header fields and bodies, and the split
// of a message into fields and body that both signing and verifying use.
#include <algorithm>

#include "core/ascii.hpp"
#include "dns/dkim.hpp"

namespace estafeta::dns::dkim {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// The next line of `text` from `pos`: its content (without the line end)
// and where the following line starts.
struct Line {
  std::string_view content;
  std::size_t next;
};

Line next_line(std::string_view text, std::size_t pos) {
  auto nl = text.find('\n', pos);
  std::size_t end = nl == std::string_view::npos ? text.size() : nl;
  std::size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
  auto content = text.substr(pos, end - pos);
  if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
  return {content, next};
}

// Appends `s` with every run of WSP made one space (§3.4.2 and §3.4.4).
void append_compressed(std::string& out, std::string_view s) {
  bool in_space = false;
  for (char c : s) {
    if (is_wsp(c)) {
      in_space = true;
      continue;
    }
    if (in_space) out.push_back(' ');
    in_space = false;
    out.push_back(c);
  }
  if (in_space) out.push_back(' ');
}

}  // namespace

const char* to_string(Algorithm algorithm) {
  return algorithm == Algorithm::ed25519_sha256 ? "ed25519-sha256" : "rsa-sha256";
}

const char* to_string(Canon canon) { return canon == Canon::relaxed ? "relaxed" : "simple"; }

SplitMessage split_message(std::string_view message) {
  SplitMessage out;
  std::size_t pos = 0;
  while (pos < message.size()) {
    auto line = next_line(message, pos);
    if (line.content.empty()) {  // the empty line: the body follows
      out.body = message.substr(line.next);
      return out;
    }
    if (is_wsp(line.content.front()) && !out.fields.empty()) {
      auto& f = out.fields.back();
      f.text = message.substr(f.text.data() - message.data(), line.next - (f.text.data() - message.data()));
      pos = line.next;
      continue;
    }
    auto colon = line.content.find(':');
    if (colon == std::string_view::npos) {  // not a field: the header ended without its empty line
      out.body = message.substr(pos);
      return out;
    }
    auto name = line.content.substr(0, colon);
    while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
    out.fields.push_back({name, message.substr(pos, line.next - pos)});
    pos = line.next;
  }
  return out;
}

std::string canonical_field(std::string_view field, Canon canon) {
  std::string out;
  out.reserve(field.size() + 2);
  if (canon == Canon::simple) {
    // As written; only bare line ends become CRLF (§5.3).
    std::size_t pos = 0;
    while (pos < field.size()) {
      auto line = next_line(field, pos);
      out.append(line.content);
      out.append("\r\n");
      pos = line.next;
    }
    if (field.empty()) out.append("\r\n");
    return out;
  }
  // relaxed (§3.4.2): name lower-cased, value unfolded, WSP runs made one
  // space, WSP around the colon and at the end removed.
  auto colon = field.find(':');
  auto name = field.substr(0, colon);
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
  out = ascii_lower(name);
  out.push_back(':');
  std::string value;
  if (colon != std::string_view::npos)
    for (char c : field.substr(colon + 1))
      if (c != '\r' && c != '\n') value.push_back(c);
  std::string compressed;
  append_compressed(compressed, value);
  auto first = compressed.find_first_not_of(' ');
  if (first != std::string::npos) {
    auto last = compressed.find_last_not_of(' ');
    out.append(compressed, first, last - first + 1);
  }
  out.append("\r\n");
  return out;
}

std::string canonical_body(std::string_view body, Canon canon) {
  std::string out;
  out.reserve(body.size() + 2);
  std::size_t pending_empty = 0;  // empty lines seen and not yet written: trailing ones are dropped
  std::size_t pos = 0;
  std::string line_buf;
  while (pos < body.size()) {
    auto line = next_line(body, pos);
    pos = line.next;
    std::string_view content = line.content;
    if (canon == Canon::relaxed) {
      line_buf.clear();
      append_compressed(line_buf, content);
      if (!line_buf.empty() && line_buf.back() == ' ') line_buf.pop_back();
      content = line_buf;
    }
    if (content.empty()) {
      ++pending_empty;
      continue;
    }
    for (; pending_empty > 0; --pending_empty) out.append("\r\n");
    out.append(content);
    out.append("\r\n");
  }
  // §3.4.3: an empty simple body is one CRLF; §3.4.4: an empty relaxed body
  // stays empty.
  if (out.empty() && canon == Canon::simple) out = "\r\n";
  return out;
}

}  // namespace estafeta::dns::dkim
