// Record data in presentation form (RFC 1035 §5.1) for the types the
// console edits: A, AAAA (RFC 3596), NS, CNAME, SOA, MX, TXT, SRV
// (RFC 2782) and CAA (RFC 8659).
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "dns/zone.hpp"

namespace estafeta::dns {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool ascii_isdigit(char c) { return c >= '0' && c <= '9'; }
bool ascii_isalnum(char c) { return ascii_isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Splits presentation text into tokens; a quoted token keeps its quotes
// off and its \X and \DDD escapes decoded (RFC 1035 §5.1).
struct Token {
  std::string text;
  bool quoted = false;
};

Result<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (is_space(s[i])) {
      ++i;
      continue;
    }
    Token t;
    if (s[i] == '"') {
      t.quoted = true;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char c = s[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c != '\\') {
          t.text.push_back(c);
          continue;
        }
        if (i >= s.size()) break;
        if (i + 2 < s.size() && ascii_isdigit(s[i]) && ascii_isdigit(s[i + 1]) && ascii_isdigit(s[i + 2])) {
          int v = (s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
          if (v > 255) return fail(ErrorKind::invalid, "an escape \\DDD over 255");
          t.text.push_back(static_cast<char>(v));
          i += 3;
        } else {
          t.text.push_back(s[i++]);
        }
      }
      if (!closed) return fail(ErrorKind::invalid, "a quoted string is not closed");
    } else {
      while (i < s.size() && !is_space(s[i])) t.text.push_back(s[i++]);
    }
    out.push_back(std::move(t));
  }
  return out;
}

template <class T>
Result<T> number(const Token& t, const char* what) {
  T n{};
  auto [end, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), n);
  if (t.quoted || t.text.empty() || ec != std::errc{} || end != t.text.data() + t.text.size())
    return fail(ErrorKind::invalid,
                fmt::format("{} must be a number from 0 to {}", what, std::numeric_limits<T>::max()));
  return n;
}

Status expect_tokens(const std::vector<Token>& tokens, std::size_t n, const char* form) {
  if (tokens.size() != n) return fail(ErrorKind::invalid, fmt::format("expected {}", form));
  return {};
}

// A target host name; "." (the root) only where `root_ok` (null MX, SRV).
Result<std::string> target(const Token& t, bool root_ok) {
  if (t.text == ".") {
    if (root_ok) return std::string();
    return fail(ErrorKind::invalid, "the root is not a valid target here");
  }
  auto name = TRY(normalize_zone_name(t.text));
  if (name.starts_with("*")) return fail(ErrorKind::invalid, "a target cannot be a wildcard");
  return name;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\')
      out += std::string("\\") + c;
    else if (u < 0x20 || u > 0x7e)
      out += fmt::format("\\{:03d}", u);
    else
      out.push_back(c);
  }
  return out + "\"";
}

std::string name_or_root(const std::string& n) { return n.empty() ? "." : n; }

Result<RecordData> parse_txt(std::string_view text) {
  std::vector<std::string> strings;
  auto trimmed = text;
  while (!trimmed.empty() && is_space(trimmed.front())) trimmed.remove_prefix(1);
  while (!trimmed.empty() && is_space(trimmed.back())) trimmed.remove_suffix(1);
  if (trimmed.starts_with("\"")) {
    for (auto& t : TRY(tokenize(trimmed))) {
      if (!t.quoted) return fail(ErrorKind::invalid, "TXT: mix of quoted and unquoted text; quote every string");
      strings.push_back(std::move(t.text));
    }
  } else {
    strings.emplace_back(trimmed);
  }
  TxtData txt;
  std::size_t total = 0;
  for (auto& s : strings) {
    total += s.size();
    // RFC 1035 §3.3.14: a character-string holds 255 octets; longer text is
    // split, which readers of SPF and DKIM records join back (RFC 7208 §3.3).
    for (std::size_t at = 0; at < s.size() || (s.empty() && at == 0); at += 255) {
      txt.strings.push_back(s.substr(at, 255));
      if (s.empty()) break;
    }
  }
  if (total > kMaxTxtLength) return fail(ErrorKind::invalid, fmt::format("TXT: longer than {} octets", kMaxTxtLength));
  return txt;
}

}  // namespace

std::string TxtData::joined() const {
  std::string out;
  for (auto& s : strings) out += s;
  return out;
}

const char* to_string(RrType type) {
  switch (type) {
    case RrType::a: return "A";
    case RrType::ns: return "NS";
    case RrType::cname: return "CNAME";
    case RrType::soa: return "SOA";
    case RrType::mx: return "MX";
    case RrType::txt: return "TXT";
    case RrType::aaaa: return "AAAA";
    case RrType::srv: return "SRV";
    case RrType::caa: return "CAA";
  }
  return "?";
}

std::optional<RrType> parse_rr_type(std::string_view s) {
  for (auto t : {RrType::a, RrType::ns, RrType::cname, RrType::soa, RrType::mx, RrType::txt, RrType::aaaa, RrType::srv,
                 RrType::caa})
    if (ascii_iequals(s, to_string(t))) return t;
  return std::nullopt;
}

Result<std::string> normalize_zone_name(std::string_view name) {
  if (name.ends_with(".")) name.remove_suffix(1);
  auto out = ascii_lower(name);
  if (out.size() > 253) return fail(ErrorKind::invalid, "a name is at most 253 octets");
  std::size_t pos = 0;
  bool first = true;
  while (!out.empty() && pos <= out.size()) {
    auto end = out.find('.', pos);
    if (end == std::string::npos) end = out.size();
    auto label = std::string_view(out).substr(pos, end - pos);
    if (label.empty()) return fail(ErrorKind::invalid, fmt::format("empty label in \"{}\"", out));
    if (label.size() > 63) return fail(ErrorKind::invalid, "a label is at most 63 octets");
    if (label == "*" && first) {
      // RFC 4592 §2.1.1: the asterisk label, first only.
    } else {
      for (char c : label)
        if (!ascii_isalnum(c) && c != '-' && c != '_')
          return fail(ErrorKind::invalid, fmt::format("\"{}\": only letters, digits, '-' and '_' in names", out));
    }
    first = false;
    pos = end + 1;
  }
  return out;
}

Result<RecordData> parse_record_data(RrType type, std::string_view text) {
  if (type == RrType::txt) return parse_txt(text);
  auto tokens = TRY(tokenize(text));
  switch (type) {
    case RrType::a:
    case RrType::aaaa: {
      TRY(expect_tokens(tokens, 1, "an address"));
      auto ip = IpAddress::parse(tokens[0].text);
      bool v4 = type == RrType::a;
      if (!ip || ip->is_v4() != v4)
        return fail(ErrorKind::invalid, fmt::format("\"{}\" is not an IPv{} address", tokens[0].text, v4 ? 4 : 6));
      return RecordData(*ip);
    }
    case RrType::ns:
    case RrType::cname:
      TRY(expect_tokens(tokens, 1, "a host name"));
      return RecordData(NameData{TRY(target(tokens[0], false))});
    case RrType::mx: {
      TRY(expect_tokens(tokens, 2, "\"preference host\" (e.g. \"10 mx.example.com\")"));
      return RecordData(MxData{TRY(number<std::uint16_t>(tokens[0], "the preference")), TRY(target(tokens[1], true))});
    }
    case RrType::srv: {
      TRY(expect_tokens(tokens, 4, "\"priority weight port target\""));
      return RecordData(SrvData{TRY(number<std::uint16_t>(tokens[0], "the priority")),
                                TRY(number<std::uint16_t>(tokens[1], "the weight")),
                                TRY(number<std::uint16_t>(tokens[2], "the port")), TRY(target(tokens[3], true))});
    }
    case RrType::caa: {
      TRY(expect_tokens(tokens, 3, "'flags tag \"value\"' (e.g. '0 issue \"letsencrypt.org\"')"));
      CaaData caa{TRY(number<std::uint8_t>(tokens[0], "the flags")), ascii_lower(tokens[1].text), tokens[2].text};
      // RFC 8659 §4.1: a tag is 1–15 letters and digits.
      if (caa.tag.empty() || caa.tag.size() > 15 || tokens[1].quoted)
        return fail(ErrorKind::invalid, "a CAA tag is 1 to 15 letters and digits");
      for (char c : caa.tag)
        if (!ascii_isalnum(c)) return fail(ErrorKind::invalid, "a CAA tag is 1 to 15 letters and digits");
      return RecordData(std::move(caa));
    }
    case RrType::soa: {
      TRY(expect_tokens(tokens, 7, "\"mname rname serial refresh retry expire minimum\""));
      SoaData soa;
      soa.mname = TRY(target(tokens[0], false));
      soa.rname = TRY(target(tokens[1], false));
      soa.serial = TRY(number<std::uint32_t>(tokens[2], "the serial"));
      soa.refresh = TRY(number<std::uint32_t>(tokens[3], "refresh"));
      soa.retry = TRY(number<std::uint32_t>(tokens[4], "retry"));
      soa.expire = TRY(number<std::uint32_t>(tokens[5], "expire"));
      soa.minimum = TRY(number<std::uint32_t>(tokens[6], "minimum"));
      return RecordData(std::move(soa));
    }
    case RrType::txt: break;
  }
  return fail(ErrorKind::invalid, "unsupported record type");
}

std::string format_record_data(RrType type, const RecordData& data) {
  switch (type) {
    case RrType::a:
    case RrType::aaaa: return std::get<IpAddress>(data).to_string();
    case RrType::ns:
    case RrType::cname: return std::get<NameData>(data).target;
    case RrType::mx: {
      auto& mx = std::get<MxData>(data);
      return fmt::format("{} {}", mx.preference, name_or_root(mx.exchange));
    }
    case RrType::srv: {
      auto& srv = std::get<SrvData>(data);
      return fmt::format("{} {} {} {}", srv.priority, srv.weight, srv.port, name_or_root(srv.target));
    }
    case RrType::caa: {
      auto& caa = std::get<CaaData>(data);
      return fmt::format("{} {} {}", caa.flags, caa.tag, quote(caa.value));
    }
    case RrType::soa: {
      auto& s = std::get<SoaData>(data);
      return fmt::format("{} {} {} {} {} {} {}", s.mname, s.rname, s.serial, s.refresh, s.retry, s.expire, s.minimum);
    }
    case RrType::txt: {
      std::string out;
      for (auto& s : std::get<TxtData>(data).strings) out += (out.empty() ? "" : " ") + quote(s);
      return out;
    }
  }
  return {};
}

}  // namespace estafeta::dns
