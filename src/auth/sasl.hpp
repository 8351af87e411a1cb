// SASL shared by IMAP AUTHENTICATE, POP3 AUTH and SMTP AUTH: base64
// (RFC 4648 §4), the PLAIN mechanism's message (RFC 4616 §2), and the
// exchange itself for PLAIN and LOGIN (LOGIN is the same everywhere:
// "Username:" then "Password:", base64-encoded). A protocol only wraps the
// challenges ("+ " or "334 ") and turns the outcome into its own replies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base64.hpp"

namespace estafeta::auth {

using ::estafeta::base64_decode;
using ::estafeta::base64_encode;

struct PlainCredentials {
  std::string authzid;  // empty: act as authcid
  std::string authcid;  // the address
  std::string password;
};

// Decodes a PLAIN initial response ("" when the client sent "=").
// nullopt when it is not base64 or not "authzid NUL authcid NUL passwd".
std::optional<PlainCredentials> decode_plain(std::string_view base64);

inline constexpr std::string_view kLoginUserPrompt = "VXNlcm5hbWU6";      // "Username:"
inline constexpr std::string_view kLoginPasswordPrompt = "UGFzc3dvcmQ6";  // "Password:"

// One PLAIN or LOGIN exchange, from the command that starts it to the
// credentials (or the reason there are none).
class SaslExchange {
 public:
  enum class Mechanism { plain, login };
  // "PLAIN" or "LOGIN", any case; nullopt for any other mechanism.
  static std::optional<Mechanism> named(std::string_view name);

  struct Step {
    enum class Kind {
      challenge,       // send `challenge` (base64; may be empty) and wait for the next line
      credentials,     // the exchange is over: log in with address and password
      cancelled,       // the client sent "*"
      malformed,       // not base64, or not a PLAIN message: `error` says which
      other_identity,  // PLAIN asked to act as another identity (authzid), which is not supported
    };
    Kind kind = Kind::malformed;
    std::string challenge;
    std::string address;
    std::string password;
    std::string error;
  };

  explicit SaslExchange(Mechanism mechanism) : m_mechanism(mechanism) {}
  Mechanism mechanism() const { return m_mechanism; }

  // The first step. `initial`: the initial response sent with the command
  // (SASL-IR, AUTH's second argument), "=" standing for an empty one
  // (RFC 4954 §4, RFC 9051 §6.2.2); nullopt when there was none.
  Step start(std::optional<std::string_view> initial);
  // Each line the client sends after a challenge (trailing CR/LF ignored).
  Step next(std::string_view line);

 private:
  Step plain(std::string_view base64) const;

  Mechanism m_mechanism;
  std::optional<std::string> m_user;  // LOGIN: after the first answer
};

}  // namespace estafeta::auth
