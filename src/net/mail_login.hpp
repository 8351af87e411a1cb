// Mail-protocol logins (IMAP, POP3, SMTP AUTH) in one place: the throttle
// (auth/throttle.hpp: a client that failed waits; failures on an address
// slow further failures, never the real user's success), the device-password
// check, the audit entry and the log line. Each protocol maps the outcome to
// its own reply. Also: which bus events end a logged-in session.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/event_bus.hpp"
#include "net/services.hpp"

namespace estafeta::net {

struct MailLogin {
  std::optional<store::LoginCandidate> who;  // set on success
  Error error;                               // otherwise: permission (wrong credentials) or in_use (locked service)
  std::chrono::milliseconds delay{0};        // wait this long before answering
};

// Blocking (store): from the worker pool. `product` names the protocol in
// the audit log and the log ("imap", "pop3", "smtp").
MailLogin mail_login(Services& services, const char* product, const std::string& address,
                     const std::string& password, const std::string& ip);

// Why a session logged in as `who` must end on this event, if it must.
std::optional<std::string> ends_session(const store::LoginCandidate& who, const Event& event);

}  // namespace estafeta::net
