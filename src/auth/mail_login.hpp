// Mail-protocol logins (IMAP, POP3, SMTP AUTH) in one place: the throttle
// (auth/throttle.hpp: a client that failed waits; failures on an address
// slow further failures, never the real user's success), the device-password
// check, the audit entry and the log line. Each protocol maps the outcome to
// its own reply. Also: which bus events end a logged-in session.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "auth/device_password.hpp"
#include "auth/live_sessions.hpp"
#include "auth/throttle.hpp"
#include "core/clock.hpp"
#include "core/event_bus.hpp"
#include "store/store.hpp"

namespace estafeta::auth {

struct MailLogin {
  std::optional<store::LoginCandidate> who;  // set on success
  Error error;                               // otherwise: permission (wrong credentials) or in_use (locked service)
  std::chrono::milliseconds delay{0};        // wait this long before answering
};

// Shared by every mail session of the process (one throttle for IMAP, POP3
// and SMTP); thread-safe.
class MailLogins {
 public:
  MailLogins(store::Store& store, const DeviceKeyring& keyring, Throttle& throttle, const Clock& clock)
      : m_store(store), m_keyring(keyring), m_throttle(throttle), m_clock(clock) {}

  // Told of every login's outcome (metrics); set before sessions start.
  void set_observer(std::function<void(const char* protocol, bool success)> observer) {
    m_observer = std::move(observer);
  }

  // Blocking (store): from the worker pool. `product` names the protocol in
  // the audit log and the log ("imap", "pop3", "smtp").
  MailLogin login(const char* product, const std::string& address, const std::string& password, const std::string& ip);

 private:
  store::Store& m_store;
  const DeviceKeyring& m_keyring;
  Throttle& m_throttle;
  const Clock& m_clock;
  std::function<void(const char*, bool)> m_observer;
};

// What the session list shows of a logged-in mail connection.
LiveSessions::Info live_info(const store::LoginCandidate& who, const char* protocol, const std::string& ip,
                             std::int64_t now);

// Why a session logged in as `who` must end on this event, if it must.
std::optional<std::string> ends_session(const store::LoginCandidate& who, const Event& event);

}  // namespace estafeta::auth
