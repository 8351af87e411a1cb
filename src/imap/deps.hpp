// What an IMAP session may touch besides its connection, built once by the
// composition root (server/serve.cpp) and alive until every session ended.
#pragma once

#include <string>

#include "auth/live_sessions.hpp"
#include "auth/mail_login.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/event_bus.hpp"
#include "delivery/deliverer.hpp"
#include "imap/folder_changes.hpp"
#include "store/accounts.hpp"
#include "store/blob_store.hpp"
#include "store/mail.hpp"

namespace estafeta::imap {

struct Deps {
  std::string hostname;                // the greeting
  const LimitsConfig& limits;          // APPENDLIMIT, folders per address, login deadline
  store::Mail& mail;                   // folders, messages, changes, search
  store::Accounts& accounts;           // the address's quota (QUOTA, APPEND and COPY limits)
  store::BlobStore& blobs;             // message bytes (FETCH, SEARCH of headers)
  EventBus& bus;                       // changes to other sessions; revocations to this one
  const Clock& clock;                  // APPEND's internal date
  auth::MailLogins& logins;            // LOGIN, AUTHENTICATE
  delivery::Deliverer& deliverer;      // APPEND
  auth::LiveSessions* live = nullptr;  // logged-in connections, listed to their users (may be absent)
  FolderChanges* changes = nullptr;    // what changed in a folder, read once for all its IDLE sessions (may be absent)
};

}  // namespace estafeta::imap
