// Message ids as References, In-Reply-To and Message-ID write them
// (RFC 5322 §3.6.4), for threading (IMAP THREAD, the store's JMAP threads).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace estafeta::mime {

// The message ids of a field value, normalised ("<a@b>" and "<\"a\"@b>"
// are the same id), without angle brackets, in order; anything that is
// not "<…@…>" is skipped.
std::vector<std::string> parse_msg_ids(std::string_view value);

}  // namespace estafeta::mime
