// Base subjects (RFC 5256 §2.1) and the THREAD algorithms ORDEREDSUBJECT
// and REFERENCES (RFC 5256 §3). Pure functions over message facts; the
// THREAD command gathers the facts and writes the result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mime/msg_ids.hpp"

namespace estafeta::imap {

struct BaseSubject {
  std::string text;       // case-folded (ASCII), the base subject
  bool reply_or_forward;  // extraction removed a Re:/Fwd:, "(fwd)" or "[fwd: …]"
};
BaseSubject base_subject(std::string_view decoded_subject);

struct ThreadMessage {
  std::uint32_t number = 0;             // sequence number or UID, as the reply wants
  std::string message_id;               // normalised, without <>; "" when absent
  std::vector<std::string> references;  // References (or the first In-Reply-To), oldest first
  std::string subject;                  // decoded subject
  std::int64_t date = 0;                // sent date (falls back to internal date)
};

// The THREAD response data: "(1 2)(3 (4)(5))" etc. `messages` in mailbox
// (sequence) order.
std::string thread_orderedsubject(const std::vector<ThreadMessage>& messages);
std::string thread_references(const std::vector<ThreadMessage>& messages);

using mime::parse_msg_ids;

}  // namespace estafeta::imap
