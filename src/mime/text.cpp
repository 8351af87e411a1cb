// Text helpers: UTF-8 validation and repair (RFC 3629 §3-4), windows-1252
// fallback for stray 8-bit bytes, truncation on code-point boundaries,
// whitespace collapsing and a small HTML-to-text converter for indexing.
#include "mime/text.hpp"
#include "core/ascii.hpp"

#include <array>
#include <cctype>
#include <cstdint>

namespace estafeta::mime::detail {
namespace {

// windows-1252 0x80..0x9F; 0 marks bytes the code page leaves undefined.
constexpr std::array<char16_t, 32> kCp1252High = {0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                                  0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
                                                  0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                                  0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// Length of the well-formed UTF-8 sequence starting at s[i], or 0.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlongs
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if ((b(k) & 0xC0) != 0x80) return 0;
  return len;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

struct Entity {
  std::string_view name;
  char32_t cp;
};
constexpr Entity kEntities[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},      {"apos", '\''},    {"nbsp", ' '},
    {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122}, {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},  {"laquo", 0xAB},   {"raquo", 0xBB},
    {"bull", 0x2022},  {"middot", 0xB7},  {"euro", 0x20AC},  {"pound", 0xA3},    {"yen", 0xA5},     {"cent", 0xA2},
    {"deg", 0xB0},     {"times", 0xD7},   {"eacute", 0xE9},  {"egrave", 0xE8},   {"agrave", 0xE0},  {"ccedil", 0xE7},
    {"uuml", 0xFC},    {"ouml", 0xF6},    {"auml", 0xE4},    {"szlig", 0xDF},    {"shy", 0},        {"zwnj", 0},
    {"zwj", 0},
};

// Decodes the character reference at html[i] == '&'. Returns the number of
// bytes consumed (0 when this is not a reference) and appends its text.
std::size_t decode_entity(std::string_view html, std::size_t i, std::string& out) {
  // Look only a few bytes ahead: an unbounded search per '&' is quadratic.
  const std::size_t rel = html.substr(i + 1, 12).find(';');
  if (rel == std::string_view::npos) return 0;
  const std::size_t semi = i + 1 + rel;
  const std::string_view body = html.substr(i + 1, semi - i - 1);
  if (body.size() >= 2 && body[0] == '#') {
    const bool hex = body[1] == 'x' || body[1] == 'X';
    const std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    std::uint32_t cp = 0;
    for (char c : digits) {
      int d = -1;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (hex && c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
      if (d < 0) return 0;
      cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
      if (cp > 0x10FFFF) cp = 0x110000;  // saturate; rejected below
    }
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp == 0xA0) cp = ' ';
    append_utf8(out, cp);
    return semi - i + 1;
  }
  for (const Entity& e : kEntities) {
    if (body == e.name) {
      if (e.cp != 0) append_utf8(out, e.cp);
      return semi - i + 1;
    }
  }
  return 0;
}

bool is_block_tag(std::string_view name) {
  static constexpr std::string_view kBlocks[] = {
      "br", "p",  "div", "tr", "li", "ul", "ol", "table",   "blockquote", "pre",    "hr",     "h1",   "h2",
      "h3", "h4", "h5",  "h6", "dl", "dt", "dd", "section", "article",    "header", "footer", "title"};
  for (std::string_view b : kBlocks)
    if (name == b) return true;
  return false;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string to_valid_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = sequence_length(s, i);
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i++]);
    char32_t cp = c;
    if (c >= 0x80 && c <= 0x9F) cp = kCp1252High[c - 0x80] ? kCp1252High[c - 0x80] : 0xFFFD;
    append_utf8(out, cp);
  }
  return out;
}

void truncate_utf8(std::string& s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
}

std::string collapse_whitespace(std::string_view s, std::size_t max_chars) {
  std::string out;
  std::size_t chars = 0;
  bool pending_space = false;
  for (std::size_t i = 0; i < s.size() && chars < max_chars;) {
    const bool nbsp =
        static_cast<unsigned char>(s[i]) == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0;
    if (is_space(s[i]) || nbsp) {
      pending_space = !out.empty();
      i += nbsp ? 2 : 1;
      continue;
    }
    if (pending_space) {
      if (chars + 1 >= max_chars) break;  // never end on a space
      out += ' ';
      pending_space = false;
      ++chars;
    }
    std::size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
    out.append(s.substr(i, n));
    i += n;
    ++chars;
  }
  return out;
}

std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  const auto space = [&] {
    if (!out.empty() && out.back() != ' ' && out.back() != '\n') out += ' ';
  };
  const auto newline = [&] {
    if (!out.empty() && out.back() == ' ') out.pop_back();
    if (!out.empty() && out.back() != '\n') out += '\n';
  };
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '&') {
      const std::size_t used = decode_entity(html, i, out);
      if (used == 0) out += '&';
      i += used ? used : 1;
      continue;
    }
    if (c != '<') {
      if (is_space(c))
        space();
      else
        out += c;
      ++i;
      continue;
    }
    if (html.substr(i, 4) == "<!--") {
      const std::size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    std::size_t j = i + 1;
    const bool closing = j < html.size() && html[j] == '/';
    if (closing) ++j;
    const std::size_t name_start = j;
    while (j < html.size() && std::isalnum(static_cast<unsigned char>(html[j]))) ++j;
    const std::string name = ascii_lower(html.substr(name_start, j - name_start));
    const bool markup = !name.empty() || (j < html.size() && (html[j] == '!' || html[j] == '?'));
    if (!markup) {  // a literal '<' in text, as in "a < b"
      out += '<';
      ++i;
      continue;
    }
    // Find the end of the tag, skipping quoted attribute values.
    char quote = 0;
    while (j < html.size() && (quote || html[j] != '>')) {
      if (quote && html[j] == quote)
        quote = 0;
      else if (!quote && (html[j] == '"' || html[j] == '\''))
        quote = html[j];
      ++j;
    }
    i = j < html.size() ? j + 1 : html.size();
    if (!closing && (name == "script" || name == "style")) {
      // Skip the element's content up to its end tag (case-insensitive).
      const std::string end_tag = "</" + name;
      std::size_t k = i;
      for (; k + end_tag.size() <= html.size(); ++k)
        if (ascii_iequals(html.substr(k, end_tag.size()), end_tag)) break;
      if (k + end_tag.size() > html.size()) {
        i = html.size();
      } else {
        const std::size_t gt = html.find('>', k);
        i = gt == std::string_view::npos ? html.size() : gt + 1;
      }
      continue;
    }
    if (is_block_tag(name))
      newline();
    else if (name == "td" || name == "th")
      space();
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

void sanitize_controls(std::string& s) {
  std::size_t w = 0;
  for (std::size_t r = 0; r < s.size(); ++r) {
    const char c = s[r];
    if (c == '\r' && r + 1 < s.size() && s[r + 1] == '\n') continue;
    const auto u = static_cast<unsigned char>(c);
    s[w++] = (u < 0x20 && c != '\n' && c != '\t') || u == 0x7F ? ' ' : c;
  }
  s.resize(w);
}

std::string_view trim(std::string_view s) {
  const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace estafeta::mime::detail
