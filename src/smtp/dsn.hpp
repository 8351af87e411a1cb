// Delivery status notifications (RFC 3464, RFC 3462 multipart/report): the
// bounce a sender gets when a recipient failed for good, and the warning
// when one is still not delivered after a while (Action: delayed).
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

struct BounceInput {
  std::string reporting_mta;  // our host name
  std::string sender;         // who gets the bounce
  std::string envid;
  std::int64_t arrival = 0;  // when we accepted the message
  std::int64_t now = 0;
  bool full_message = true;             // RET=FULL: include the message; otherwise its header only
  std::string_view original;            // the message as we accepted it
  std::vector<FailedRecipient> failed;  // the recipients the report is about
  // A delay warning instead of a bounce: the recipients are still being
  // tried until then. Carries the message's header only (RET concerns
  // failures, RFC 3461 §4.3).
  bool delayed = false;
  std::int64_t retry_until = 0;
};

// The complete report (From: the mail system, To: the sender).
std::string make_bounce(const BounceInput& in);

// The enhanced status code in a reply ("550 5.1.1 …" → "5.1.1"), or one made
// from the basic code ("554" → "5.0.0", "451" → "4.0.0").
std::string status_of(std::string_view reply);

}  // namespace estafeta::smtp
