#include "web/jmap_http.hpp"

#include "web/in_flight.hpp"

#include <sodium.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/base64.hpp"
#include "jmap/email_body.hpp"
#include "jmap/method.hpp"
#include "jmap/zip.hpp"
#include "mime/parsed_message.hpp"
#include "web/api/http_json.hpp"
#include "web/api/routes.hpp"
#include "web/file_response.hpp"

namespace estafeta::web {

namespace {

using api::path_of;
using nlohmann::json;

constexpr std::string_view kWellKnown = "/.well-known/jmap";
constexpr std::string_view kSession = "/jmap/session";
constexpr std::string_view kApi = "/jmap/api";
constexpr std::string_view kDownload = "/jmap/download/";
constexpr std::string_view kUpload = "/jmap/upload/";
constexpr std::string_view kZip = "/jmap/zip/";
constexpr std::string_view kDrive = "/jmap/drive/";
// Blobs one request saves into the drive, and the bytes its body has.
constexpr std::size_t kMaxSaved = 100;
constexpr std::size_t kMaxSavedBytes = 1u << 30;  // read from the store by one request, past which the rest waits
constexpr std::size_t kDriveBody = 64 * 1024;
// How long an audited Basic login is taken again without a new audit line.
constexpr auto kKnownFor = std::chrono::minutes(10);
constexpr std::size_t kMaxKnown = 10000;
// Uploads are usable this long (RFC 8620 §6.1: at least an hour).
constexpr std::int64_t kUploadSeconds = 24 * 3600;

// `limit`: for a "limit" problem, the name of the limit (RFC 8620 §3.6.1:
// MUST be present).
Response problem(int status, std::string_view type, std::string detail, std::string_view limit = {}) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  json body{{"type", std::string("urn:ietf:params:jmap:error:") + std::string(type)},
            {"status", status},
            {"detail", std::move(detail)}};
  if (!limit.empty()) body["limit"] = std::string(limit);
  r.body = body.dump();
  return r;
}

// 429 (RFC 6585 §4): the caller has as many requests under way as it may.
Response too_many(std::string detail, std::string_view limit) {
  auto r = problem(429, "limit", std::move(detail), limit);
  r.headers["retry-after"] = "1";
  return r;
}

// A web session or API token of an account whose organisation requires a
// second factor it has not set up reaches only the enrolment (web/api).
constexpr const char* kEnrolFirst = "your organisation requires two-factor authentication: set it up first";

Response unauthorized(std::string detail) {
  auto r = problem(401, "unauthorized", std::move(detail));
  r.headers["www-authenticate"] = "Basic realm=\"Estafeta\", charset=\"UTF-8\"";
  return r;
}

bool loopback(const std::string& ip) { return ip == "127.0.0.1" || ip == "::1"; }

// The scheme and host the client reached us by, for the session's URLs.
std::string base_url(const Request& r) {
  auto host = r.headers.find("host");
  std::string h = host == r.headers.end() ? "localhost" : host->second;
  bool safe = !h.empty() && h.size() < 256;
  for (char c : h)
    safe = safe &&
           (std::isalnum(static_cast<unsigned char>(c)) || std::string_view(".-:[]").find(c) != std::string_view::npos);
  return (r.tls ? "https://" : "http://") + (safe ? h : std::string("localhost"));
}

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  while (!path.empty()) {
    auto slash = path.find('/');
    out.push_back(api::percent_decode(path.substr(0, slash), false));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return out;
}

std::string digest(std::string_view a, std::string_view b) {
  unsigned char out[crypto_generichash_BYTES];
  std::string both = std::string(a) + '\0' + std::string(b);
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(both.data()), both.size(), nullptr, 0);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

// A media type fit for a Content-Type field, else the default.
std::string media_type(std::string_view t, std::string_view fallback) {
  if (t.empty() || t.size() > 255 || t.find('/') == std::string_view::npos) return std::string(fallback);
  for (char c : t)
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string_view("/+-.;= _\"").find(c) != std::string_view::npos))
      return std::string(fallback);
  return std::string(t);
}

// What the browser may show itself when asked (?disposition=inline, the
// web app's preview): pictures it decodes and PDF, which its own viewer
// shows. Anything else is always a download.
bool shown_inline(std::string_view media) {
  auto type = ascii_lower(media.substr(0, media.find(';')));
  for (std::string_view t : {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "application/pdf"})
    if (type == t) return true;
  return false;
}

}  // namespace

JmapHttp::JmapHttp(jmap::Deps deps, auth::MailLogins& mail_logins, auth::WebLogins& web_logins, EventBus* bus,
                   auth::LiveSessions* live, drive::DriveService* drive)
    : m_deps(std::move(deps)),
      m_mail_logins(mail_logins),
      m_web_logins(web_logins),
      m_bus(bus),
      m_live(live),
      m_drive(drive),
      m_in_flight(std::make_shared<InFlight>()) {}

bool JmapHttp::matches(std::string_view target) {
  auto p = path_of(target);
  return p == kWellKnown || p == kSession || p == kApi || p.starts_with(kDownload) || p.starts_with(kUpload) ||
         p.starts_with(kZip) || p.starts_with(kDrive);
}

std::size_t JmapHttp::body_limit(std::string_view method, std::string_view target) const {
  auto p = path_of(target);
  if (method == "POST" && p == kApi) return m_deps.limits.max_size_request;
  if (method == "POST" && p.starts_with(kUpload)) return m_deps.limits.max_size_upload;
  if (method == "POST" && p.starts_with(kDrive)) return kDriveBody;
  return 0;
}

std::optional<JmapHttp::Caller> JmapHttp::basic(const std::string& address, const std::string& password,
                                                const std::string& ip, Response& refusal) {
  auto key = digest(address, password);
  auto now = std::chrono::steady_clock::now();
  std::optional<store::Id> known;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_known.find(key);
    if (it != m_known.end() && it->second.until > now) known = it->second.device_id;
  }
  std::optional<store::LoginCandidate> who;
  if (known) {
    // Audited already: the device must still be valid (revocation, a locked service).
    auto candidates = m_deps.store.login_candidates(ascii_lower(address));
    if (candidates)
      for (auto& c : *candidates)
        if (c.device.id == *known && !c.device.revoked && !c.service_locked) who = c;
  }
  if (!who) {
    auto login = m_mail_logins.login("jmap", address, password, ip);
    if (!login.who) {
      refusal = login.error.kind == ErrorKind::in_use ? problem(403, "forbidden", login.error.message)
                                                      : unauthorized("wrong address or device password");
      refusal.delay = login.delay;
      std::lock_guard lock(m_mutex);
      m_known.erase(key);
      return std::nullopt;
    }
    who = login.who;
    std::lock_guard lock(m_mutex);
    if (m_known.size() >= kMaxKnown) std::erase_if(m_known, [&](auto& kv) { return kv.second.until <= now; });
    if (m_known.size() < kMaxKnown) m_known[key] = {who->device.id, now + kKnownFor};
  }
  Caller c;
  auto& p = c.principal;
  p.username = who->address.address;
  p.user_id = who->user.id;
  p.ip = ip;
  auto accesses = m_deps.store.list_accesses(who->address.id);
  bool shared = accesses && accesses->size() > 1;
  p.accounts.push_back({who->address, who->access, !shared});
  c.device = std::move(who);
  return c;
}

std::optional<JmapHttp::Caller> JmapHttp::authenticate(const Request& request, Response& refusal) {
  Caller out;
  std::optional<store::User> user;
  auto auth = request.headers.find("authorization");
  if (auth != request.headers.end()) {
    std::string_view v = auth->second;
    auto scheme = ascii_lower(v.substr(0, v.find(' ')));
    auto rest = v.substr(std::min(v.size(), scheme.size() + 1));
    if (scheme == "basic") {
      if (!request.tls && !loopback(request.peer_ip)) {
        refusal = problem(403, "forbidden", "Basic authentication is taken over TLS only");
        return std::nullopt;
      }
      auto decoded = base64_decode(rest);
      auto colon = decoded ? decoded->find(':') : std::string::npos;
      if (!decoded || colon == std::string::npos || decoded->size() > 1024) {
        refusal = unauthorized("Basic credentials are base64 of address:password");
        return std::nullopt;
      }
      return basic(decoded->substr(0, colon), decoded->substr(colon + 1), request.peer_ip, refusal);
    }
    if (scheme != "bearer") {
      refusal = unauthorized("Authorization is Basic (address, device password) or Bearer (API token)");
      return std::nullopt;
    }
    auto caller = m_web_logins.from_token(std::string(rest), request.peer_ip);
    if (!caller) {
      refusal = unauthorized("the API token is not valid (revoked?)");
      return std::nullopt;
    }
    if (caller->must_enrol) {
      refusal = problem(403, "forbidden", kEnrolFirst);
      return std::nullopt;
    }
    user = caller->user;
  } else if (auto token = api::cookie(request, api::kSessionCookie)) {
    auto caller = m_web_logins.from_cookie(*token, request.peer_ip);
    if (!caller) {
      refusal = unauthorized("the session has ended; log in again");
      return std::nullopt;
    }
    if (caller->must_enrol) {
      refusal = problem(403, "forbidden", kEnrolFirst);
      return std::nullopt;
    }
    user = caller->user;
    out.cookie = true;
    out.session_token = *token;
  } else {
    refusal = unauthorized("log in: Basic with a device password, an API token, or the web app's session");
    return std::nullopt;
  }
  out.principal.username = user->login;
  out.principal.user_id = user->id;
  out.principal.ip = request.peer_ip;
  auto accesses = m_deps.store.list_user_accesses(user->id);
  if (!accesses) {
    refusal = problem(503, "serverUnavailable", "the store did not answer");
    return std::nullopt;
  }
  for (auto& access : *accesses) {
    auto address = m_deps.store.address(access.address_id);
    if (!address) continue;
    // A locked mail service is closed to every login, the web's included
    // (a device password's login is refused by MailLogins).
    auto service = m_deps.store.service(address->service_id);
    if (!service || service->locked) continue;
    auto all = m_deps.store.list_accesses(access.address_id);
    out.principal.accounts.push_back({*address, access, !(all && all->size() > 1)});
  }
  return out;
}

BodyLeave JmapHttp::admit_body(const Request& head) {
  BodyLeave leave;
  Response refusal;
  auto caller = authenticate(head, refusal);
  if (!caller) {
    // Credentials that fail are answered now, once (the throttle counts
    // and delays them here), not again once a body is in; a request with
    // none may still bring a small body (and gets its 401 then).
    bool credentials = head.headers.contains("authorization") || api::cookie(head, api::kSessionCookie);
    if (credentials) leave.refusal = std::move(refusal);
    return leave;
  }
  leave.known = true;
  bool upload = path_of(head.target).starts_with(kUpload);
  auto most = upload ? m_deps.limits.max_concurrent_upload : m_deps.limits.max_concurrent_requests;
  // Per user, however they log in (device password, token, web app).
  leave.hold = m_in_flight->take(fmt::format("{} {}", upload ? "upload" : "body", caller->principal.user_id), most);
  if (!leave.hold)
    leave.refusal = upload ? too_many("too many uploads at once", "maxConcurrentUpload")
                           : too_many("too many requests at once", "maxConcurrentRequests");
  // A body past the limit is answered as JMAP's own limit (RFC 8620 §3.6.1).
  leave.too_large = upload ? problem(413, "limit", "the upload is larger than maxSizeUpload", "maxSizeUpload")
                           : problem(413, "limit", "the request is larger than maxSizeRequest", "maxSizeRequest");
  return leave;
}

JmapHttp::States JmapHttp::states(const jmap::Principal& who, const std::vector<std::string>& types) {
  static const std::vector<std::string> kTypes = {"Mailbox",         "Email", "Thread",          "Identity",
                                                  "EmailSubmission", "Quota", "VacationResponse"};
  bool all = types.empty() || std::find(types.begin(), types.end(), "*") != types.end();
  auto wanted = [&](std::string_view t) { return all || std::find(types.begin(), types.end(), t) != types.end(); };
  States out;
  out.changed = json::object();
  for (auto& a : who.accounts) {
    auto state = m_deps.store.mail_state(a.address.id);
    if (!state) continue;
    auto text = jmap::state_string({*state});
    json changed = json::object();
    for (auto& t : kTypes)
      if (wanted(t)) changed[t] = text;
    // RFC 8621 §1.5: EmailDelivery changes when new mail arrives, not at
    // every change of the account: the INBOX's next UID.
    if (wanted("EmailDelivery"))
      if (auto inbox = m_deps.store.find_mailbox(a.address.id, "INBOX"))
        changed["EmailDelivery"] = jmap::state_string({inbox->uidnext});
    auto id = jmap::account_id(a.address.id);
    out.changed[id] = changed;
    out.id += (out.id.empty() ? "" : ",") + id + ":" + text;
  }
  return out;
}

std::string JmapHttp::websocket_request(const Caller& caller, std::string_view text, const json& id) {
  auto r = jmap::api(m_deps, caller.principal, "application/json", text);
  auto out = json::parse(r.body, nullptr, false);
  if (out.is_discarded()) out = json::object();
  out["@type"] = r.status == 200 ? "Response" : "RequestError";
  if (!id.is_null()) out["requestId"] = id;
  return out.dump();
}

namespace {

// "Download all attachments": a zip of an email's attachments (RFC 8621
// §4.1.4's list), made one entry at a time while it is sent, so that no
// more than the message and one decoded part are held at once.
class AttachmentsZip {
 public:
  AttachmentsZip(std::string raw, store::BlobInfo info, std::int64_t mtime)
      : m_raw(std::move(raw)),
        m_info(std::move(info)),
        m_body(m_raw, m_info.structure.root, {}, {"partId", "name"}),
        m_parts(m_body.attachments()),
        m_mtime(mtime) {}
  AttachmentsZip(const AttachmentsZip&) = delete;
  AttachmentsZip& operator=(const AttachmentsZip&) = delete;

  bool empty() const { return m_parts.empty(); }

  std::optional<std::string> next() {
    if (m_next < m_parts.size()) {
      auto& part = m_parts[m_next++];
      auto content = m_body.content(part.value("partId", ""));
      if (!content) return std::nullopt;
      auto name = part["name"].is_string() ? part["name"].get<std::string>() : std::string();
      return m_zip.add(jmap::zip_entry_name(name, m_next, m_names), *content, m_mtime);
    }
    if (m_done) return std::string();
    m_done = true;
    return m_zip.finish();
  }

 private:
  std::string m_raw;
  store::BlobInfo m_info;
  jmap::Body m_body;
  json m_parts;
  std::int64_t m_mtime;
  std::size_t m_next = 0;
  jmap::ZipWriter m_zip;
  std::set<std::string> m_names;
  bool m_done = false;
};

}  // namespace

Result<JmapHttp::Blob> JmapHttp::read_blob(const jmap::Principal& who, std::string_view account_id,
                                           std::string_view blob_id) {
  auto* account = who.find(account_id);
  auto blob = jmap::parse_blob_id(blob_id);
  if (!account || !blob) return fail(ErrorKind::not_found, "no such blob");
  auto address = account->address.id;
  auto email = m_deps.store.email_by_blob(address, blob->hash);
  auto upload = m_deps.store.find_upload(address, blob->hash);
  bool of_email = email && *email;
  bool mine = of_email || (upload && *upload);
  if (!mine) return fail(ErrorKind::not_found, "no such blob");
  auto raw = m_deps.blobs.get(blob->hash);
  if (!raw) return fail(ErrorKind::not_found, "no such blob");
  Blob out{.bytes = {}, .type = upload && *upload ? (*upload)->type : "message/rfc822"};
  if (blob->part.empty()) {
    out.bytes = std::move(*raw);
    return out;
  }
  // A part of an email's message, or of an uploaded one (Email/parse names those).
  Result<store::BlobInfo> info = fail(ErrorKind::not_found, "no such blob");
  Result<mime::ParsedMessage> parsed = fail(ErrorKind::not_found, "no such blob");
  const mime::Part* root = nullptr;
  if (of_email) {
    auto found = m_deps.store.emails(address, {**email});
    if (!found || found->empty()) return fail(ErrorKind::not_found, "no such blob");
    info = m_deps.store.blob_info(found->front().blob_id);
    if (info) root = &info->structure.root;
  } else {
    parsed = mime::parse_message(*raw);
    if (parsed) root = &parsed->structure.root;
  }
  if (!root) return fail(ErrorKind::not_found, "no such blob");
  jmap::Body body(*raw, *root, blob->hash, {});
  auto content = body.content(blob->part);
  if (!content) return fail(ErrorKind::not_found, "no such part");
  out.type = body.type_of(blob->part);
  out.bytes = std::move(*content);
  return out;
}

Result<nlohmann::json> JmapHttp::keep_upload(const jmap::Account& account, std::string_view bytes,
                                             const std::string& type) {
  auto hash = m_deps.blobs.put(bytes);
  if (!hash) return fail(ErrorKind::temporary, "the upload could not be stored");
  store::Upload u;
  u.address_id = account.address.id;
  u.hash = *hash;
  u.type = type;
  u.size = bytes.size();
  u.created = static_cast<store::Time>(std::time(nullptr));
  u.expires = u.created + kUploadSeconds;
  TRY(m_deps.store.add_upload(u));
  return json{{"accountId", jmap::account_id(account.address.id)},
              {"blobId", jmap::blob_id(*hash)},
              {"type", u.type},
              {"size", u.size}};
}

Response JmapHttp::drive(const Caller& caller, std::string_view path, const Request& request) {
  // /jmap/drive/{accountId}/save   {folder, blobs: [{blobId, name, type}], org_drive}
  // /jmap/drive/{accountId}/blob   {file, org_drive}
  // org_drive true: the organisation's drive, else the caller's own.
  if (!m_drive) return api::error_response(404, "not_found", "the drive is not served here");
  // A device password reaches one address's mail, not its owner's drive.
  if (caller.device)
    return api::error_response(403, "forbidden", "the drive is reached with the web app or an API token");
  auto& who = caller.principal;
  auto parts = segments(path.substr(kDrive.size()));
  auto* account = parts.size() == 2 ? who.find(parts[0]) : nullptr;
  if (!account || (parts[1] != "save" && parts[1] != "blob"))
    return api::error_response(404, "not_found",
                               "the URL is /jmap/drive/{accountId}/save or /jmap/drive/{accountId}/blob");
  auto body = api::json_body(request);
  if (!body) return body.error();
  auto space = api::drive_space_field(*body);
  if (!space) return api::error_response(space.error());
  auto drive = m_drive->drive_of(who.user_id, *space);
  if (!drive) return api::error_response(drive.error());
  if (parts[1] == "blob") {
    // A file of the drive as an upload of the account: to attach, or to open an .eml (Email/parse).
    auto id = body->find("file");
    if (id == body->end() || !id->is_number_integer())
      return api::error_response(422, "invalid", "file is the id of a file of the drive", "file");
    auto item = m_drive->find(*drive, id->get<store::Id>());
    if (!item) return api::error_response(item.error());
    auto bytes = m_drive->read(*drive, item->id, m_deps.limits.max_size_upload);
    if (!bytes) return api::error_response(bytes.error());
    auto kept = keep_upload(*account, *bytes, media_type(item->content_type, "application/octet-stream"));
    if (!kept) return api::error_response(kept.error());
    (*kept)["name"] = item->name;
    return api::json_response(201, *kept);
  }
  store::Id folder = 0;
  if (auto f = body->find("folder"); f != body->end() && !f->is_null()) {
    if (!f->is_number_integer() || f->get<std::int64_t>() < 0)
      return api::error_response(422, "invalid", "folder is a folder's id, or null for the top", "folder");
    folder = f->get<store::Id>();
  }
  auto blobs = body->find("blobs");
  if (blobs == body->end() || !blobs->is_array() || blobs->empty() || blobs->size() > kMaxSaved)
    return api::error_response(422, "invalid", fmt::format("blobs is a list of 1 to {} {{blobId, name}}", kMaxSaved),
                               "blobs");
  for (auto& b : *blobs)
    if (!b.is_object() || !b.contains("blobId") || !b["blobId"].is_string() || !b.contains("name") ||
        !b["name"].is_string() || (b.contains("type") && !b["type"].is_string()))
      return api::error_response(422, "invalid", "each blob is {blobId, name, type}", "blobs");
  // Nothing is read for a folder that is not the drive's, or a full drive.
  if (auto room = m_drive->can_add(*drive, folder); !room) return api::error_response(room.error());
  json saved = json::array(), failed = json::array();
  std::optional<Error> first_error;
  std::set<std::string> seen;
  std::size_t read = 0;
  for (auto& b : *blobs) {
    auto blob_id = b["blobId"].get<std::string>();
    if (!seen.insert(blob_id).second) continue;  // named twice: saved once
    Result<Blob> blob =
        fail(ErrorKind::limit,
             fmt::format("more than {} bytes to save at once: save the rest in another request", kMaxSavedBytes));
    if (read <= kMaxSavedBytes) blob = read_blob(who, parts[0], blob_id);
    Result<store::DriveItem> item = fail(ErrorKind::not_found, "no such blob");
    if (blob) {
      read += blob->bytes.size();
      // The type without its parameters ("text/plain; charset=utf-8").
      std::string type = b.contains("type") ? b["type"].get<std::string>() : blob->type;
      type = type.substr(0, type.find(';'));
      while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
      item = m_drive->add(*drive, folder, b["name"].get<std::string>(), type, blob->bytes);
    } else {
      item = std::unexpected(blob.error());
    }
    if (item) {
      saved.push_back(api::drive_item_json(*item));
      continue;
    }
    if (!first_error) first_error = item.error();
    failed.push_back({{"blobId", blob_id}, {"message", item.error().message}});
  }
  if (saved.empty()) return api::error_response(*first_error);
  return api::json_response(200, {{"saved", saved}, {"failed", failed}});
}

Response JmapHttp::zip(const jmap::Principal& who, std::string_view path) {
  // /jmap/zip/{accountId}/{emailId}/{name}
  auto parts = segments(path.substr(kZip.size()));
  if (parts.size() != 3) return problem(404, "notFound", "the URL is /jmap/zip/{accountId}/{emailId}/{name}");
  auto* account = who.find(parts[0]);
  auto id = jmap::parse_id(parts[1], 'e');
  if (!account || !id) return problem(404, "notFound", "no such email");
  auto found = m_deps.store.emails(account->address.id, {*id});
  if (!found || found->empty()) return problem(404, "notFound", "no such email");
  auto& email = found->front();
  auto info = m_deps.store.blob_info(email.blob_id);
  auto raw = m_deps.blobs.get(email.blob_hash);
  if (!info || !raw) return problem(404, "notFound", "no such email");
  auto archive = std::make_shared<AttachmentsZip>(std::move(*raw), std::move(*info), email.received_at());
  if (archive->empty()) return problem(404, "notFound", "the email has no attachments");
  Response out;
  out.content_type = "application/zip";
  out.headers["content-disposition"] = disposition(parts[2]);
  out.headers["cache-control"] = "private, no-store";
  out.headers["x-content-type-options"] = "nosniff";
  out.headers["content-security-policy"] = "default-src 'none'; sandbox";
  out.stream = [archive] { return archive->next(); };
  return out;
}

Response JmapHttp::handle(const Request& request) {
  auto path = path_of(request.target);
  if (path == kWellKnown) {
    if (request.method != "GET" && request.method != "HEAD") return problem(405, "notRequest", "GET only");
    Response r;
    r.status = 307;
    r.headers["location"] = std::string(kSession);
    return r;
  }
  Response refusal;
  auto caller = authenticate(request, refusal);
  if (!caller) return refusal;
  bool posts = request.method == "POST";
  if (posts && caller->cookie) {
    auto csrf = request.headers.find("x-csrf-token");
    if (csrf == request.headers.end() || !m_web_logins.csrf_matches(caller->session_token, csrf->second))
      return problem(403, "forbidden", "the X-CSRF-Token header is missing or does not match the session");
  }
  // maxConcurrentRequests, per user.
  auto running =
      m_in_flight->take(fmt::format("request {}", caller->principal.user_id), m_deps.limits.max_concurrent_requests);
  if (!running) return too_many("too many requests at once", "maxConcurrentRequests");

  auto& who = caller->principal;
  Response out;
  if (path == kSession) {
    if (request.method != "GET" && request.method != "HEAD") return problem(405, "notRequest", "GET only");
    auto r = jmap::session(m_deps, who, base_url(request));
    out.body = std::move(r.body);
    out.content_type = r.content_type;
  } else if (path == kApi) {
    if (!posts) return problem(405, "notRequest", "POST a request object");
    auto type = request.headers.find("content-type");
    auto r = jmap::api(m_deps, who, type == request.headers.end() ? "" : type->second, request.body);
    out.status = r.status;
    out.body = std::move(r.body);
    out.content_type = r.content_type;
  } else if (path.starts_with(kDownload)) {
    if (request.method != "GET" && request.method != "HEAD") return problem(405, "notRequest", "GET only");
    // /jmap/download/{accountId}/{blobId}/{name}
    auto parts = segments(path.substr(kDownload.size()));
    if (parts.size() != 3)
      return problem(404, "notFound", "the download URL is /jmap/download/{accountId}/{blobId}/{name}");
    auto blob = read_blob(who, parts[0], parts[1]);
    if (!blob) return problem(404, "notFound", blob.error().message);
    out.body = std::move(blob->bytes);
    auto& type = blob->type;
    auto accept = api::query_param(request.target, "accept");
    out.content_type = media_type(accept.value_or(""), type);
    bool inline_view = api::query_param(request.target, "disposition") == "inline" && shown_inline(out.content_type);
    out.headers["content-disposition"] = disposition(parts[2], inline_view ? "inline" : "attachment");
    out.headers["cache-control"] = "private, immutable, max-age=31536000";
    out.headers["x-content-type-options"] = "nosniff";
    // Nothing in a download runs with this origin: no scripts, no requests.
    // A PDF shown inline cannot be sandboxed (browsers refuse to run their
    // PDF viewer in a sandbox), so it gets the rest of the policy only.
    out.headers["content-security-policy"] = inline_view && out.content_type.starts_with("application/pdf")
                                                 ? "default-src 'none'"
                                                 : "default-src 'none'; sandbox";
    return out;
  } else if (path.starts_with(kDrive)) {
    if (!posts) return problem(405, "notRequest", "POST a JSON object");
    return drive(*caller, path, request);
  } else if (path.starts_with(kZip)) {
    if (request.method != "GET" && request.method != "HEAD") return problem(405, "notRequest", "GET only");
    return zip(who, path);
  } else {  // upload: /jmap/upload/{accountId}/
    if (!posts) return problem(405, "notRequest", "POST the bytes");
    auto parts = segments(path.substr(kUpload.size()));
    if (!parts.empty() && parts.back().empty()) parts.pop_back();
    auto* account = parts.size() == 1 ? who.find(parts[0]) : nullptr;
    if (!account) return problem(404, "notFound", "no such account");
    auto type_field = request.headers.find("content-type");
    auto kept = keep_upload(
        *account, request.body,
        media_type(type_field == request.headers.end() ? "" : type_field->second, "application/octet-stream"));
    if (!kept) return problem(503, "serverUnavailable", kept.error().message);
    out.status = 201;
    out.content_type = "application/json";
    out.body = kept->dump();
  }
  out.headers["cache-control"] = "no-store";
  out.headers["x-content-type-options"] = "nosniff";
  return out;
}

}  // namespace estafeta::web
