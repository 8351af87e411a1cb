// Submission without an SMTP dialogue: a logged-in user's message handed
// over whole (JMAP EmailSubmission), under the submission port's rules —
// the envelope sender and every From: must be one of the user's addresses,
// local recipients must exist, remote ones are relayed (the user is
// authenticated), the size limit — and then the same acceptance as after
// DATA (DKIM signature, Received:, the Sent copy, the queue).
// Blocking (store): on the worker pool.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "smtp/deps.hpp"

namespace estafeta::smtp {

struct DirectSubmission {
  store::Id user_id = 0;
  std::string peer_ip;    // where the user is (the Received: field)
  std::string mail_from;  // an address of the user's
  std::vector<std::string> rcpt_to;
  std::string message;  // CRLF line ends
};

struct SubmitRefusal {
  enum Kind { forbidden_from, invalid_recipients, too_large, no_recipients, invalid_message, temporary } kind;
  std::vector<std::string> recipients;  // invalid_recipients: which
  std::string text;
};

// The queue id, or why the message was refused.
std::expected<std::string, SubmitRefusal> submit_direct(const Deps& deps, const DirectSubmission& s);

}  // namespace estafeta::smtp
