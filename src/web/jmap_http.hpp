// JMAP over HTTP (RFC 8620 §2, §3.1, §6): /.well-known/jmap, the session
// resource, the API endpoint, blob download and upload, each authenticated.
//
// Who may call:
//   - a mail client: HTTP Basic with the address and a device password,
//     over TLS or from loopback only (as IMAP's plaintext logins), through
//     the same throttle, audit and revocation as IMAP: the account is that
//     address. A login is audited once; later requests with the same
//     credentials check the device again (revoked: refused at once);
//   - a script: an API token (Bearer), as the user: every address the user
//     has access to is an account;
//   - the web app: its session cookie, and for every POST the session's
//     CSRF token in X-CSRF-Token.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "auth/mail_login.hpp"
#include "auth/web_login.hpp"
#include "jmap/api.hpp"
#include "web/message.hpp"

namespace estafeta::web {

class JmapHttp {
 public:
  JmapHttp(jmap::Deps deps, auth::MailLogins& mail_logins, auth::WebLogins& web_logins)
      : m_deps(std::move(deps)), m_mail_logins(mail_logins), m_web_logins(web_logins) {}

  static bool matches(std::string_view target);
  // The largest body a request for `target` may carry.
  std::size_t body_limit(std::string_view method, std::string_view target) const;
  // Blocking (store, password checks): from the worker pool. Thread-safe.
  Response handle(const Request& request);
  // Whether the request's credentials are good (before its body is read).
  bool authenticated(const Request& head);

  const jmap::Deps& deps() const { return m_deps; }

 private:
  struct Caller;
  std::optional<Caller> authenticate(const Request& request, Response& refusal);
  std::optional<jmap::Principal> basic(const std::string& address, const std::string& password, const std::string& ip,
                                       Response& refusal);

  jmap::Deps m_deps;
  auth::MailLogins& m_mail_logins;
  auth::WebLogins& m_web_logins;

  // Basic logins already audited: a digest of the credentials → the device
  // password it matched, until `until`.
  struct Known {
    store::Id device_id = 0;
    std::chrono::steady_clock::time_point until;
  };
  std::mutex m_mutex;
  std::map<std::string, Known> m_known;          // GUARDED_BY(m_mutex)
  std::map<std::string, std::size_t> m_running;  // GUARDED_BY(m_mutex): requests per caller (maxConcurrentRequests)
};

}  // namespace estafeta::web
