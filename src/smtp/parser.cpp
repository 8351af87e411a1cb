#include "smtp/parser.hpp"
#include "core/ascii.hpp"
#include "core/digits.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace estafeta::smtp {

namespace {

using Unexpected = std::unexpected<ParseError>;

Unexpected syntax(std::string text) { return Unexpected(ParseError{501, "5.5.4", std::move(text)}); }

bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

// atext (RFC 5322 §3.2.3), plus 8-bit for SMTPUTF8 (RFC 6531 §3.3).
bool atext(unsigned char c) {
  if (alpha(static_cast<char>(c)) || digit(static_cast<char>(c)) || c >= 0x80) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

// Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str];
// U-labels allowed with SMTPUTF8 (8-bit octets accepted as letters).
bool valid_domain(std::string_view d) {
  if (d.empty() || d.size() > kMaxDomain) return false;
  std::size_t start = 0;
  for (;;) {
    auto dot = d.find('.', start);
    auto label = d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (unsigned char c : label)
      if (!alpha(static_cast<char>(c)) && !digit(static_cast<char>(c)) && c != '-' && c < 0x80) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// address-literal = "[" ( IPv4 / "IPv6:" IPv6 / tag ":" text ) "]", checked loosely.
bool valid_address_literal(std::string_view d) {
  if (d.size() < 3 || d.front() != '[' || d.back() != ']') return false;
  for (char c : d.substr(1, d.size() - 2))
    if (static_cast<unsigned char>(c) <= 32 || c == '[' || c == ']' || c == '\\' ||
        static_cast<unsigned char>(c) >= 127)
      return false;
  return true;
}

std::expected<Mailbox, ParseError> parse_mailbox(std::string_view s) {
  Mailbox m;
  std::size_t at;
  if (!s.empty() && s.front() == '"') {
    // Quoted-string: qtextSMTP / quoted-pairSMTP (and UTF-8, RFC 6531).
    std::size_t i = 1;
    for (; i < s.size() && s[i] != '"'; ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '\\') {
        if (++i >= s.size() || static_cast<unsigned char>(s[i]) < 32 || static_cast<unsigned char>(s[i]) > 126)
          return syntax("bad quoted local part");
        m.local += s[i];
        continue;
      }
      if (c < 32 || c == 127) return syntax("bad character in the quoted local part");
      if (c >= 0x80) m.utf8 = true;
      m.local += s[i];
    }
    if (i >= s.size()) return syntax("unterminated quoted local part");
    m.quoted = true;
    at = i + 1;
    if (at >= s.size() || s[at] != '@') return syntax("expected @ after the local part");
  } else {
    at = s.rfind('@');
    if (at == std::string_view::npos || at == 0) return syntax("expected an address like name@domain");
    auto local = s.substr(0, at);
    if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
      return syntax("dots may not start, end or repeat in the local part");
    for (unsigned char c : local) {
      if (c == '.') continue;
      if (!atext(c)) return syntax("bad character in the local part");
      if (c >= 0x80) m.utf8 = true;
    }
    m.local = std::string(local);
  }
  if (m.local.size() > kMaxLocalPart) return Unexpected(ParseError{501, "5.1.3", "local part too long"});
  auto domain = s.substr(at + 1);
  if (domain.starts_with('[')) {
    if (!valid_address_literal(domain)) return Unexpected(ParseError{501, "5.1.3", "bad address literal"});
    m.domain = std::string(domain);
  } else {
    if (!valid_domain(domain)) return Unexpected(ParseError{501, "5.1.3", "bad domain in the address"});
    for (unsigned char c : domain)
      if (c >= 0x80) m.utf8 = true;
    m.domain = ascii_lower(domain);
  }
  return m;
}

// Splits "KEY=VALUE KEY …" after the path.
std::vector<std::pair<std::string, std::string>> params(std::string_view s, bool& ok) {
  std::vector<std::pair<std::string, std::string>> out;
  ok = true;
  std::size_t pos = 0;
  while (pos < s.size()) {
    auto sp = s.find(' ', pos);
    auto p = s.substr(pos, sp == std::string_view::npos ? std::string_view::npos : sp - pos);
    pos = sp == std::string_view::npos ? s.size() : sp + 1;
    if (p.empty()) {
      ok = false;
      return out;
    }
    auto eq = p.find('=');
    auto key = p.substr(0, eq);
    if (key.empty() || !(alpha(key[0]) || digit(key[0]))) {
      ok = false;
      return out;
    }
    for (char c : key)
      if (!alpha(c) && !digit(c) && c != '-') {
        ok = false;
        return out;
      }
    std::string value;
    if (eq != std::string_view::npos) {
      value = std::string(p.substr(eq + 1));
      if (value.empty()) {
        ok = false;
        return out;
      }
      for (unsigned char c : value)
        if (c < 33 || c == '=' || c > 126) {
          // SMTPUTF8 lets some values carry UTF-8; keep the check strict elsewhere.
          if (c < 0x80) {
            ok = false;
            return out;
          }
        }
    }
    out.emplace_back(ascii_upper(key), value);
    if (out.size() > 16) {
      ok = false;
      return out;
    }
  }
  return out;
}

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t n = 0;
  if (s.empty() || s.size() > 19) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return n;
}

// RFC 1870 §3: size-value ::= 1*20DIGIT; one past 64 bits is past any
// limit, and is answered as such (552), not as a syntax error.
std::optional<std::uint64_t> size_value(std::string_view s) {
  if (s.size() > 20) return std::nullopt;
  return saturating_number(s);
}

// RFC 3461 §4.2, §4.4: ENVID and ORCPT, once decoded, are printable
// US-ASCII (graphic characters and space).
bool printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// RFC 3461 §4.2: addr-type ";" xtext, the type an atom (RFC 5322 §3.2.3).
std::optional<std::string> orcpt_value(std::string_view v) {
  auto semicolon = v.find(';');
  if (semicolon == 0 || semicolon == std::string_view::npos) return std::nullopt;
  auto type = v.substr(0, semicolon);
  for (unsigned char c : type)
    if (!(std::isalnum(c) ||
          std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos))
      return std::nullopt;
  auto address = xtext_decode(v.substr(semicolon + 1));
  if (!address || address->empty() || !printable(*address)) return std::nullopt;
  return std::string(type) + ";" + *address;
}

// "FROM:" / "TO:" then the path and the parameters.
std::expected<std::pair<std::string_view, std::string_view>, ParseError> split_path(std::string_view rest,
                                                                                    std::string_view keyword) {
  if (rest.size() < keyword.size() || ascii_upper(rest.substr(0, keyword.size())) != keyword)
    return syntax(std::string("expected ") + std::string(keyword));
  rest.remove_prefix(keyword.size());
  if (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);  // tolerated: "MAIL FROM: <a@b>"
  if (rest.empty() || rest[0] != '<') return syntax("expected a path in angle brackets");
  // The path ends at the '>' that closes it; a quoted local part may hold '>'.
  std::size_t i = 1;
  bool in_quotes = false;
  for (; i < rest.size(); ++i) {
    if (rest[i] == '\\' && in_quotes) {
      ++i;
      continue;
    }
    if (rest[i] == '"') in_quotes = !in_quotes;
    if (rest[i] == '>' && !in_quotes) break;
  }
  if (i >= rest.size()) return syntax("unterminated path");
  auto path = rest.substr(0, i + 1);
  auto tail = rest.substr(i + 1);
  if (!tail.empty()) {
    if (tail[0] != ' ') return syntax("expected a space before the parameters");
    tail.remove_prefix(1);
  }
  return std::pair{path, tail};
}

// Dot-string = Atom *("." Atom) (RFC 5321 §4.1.2; 8-bit atext per RFC 6531).
bool dot_string(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) return false;
  for (unsigned char c : s)
    if (c != '.' && !atext(c)) return false;
  return true;
}

// Quoted-string = DQUOTE *QcontentSMTP DQUOTE (RFC 5321 §4.1.2, RFC 6531 §3.3).
bool quoted_string(std::string_view s) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (++i >= s.size() - 1) return false;  // "\" would escape the closing quote
      auto q = static_cast<unsigned char>(s[i]);
      if (q < 32 || q > 126) return false;
      continue;
    }
    if (c == '"' || c < 32 || c == 127) return false;
  }
  return true;
}

}  // namespace

bool is_domain(std::string_view text) { return valid_domain(text); }
bool is_address_literal(std::string_view text) { return valid_address_literal(text); }

std::string format_local_part(std::string_view local) {
  if (dot_string(local)) return std::string(local);
  std::string out = "\"";
  for (char c : local) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string Mailbox::address() const { return format_local_part(local) + "@" + domain; }

std::size_t address_at(std::string_view address) {
  if (address.ends_with(']')) {
    auto open = address.rfind('[');
    if (open != std::string_view::npos && open > 0 && address[open - 1] == '@') return open - 1;
  }
  return address.rfind('@');
}

std::string format_envelope_address(std::string_view address) {
  auto at = address_at(address);
  if (at == std::string_view::npos) return address.empty() ? std::string() : format_local_part(address);
  auto local = address.substr(0, at);
  if (dot_string(local) || quoted_string(local)) return std::string(address);
  return format_local_part(local) + std::string(address.substr(at));
}

std::optional<std::string> xtext_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '+') {
      if (i + 2 >= s.size()) return std::nullopt;
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c < 33 || c > 126 || c == '=') {
      return std::nullopt;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string xtext_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 33 || c > 126 || c == '+' || c == '=')
      out += fmt::format("+{:02X}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

std::expected<std::optional<Mailbox>, ParseError> parse_path(std::string_view text, bool allow_null) {
  if (text.size() > kMaxPath + 2) return Unexpected(ParseError{501, "5.1.3", "path too long"});
  if (text.size() < 2 || text.front() != '<' || text.back() != '>') return syntax("expected <address>");
  auto inner = text.substr(1, text.size() - 2);
  if (inner.empty()) {
    if (allow_null) return std::optional<Mailbox>{};
    return syntax("a recipient cannot be empty");
  }
  bool source_route = false;
  if (inner.front() == '@') {
    // A-d-l ":" — a source route, accepted and ignored (RFC 5321 §4.1.1.3 / §C).
    auto colon = inner.find(':');
    if (colon == std::string_view::npos) return syntax("bad source route");
    auto adl = inner.substr(0, colon);
    std::size_t pos = 0;
    while (pos < adl.size()) {
      auto comma = adl.find(',', pos);
      auto hop = adl.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
      if (hop.size() < 2 || hop[0] != '@' || !valid_domain(hop.substr(1))) return syntax("bad source route");
      pos = comma == std::string_view::npos ? adl.size() : comma + 1;
    }
    inner = inner.substr(colon + 1);
    source_route = true;
  }
  auto m = parse_mailbox(inner);
  if (!m) return Unexpected(m.error());
  m->source_route = source_route;
  return std::optional<Mailbox>(*m);
}

namespace {

using ArgsResult = std::expected<Args, ParseError>;

// EHLO/HELO domain: a domain or an address literal (RFC 5321 §4.1.1.1);
// some clients send junk: accept a word.
ArgsResult hello(std::string_view verb, std::string_view rest) {
  auto word = rest.substr(0, rest.find(' '));
  if (word.empty()) return syntax(std::string(verb) + " needs your host name");
  if (!valid_domain(word) && !valid_address_literal(word)) {
    for (unsigned char ch : word)
      if (ch <= 32 || ch >= 127) return syntax("bad host name");
  }
  return cmd::Hello{std::string(word), verb == "EHLO"};
}

// MAIL FROM:<path> [SIZE= BODY= SMTPUTF8 RET= ENVID= AUTH=] (RFC 5321
// §4.1.1.2; RFC 1870, 6152, 6531, 3461 §4.3-4.4, 4954 §5).
ArgsResult mail(std::string_view, std::string_view rest) {
  auto split = split_path(rest, "FROM:");
  if (!split) return Unexpected(split.error());
  auto path = parse_path(split->first, true);
  if (!path) return Unexpected(path.error());
  MailFrom m;
  m.sender = *path;
  bool ok = true;
  std::vector<std::string> seen;
  for (auto& [k, v] : params(split->second, ok)) {
    // RFC 3461 §5.1 (a): a parameter given twice is 501 (the same for all).
    if (std::find(seen.begin(), seen.end(), k) != seen.end()) return syntax(k + " is given twice");
    seen.push_back(k);
    if (k == "SIZE") {
      auto n = size_value(v);
      if (!n) return syntax("SIZE needs a number");
      m.size = *n;
    } else if (k == "BODY") {
      auto u = ascii_upper(v);
      if (u == "7BIT")
        m.body = Body::seven_bit;
      else if (u == "8BITMIME")
        m.body = Body::eight_bit_mime;
      else if (u == "BINARYMIME")
        m.body = Body::binary_mime;
      else
        return syntax("BODY must be 7BIT, 8BITMIME or BINARYMIME");
    } else if (k == "SMTPUTF8") {
      if (!v.empty()) return syntax("SMTPUTF8 takes no value");
      m.smtputf8 = true;
    } else if (k == "RET") {
      auto u = ascii_upper(v);
      if (u == "FULL")
        m.ret = Ret::full;
      else if (u == "HDRS")
        m.ret = Ret::headers;
      else
        return syntax("RET must be FULL or HDRS");
    } else if (k == "ENVID") {
      auto d = xtext_decode(v);
      if (!d || d->size() > 100 || !printable(*d)) return syntax("bad ENVID");
      m.envid = *d;
      m.given_envid = true;
    } else if (k == "AUTH") {
      auto d = xtext_decode(v);
      if (!d) return syntax("bad AUTH parameter");
      m.auth = *d;
      m.given_auth = true;
    } else {
      return Unexpected(ParseError{555, "5.5.4", "unsupported MAIL parameter " + k});
    }
  }
  if (!ok) return syntax("bad MAIL parameters");
  return m;
}

// NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY (RFC 3461 §4.1).
std::optional<ParseError> notify(RcptTo& r, std::string_view value) {
  r.notify_given = true;
  std::size_t pos = 0;
  auto u = ascii_upper(value);
  while (pos <= u.size()) {
    auto comma = u.find(',', pos);
    auto item = u.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (item == "NEVER")
      r.notify_never = true;
    else if (item == "SUCCESS")
      r.notify_success = true;
    else if (item == "FAILURE")
      r.notify_failure = true;
    else if (item == "DELAY")
      r.notify_delay = true;
    else
      return ParseError{501, "5.5.4", "NOTIFY must be NEVER or SUCCESS,FAILURE,DELAY"};
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (r.notify_never && (r.notify_success || r.notify_failure || r.notify_delay))
    return ParseError{501, "5.5.4", "NOTIFY=NEVER stands alone"};
  return std::nullopt;
}

// RCPT TO:<path> or <Postmaster> [NOTIFY= ORCPT=] (RFC 5321 §4.1.1.3,
// RFC 3461 §4.1-4.2).
ArgsResult rcpt(std::string_view, std::string_view rest) {
  auto split = split_path(rest, "TO:");
  if (!split) return Unexpected(split.error());
  RcptTo r;
  auto inner = split->first.substr(1, split->first.size() - 2);
  if (ascii_upper(inner) == "POSTMASTER") {
    r.postmaster = true;
    r.recipient = Mailbox{"postmaster", "", false, false, false};
  } else {
    auto path = parse_path(split->first, false);
    if (!path) return Unexpected(path.error());
    r.recipient = **path;
  }
  bool ok = true;
  std::vector<std::string> seen;
  for (auto& [k, v] : params(split->second, ok)) {
    if (std::find(seen.begin(), seen.end(), k) != seen.end()) return syntax(k + " is given twice");
    seen.push_back(k);
    if (k == "NOTIFY") {
      if (auto bad = notify(r, v)) return Unexpected(*bad);
    } else if (k == "ORCPT") {
      auto d = orcpt_value(v);
      if (!d || d->size() > 500) return syntax("bad ORCPT");
      r.orcpt = *d;
    } else {
      return Unexpected(ParseError{555, "5.5.4", "unsupported RCPT parameter " + k});
    }
  }
  if (!ok) return syntax("bad RCPT parameters");
  return r;
}

// BDAT chunk-size [LAST] (RFC 3030 §2).
ArgsResult bdat(std::string_view, std::string_view rest) {
  auto space = rest.find(' ');
  auto n = number(rest.substr(0, space));
  if (!n) return syntax("BDAT needs a chunk size");
  cmd::Bdat b{*n, false};
  if (space != std::string_view::npos) {
    if (ascii_upper(rest.substr(space + 1)) != "LAST") return syntax("expected LAST after the chunk size");
    b.last = true;
  }
  return b;
}

// AUTH mechanism [initial-response] (RFC 4954 §4).
ArgsResult auth(std::string_view, std::string_view rest) {
  auto space = rest.find(' ');
  cmd::Auth a;
  a.mechanism = ascii_upper(rest.substr(0, space));
  if (a.mechanism.empty()) return syntax("AUTH needs a mechanism");
  if (space != std::string_view::npos) a.initial = std::string(rest.substr(space + 1));
  return a;
}

template <class T>
ArgsResult none(std::string_view verb, std::string_view rest) {
  if (!rest.empty()) return syntax(std::string(verb) + " takes no arguments");
  return T{};
}

template <class T>
ArgsResult text(std::string_view, std::string_view rest) {
  return T{std::string(rest)};
}

// RFC 5321 §4.2.4: known, not offered: 502.
ArgsResult expn(std::string_view, std::string_view) {
  return Unexpected(ParseError{502, "5.5.1", "EXPN is not offered here"});
}

ArgsResult vrfy(std::string_view, std::string_view rest) {
  if (rest.empty()) return syntax("VRFY needs an argument");
  return cmd::Vrfy{std::string(rest)};
}

// The command table: a verb, its argument grammar, what the transport must
// know before running it. The handler is found by the type the grammar
// produces (smtp/session.hpp), so a command is declared here once.
struct Entry {
  const char* verb;
  ArgsResult (*parse)(std::string_view verb, std::string_view rest);
  unsigned flags;
};

constexpr Entry kCommands[] = {
    {"EHLO", hello, 0},
    {"HELO", hello, 0},
    {"MAIL", mail, kBlocksOnSubmission},  // submission: may the user send as this address?
    {"RCPT", rcpt, kBlocks},              // a local recipient, its quota and domain policy
    {"DATA", none<cmd::Data>, 0},
    {"BDAT", bdat, 0},
    {"RSET", none<cmd::Rset>, 0},
    {"NOOP", text<cmd::Noop>, 0},
    {"QUIT", none<cmd::Quit>, 0},
    {"VRFY", vrfy, 0},
    {"EXPN", expn, 0},
    {"HELP", text<cmd::Help>, 0},
    {"STARTTLS", none<cmd::StartTls>, 0},
    {"AUTH", auth, kBlocks},  // a password check
};

const Entry* find(std::string_view verb) {
  for (auto& e : kCommands)
    if (ascii_iequals(verb, e.verb)) return &e;
  return nullptr;
}

}  // namespace

std::expected<Command, ParseError> parse_command(std::string_view line) {
  if (line.ends_with("\r\n"))
    line.remove_suffix(2);
  else if (line.ends_with('\n'))
    return Unexpected(ParseError{500, "5.5.2", "a command line ends with CRLF"});
  if (line.size() + 2 > kMaxCommandLine) return Unexpected(ParseError{500, "5.5.2", "command line too long"});
  for (unsigned char c : line)
    if (c == '\r' || c == '\n' || c == 0) return Unexpected(ParseError{500, "5.5.2", "bad characters in the command"});
  auto sp = line.find(' ');
  auto entry = find(line.substr(0, sp));
  if (!entry) return Unexpected(ParseError{500, "5.5.1", "unknown command"});
  auto rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  auto args = entry->parse(entry->verb, rest);
  if (!args) return Unexpected(args.error());
  return Command{entry->verb, std::move(*args), entry->flags};
}

unsigned command_flags(std::string_view line) {
  auto entry = find(line.substr(0, line.find_first_of(" \r\n")));
  return entry ? entry->flags : 0;
}

}  // namespace estafeta::smtp
