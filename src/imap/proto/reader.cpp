#include "imap/proto/reader.hpp"
#include "core/ascii.hpp"
#include "mime/text.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace estafeta::imap {

namespace {

bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// ATOM-CHAR: any CHAR except atom-specials (RFC 9051 §9). 8-bit octets are
// read as atom characters too, so a UTF-8 mailbox name works unquoted once
// the dialect has UTF-8 (RFC 6855); where they may stand is Reader::eight_bit's
// to say, and a keyword never holds one (Reader::flag).
bool is_atom_char(unsigned char c) {
  if (c == 0 || is_ctl(c)) return false;
  switch (c) {
    case '(':
    case ')':
    case '{':
    case ' ':
    case '%':
    case '*':
    case '"':
    case '\\':
    case ']': return false;
    default: return true;
  }
}
bool is_astring_char(unsigned char c) { return is_atom_char(c) || c == ']'; }
bool is_list_char(unsigned char c) { return is_astring_char(c) || c == '%' || c == '*'; }

bool has_eight_bit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// Days from 1970-01-01 to a civil date (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

int month_of(std::string_view m) {
  static constexpr const char* kMonths[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                            "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  auto u = ascii_upper(m);
  for (int i = 0; i < 12; ++i)
    if (u == kMonths[i]) return i + 1;
  return 0;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

std::unexpected<Error> Reader::bad(std::string message) const { return fail(ErrorKind::invalid, std::move(message)); }

Status Reader::eight_bit(std::string_view s, const char* what) const {
  // RFC 3501 §9 makes quoted strings and atoms 7-bit, yet clients send
  // 8-bit text in them (a password in LOGIN, SEARCH CHARSET UTF-8 strings):
  // outside UTF-8 sessions it is read as sent, and a mailbox name made of
  // it is refused where names are decoded (commands/common.cpp: modified
  // UTF-7 has no 8-bit octets).
  if (!m_dialect.utf8 || !has_eight_bit(s)) return {};
  // RFC 6855 §3: "MUST reject, with a "BAD" response, any octet sequences
  // with the high bit set that fail to comply with ... UTF-8".
  if (!mime::detail::is_valid_utf8(s)) return bad(fmt::format("{} that is not valid UTF-8 (RFC 6855 §3)", what));
  return {};
}

bool Reader::consume(char c) {
  if (peek() != c || at_end()) return false;
  ++m_pos;
  return true;
}

bool Reader::consume_word(std::string_view word) {
  if (m_text.size() - m_pos < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char a = m_text[m_pos + i], b = word[i];
    if (a >= 'a' && a <= 'z') a = static_cast<char>(a - 'a' + 'A');
    if (a != b) return false;
  }
  auto next = m_pos + word.size();
  // A word ends where the atom ends; "[" may follow (BODY[…], BINARY[…]).
  if (next < m_text.size() && is_atom_char(static_cast<unsigned char>(m_text[next])) && m_text[next] != '[' &&
      is_atom_char(static_cast<unsigned char>(word.back())))
    return false;
  m_pos = next;
  return true;
}

Status Reader::expect(char c, const char* what) {
  if (consume(c)) return {};
  return bad(fmt::format("expected {}", what));
}

Status Reader::sp() { return expect(' ', "a space"); }

Status Reader::end() {
  consume('\r');
  if (consume('\n') && at_end()) return {};
  return bad("unexpected characters at the end of the command");
}

Status Reader::enter() {
  if (++m_depth > m_limits.max_depth) return bad("too deeply nested");
  return {};
}

Status Reader::take_search_key() {
  if (++m_search_keys > m_limits.max_search_keys)
    return bad(fmt::format("too many search keys (at most {})", m_limits.max_search_keys));
  return {};
}

Status Reader::take_header_fields(std::size_t n) {
  m_header_fields += n;
  if (m_header_fields > m_limits.max_header_fields)
    return bad(fmt::format("too many header field names (at most {})", m_limits.max_header_fields));
  return {};
}

Result<std::string> Reader::atom() {
  auto start = m_pos;
  while (!at_end() && is_atom_char(static_cast<unsigned char>(m_text[m_pos]))) ++m_pos;
  if (m_pos == start) return bad("expected an atom");
  return std::string(m_text.substr(start, m_pos - start));
}

Result<std::string> Reader::tag() {
  auto start = m_pos;
  while (!at_end() && is_astring_char(static_cast<unsigned char>(m_text[m_pos])) && m_text[m_pos] != '+') ++m_pos;
  if (m_pos == start) return bad("expected a tag");
  return std::string(m_text.substr(start, m_pos - start));
}

Result<std::string> Reader::quoted() {
  // quoted = DQUOTE *QUOTED-CHAR DQUOTE; QUOTED-CHAR = any TEXT-CHAR except
  // quoted-specials, or "\" quoted-specials (or UTF-8, RFC 9051).
  ++m_pos;
  std::string out;
  while (!at_end()) {
    char c = m_text[m_pos++];
    if (c == '"') {
      TRY(eight_bit(out, "a quoted string"));
      return out;
    }
    if (c == '\\') {
      if (at_end() || (m_text[m_pos] != '"' && m_text[m_pos] != '\\')) return bad("bad escape in a quoted string");
      out += m_text[m_pos++];
      continue;
    }
    if (c == '\r' || c == '\n' || c == '\0') return bad("unterminated quoted string");
    out += c;
  }
  return bad("unterminated quoted string");
}

Result<std::string> Reader::literal(bool* binary) {
  bool is_binary = false;
  if (binary && peek() == '~') {
    ++m_pos;
    is_binary = true;
  }
  TRY(expect('{', "a literal"));
  std::uint64_t n = 0;
  auto start = m_pos;
  while (!at_end() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') {
    if (n > (std::uint64_t{1} << 58)) return bad("literal too large");
    n = n * 10 + static_cast<unsigned>(m_text[m_pos++] - '0');
  }
  if (m_pos == start) return bad("expected a literal size");
  consume('+');
  TRY(expect('}', "'}'"));
  consume('\r');
  TRY(expect('\n', "a line end after the literal size"));
  if (m_text.size() - m_pos < n) return bad("literal shorter than announced");
  auto out = std::string(m_text.substr(m_pos, n));
  m_pos += n;
  if (!is_binary && out.find('\0') != std::string::npos) return bad("NUL in a literal (use literal8)");
  if (binary) *binary = is_binary;
  return out;
}

Result<std::string> Reader::string() {
  if (peek() == '"') return quoted();
  if (peek() == '{') return literal();
  return bad("expected a string");
}

Result<std::string> Reader::astring() {
  if (peek() == '"' || peek() == '{') return string();
  auto start = m_pos;
  while (!at_end() && is_astring_char(static_cast<unsigned char>(m_text[m_pos]))) ++m_pos;
  if (m_pos == start) return bad("expected a string or atom");
  auto text = m_text.substr(start, m_pos - start);
  TRY(eight_bit(text, "an atom"));
  return std::string(text);
}

Result<std::optional<std::string>> Reader::nstring() {
  if (consume_word("NIL")) return std::optional<std::string>{};
  return std::optional<std::string>(TRY(string()));
}

Result<std::string> Reader::list_mailbox() {
  if (peek() == '"' || peek() == '{') return string();
  auto start = m_pos;
  while (!at_end() && is_list_char(static_cast<unsigned char>(m_text[m_pos]))) ++m_pos;
  if (m_pos == start) return bad("expected a mailbox pattern");
  auto text = m_text.substr(start, m_pos - start);
  TRY(eight_bit(text, "a mailbox pattern"));
  return std::string(text);
}

Result<std::uint64_t> Reader::number64() {
  auto start = m_pos;
  std::uint64_t n = 0;
  while (!at_end() && m_text[m_pos] >= '0' && m_text[m_pos] <= '9') {
    if (n > (std::uint64_t{1} << 63) / 10) return bad("number too large");
    n = n * 10 + static_cast<unsigned>(m_text[m_pos++] - '0');
  }
  if (m_pos == start) return bad("expected a number");
  if (n >= (std::uint64_t{1} << 63)) return bad("number too large");
  return n;
}

Result<std::uint32_t> Reader::number() {
  auto n = TRY(number64());
  if (n > 0xffffffffu) return bad("number too large");
  return static_cast<std::uint32_t>(n);
}

Result<std::uint32_t> Reader::nz_number() {
  auto n = TRY(number());
  if (n == 0) return bad("expected a non-zero number");
  return n;
}

Result<std::uint64_t> Reader::mod_sequence_value() { return number64(); }

Result<SequenceSet> Reader::sequence_set() {
  SequenceSet set;
  if (consume('$')) {
    set.saved = true;
    return set;
  }
  auto seq_number = [this]() -> Result<std::uint32_t> {
    if (consume('*')) return kStar;
    return nz_number();
  };
  do {
    if (++m_ranges > m_limits.max_ranges)
      return bad(fmt::format("too many ranges in the sequence sets (at most {})", m_limits.max_ranges));
    auto first = seq_number();
    if (!first) return bad("expected a sequence set");
    SeqRange r{*first, *first};
    if (consume(':')) {
      auto last = seq_number();
      if (!last) return bad("expected a sequence set");
      r.last = *last;
    }
    set.ranges.push_back(r);
  } while (consume(','));
  return set;
}

Result<std::string> Reader::flag() {
  // flag-keyword = atom, flag-extension = "\" atom: 7-bit CHARs only (RFC
  // 9051 §9, RFC 3501 §9), whatever the dialect (RFC 6855 widens strings,
  // not atoms). A keyword goes back to every client in FLAGS.
  auto seven_bit = [this](std::string_view text) -> Status {
    if (has_eight_bit(text)) return bad("flags and keywords are atoms of 7-bit characters (RFC 9051 §9)");
    return {};
  };
  if (consume('\\')) {
    if (consume('*')) return std::string("\\*");
    auto name = TRY(atom());
    TRY(seven_bit(name));
    static constexpr const char* kSystem[] = {"\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"};
    auto u = ascii_upper(name);
    for (auto* canonical : kSystem)
      if (u == ascii_upper(canonical + 1)) return std::string(canonical);
    return "\\" + name;  // an extension flag, kept as given
  }
  auto keyword = TRY(atom());
  TRY(seven_bit(keyword));
  // Keywords are stored with each message and sent back in every FLAGS.
  if (keyword.size() > m_limits.max_keyword)
    return bad(fmt::format("keyword too long (at most {} octets)", m_limits.max_keyword));
  return keyword;
}

Result<std::vector<std::string>> Reader::flag_list() {
  TRY(expect('(', "'(' to start a flag list"));
  std::vector<std::string> out;
  if (consume(')')) return out;
  for (;;) {
    if (out.size() >= m_limits.max_flags) return bad(fmt::format("too many flags (at most {})", m_limits.max_flags));
    out.push_back(TRY(flag()));
    if (consume(')')) return out;
    TRY(sp());
  }
}

Result<std::int64_t> Reader::date() {
  bool q = consume('"');
  auto start = m_pos;
  while (!at_end() && m_text[m_pos] != ' ' && m_text[m_pos] != '"' && m_text[m_pos] != ')' && m_text[m_pos] != '\r' &&
         m_text[m_pos] != '\n')
    ++m_pos;
  auto text = m_text.substr(start, m_pos - start);
  if (q) TRY(expect('"', "a closing quote after the date"));
  // date-day "-" date-month "-" date-year
  auto d1 = text.find('-');
  auto d2 = d1 == std::string_view::npos ? d1 : text.find('-', d1 + 1);
  if (d2 == std::string_view::npos) return bad("expected a date like 1-Feb-2026");
  auto day_s = text.substr(0, d1), mon_s = text.substr(d1 + 1, d2 - d1 - 1), year_s = text.substr(d2 + 1);
  if (day_s.empty() || day_s.size() > 2 || year_s.size() != 4) return bad("expected a date like 1-Feb-2026");
  unsigned day = 0, year = 0;
  for (char c : day_s) {
    if (c < '0' || c > '9') return bad("expected a date like 1-Feb-2026");
    day = day * 10 + static_cast<unsigned>(c - '0');
  }
  for (char c : year_s) {
    if (c < '0' || c > '9') return bad("expected a date like 1-Feb-2026");
    year = year * 10 + static_cast<unsigned>(c - '0');
  }
  int month = month_of(mon_s);
  if (month == 0 || day == 0 || day > days_in_month(year, static_cast<unsigned>(month)))
    return bad("expected a date like 1-Feb-2026");
  return days_from_civil(year, static_cast<unsigned>(month), day);
}

Result<std::int64_t> Reader::date_time() {
  // DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE
  const char* msg = "expected a date-time like \"17-Jul-1996 02:44:25 -0700\"";
  if (m_text.size() - m_pos < 28 || m_text[m_pos] != '"') return bad(msg);
  auto s = m_text.substr(m_pos + 1, 26);
  if (m_text[m_pos + 27] != '"') return bad(msg);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto num = [&](std::size_t at, std::size_t len, unsigned& out) {
    out = 0;
    for (std::size_t i = 0; i < len; ++i) {
      if (!digit(s[at + i])) return false;
      out = out * 10 + static_cast<unsigned>(s[at + i] - '0');
    }
    return true;
  };
  unsigned day = 0, year = 0, hh = 0, mm = 0, ss = 0, zh = 0, zm = 0;
  bool ok = (s[0] == ' ' ? num(1, 1, day) : num(0, 2, day)) && s[2] == '-' && s[6] == '-' && num(7, 4, year) &&
            s[11] == ' ' && num(12, 2, hh) && s[14] == ':' && num(15, 2, mm) && s[17] == ':' && num(18, 2, ss) &&
            s[20] == ' ' && (s[21] == '+' || s[21] == '-') && num(22, 2, zh) && num(24, 2, zm);
  int month = ok ? month_of(s.substr(3, 3)) : 0;
  if (!ok || month == 0 || day == 0 || day > days_in_month(year, static_cast<unsigned>(month)) || hh > 23 || mm > 59 ||
      ss > 60 || zm > 59)
    return bad(msg);
  m_pos += 28;
  std::int64_t t = days_from_civil(year, static_cast<unsigned>(month), day) * 86400 + hh * 3600 + mm * 60 + ss;
  std::int64_t zone = (zh * 60 + zm) * 60;
  return s[21] == '+' ? t - zone : t + zone;
}

}  // namespace estafeta::imap
