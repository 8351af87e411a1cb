// What becomes of a complete message (after DATA or the last BDAT chunk),
// once the session has the MX's checks (SPF, DKIM, DMARC) and has refused
// what the submitting user may not send: forged Authentication-Results
// removed, DKIM signing (submission), the DMARC policy (MX), the trace
// headers (RFC 5321 §4.4 Received, RFC 7208 §9.1 Received-SPF, RFC 8601
// Authentication-Results), where each recipient's copy goes (local
// folders, the outbound queue, the sender's Sent folder when the address
// keeps one), and the one durable step that makes the 250 true
// (Deliverer::accept). Blocking (store): on the worker pool.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <vector>

#include "dns/spf.hpp"
#include "smtp/command.hpp"
#include "smtp/deps.hpp"
#include "smtp/message_auth.hpp"
#include "smtp/options.hpp"
#include "store/types.hpp"

namespace estafeta::smtp {

struct Recipient {
  RcptTo rcpt;
  std::optional<store::Address> local;  // a local address, or remote (submission only)
};

// One mail transaction, complete.
struct Transaction {
  std::string sender;  // "" for the null reverse-path
  MailFrom mail;
  std::vector<Recipient> recipients;
  bool extended = true;  // after EHLO; false after HELO (RFC 5321 §4.4: "with SMTP")
};

// A refusal for the whole message: the reply's code, enhanced status, text.
struct Refusal {
  int code = 451;
  std::string status;
  std::string text;
};

class MessageAcceptance {
 public:
  // `helo`: the client's HELO when it is a domain or an address literal;
  // `sender_address_id`: the logged-in address on submission (0 on the MX).
  MessageAcceptance(const Deps& deps, const SessionOptions& options, std::optional<std::string> helo,
                    store::Id sender_address_id)
      : m_deps(deps), m_options(options), m_helo(std::move(helo)), m_sender_address_id(sender_address_id) {}

  // The queue id ("250 … queued as X") once the message is durable, or why
  // it was refused. `spf` and `auth`: the MX's results (none on submission).
  std::expected<std::string, Refusal> accept(const Transaction& t, std::string message,
                                             const std::optional<dns::SpfResult>& spf,
                                             const std::optional<MessageAuth>& auth);

 private:
  struct Delivery {  // what Deliverer::accept stores in one step
    std::vector<store::AppendTarget> local;
    std::optional<store::OutboundMessage> outbound;
    std::vector<store::TraceEntry> trace;
  };

  void sign(std::string& message, std::int64_t now);  // submission: DKIM
  void report_deliveries(const Transaction& t, std::string_view message, const std::optional<dns::SpfResult>& spf,
                         std::int64_t now);
  // The refusal a DMARC p=reject asks for; sets `junk` for p=quarantine.
  std::optional<Refusal> apply_dmarc(const MessageAuth& auth, const std::vector<Recipient>& recipients, bool& junk);
  std::string received_header(const Transaction& t, const std::string& qid, std::int64_t now) const;
  std::string spf_headers(const dns::SpfResult& spf, const std::optional<MessageAuth>& auth, const std::string& sender,
                          const std::string& qid) const;
  static bool spf_junk(const dns::SpfResult& spf, const std::optional<MessageAuth>& auth);
  // The refusal when a local recipient has no room for `size` octets.
  std::optional<Refusal> refuse_over_quota(const std::vector<Recipient>& recipients, std::uint64_t size);
  // Each recipient's copy: a local folder (INBOX or Junk) or the outbound
  // queue, with its trace line; a refusal when a folder cannot be found.
  std::optional<Refusal> plan_recipients(const Transaction& t, const std::string& qid, std::int64_t now, bool junk,
                                         Delivery& d);
  void plan_sent_copy(const Transaction& t, const std::string& qid, std::int64_t now, std::size_t size, Delivery& d);

  const Deps& m_deps;
  const SessionOptions& m_options;
  std::optional<std::string> m_helo;
  store::Id m_sender_address_id;
};

}  // namespace estafeta::smtp
