// What a POP3 session may touch besides its connection, built once by the
// composition root (server/serve.cpp) and alive until every session ended.
#pragma once

#include <string>

#include "auth/live_sessions.hpp"
#include "auth/mail_login.hpp"
#include "core/config.hpp"
#include "core/event_bus.hpp"
#include "core/id_locks.hpp"
#include "store/blob_store.hpp"
#include "store/mail.hpp"

namespace estafeta::pop3 {

struct Deps {
  std::string hostname;                // the greeting
  const LimitsConfig& limits;          // login deadline
  store::Mail& mail;                   // the INBOX and its messages
  store::BlobStore& blobs;             // RETR, TOP
  EventBus& bus;                       // expunges to other sessions; revocations to this one
  auth::MailLogins& logins;            // USER/PASS, AUTH
  IdLocks& maildrop_locks;             // one session per address (RFC 1939 §8)
  auth::LiveSessions* live = nullptr;  // logged-in connections, listed to their users (may be absent)
};

}  // namespace estafeta::pop3
