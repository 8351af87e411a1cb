// Delivery status notifications (RFC 3464, RFC 3462 multipart/report): the
// bounce a sender gets when a recipient failed for good, the warning when
// one is still not delivered after a while (Action: delayed), and, for the
// recipients that asked with NOTIFY=SUCCESS (RFC 3461 §5.2.2, §5.2.3), the
// report that the message was delivered here, or passed on to a system
// that sends no reports (Action: relayed).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace estafeta::smtp {

struct FailedRecipient {
  std::string recipient;   // the address we tried
  std::string orcpt;       // the original recipient, "rfc822;…" (may be empty)
  std::string status;      // enhanced status, "5.1.1"
  std::string remote_mta;  // the host that answered (may be empty)
  std::string diagnostic;  // its reply, "550 5.1.1 no such user"
};

enum class ReportAction { failed, delayed, delivered, relayed };

struct BounceInput {
  std::string reporting_mta;  // our host name
  std::string sender;         // who gets the bounce
  std::string envid;
  std::int64_t arrival = 0;  // when we accepted the message
  std::int64_t now = 0;
  bool full_message = true;             // RET=FULL: include the message; otherwise its header only
  std::string_view original;            // the message as we accepted it
  std::vector<FailedRecipient> failed;  // the recipients the report is about
  // What happened to them. Only a failure carries the message itself (RET
  // concerns failures, RFC 3461 §4.3); the other reports its header. A
  // delay warning says until when the recipients are still being tried.
  ReportAction action = ReportAction::failed;
  std::int64_t retry_until = 0;
};

// The complete report (From: the mail system, To: the sender).
std::string make_bounce(const BounceInput& in);

// What a message relayed to a system that announces DSN carries on (RFC
// 3461 §5.2.1: the ENVID and RET it came with, each recipient's NOTIFY and
// ORCPT), as parameters for MAIL and RCPT, each with its leading space.
std::string dsn_mail_parameters(const std::string& envid, bool ret_full);
std::string dsn_rcpt_parameters(bool never, bool success, bool failure, bool delay, const std::string& orcpt);

// The enhanced status code in a reply ("550 5.1.1 …" → "5.1.1"), or one made
// from the basic code ("554" → "5.0.0", "451" → "4.0.0").
std::string status_of(std::string_view reply);

}  // namespace estafeta::smtp
