// SPF macros (RFC 7208 §7): syntax (§7.1), letters (§7.3), transformers and
// delimiters (§7.3), URL escaping of upper-case letters (§7.3), the 253-octet
// truncation of expanded names (§7.3), examples (§7.4).
//
//   macro-string = *( macro-expand / macro-literal )
//   macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
//                  / "%%" / "%_" / "%-"
//   macro-literal = %x21-24 / %x26-7E
//   transformers = *DIGIT [ "r" ]
//   delimiter    = "." / "-" / "+" / "," / "/" / "_" / "="
//   explain-string = *( macro-string / SP )
#include <algorithm>
#include <string>

#include "core/ascii.hpp"
#include "dns/spf.hpp"

namespace estafeta::dns {

namespace {

constexpr std::size_t kMaxName = 253;  // RFC 7208 §7.3, RFC 1035 §2.3.4
constexpr int kMaxParts = 1000;        // larger digit counts keep every part

struct Token {
  std::string_view literal;     // text to copy when letter == 0
  char letter = 0;              // lowercase macro letter
  bool escape = false;          // upper-case letter: URL-escape the value
  int keep = 0;                 // rightmost parts to keep; 0 = all
  bool reverse = false;         // "r" transformer
  std::string_view delimiters;  // empty = "."
};

bool is_delimiter(char c) { return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '='; }

std::string_view letters_for(MacroUse use) { return use == MacroUse::domain_spec ? "slodipvh" : "slodipvhcrt"; }

std::string quote(std::string_view text) {
  std::string out(text.substr(0, 40));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return "\"" + out + (text.size() > 40 ? "...\"" : "\"");
}

// Calls on_token for each literal run and each macro; stops at the first
// syntax error.
template <class OnToken>
Status scan(std::string_view text, MacroUse use, OnToken&& on_token) {
  std::size_t at = 0;
  while (at < text.size()) {
    char c = text[at];
    if (c != '%') {
      std::size_t start = at;
      while (at < text.size() && text[at] != '%') {
        auto u = static_cast<unsigned char>(text[at]);
        bool ok = (u >= 0x21 && u <= 0x7e) || (u == ' ' && use == MacroUse::explanation);
        if (!ok) return fail(ErrorKind::invalid, "invalid character in macro-string " + quote(text));
        ++at;
      }
      on_token(Token{.literal = text.substr(start, at - start)});
      continue;
    }
    if (at + 1 >= text.size()) return fail(ErrorKind::invalid, "'%' at the end of " + quote(text));
    char next = text[at + 1];
    if (next == '%' || next == '_' || next == '-') {
      on_token(Token{.literal = next == '%' ? "%" : next == '_' ? " " : "%20"});
      at += 2;
      continue;
    }
    if (next != '{') return fail(ErrorKind::invalid, "'%' not followed by '{', '%', '_' or '-' in " + quote(text));
    at += 2;
    if (at >= text.size()) return fail(ErrorKind::invalid, "unterminated macro in " + quote(text));
    Token token;
    token.letter = ascii_lower(text[at]);
    token.escape = text[at] != token.letter;
    if (letters_for(use).find(token.letter) == std::string_view::npos)
      return fail(ErrorKind::invalid, std::string("macro letter '") + text[at] + "' not allowed in " + quote(text));
    ++at;
    bool digits = false;
    int value = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      digits = true;
      value = std::min(kMaxParts, value * 10 + (text[at] - '0'));
      ++at;
    }
    if (digits && value == 0) return fail(ErrorKind::invalid, "macro keeps zero parts in " + quote(text));
    token.keep = value;
    if (at < text.size() && ascii_lower(text[at]) == 'r') {
      token.reverse = true;
      ++at;
    }
    std::size_t delimiters = at;
    while (at < text.size() && is_delimiter(text[at])) ++at;
    token.delimiters = text.substr(delimiters, at - delimiters);
    if (at >= text.size() || text[at] != '}') return fail(ErrorKind::invalid, "malformed macro in " + quote(text));
    ++at;
    on_token(token);
  }
  return {};
}

// RFC 7208 §7.3: split on the delimiters, reverse, keep the rightmost parts,
// join with ".".
std::string transform(std::string_view value, const Token& token) {
  if (!token.reverse && token.keep == 0 && token.delimiters.empty()) return std::string(value);
  std::string_view delimiters = token.delimiters.empty() ? std::string_view(".") : token.delimiters;
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delimiters.find(value[i]) != std::string_view::npos) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (token.reverse) std::reverse(parts.begin(), parts.end());
  std::size_t first = 0;
  if (token.keep > 0 && static_cast<std::size_t>(token.keep) < parts.size())
    first = parts.size() - static_cast<std::size_t>(token.keep);
  std::string out;
  for (std::size_t i = first; i < parts.size(); ++i) {
    if (i > first) out += '.';
    out += parts[i];
  }
  return out;
}

// RFC 3986 unreserved characters stay; everything else becomes %XX.
std::string url_escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

std::string letter_value(char letter, const MacroContext& context) {
  switch (letter) {
    case 's': return std::string(context.sender);
    case 'l': return std::string(context.local_part);
    case 'o': return std::string(context.sender_domain);
    case 'd': return std::string(context.domain);
    case 'i': return context.ip.dotted();
    case 'p': return context.validated_name ? context.validated_name() : std::string("unknown");
    case 'v': return context.ip.is_v4() ? "in-addr" : "ip6";
    case 'h': return std::string(context.helo);
    case 'c': return context.ip.to_string();
    case 'r': return std::string(context.receiver);
    case 't': return std::to_string(context.timestamp);
  }
  return {};
}

}  // namespace

Status check_macro_string(std::string_view text, MacroUse use) {
  return scan(text, use, [](const Token&) {});
}

Result<std::string> expand_macros(std::string_view text, const MacroContext& context, MacroUse use) {
  // Check everything before expanding anything: %{p} does DNS work.
  TRY(check_macro_string(text, use));
  std::string out;
  TRY(scan(text, use, [&](const Token& token) {
    if (token.letter == 0) {
      out += token.literal;
      return;
    }
    std::string value = transform(letter_value(token.letter, context), token);
    out += token.escape ? url_escape(value) : value;
  }));
  return out;
}

Result<std::string> expand_domain_spec(std::string_view spec, const MacroContext& context) {
  std::string name = TRY(expand_macros(spec, context, MacroUse::domain_spec));
  if (!name.empty() && name.back() == '.') name.pop_back();
  while (name.size() > kMaxName) {
    auto dot = name.find('.');
    if (dot == std::string::npos) break;
    name.erase(0, dot + 1);
  }
  return name;
}

bool is_queryable_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > kMaxName) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    std::size_t len = (dot == std::string_view::npos ? name.size() : dot) - start;
    if (len == 0 || len > 63) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace estafeta::dns
