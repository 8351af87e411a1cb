// JMAP (RFC 8620) with JMAP Mail (RFC 8621) on the Store: the session
// resource and the API endpoint, as plain functions over JSON text, so the
// HTTP layer (web/jmap_routes.cpp) only authenticates and carries bytes.
//
// Who calls is a Principal: the accounts it may use, each an address the
// user has access to. Every method looks its accountId up among them, so
// an id of another address is accountNotFound, never data; every object
// id is then looked up with that address in the store's query.
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_bus.hpp"
#include "delivery/deliverer.hpp"
#include "store/blob_store.hpp"
#include "store/store.hpp"

namespace estafeta::jmap {

inline constexpr std::string_view kCore = "urn:ietf:params:jmap:core";
inline constexpr std::string_view kMail = "urn:ietf:params:jmap:mail";
inline constexpr std::string_view kSubmission = "urn:ietf:params:jmap:submission";
inline constexpr std::string_view kQuota = "urn:ietf:params:jmap:quota";
inline constexpr std::string_view kVacation = "urn:ietf:params:jmap:vacationresponse";
inline constexpr std::string_view kWebSocket = "urn:ietf:params:jmap:websocket";
inline constexpr std::string_view kMdn = "urn:ietf:params:jmap:mdn";

// One JMAP account: an address, through the caller's access to it.
struct Account {
  store::Address address;
  store::Access access;
  bool personal = true;  // the caller's own address, not one shared with others
};

struct Principal {
  std::string username;
  store::Id user_id = 0;  // the user behind the login (submission checks who may send as what)
  std::string ip;         // where the request came from
  std::vector<Account> accounts;
  const Account* find(std::string_view account_id) const;
};

// The limits announced in the session's core capability and enforced.
struct Limits {
  std::size_t max_size_upload = 50 * 1024 * 1024;
  std::size_t max_concurrent_upload = 4;
  std::size_t max_size_request = 10 * 1024 * 1024;
  std::size_t max_concurrent_requests = 8;
  std::size_t max_calls_in_request = 32;
  std::size_t max_objects_in_get = 500;
  std::size_t max_objects_in_set = 500;
  std::size_t max_query_limit = 10000;   // the largest page /query returns
  std::size_t max_changes = 5000;        // /changes without maxChanges
  std::int64_t max_delayed_send = 3600;  // seconds EmailSubmission may hold a message back (undo send)
};

// A message to send (EmailSubmission), and why it was not taken.
struct Outgoing {
  store::Id user_id = 0;
  std::string ip;
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string message;
};
struct SendRefusal {
  std::string
      type;  // a SetError type: forbiddenFrom, invalidRecipients, tooLarge, noRecipients, invalidEmail, serverFail
  std::vector<std::string> recipients;  // invalidRecipients
  std::string description;
};
// The queue id of the accepted message.
using Send = std::function<std::expected<std::string, SendRefusal>(const Outgoing&)>;

struct Deps {
  store::Store& store;
  store::BlobStore& blobs;
  delivery::Deliverer& deliverer;  // Email/set create, Email/import
  EventSink* bus = nullptr;        // changes made here, told to IMAP sessions and push
  std::string hostname;            // the right side of the Message-IDs made here
  Limits limits;
  Send send;  // EmailSubmission; empty: sending is refused (forbiddenToSend)
};

// Sends the held-back submissions whose time has come (undo window over).
// Blocking: from a worker, every second or so. Returns how many were sent.
std::size_t send_due(const Deps& deps, std::int64_t now);

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// "a<address id>": the id of an address's account.
std::string account_id(store::Id address_id);

// The session resource (RFC 8620 §2); `base` is the URL prefix the client
// reached us by ("https://host"), for the endpoint URLs.
Reply session(const Deps& deps, const Principal& who, std::string_view base);

// POST /jmap/api: a request object in, a response object (or a request-level
// problem, RFC 8620 §3.6.1) out. Blocking (store): from the worker pool.
Reply api(const Deps& deps, const Principal& who, std::string_view content_type, std::string_view body);

}  // namespace estafeta::jmap
