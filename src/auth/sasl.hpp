// SASL pieces shared by IMAP, POP3 and SMTP AUTH: base64 (RFC 4648 §4) and
// the PLAIN mechanism's message (RFC 4616 §2). LOGIN is the same exchange
// everywhere: "Username:" then "Password:", base64-encoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace estafeta::auth {

std::optional<std::string> base64_decode(std::string_view in);
std::string base64_encode(std::string_view in);

struct PlainCredentials {
  std::string authzid;  // empty: act as authcid
  std::string authcid;  // the address
  std::string password;
};

// Decodes a PLAIN initial response ("" when the client sent "=").
// nullopt when it is not base64 or not "authzid NUL authcid NUL passwd".
std::optional<PlainCredentials> decode_plain(std::string_view base64);

inline constexpr std::string_view kLoginUserPrompt = "VXNlcm5hbWU6";  // "Username:"
inline constexpr std::string_view kLoginPasswordPrompt = "UGFzc3dvcmQ6";  // "Password:"

}  // namespace estafeta::auth
