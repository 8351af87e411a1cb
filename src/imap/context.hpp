// The state of one IMAP session, as the command handlers see it.
//
// Plain C++: the handlers run on the worker pool (they call the store, which
// blocks); the transport (imap/connection.cpp) owns the Context, runs one
// handler at a time and never touches the Context while a handler runs.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/sasl.hpp"
#include "imap/deps.hpp"
#include "imap/proto/command.hpp"
#include "imap/selected.hpp"

namespace estafeta::imap {

struct SessionOptions {
  std::string hostname;
  std::string peer_ip;
  bool tls_active = false;          // implicit TLS, or after STARTTLS
  bool starttls_available = false;  // a TLS context exists and TLS is not active yet
  bool plaintext_auth = false;      // listener allows LOGIN before TLS (loopback test listeners)
  std::uint64_t append_limit = 50ull * 1024 * 1024;
  // SEARCH SUBJECT asks the full-text index which messages to read in
  // folders of more messages than this: those whose rows are not kept
  // between searches, where a scan reads every row.
  std::size_t subject_index_above = FolderRows::kMaxKept;
};

// What the transport does once a handler returns.
struct Reply {
  std::string out;  // bytes to write, untagged responses first, then the tagged one
  enum class Next { read, start_tls, idle, authenticate, close } next = Next::read;
  std::chrono::milliseconds delay{0};  // wait this long before writing (failed logins)
  // A long answer (FETCH) comes in parts: when set, `out` is only the first
  // part; the transport writes it, then calls Session::resume on the worker
  // pool for the next part (which may have `more` again), and so on. Each
  // part is written before the next is made, so the session holds one part
  // at a time however much the command returns. Only the last part ends
  // with the tagged response and says what comes `next`. May use the
  // Context, like a handler.
  std::function<Reply()> more;
};

// Extensions the client turned on with ENABLE (RFC 5161) or implicitly.
struct Enabled {
  bool condstore = false;  // also implied by SELECT (CONDSTORE), FETCH MODSEQ, … (RFC 7162 §3.1)
  bool qresync = false;
  bool utf8 = false;  // UTF8=ACCEPT (RFC 6855)
  bool rev2 = false;  // IMAP4rev2 (RFC 9051)
};

// A SASL exchange in progress (AUTHENTICATE without a complete initial response).
struct PendingAuthenticate {
  std::string tag;
  auth::SaslExchange exchange;
};

struct Context {
  Context(const Deps& d, SessionOptions o) : deps(d), options(std::move(o)) {}

  const Deps& deps;
  SessionOptions options;

  State state = State::not_authenticated;
  std::optional<store::LoginCandidate> who;  // after authentication
  std::unique_ptr<SelectedMailbox> selected;
  Enabled enabled;
  std::optional<std::vector<std::uint32_t>> saved_uids;  // SEARCHRES "$" (RFC 5182), as UIDs
  std::optional<PendingAuthenticate> sasl;
  std::string idle_tag;

  // Names cross the wire in modified UTF-7 unless UTF-8 is on (RFC 9051 §5.1).
  bool utf8_names() const { return enabled.utf8 || enabled.rev2; }
};

}  // namespace estafeta::imap
