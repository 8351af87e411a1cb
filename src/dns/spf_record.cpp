// The SPF record grammar (RFC 7208 §12, collected ABNF):
//   record   = version terms *SP            version = "v=spf1"      (§4.5)
//   terms    = *( 1*SP ( directive / modifier ) )                   (§4.6.1)
//   directive = [ qualifier ] mechanism    qualifier = "+" / "-" / "?" / "~"
//   mechanism = all / include / a / mx / ptr / ip4 / ip6 / exists   (§5)
//   modifier  = redirect / explanation / unknown-modifier           (§6)
//   unknown-modifier = name "=" macro-string
//   name      = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
//   domain-spec = macro-string domain-end                           (§7.1)
//   domain-end  = ( "." toplabel [ "." ] ) / macro-expand
//   toplabel    = ( *alphanum ALPHA *alphanum ) /
//                 ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
//   dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ]  (§5.6)
// A term is a modifier when a name is followed directly by "=" (§4.6.1), so
// "redirect:x" is an unknown mechanism, not a modifier. Known modifiers must
// match their own grammar and appear at most once (§6); so "exp=" with an
// empty domain-spec is a permerror (the reading the RFC 7208 test suite and
// the erratum on §6.2 settled on).
#include "core/ascii.hpp"
#include "dns/spf.hpp"

namespace estafeta::dns {

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

// The term for an error message: printable, bounded.
std::string quote(std::string_view text) {
  std::string out(text.substr(0, 60));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return "\"" + out + (text.size() > 60 ? "...\"" : "\"");
}

std::unexpected<Error> bad_term(std::string_view what, std::string_view term) {
  return fail(ErrorKind::invalid, std::string(what) + " in " + quote(term));
}

bool is_toplabel(std::string_view label) {
  if (label.empty() || !is_alnum(label.front()) || !is_alnum(label.back())) return false;
  bool alpha = false, dash = false;
  for (char c : label) {
    if (c == '-')
      dash = true;
    else if (is_alpha(c))
      alpha = true;
    else if (!is_digit(c))
      return false;
  }
  return alpha || dash;
}

// domain-spec = macro-string domain-end (RFC 7208 §7.1).
Status check_domain_spec(std::string_view spec, std::string_view term) {
  if (spec.empty()) return bad_term("empty domain-spec", term);
  if (auto ok = check_macro_string(spec, MacroUse::domain_spec); !ok) return bad_term(ok.error().message, term);
  // Find where the literal text after the last macro-expand starts.
  std::size_t tail = 0;
  for (std::size_t at = 0; at < spec.size();) {
    if (spec[at] != '%') {
      ++at;
      continue;
    }
    at = spec[at + 1] == '{' ? spec.find('}', at) + 1 : at + 2;  // syntax checked above
    tail = at;
  }
  if (tail == spec.size()) return {};  // ends in a macro-expand
  std::string_view literal = spec.substr(tail);
  if (literal.back() == '.') literal.remove_suffix(1);
  auto dot = literal.rfind('.');
  if (dot == std::string_view::npos || !is_toplabel(literal.substr(dot + 1)))
    return bad_term("domain-spec does not end in a valid top label", term);
  return {};
}

// ip4-cidr-length / ip6-cidr-length digits: no leading zeros, at most `max`.
std::optional<int> parse_cidr(std::string_view digits, int max) {
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  int value = 0;
  for (char c : digits) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value > max) return std::nullopt;
  return value;
}

struct DualCidr {
  std::string_view rest;  // what precedes the CIDR lengths
  std::optional<std::string_view> v4, v6;
};

// Takes "[/n4][//n6]" off the end of `text`.
DualCidr split_dual_cidr(std::string_view text) {
  DualCidr out;
  auto digits_from = [](std::string_view s) {
    std::size_t d = s.size();
    while (d > 0 && is_digit(s[d - 1])) --d;
    return d;
  };
  std::size_t d = digits_from(text);
  if (d < text.size() && d >= 2 && text[d - 1] == '/' && text[d - 2] == '/') {
    out.v6 = text.substr(d);
    text = text.substr(0, d - 2);
    d = digits_from(text);
  }
  if (d < text.size() && d >= 1 && text[d - 1] == '/') {
    out.v4 = text.substr(d);
    text = text.substr(0, d - 1);
  }
  out.rest = text;
  return out;
}

Result<SpfMechanism> parse_mechanism(std::string_view term) {
  SpfMechanism m;
  m.text = std::string(term);
  std::string_view body = term;
  if (!body.empty() && (body[0] == '+' || body[0] == '-' || body[0] == '~' || body[0] == '?')) {
    m.qualifier = static_cast<SpfQualifier>(body[0]);
    body.remove_prefix(1);
  }
  std::size_t n = 0;
  while (n < body.size() && is_alnum(body[n])) ++n;
  std::string name = ascii_lower(body.substr(0, n));
  std::string_view rest = body.substr(n);

  using K = SpfMechanismKind;
  if (name == "all")
    m.kind = K::all;
  else if (name == "include")
    m.kind = K::include;
  else if (name == "a")
    m.kind = K::a;
  else if (name == "mx")
    m.kind = K::mx;
  else if (name == "ptr")
    m.kind = K::ptr;
  else if (name == "ip4")
    m.kind = K::ip4;
  else if (name == "ip6")
    m.kind = K::ip6;
  else if (name == "exists")
    m.kind = K::exists;
  else
    return bad_term("unknown mechanism", term);

  switch (m.kind) {
    case K::all:
      if (!rest.empty()) return bad_term("\"all\" takes no argument", term);
      break;
    case K::include:
    case K::exists:
      if (rest.empty() || rest[0] != ':') return bad_term("domain-spec required", term);
      m.domain_spec = std::string(rest.substr(1));
      TRY(check_domain_spec(m.domain_spec, term));
      break;
    case K::ptr:
      if (rest.empty()) break;
      if (rest[0] != ':') return bad_term("unexpected text after \"ptr\"", term);
      m.domain_spec = std::string(rest.substr(1));
      TRY(check_domain_spec(m.domain_spec, term));
      break;
    case K::a:
    case K::mx: {
      bool has_spec = !rest.empty() && rest[0] == ':';
      DualCidr cidr = split_dual_cidr(has_spec ? rest.substr(1) : rest);
      if (has_spec) {
        m.domain_spec = std::string(cidr.rest);
        TRY(check_domain_spec(m.domain_spec, term));
      } else if (!cidr.rest.empty()) {
        return bad_term("malformed CIDR length", term);
      }
      if (cidr.v4) {
        auto v = parse_cidr(*cidr.v4, 32);
        if (!v) return bad_term("invalid IPv4 CIDR length", term);
        m.cidr4 = *v;
      }
      if (cidr.v6) {
        auto v = parse_cidr(*cidr.v6, 128);
        if (!v) return bad_term("invalid IPv6 CIDR length", term);
        m.cidr6 = *v;
      }
      break;
    }
    case K::ip4:
    case K::ip6: {
      bool v4 = m.kind == K::ip4;
      if (rest.empty() || rest[0] != ':') return bad_term("address required", term);
      rest.remove_prefix(1);
      auto slash = rest.find('/');
      auto ip = IpAddress::parse(rest.substr(0, slash));
      if (!ip || ip->is_v4() != v4) return bad_term(v4 ? "invalid IPv4 address" : "invalid IPv6 address", term);
      m.network = *ip;
      if (slash != std::string_view::npos) {
        auto v = parse_cidr(rest.substr(slash + 1), v4 ? 32 : 128);
        if (!v) return bad_term(v4 ? "invalid IPv4 CIDR length" : "invalid IPv6 CIDR length", term);
        (v4 ? m.cidr4 : m.cidr6) = *v;
      }
      break;
    }
  }
  return m;
}

// The length of a modifier name at the start of `term` when "=" follows it
// directly, else 0.
std::size_t modifier_name_length(std::string_view term) {
  if (term.empty() || !is_alpha(term[0])) return 0;
  std::size_t n = 1;
  while (n < term.size() && (is_alnum(term[n]) || term[n] == '-' || term[n] == '_' || term[n] == '.')) ++n;
  return n < term.size() && term[n] == '=' ? n : 0;
}

Status add_modifier(SpfRecord& record, std::string_view term, std::size_t name_length) {
  std::string name = ascii_lower(term.substr(0, name_length));
  std::string_view value = term.substr(name_length + 1);
  if (name == "redirect" || name == "exp") {
    auto& slot = name == "redirect" ? record.redirect : record.explanation;
    if (slot) return bad_term("\"" + name + "=\" given twice", term);
    TRY(check_domain_spec(value, term));
    slot = std::string(value);
    return {};
  }
  if (auto ok = check_macro_string(value, MacroUse::modifier); !ok) return bad_term(ok.error().message, term);
  record.unknown.push_back(SpfModifier{std::move(name), std::string(value)});
  return {};
}

}  // namespace

bool SpfMechanism::queries_dns() const {
  switch (kind) {
    case SpfMechanismKind::include:
    case SpfMechanismKind::a:
    case SpfMechanismKind::mx:
    case SpfMechanismKind::ptr:
    case SpfMechanismKind::exists: return true;
    default: return false;
  }
}

int SpfRecord::dns_terms() const {
  int count = redirect ? 1 : 0;
  for (const auto& m : mechanisms)
    if (m.queries_dns()) ++count;
  return count;
}

std::string SpfRecord::to_string() const {
  std::string out = "v=spf1";
  for (const auto& m : mechanisms) out += " " + m.text;
  if (redirect) out += " redirect=" + *redirect;
  if (explanation) out += " exp=" + *explanation;
  for (const auto& u : unknown) out += " " + u.name + "=" + u.value;
  return out;
}

bool is_spf_record(std::string_view txt) {
  static constexpr std::string_view kVersion = "v=spf1";
  if (txt.size() < kVersion.size() || ascii_lower(txt.substr(0, kVersion.size())) != kVersion) return false;
  return txt.size() == kVersion.size() || txt[kVersion.size()] == ' ';
}

Result<SpfRecord> parse_spf_record(std::string_view text) {
  if (!is_spf_record(text)) return fail(ErrorKind::invalid, "not an SPF record (no \"v=spf1\")");
  SpfRecord record;
  std::string_view rest = text.substr(6);
  while (!rest.empty()) {
    auto space = rest.find(' ');
    std::string_view term = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    if (term.empty()) continue;  // 1*SP between terms, *SP at the end
    if (std::size_t n = modifier_name_length(term)) {
      TRY(add_modifier(record, term, n));
    } else {
      record.mechanisms.push_back(TRY(parse_mechanism(term)));
    }
  }
  return record;
}

}  // namespace estafeta::dns
