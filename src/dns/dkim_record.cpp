// RFC 6376 §3.5 (the DKIM-Signature field) and §3.6.1 (key records).
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/base64.hpp"
#include "dns/dkim.hpp"
#include "dns/tag_list.hpp"

namespace estafeta::dns::dkim {

namespace {

constexpr const char* kFws = " \t\r\n";

Result<std::string> decode(const std::string& value, const char* tag) {
  auto bytes = base64_decode(value, kFws);
  if (!bytes) return fail(ErrorKind::invalid, fmt::format("{}= is not base64", tag));
  return std::move(*bytes);
}

// A decimal tag value (l=, t=, x=): digits only, no overflow.
template <class T>
Result<T> number(const std::string& value, const char* tag) {
  T n{};
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc{} || end != value.data() + value.size() || value.front() == '-')
    return fail(ErrorKind::invalid, fmt::format("{}= is not a number", tag));
  return n;
}

std::vector<std::string> split_colons(std::string_view value) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    auto end = value.find(':', pos);
    if (end == std::string_view::npos) end = value.size();
    out.emplace_back(value.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// Whether the domain of identity `i` is `d` or a subdomain of it (§3.5 i=).
bool identity_within(std::string_view i, std::string_view d, bool exact) {
  auto at = i.rfind('@');
  if (at == std::string_view::npos) return false;
  auto domain = ascii_lower(i.substr(at + 1));
  if (domain == d) return true;
  return !exact && domain.size() > d.size() && domain.ends_with(d) && domain[domain.size() - d.size() - 1] == '.';
}

}  // namespace

Result<Signature> parse_signature(std::string_view value) {
  auto tags = TRY(parse_tag_list(value));
  for (auto required : {"v", "a", "b", "bh", "d", "h", "s"})
    if (!find_tag(tags, required))
      return fail(ErrorKind::invalid, fmt::format("the required tag {}= is missing", required));
  if (*find_tag(tags, "v") != "1") return fail(ErrorKind::invalid, "v= is not 1");
  Signature sig;
  auto a = ascii_lower(*find_tag(tags, "a"));
  if (a == "rsa-sha256")
    sig.algorithm = Algorithm::rsa_sha256;
  else if (a == "ed25519-sha256")
    sig.algorithm = Algorithm::ed25519_sha256;
  else if (a == "rsa-sha1")
    return fail(ErrorKind::invalid, "rsa-sha1 is not accepted (RFC 8301)");
  else
    return fail(ErrorKind::invalid, "unknown algorithm in a=");

  if (auto c = find_tag(tags, "c")) {
    auto canon = ascii_lower(*c);
    auto slash = canon.find('/');
    auto parse = [](std::string_view s) -> std::optional<Canon> {
      if (s == "simple") return Canon::simple;
      if (s == "relaxed") return Canon::relaxed;
      return std::nullopt;
    };
    auto h = parse(std::string_view(canon).substr(0, slash));
    auto b =
        slash == std::string::npos ? std::optional(Canon::simple) : parse(std::string_view(canon).substr(slash + 1));
    if (!h || !b) return fail(ErrorKind::invalid, "unknown canonicalisation in c=");
    sig.header_canon = *h;
    sig.body_canon = *b;
  }
  sig.domain = ascii_lower(*find_tag(tags, "d"));
  while (!sig.domain.empty() && sig.domain.back() == '.') sig.domain.pop_back();
  if (sig.domain.empty()) return fail(ErrorKind::invalid, "d= is empty");
  sig.selector = *find_tag(tags, "s");
  if (sig.selector.empty()) return fail(ErrorKind::invalid, "s= is empty");

  sig.signed_fields = split_colons(strip_whitespace(*find_tag(tags, "h")));
  if (sig.signed_fields.size() > kMaxSignedFields) return fail(ErrorKind::invalid, "h= lists too many fields");
  bool from = false;
  for (auto& f : sig.signed_fields) {
    if (f.empty()) return fail(ErrorKind::invalid, "h= has an empty field name");
    from = from || ascii_iequals(f, "from");
  }
  if (!from) return fail(ErrorKind::invalid, "h= does not include From");  // §5.4

  if (auto i = find_tag(tags, "i")) {
    if (!identity_within(*i, sig.domain, false)) return fail(ErrorKind::invalid, "i= is not within d=");
    sig.identity = *i;
  } else {
    sig.identity = "@" + sig.domain;
  }
  if (auto q = find_tag(tags, "q"); q && strip_whitespace(*q).find("dns/txt") == std::string::npos)
    return fail(ErrorKind::invalid, "q= offers no dns/txt");
  if (auto l = find_tag(tags, "l")) sig.body_length = TRY(number<std::uint64_t>(*l, "l"));
  if (auto t = find_tag(tags, "t")) sig.timestamp = TRY(number<std::int64_t>(*t, "t"));
  if (auto x = find_tag(tags, "x")) sig.expiration = TRY(number<std::int64_t>(*x, "x"));
  if (sig.timestamp && sig.expiration && *sig.expiration < *sig.timestamp)
    return fail(ErrorKind::invalid, "x= is before t=");
  sig.body_hash = TRY(decode(*find_tag(tags, "bh"), "bh"));
  sig.b_text = strip_whitespace(*find_tag(tags, "b"));
  sig.signature = TRY(decode(*find_tag(tags, "b"), "b"));
  if (sig.signature.empty()) return fail(ErrorKind::invalid, "b= is empty");
  return sig;
}

Result<KeyRecord> parse_key_record(std::string_view txt) {
  auto tags = TRY(parse_tag_list(txt));
  // §3.6.1: v=, when present, must be the first tag and be DKIM1.
  if (auto v = find_tag(tags, "v"); v && (tags.front().name != "v" || *v != "DKIM1"))
    return fail(ErrorKind::invalid, "v= is not DKIM1 at the start");
  KeyRecord key;
  if (auto k = find_tag(tags, "k")) {
    if (*k == "rsa")
      key.algorithm = Algorithm::rsa_sha256;
    else if (*k == "ed25519")
      key.algorithm = Algorithm::ed25519_sha256;
    else
      return fail(ErrorKind::invalid, "unknown key type in k=");
  }
  if (auto h = find_tag(tags, "h")) {
    auto hashes = split_colons(strip_whitespace(*h));
    if (std::find(hashes.begin(), hashes.end(), "sha256") == hashes.end())
      return fail(ErrorKind::invalid, "h= of the key does not allow sha256");
  }
  if (auto s = find_tag(tags, "s")) {
    auto services = split_colons(strip_whitespace(*s));
    if (std::find(services.begin(), services.end(), "*") == services.end() &&
        std::find(services.begin(), services.end(), "email") == services.end())
      return fail(ErrorKind::invalid, "the key is not for email (s=)");
  }
  if (auto t = find_tag(tags, "t")) {
    for (auto& flag : split_colons(strip_whitespace(*t))) {
      key.testing = key.testing || flag == "y";
      key.strict_identity = key.strict_identity || flag == "s";
    }
  }
  auto p = find_tag(tags, "p");
  if (!p) return fail(ErrorKind::invalid, "the key record has no p=");
  key.public_key = TRY(decode(*p, "p"));
  key.revoked = key.public_key.empty();
  return key;
}

}  // namespace estafeta::dns::dkim
