#include "auth/sasl.hpp"

#include "core/ascii.hpp"

namespace estafeta::auth {

std::optional<PlainCredentials> decode_plain(std::string_view base64) {
  auto decoded = base64_decode(base64);
  if (!decoded) return std::nullopt;
  auto first = decoded->find('\0');
  auto second = first == std::string::npos ? first : decoded->find('\0', first + 1);
  if (second == std::string::npos || decoded->find('\0', second + 1) != std::string::npos) return std::nullopt;
  return PlainCredentials{decoded->substr(0, first), decoded->substr(first + 1, second - first - 1),
                          decoded->substr(second + 1)};
}

namespace {

// No address and no device password holds a NUL or a line end: credentials
// that do are malformed (they would otherwise reach lookups and logs).
bool plausible(std::string_view s) { return s.find_first_of(std::string_view("\0\r\n", 3)) == std::string_view::npos; }

}  // namespace

std::optional<SaslExchange::Mechanism> SaslExchange::named(std::string_view name) {
  if (ascii_iequals(name, "PLAIN")) return Mechanism::plain;
  if (ascii_iequals(name, "LOGIN")) return Mechanism::login;
  return std::nullopt;
}

SaslExchange::Step SaslExchange::plain(std::string_view base64) const {
  auto creds = decode_plain(base64);
  if (!creds) return Step{Step::Kind::malformed, {}, {}, {}, "malformed PLAIN response"};
  // RFC 4616 §2: an authzid other than the authcid asks to act as someone
  // else; no one may here.
  if (!creds->authzid.empty() && creds->authzid != creds->authcid)
    return Step{Step::Kind::other_identity, {}, {}, {}, "logging in as someone else is not supported"};
  if (!plausible(creds->authcid) || !plausible(creds->password))
    return Step{Step::Kind::malformed, {}, {}, {}, "malformed PLAIN response"};
  return Step{Step::Kind::credentials, {}, std::move(creds->authcid), std::move(creds->password), {}};
}

SaslExchange::Step SaslExchange::start(std::optional<std::string_view> initial) {
  if (m_mechanism == Mechanism::plain) {
    if (initial) return plain(*initial == "=" ? "" : *initial);
    return Step{Step::Kind::challenge, "", {}, {}, {}};
  }
  if (!initial || *initial == "=") return Step{Step::Kind::challenge, std::string(kLoginUserPrompt), {}, {}, {}};
  return next(*initial);
}

SaslExchange::Step SaslExchange::next(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line == "*") return Step{Step::Kind::cancelled, {}, {}, {}, "authentication cancelled"};
  if (m_mechanism == Mechanism::plain) return plain(line);
  auto decoded = base64_decode(line);
  if (!decoded) return Step{Step::Kind::malformed, {}, {}, {}, "invalid base64"};
  if (!plausible(*decoded))
    return Step{Step::Kind::malformed, {}, {}, {}, "a user name or password cannot hold a NUL or a line end"};
  if (!m_user) {
    m_user = std::move(*decoded);
    return Step{Step::Kind::challenge, std::string(kLoginPasswordPrompt), {}, {}, {}};
  }
  return Step{Step::Kind::credentials, {}, *m_user, std::move(*decoded), {}};
}

}  // namespace estafeta::auth
