// RFC 5322 §3.4 address-list parser: mailbox, name-addr, angle-addr, group,
// plus §4.4 obs-route and a display name taken from a trailing comment
// ("user@host (Real Name)") as Dovecot and others do.
//
// Security: untrusted input; tokenizing and parsing are linear and every
// loop consumes at least one token.
#include "mime/address.hpp"

#include "mime/text.hpp"

namespace estafeta::mime::detail {
namespace {

enum class Kind { atom, quoted, literal, comment, special };

struct Token {
  Kind kind;
  std::string_view raw;  // the source text (quoted strings with their quotes)
  std::string text;      // quoted strings and comments unescaped
  bool space_before;
};

bool is_special(char c) {
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '[':
    case ']':
    case ':':
    case ';':
    case '@':
    case '\\':
    case ',':
    case '.':
    case '"': return true;
    default: return false;
  }
}

bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Reads a delimited run (quoted string, comment, domain literal) starting at
// s[i] == open; returns the index after its end (or s.size() if unterminated).
std::size_t read_delimited(std::string_view s, std::size_t i, char open, char close, std::string& text) {
  int depth = 1;
  ++i;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      text += s[i + 1];
      i += 2;
      continue;
    }
    if (c == close && --depth == 0) return i + 1;
    if (open == '(' && c == '(') ++depth;
    text += c;
    ++i;
  }
  return i;
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> tokens;
  bool space = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (is_ws(c)) {
      space = true;
      ++i;
      continue;
    }
    Token t{Kind::special, {}, {}, space};
    const std::size_t start = i;
    if (c == '"') {
      t.kind = Kind::quoted;
      i = read_delimited(s, i, '"', '"', t.text);
    } else if (c == '(') {
      t.kind = Kind::comment;
      i = read_delimited(s, i, '(', ')', t.text);
    } else if (c == '[') {
      t.kind = Kind::literal;
      i = read_delimited(s, i, '[', ']', t.text);
    } else if (is_special(c)) {
      ++i;
    } else {
      t.kind = Kind::atom;
      while (i < s.size() && !is_ws(s[i]) && !is_special(s[i])) ++i;
    }
    t.raw = s.substr(start, i - start);
    if (t.kind == Kind::atom) t.text = std::string(t.raw);
    space = t.kind == Kind::comment;  // a comment separates like whitespace
    tokens.push_back(std::move(t));
  }
  return tokens;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : m_tokens(std::move(tokens)) {}

  std::vector<Address> parse_list() {
    while (const Token* t = peek()) {
      if (is_char(t, ',')) {
        ++m_pos;
        continue;
      }
      parse_item(false);
    }
    return std::move(m_out);
  }

 private:
  // Next non-comment token; comments skipped on the way are remembered as a
  // possible display name for the current item.
  const Token* peek() {
    while (m_pos < m_tokens.size() && m_tokens[m_pos].kind == Kind::comment) {
      if (m_comment.empty()) m_comment = std::string(trim(m_tokens[m_pos].text));
      ++m_pos;
    }
    return m_pos < m_tokens.size() ? &m_tokens[m_pos] : nullptr;
  }
  static bool is_char(const Token* t, char c) {
    return t && t->kind == Kind::special && t->raw.size() == 1 && t->raw[0] == c;
  }
  static bool is_word(const Token* t) {
    return t && (t->kind == Kind::atom || t->kind == Kind::quoted || is_char(t, '.'));
  }

  // Consumes a run of words (atoms, quoted strings, dots) and returns the
  // indexes of those tokens.
  std::vector<std::size_t> words() {
    std::vector<std::size_t> idx;
    while (is_word(peek())) idx.push_back(m_pos++);
    return idx;
  }
  // Display-name text: words unquoted, single spaces where the source had space.
  std::string phrase_text(const std::vector<std::size_t>& idx) const {
    std::string out;
    for (std::size_t i : idx) {
      const Token& t = m_tokens[i];
      if (t.space_before && !out.empty()) out += ' ';
      out += t.kind == Kind::quoted ? t.text : std::string(t.raw);
    }
    return out;
  }
  // Local-part or domain text: the raw tokens (quotes kept).
  std::string raw_text(const std::vector<std::size_t>& idx) const {
    std::string out;
    for (std::size_t i : idx) {
      if (m_tokens[i].space_before && !out.empty() && m_tokens[i].kind != Kind::special &&
          m_tokens[i - 1].kind != Kind::special)
        out += ' ';
      out += m_tokens[i].raw;
    }
    return out;
  }
  std::string domain() {
    std::vector<std::size_t> idx;
    for (const Token* t = peek(); t && (t->kind == Kind::atom || t->kind == Kind::literal || is_char(t, '.'));
         t = peek())
      idx.push_back(m_pos++);
    std::string out;
    for (std::size_t i : idx) out += m_tokens[i].raw;
    return out;
  }

  void emit(std::string name, std::optional<std::string> adl, std::string local, std::string host) {
    if (name.empty()) name = m_comment;
    if (local.empty() && host.empty() && name.empty()) return;
    Address a;
    if (!name.empty()) a.name = std::move(name);
    a.route = std::move(adl);
    a.mailbox = std::move(local);
    a.host = std::move(host);
    m_out.push_back(std::move(a));
  }

  // "<" [obs-route] addr-spec ">", the '<' already consumed.
  void angle_addr(std::string name) {
    std::optional<std::string> adl;
    if (is_char(peek(), '@')) {
      std::string route;
      for (const Token* t = peek(); t && !is_char(t, ':') && !is_char(t, '>'); t = peek()) {
        route += t->raw;
        ++m_pos;
      }
      if (is_char(peek(), ':')) ++m_pos;
      adl = std::move(route);
    }
    std::string local = raw_text(words());
    std::string host;
    if (is_char(peek(), '@')) {
      ++m_pos;
      host = domain();
    }
    // Skip anything up to the closing '>' of this address.
    for (const Token* t = peek(); t && !is_char(t, ',') && !is_char(t, ';'); t = peek()) {
      ++m_pos;
      if (is_char(t, '>')) break;
    }
    emit(std::move(name), std::move(adl), std::move(local), std::move(host));
  }

  void parse_item(bool in_group) {
    m_comment.clear();
    const std::size_t start = m_pos;
    const std::vector<std::size_t> phrase = words();
    const Token* t = peek();
    if (is_char(t, '<')) {
      ++m_pos;
      angle_addr(phrase_text(phrase));
    } else if (is_char(t, ':') && !in_group) {
      ++m_pos;
      Address begin;
      begin.mailbox = phrase_text(phrase);
      m_out.push_back(std::move(begin));
      while (const Token* g = peek()) {
        if (is_char(g, ';')) {
          ++m_pos;
          break;
        }
        if (is_char(g, ',')) {
          ++m_pos;
          continue;
        }
        parse_item(true);
      }
      m_out.push_back(Address{});  // end of group
    } else if (is_char(t, '@')) {
      ++m_pos;
      std::string local = raw_text(phrase);
      std::string host = domain();
      peek();  // pick up a trailing comment as the name
      emit({}, std::nullopt, std::move(local), std::move(host));
    } else if (!phrase.empty()) {
      emit({}, std::nullopt, phrase_text(phrase), "");  // a bare word: no domain
    }
    if (m_pos == start && m_pos < m_tokens.size()) ++m_pos;  // always make progress
  }

  std::vector<Token> m_tokens;
  std::size_t m_pos = 0;
  std::string m_comment;
  std::vector<Address> m_out;
};

}  // namespace

std::vector<Address> parse_address_list(std::string_view value) { return Parser(tokenize(value)).parse_list(); }

}  // namespace estafeta::mime::detail
