// One POP3 session's logic, without I/O (RFC 1939; CAPA RFC 2449; STLS
// RFC 2595; AUTH RFC 5034 with PLAIN and LOGIN; RESP-CODES RFC 2449 §8 and
// AUTH-RESP-CODE RFC 3206).
//
// The maildrop is the address's INBOX as it was at login; DELE only marks,
// and the marked messages are expunged at QUIT (the UPDATE state); a
// connection that drops without QUIT deletes nothing. One session per
// address at a time: the next gets "-ERR [IN-USE]".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sasl.hpp"
#include "core/event_bus.hpp"
#include "core/id_locks.hpp"
#include "pop3/deps.hpp"
#include "pop3/parser.hpp"

namespace estafeta::pop3 {

struct SessionOptions {
  std::string hostname;
  std::string peer_ip;
  bool tls_active = false;
  bool starttls_available = false;
  bool plaintext_auth = false;  // loopback test listeners only
};

struct Reply {
  std::string out;
  enum class Next { read, start_tls, sasl, close } next = Next::read;
  std::chrono::milliseconds delay{0};
};

class Session {
 public:
  Session(const Deps& deps, SessionOptions options) : m_deps(deps), m_options(std::move(options)) {}

  std::string greeting() const;
  // One client line (CRLF optional). Blocking (store): run on the worker pool.
  Reply execute(std::string_view line);
  // The answer to a line past the limit; an AUTH exchange it was part of
  // ends with it (RFC 5034 §4: the client may then send a new command).
  Reply line_too_long();
  void tls_started();
  bool in_sasl() const { return m_sasl.has_value(); }
  bool authenticated() const { return m_state == State::transaction; }
  std::optional<std::int64_t> address_id() const;
  // Who logged in (device password, access, address, user), once someone has.
  const std::optional<store::LoginCandidate>& who() const { return m_who; }
  std::optional<std::string> ended_by(const Event& event) const;

 private:
  enum class State { authorization, transaction, update };
  struct Entry {
    std::uint32_t uid = 0;
    std::uint64_t size = 0;  // as sent: CRLF line ends (RFC 1939 §11)
    std::string blob_hash;
    bool deleted = false;
  };
  // The command table (session.cpp): one entry per keyword.
  enum StateSet : unsigned { kAuthorization = 1, kTransaction = 2, kAnyState = 3 };
  struct CommandEntry {
    const char* keyword;
    unsigned states;     // StateSet
    bool needs_privacy;  // refused before TLS (unless the listener allows plaintext logins)
    unsigned min_args, max_args;
    const char* syntax;  // said when the arguments do not fit
    Reply (Session::*handler)(const Command&);
  };
  static const CommandEntry* find_command(std::string_view keyword);

  Reply capa(const Command&);
  Reply quit(const Command&);
  Reply stls(const Command&);
  Reply user(const Command& c);
  Reply pass(const Command& c);
  Reply auth(const Command& c);
  Reply noop(const Command&);
  Reply stat(const Command&);
  Reply list(const Command& c);  // and UIDL
  Reply retr(const Command& c);  // and TOP
  Reply dele(const Command& c);
  Reply rset(const Command&);
  Reply sasl_reply(auth::SaslExchange::Step step);
  Reply login(const std::string& address, const std::string& password);
  // The message named by a 1-based argument, if it exists and is not deleted.
  Entry* message(const std::string& arg);
  Result<std::string> content(const Entry& e);

  const Deps& m_deps;
  SessionOptions m_options;
  State m_state = State::authorization;
  std::optional<std::string> m_user;         // after USER
  std::optional<auth::SaslExchange> m_sasl;  // AUTH in progress
  std::optional<store::LoginCandidate> m_who;
  IdLocks::Guard m_lock;
  store::MailboxRef m_inbox;
  std::uint32_t m_uidvalidity = 0;
  std::vector<Entry> m_drop;
};

// "." at a line start doubled, bare LF made CRLF, ".\r\n" at the end (RFC 1939 §3).
std::string dot_stuff(std::string_view message);

}  // namespace estafeta::pop3
