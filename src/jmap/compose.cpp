#include "jmap/compose.hpp"

#include <sodium.h>

#include <fmt/format.h>

#include "core/base64.hpp"

namespace estafeta::jmap::compose {

namespace {

bool ascii_printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c >= 0x7f) return false;
  return true;
}

// RFC 2047 "B" encoded words of at most 75 characters, split between
// UTF-8 characters, separated by folding whitespace.
std::string encoded_words(std::string_view text) {
  constexpr std::size_t kMaxRaw = 45;  // 45 octets → 60 base64 characters, +12 for =?utf-8?B??=
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = std::min(kMaxRaw, text.size() - i);
    while (i + n < text.size() && n > 0 && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) --n;
    if (n == 0) n = std::min(kMaxRaw, text.size() - i);
    if (!out.empty()) out += "\r\n ";
    out += "=?utf-8?B?" + base64_encode(text.substr(i, n)) + "?=";
    i += n;
  }
  return out;
}

// A display name: as is when it is plain atoms, quoted when it needs it,
// encoded words when it is not ASCII.
std::string display_name(std::string_view name) {
  if (!ascii_printable(name)) return encoded_words(name);
  bool atoms = true;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view(" !#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos))
      atoms = false;
  if (atoms) return std::string(name);
  std::string q = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

// Quoted-printable (RFC 2045 §6.7) with CRLF line ends and soft breaks
// before 76 characters.
std::string quoted_printable(std::string_view in) {
  std::string out;
  std::size_t line = 0;
  auto put = [&](std::string_view s) {
    if (line + s.size() > 75) {
      out += "=\r\n";
      line = 0;
    }
    out += s;
    line += s.size();
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n') continue;
    if (c == '\n') {
      // Whitespace before a line break is encoded (RFC 2045 §6.7 rule 3).
      if (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {
        char last = out.back();
        out.pop_back();
        --line;
        put(fmt::format("={:02X}", static_cast<unsigned char>(last)));
      }
      out += "\r\n";
      line = 0;
      continue;
    }
    if ((c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t')
      put(std::string_view(reinterpret_cast<const char*>(&in[i]), 1));
    else
      put(fmt::format("={:02X}", c));
  }
  return out;
}

std::string base64_lines(std::string_view in) {
  auto b = base64_encode(in);
  std::string out;
  for (std::size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  return out;
}

// Whether a text can go as 7bit: ASCII, lines of at most 998 octets.
bool seven_bit(std::string_view s) {
  std::size_t line = 0;
  for (unsigned char c : s) {
    if (c >= 0x80 || c == 0) return false;
    if (c == '\n')
      line = 0;
    else if (++line > 998)
      return false;
  }
  return true;
}

std::string crlf(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  return out;
}

std::string param_value(std::string_view v) {
  if (ascii_printable(v)) {
    std::string q = "\"";
    for (char c : v) {
      if (c == '"' || c == '\\') q += '\\';
      q += c;
    }
    return q + "\"";
  }
  return "\"" + encoded_words(v) + "\"";
}

}  // namespace

bool plain_header_safe(std::string_view v) { return ascii_printable(v); }

std::string address_list(const std::vector<Mailbox>& list) {
  std::string out;
  for (auto& m : list) {
    if (!out.empty()) out += ",\r\n ";
    if (m.name.empty())
      out += m.email;
    else
      out += display_name(m.name) + " <" + m.email + ">";
  }
  return out;
}

std::string unstructured(std::string_view text) {
  if (ascii_printable(text) && text.size() <= 900) return std::string(text);
  return encoded_words(text);
}

std::string random_token() {
  unsigned char bytes[12];
  randombytes_buf(bytes, sizeof bytes);
  std::string out;
  for (auto b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

std::string write_part(const Part& p) {
  std::string out;
  bool multipart = p.type.starts_with("multipart/");
  bool text = p.type.starts_with("text/");
  std::string boundary = multipart ? "=_" + random_token() : "";
  out += "Content-Type: " + p.type;
  if (text) out += "; charset=" + (p.charset.empty() ? std::string("utf-8") : p.charset);
  if (multipart) out += "; boundary=\"" + boundary + "\"";
  if (!p.name.empty() && !multipart) out += ";\r\n name=" + param_value(p.name);
  out += "\r\n";
  if (!p.disposition.empty() || (!p.name.empty() && !multipart)) {
    out += "Content-Disposition: " + (p.disposition.empty() ? std::string("attachment") : p.disposition);
    if (!p.name.empty()) out += ";\r\n filename=" + param_value(p.name);
    out += "\r\n";
  }
  if (!p.cid.empty()) out += "Content-ID: <" + p.cid + ">\r\n";
  for (auto& [k, v] : p.headers) out += k + ": " + v + "\r\n";
  if (multipart) {
    // RFC 2046 §5.1.1: the CRLF before a delimiter belongs to the delimiter,
    // so each part keeps its own last line break.
    out += "\r\n";
    for (std::size_t i = 0; i < p.parts.size(); ++i)
      out += (i == 0 ? "--" : "\r\n--") + boundary + "\r\n" + write_part(p.parts[i]);
    out += "\r\n--" + boundary + "--\r\n";
    return out;
  }
  if (p.exact && !p.type.starts_with("message/")) {
    out += "Content-Transfer-Encoding: base64\r\n\r\n" + base64_lines(p.content);
  } else if (text && seven_bit(p.content)) {
    out += "Content-Transfer-Encoding: 7bit\r\n\r\n" + crlf(p.content);
  } else if (text) {
    out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + quoted_printable(p.content);
    if (!out.ends_with("\r\n")) out += "\r\n";
  } else if (p.type.starts_with("message/")) {  // RFC 2046 §5.2.1: 7bit/8bit, never encoded
    out += "\r\n" + crlf(p.content);
  } else {
    out += "Content-Transfer-Encoding: base64\r\n\r\n" + base64_lines(p.content);
  }
  return out;
}

}  // namespace estafeta::jmap::compose
