#include "core/ascii.hpp"
#include "smtp/parser.hpp"

#include <charconv>

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
    if (static_cast<unsigned char>(c) <= 32 || c == '[' || c == ']' || c == '\\' || static_cast<unsigned char>(c) >= 127)
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

std::expected<Command, ParseError> parse_command(std::string_view line) {
  if (line.ends_with("\r\n")) line.remove_suffix(2);
  else if (line.ends_with('\n')) return Unexpected(ParseError{500, "5.5.2", "a command line ends with CRLF"});
  if (line.size() + 2 > kMaxCommandLine) return Unexpected(ParseError{500, "5.5.6", "command line too long"});
  for (unsigned char c : line)
    if (c == '\r' || c == '\n' || c == 0) return Unexpected(ParseError{500, "5.5.2", "bad characters in the command"});
  auto sp = line.find(' ');
  auto verb = ascii_upper(line.substr(0, sp));
  auto rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  Command c{};
  auto no_args = [&](Command::Verb v) -> std::expected<Command, ParseError> {
    if (!rest.empty()) return syntax(verb + " takes no arguments");
    c.verb = v;
    return c;
  };
  if (verb == "EHLO" || verb == "HELO") {
    c.verb = verb == "EHLO" ? Command::Verb::ehlo : Command::Verb::helo;
    if (rest.empty()) return syntax(verb + " needs your host name");
    // A domain or an address literal (RFC 5321 §4.1.1.1); some clients send junk: accept a word.
    auto word = rest.substr(0, rest.find(' '));
    if (!valid_domain(word) && !valid_address_literal(word)) {
      for (unsigned char ch : word)
        if (ch <= 32 || ch >= 127) return syntax("bad host name");
    }
    c.domain = std::string(word);
    return c;
  }
  if (verb == "MAIL") {
    c.verb = Command::Verb::mail;
    auto split = split_path(rest, "FROM:");
    if (!split) return Unexpected(split.error());
    auto path = parse_path(split->first, true);
    if (!path) return Unexpected(path.error());
    c.mail.sender = *path;
    bool ok = true;
    for (auto& [k, v] : params(split->second, ok)) {
      if (k == "SIZE") {
        auto n = number(v);
        if (!n) return syntax("SIZE needs a number");
        c.mail.size = *n;
      } else if (k == "BODY") {
        auto u = ascii_upper(v);
        if (u == "7BIT") c.mail.body = Body::seven_bit;
        else if (u == "8BITMIME") c.mail.body = Body::eight_bit_mime;
        else if (u == "BINARYMIME") c.mail.body = Body::binary_mime;
        else return syntax("BODY must be 7BIT, 8BITMIME or BINARYMIME");
      } else if (k == "SMTPUTF8") {
        if (!v.empty()) return syntax("SMTPUTF8 takes no value");
        c.mail.smtputf8 = true;
      } else if (k == "RET") {
        auto u = ascii_upper(v);
        if (u == "FULL") c.mail.ret = Ret::full;
        else if (u == "HDRS") c.mail.ret = Ret::headers;
        else return syntax("RET must be FULL or HDRS");
      } else if (k == "ENVID") {
        auto d = xtext_decode(v);
        if (!d || d->size() > 100) return syntax("bad ENVID");
        c.mail.envid = *d;
      } else if (k == "AUTH") {
        auto d = xtext_decode(v);
        if (!d) return syntax("bad AUTH parameter");
        c.mail.auth = *d;
      } else {
        return Unexpected(ParseError{555, "5.5.4", "unsupported MAIL parameter " + k});
      }
    }
    if (!ok) return syntax("bad MAIL parameters");
    return c;
  }
  if (verb == "RCPT") {
    c.verb = Command::Verb::rcpt;
    auto split = split_path(rest, "TO:");
    if (!split) return Unexpected(split.error());
    auto inner = split->first.substr(1, split->first.size() - 2);
    if (ascii_upper(inner) == "POSTMASTER") {
      c.rcpt.postmaster = true;
      c.rcpt.recipient = Mailbox{"postmaster", "", false, false, false};
    } else {
      auto path = parse_path(split->first, false);
      if (!path) return Unexpected(path.error());
      c.rcpt.recipient = **path;
    }
    bool ok = true;
    for (auto& [k, v] : params(split->second, ok)) {
      if (k == "NOTIFY") {
        c.rcpt.notify_given = true;
        std::size_t pos = 0;
        auto u = ascii_upper(v);
        while (pos <= u.size()) {
          auto comma = u.find(',', pos);
          auto item = u.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
          if (item == "NEVER") c.rcpt.notify_never = true;
          else if (item == "SUCCESS") c.rcpt.notify_success = true;
          else if (item == "FAILURE") c.rcpt.notify_failure = true;
          else if (item == "DELAY") c.rcpt.notify_delay = true;
          else return syntax("NOTIFY must be NEVER or SUCCESS,FAILURE,DELAY");
          if (comma == std::string::npos) break;
          pos = comma + 1;
        }
        if (c.rcpt.notify_never && (c.rcpt.notify_success || c.rcpt.notify_failure || c.rcpt.notify_delay))
          return syntax("NOTIFY=NEVER stands alone");
      } else if (k == "ORCPT") {
        auto d = xtext_decode(v);
        if (!d || d->find(';') == std::string::npos) return syntax("bad ORCPT");
        c.rcpt.orcpt = *d;
      } else {
        return Unexpected(ParseError{555, "5.5.4", "unsupported RCPT parameter " + k});
      }
    }
    if (!ok) return syntax("bad RCPT parameters");
    return c;
  }
  if (verb == "DATA") return no_args(Command::Verb::data);
  if (verb == "RSET") return no_args(Command::Verb::rset);
  if (verb == "QUIT") return no_args(Command::Verb::quit);
  if (verb == "STARTTLS") return no_args(Command::Verb::starttls);
  if (verb == "NOOP" || verb == "HELP" || verb == "VRFY") {
    c.verb = verb == "NOOP" ? Command::Verb::noop : verb == "HELP" ? Command::Verb::help : Command::Verb::vrfy;
    if (c.verb == Command::Verb::vrfy && rest.empty()) return syntax("VRFY needs an argument");
    c.argument = std::string(rest);
    return c;
  }
  if (verb == "BDAT") {
    c.verb = Command::Verb::bdat;
    auto space = rest.find(' ');
    auto n = number(rest.substr(0, space));
    if (!n) return syntax("BDAT needs a chunk size");
    c.chunk_size = *n;
    if (space != std::string_view::npos) {
      if (ascii_upper(rest.substr(space + 1)) != "LAST") return syntax("expected LAST after the chunk size");
      c.last = true;
    }
    return c;
  }
  if (verb == "AUTH") {
    c.verb = Command::Verb::auth;
    auto space = rest.find(' ');
    c.mechanism = ascii_upper(rest.substr(0, space));
    if (c.mechanism.empty()) return syntax("AUTH needs a mechanism");
    if (space != std::string_view::npos) c.initial = std::string(rest.substr(space + 1));
    return c;
  }
  return Unexpected(ParseError{500, "5.5.1", "unknown command"});
}

}  // namespace estafeta::smtp
