// One SMTP session's logic, without I/O (RFC 5321; ESMTP extensions SIZE,
// PIPELINING, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES, DSN, CHUNKING,
// STARTTLS, AUTH).
//
// Two roles, from the listener: the MX (`smtp`, port 25) accepts mail only
// for addresses of local domains and never relays; submission
// (`submission`, `submissions`, ports 587/465) requires AUTH with a device
// password and sends anywhere, with the envelope sender and From: limited
// to addresses the user has access to. Accepted mail goes through
// delivery::Deliverer::accept, durable before the 250.
//
// Local recipients are refused when their quota leaves no room (RFC 3463
// X.2.2) and, on the MX, when their domain refuses mail that fails SPF
// (RFC 7372 §3.2); both are decided per recipient at RCPT. A complete message goes to
// MessageAcceptance (accept.hpp).
//
// SPF needs DNS, which may be slow: with `spf_by_transport` the session
// never asks the resolver itself. Where it needs the verdict it answers
// Next::spf (RCPT: nothing changed, repeat the command once the verdict is
// in) or expects the transport to have run spf_job() first (end of data).
//
// Submission checks the sender against the store at MAIL and again when the
// message is complete, so an access revoked during the session stops it.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sasl.hpp"
#include "core/event_bus.hpp"
#include "dns/spf.hpp"
#include "smtp/accept.hpp"
#include "smtp/command.hpp"
#include "smtp/data_reader.hpp"
#include "smtp/deps.hpp"
#include "smtp/message_auth.hpp"
#include "smtp/options.hpp"

namespace estafeta::smtp {

struct Reply {
  std::string out;
  // message_auth: the message is complete and waits for its DKIM and DMARC
  // checks (message_auth_job); run them, hand the result in
  // (set_message_auth), then call resume_message for the real reply.
  enum class Next { read, data, bdat, auth, start_tls, close, spf, message_auth } next = Next::read;
  std::uint64_t bdat_size = 0;  // with Next::bdat: the octets to read raw
  bool bdat_last = false;
  // With Next::bdat: the chunk was refused; its octets are read and dropped
  // (RFC 3030 §2: the session stays in step), never kept, and `out` is
  // sent once they are.
  bool bdat_discard = false;
  std::chrono::milliseconds delay{0};
};

// The answer where an SPF verdict is needed and its check could not run
// now (RFC 7208 §8.6: 451 4.4.3).
Reply spf_unavailable();

class Session {
 public:
  // `deps` outlives the session.
  Session(const Deps& deps, SessionOptions options);

  std::string greeting() const;
  // One command line (with its CRLF). Blocking (store): run on the worker pool.
  Reply command(std::string_view line);
  // Whether command(line) may block (store, DNS, password check): those run
  // on the worker pool; the rest (MAIL, RSET, DATA, NOOP, EHLO, …) need no
  // trip there and back, which costs more than they do.
  bool may_block(std::string_view line) const;
  // After Next::data: the transport fed the DATA reader to its end.
  Reply finish_data(DataReader& reader);
  // After Next::bdat (not discarding): the chunk's octets, at most the
  // chunk size the session accepted, which the message size limit bounds.
  Reply bdat_chunk(std::string chunk, bool last);
  // With spf_by_transport: the SPF check this transaction still needs
  // before RCPT (after Next::spf) or before the end of its data, if any.
  std::optional<dns::SpfJob> spf_job() const;
  // Its verdict; nullopt when the check could not run now (too many at
  // once): the session then answers 451 4.4.3 where it needs it.
  void set_spf(std::optional<dns::SpfResult> verdict);
  // After Next::message_auth: the checks the waiting message needs, their
  // result (nullopt: they could not run now), and the reply to the message.
  std::optional<MessageAuthJob> message_auth_job() const;
  void set_message_auth(std::optional<MessageAuth> result);
  Reply resume_message();
  // After Next::auth: the client's next line.
  Reply auth_step(std::string_view line);
  // The answer to a line past the limit (RFC 5321 §4.5.3.1.9: 500); an AUTH
  // exchange it was part of ends with it (RFC 4954 §4: 500 5.5.6).
  Reply line_too_long();
  void tls_started();

  std::uint64_t max_message_size() const { return m_options.max_message_size; }
  MessageBudget* message_budget() const { return m_deps.message_budget; }
  std::optional<std::string> ended_by(const Event& event) const;
  std::optional<std::int64_t> address_id() const;
  // Who logged in (device password, access, address, user), once someone has.
  const std::optional<store::LoginCandidate>& who() const { return m_who; }

 private:
  // The handlers, one per argument type of the command table
  // (smtp/parser.cpp): command() picks the one for the parsed command.
  Reply handle(const cmd::Hello& c);
  Reply handle(const MailFrom& m);
  Reply handle(const RcptTo& r);
  Reply handle(const cmd::Data&);
  Reply handle(const cmd::Bdat& c);
  Reply handle(const cmd::Rset&);
  Reply handle(const cmd::Noop&);
  Reply handle(const cmd::Quit&);
  Reply handle(const cmd::Vrfy&);
  Reply handle(const cmd::Help&);
  Reply handle(const cmd::StartTls&);
  Reply handle(const cmd::Auth& c);
  Reply login(const std::string& address, const std::string& password);
  Reply sasl_reply(auth::SaslExchange::Step step);
  // The message is complete: the MX's checks it waits for, the submission
  // refusals, then MessageAcceptance (accept.hpp) takes it.
  Reply accept_message(std::string message);
  // MX: the SPF verdict and the DKIM/DMARC results; a reply when the message
  // must wait for them (Next::message_auth) or they cannot run now.
  std::optional<Reply> inbound_checks(std::string& message, std::optional<dns::SpfResult>& spf,
                                      std::optional<MessageAuth>& auth);
  // Submission: the refusal of a sender or From: the user may not use now.
  std::optional<Reply> refuse_submitted(const std::string& sender, const std::string& message);
  Reply error(int code, std::string_view status, std::string_view text);
  Reply unknown_recipient(const std::string& address);
  Reply closing_after(Reply r, std::string_view why);
  void reset_transaction();
  void drop_chunks();  // the BDAT chunks so far, and what they hold of the budget
  // Submission: whether the logged-in user may send as `address` now (an
  // access to it, in a mail service that is not locked). Asks the store.
  Result<bool> may_send_as(const std::string& address);
  // The refusal of `address` as the sender (`where`: "" or " (From:)"), if any.
  std::optional<Reply> refuse_sender(const std::string& address, std::string_view where);
  // The HELO/EHLO argument when it is a domain or an address literal (RFC
  // 5321 §4.1.1.1): the only form placed in headers and given to SPF.
  std::optional<std::string> valid_helo() const;
  // Where postmaster@domain goes when no such address exists.
  Result<store::Address> postmaster_of(const store::Domain& domain);
  // MX: the SPF verdict on this transaction's MAIL FROM identity (RFC 7208
  // §2.4), evaluated once, when first needed; nullptr while the transport
  // has yet to hand it in, or when it could not run (m_spf_busy).
  const dns::SpfResult* spf_verdict();
  // RCPT of a local address: the refusal when its domain refuses mail that
  // fails SPF, or when its quota leaves no room.
  std::optional<Reply> refuse_local_recipient(const store::Domain& domain, const store::Address& local,
                                              const std::string& rcpt);

  const Deps& m_deps;
  SessionOptions m_options;
  std::optional<std::string> m_helo;
  bool m_extended = false;
  std::optional<MailFrom> m_mail;
  std::vector<Recipient> m_recipients;
  std::optional<dns::SpfResult> m_spf;             // this transaction's verdict, once evaluated
  bool m_spf_busy = false;                         // this transaction's check could not run
  std::shared_ptr<std::string> m_pending_message;  // complete, waiting for its DKIM/DMARC checks
  std::optional<MessageAuth> m_auth;               // their result
  std::string m_chunks;                            // BDAT so far
  BudgetHold m_chunks_hold;                        // what the chunks, and the one being read, hold of the budget
  bool m_chunk_error = false;
  std::optional<store::LoginCandidate> m_who;
  std::optional<auth::SaslExchange> m_sasl;  // AUTH in progress
  int m_errors = 0;
  int m_unknown_recipients = 0;
};

}  // namespace estafeta::smtp
