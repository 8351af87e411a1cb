// The e-mail a user gets on a login to their account, successful or failed,
// when they asked for it (DESIGN §2.2): a plain MIME message in Spanish or
// English saying when, from where, with what and how, and what to do if it
// was not them. Pure: the server delivers it (server/services.cpp).
#pragma once

#include <string>

#include "auth/web_login.hpp"

namespace estafeta::auth {

struct AlertEnvelope {
  std::string hostname;  // the server's name: the sender's domain and the Message-ID's
  std::string to;        // the address it is filed under
  std::string language;  // "es" or "en"
};

// RFC 5322 message text with CRLF line ends; header fields in ASCII
// (RFC 2047 encoded words for the subject), body in UTF-8.
std::string login_alert_message(const LoginAlert& alert, const AlertEnvelope& envelope);

}  // namespace estafeta::auth
