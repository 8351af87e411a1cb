// RFC 2047 §2-§6 encoded words: recognition, B/Q decoding, decoding header
// text to UTF-8, and merging runs of adjacent words for GMime (see
// rfc2047.hpp for why). Lenient like GMime's loose mode: words need not be
// separated from surrounding text.
//
// Security: linear in the input (GMime's own decoder is quadratic on
// "=?x?Q?A=?x?Q?A…", which is why header text is decoded here).
#include "mime/rfc2047.hpp"
#include "core/ascii.hpp"
#include "mime/parsed_message.hpp"

#include <optional>

#include "mime/decode.hpp"
#include "mime/text.hpp"

namespace estafeta::mime::detail {
namespace {

struct Word {
  std::size_t end;           // offset after "?="
  std::string_view charset;  // as written, language suffix included
  std::string octets;        // decoded payload
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string base64_decode(std::string_view in) {
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = base64_value(c);
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

std::string base64_encode(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// RFC 2047 §4.2: "_" is a space, "=XX" an octet.
std::string q_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '_') {
      out += ' ';
    } else if (in[i] == '=' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Finds the next occurrence of a needle at or after a position, remembering
// the last answer: with non-decreasing queries the total work is linear,
// where a fresh search per candidate word would be quadratic.
class NextFinder {
 public:
  // any_of: find any one character of `needle` rather than the whole string.
  NextFinder(std::string_view s, std::string_view needle, bool any_of = false)
      : m_s(s), m_needle(needle), m_any_of(any_of) {}
  std::size_t operator()(std::size_t pos) {
    if (pos < m_query || pos > m_found) {
      m_query = pos;
      m_found = m_any_of ? m_s.find_first_of(m_needle, pos) : m_s.find(m_needle, pos);
    }
    return m_found;  // npos when none; npos > every pos, so the cache holds
  }

 private:
  std::string_view m_s, m_needle;
  bool m_any_of;
  std::size_t m_query = std::string_view::npos, m_found = 0;
};

class WordScanner {
 public:
  explicit WordScanner(std::string_view s) : m_s(s), m_question(s, "?"), m_close(s, "?="), m_blank(s, " \t", true) {}

  // "=?" charset "?" encoding "?" encoded-text "?=" at s[p]; the charset is
  // at most 64 characters and the encoded text holds no blanks.
  std::optional<Word> parse(std::size_t p) {
    const std::string_view s = m_s;
    if (s.substr(p, 2) != "=?") return std::nullopt;
    const std::size_t q1 = m_question(p + 2);
    if (q1 == std::string_view::npos || q1 == p + 2 || q1 - p > 66 || q1 + 2 >= s.size() || s[q1 + 2] != '?')
      return std::nullopt;
    const std::string_view charset = s.substr(p + 2, q1 - p - 2);
    for (char c : charset)
      if (is_blank(c) || c == '=' || static_cast<unsigned char>(c) < 33) return std::nullopt;
    const char enc = s[q1 + 1];
    if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return std::nullopt;
    const std::size_t start = q1 + 3;
    const std::size_t stop = m_close(start);
    if (stop == std::string_view::npos || m_blank(start) < stop) return std::nullopt;
    const std::string_view payload = s.substr(start, stop - start);
    return Word{stop + 2, charset, enc == 'B' || enc == 'b' ? base64_decode(payload) : q_decode(payload)};
  }

 private:
  std::string_view m_s;
  NextFinder m_question, m_close, m_blank;
};

bool same_charset(std::string_view a, std::string_view b) {
  return ascii_iequals(a.substr(0, a.find('*')), b.substr(0, b.find('*')));
}

// Walks `s`, calling on_literal(text, between_words) for text outside
// encoded words and on_run(charset, octets, raw, count) for each run of
// `count` adjacent same-charset words spanning `raw`. between_words: the text is only blanks separating two
// encoded words, which RFC 2047 §6.2 says to drop.
template <class OnLiteral, class OnRun>
void scan(std::string_view s, const OnLiteral& on_literal, const OnRun& on_run) {
  WordScanner scanner(s);
  NextFinder next_start(s, "=?");
  bool after_word = false;
  std::size_t i = 0;
  while (i < s.size()) {
    std::optional<Word> word;
    std::size_t p = next_start(i);
    for (; p != std::string_view::npos; p = next_start(p + 1))
      if ((word = scanner.parse(p))) break;
    if (!word) {
      on_literal(s.substr(i), false);
      return;
    }
    if (p > i) {
      const std::string_view gap = s.substr(i, p - i);
      on_literal(gap, after_word && gap.find_first_not_of(" \t") == std::string_view::npos);
    }
    std::string octets = std::move(word->octets);
    std::size_t end = word->end;
    std::size_t count = 1;
    for (;;) {  // extend the run over following words of the same charset
      std::size_t k = end;
      while (k < s.size() && is_blank(s[k])) ++k;
      std::optional<Word> next = scanner.parse(k);
      if (!next || !same_charset(next->charset, word->charset)) break;
      octets += next->octets;
      end = next->end;
      ++count;
    }
    on_run(word->charset, octets, s.substr(p, end - p), count);
    after_word = true;
    i = end;
  }
}

}  // namespace

std::string merge_encoded_words(std::string_view s) {
  if (s.find("=?") == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size());
  scan(
      s, [&](std::string_view text, bool) { out += text; },
      [&](std::string_view charset, const std::string& octets, std::string_view raw, std::size_t count) {
        if (count == 1) {
          out += raw;
          return;
        }
        out += "=?";
        out += charset;
        out += "?B?";
        out += base64_encode(octets);
        out += "?=";
      });
  return out;
}

std::string decode_header_text(std::string_view text) {
  const std::string input = to_valid_utf8(text);
  if (input.find("=?") == std::string::npos) return input;
  std::string out;
  out.reserve(input.size());
  scan(
      input,
      [&](std::string_view literal, bool between_words) {
        if (!between_words) out += literal;
      },
      [&](std::string_view charset, const std::string& octets, std::string_view, std::size_t) {
        out += charset_to_utf8(octets, charset.substr(0, charset.find('*')));  // RFC 2231 §5 language
      });
  return out;
}

}  // namespace estafeta::mime::detail

namespace estafeta::mime {

std::string decode_header_text(std::string_view text) { return detail::decode_header_text(text); }

}  // namespace estafeta::mime
