// One IMAP session's protocol logic, without I/O: commands in, responses out.
//
// The transport (connection.cpp) reads and frames bytes, parses a command,
// runs `execute` on the worker pool (handlers call the store) and writes the
// Reply. Commands are dispatched from a table: name, handler, the states it
// is allowed in (RFC 9051 §3), and flags. Pre-authentication commands are
// kept apart from the rest (commands/auth.cpp).
#pragma once

#include <string>
#include <string_view>

#include "core/event_bus.hpp"
#include "imap/context.hpp"
#include "imap/proto/parser.hpp"

namespace estafeta::imap {

class Session {
 public:
  Session(const Deps& deps, SessionOptions options) : m_ctx(deps, std::move(options)) {}

  std::string greeting() const;

  // Parses one complete command (from the framer) in the grammar this
  // session speaks now: UTF-8 in quoted strings once UTF8=ACCEPT or
  // IMAP4rev2 is enabled (RFC 6855 §3, RFC 9051 §4.3.1). Call it after the
  // command before has run (an ENABLE changes the answer). Pure.
  std::expected<Command, ParseFailure> parse(std::string_view text) const;

  // Runs one parsed command. Blocking (store calls): run on the worker pool.
  Reply execute(Command command);
  // The next part of a reply that has `more` (Reply::more). Blocking: run
  // on the worker pool.
  Reply resume(Reply& reply);
  // A command the parser refused: "tag BAD message".
  Reply bad_syntax(const ParseFailure& failure);
  // The next client line of an AUTHENTICATE exchange (Reply::Next::authenticate).
  Reply authenticate_step(std::string_view line);
  // The line that ends IDLE ("DONE", or anything else: BAD).
  Reply idle_end(std::string_view line);
  // Untagged updates for the selected mailbox, sent during IDLE (RFC 9051
  // §7: unsolicited responses are allowed at any time, but clients expect
  // them at command completion or in IDLE), told of `event`. Blocking.
  // Next::close (after a BYE) when the selected folder is gone.
  Reply idle_updates(const Event& event);
  // The same without the store, when it can be had so: nothing new (the
  // event's change was reported already), or a delta kept for every
  // session at this one's modseq (FolderChanges). nullopt: call
  // idle_updates. Does not block.
  std::optional<Reply> idle_updates_at_once(const Event& event);
  // After STARTTLS succeeded.
  void tls_started();

  // Whether this event ends the session (its device or access revoked, its
  // service locked); the BYE text to send if so.
  std::optional<std::string> ended_by(const Event& event) const;
  // Whether the event concerns the selected mailbox (worth an idle_updates).
  bool concerns(const Event& event) const;

  State state() const { return m_ctx.state; }
  const Context& context() const { return m_ctx; }

  // The BYE text when the selected folder was deleted under the session.
  static constexpr const char* kSelectionLost = "the selected folder was deleted or renamed by another session";

 private:
  // Ends the session after `reply`: the selected folder is gone.
  Reply selection_lost(Reply reply);

  Context m_ctx;
};

}  // namespace estafeta::imap
