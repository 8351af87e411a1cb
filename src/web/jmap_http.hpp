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
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/mail_login.hpp"
#include "auth/web_login.hpp"
#include "drive/drive.hpp"
#include "jmap/api.hpp"
#include "web/message.hpp"

namespace estafeta::web {

class InFlight;

class JmapHttp {
 public:
  // Who made a request, once authenticated.
  struct Caller {
    jmap::Principal principal;
    std::optional<store::LoginCandidate> device;  // Basic: the device password's login
    bool cookie = false;
    std::string session_token;
  };

  // `bus`: push streams follow it; `live`: device logins' streams are listed there.
  // `drive`: the users' drives, for /jmap/drive/… (absent: 404).
  JmapHttp(jmap::Deps deps, auth::MailLogins& mail_logins, auth::WebLogins& web_logins, EventBus* bus = nullptr,
           auth::LiveSessions* live = nullptr, drive::DriveService* drive = nullptr);

  static bool matches(std::string_view target);
  // The largest body a request for `target` may carry.
  std::size_t body_limit(std::string_view method, std::string_view target) const;
  // Blocking (store, password checks): from the worker pool. Thread-safe.
  Response handle(const Request& request);
  // Before a request's body is read: whether its credentials are good, and
  // if so a hold on one of the caller's concurrent uploads
  // (maxConcurrentUpload) or API requests (maxConcurrentRequests), or the
  // 429 when it has none left. Blocking.
  BodyLeave admit_body(const Request& head);
  // The caller of a request, or the answer refusing it. Blocking.
  std::optional<Caller> authenticate(const Request& request, Response& refusal);

  // Push (web/jmap_push.cpp): the states of the caller's accounts for the
  // data types asked ("*": all), as a StateChange's "changed" object, and
  // one string for all of them (the EventSource event id). Blocking.
  struct States {
    nlohmann::json changed;
    std::string id;
  };
  States states(const jmap::Principal& who, const std::vector<std::string>& types);
  // A WebSocket request object (RFC 8887 §4.3.2; `id`: its "id", null if
  // none) answered as the API answers: a Response or a RequestError
  // object. Blocking.
  std::string websocket_request(const Caller& caller, std::string_view text, const nlohmann::json& id);

  const jmap::Deps& deps() const { return m_deps; }
  EventBus* bus() const { return m_bus; }
  auth::LiveSessions* live() const { return m_live; }

 private:
  std::optional<Caller> basic(const std::string& address, const std::string& password, const std::string& ip,
                              Response& refusal);
  // GET /jmap/zip/{accountId}/{emailId}/{name}: the email's attachments as
  // one zip archive, streamed.
  Response zip(const jmap::Principal& who, std::string_view path);
  // POST /jmap/drive/{accountId}/save: blobs of the account (attachments,
  // whole messages) saved into the caller's drive; POST
  // /jmap/drive/{accountId}/blob: a file of the drive as an upload of the
  // account (to attach it, or to parse an .eml with Email/parse).
  Response drive(const Caller& caller, std::string_view path, const Request& request);

  // A blob of the caller's account: an email's message, a part of one, or an upload.
  struct Blob {
    std::string bytes;
    std::string type;
  };
  Result<Blob> read_blob(const jmap::Principal& who, std::string_view account_id, std::string_view blob_id);
  // Bytes kept as an upload of the account (RFC 8620 §6.1); its description.
  Result<nlohmann::json> keep_upload(const jmap::Account& account, std::string_view bytes, const std::string& type);

  jmap::Deps m_deps;
  auth::MailLogins& m_mail_logins;
  auth::WebLogins& m_web_logins;
  EventBus* m_bus = nullptr;
  auth::LiveSessions* m_live = nullptr;
  drive::DriveService* m_drive = nullptr;

  // Basic logins already audited: a digest of the credentials → the device
  // password it matched, until `until`.
  struct Known {
    store::Id device_id = 0;
    std::chrono::steady_clock::time_point until;
  };
  std::mutex m_mutex;
  std::map<std::string, Known> m_known;  // GUARDED_BY(m_mutex)
  // Requests under way per user (maxConcurrentRequests) and bodies being
  // read per user and kind (maxConcurrentUpload, maxConcurrentRequests).
  std::shared_ptr<InFlight> m_in_flight;
};

}  // namespace estafeta::web
