// Vacation auto-replies (RFC 3834), for local recipients whose address has
// its vacation response on (JMAP VacationResponse): at most one per sender
// per period, never to the null sender, to mail marked automatic
// (Auto-Submitted), to lists or bulk mail (List-*, Precedence), to
// MAILER-DAEMON, owner- or -request addresses, nor when the recipient is
// not named in To or Cc. The reply comes from the recipient's address with
// the null reverse-path, Auto-Submitted: auto-replied, and In-Reply-To /
// References to the message (RFC 3834 §3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/deps.hpp"
#include "store/emails.hpp"

namespace estafeta::smtp {

// How often one sender hears the same vacation response.
inline constexpr std::int64_t kVacationPeriod = 7 * 24 * 3600;

// The reply to `message` (sent by `sender` to `recipient`), or nullopt when
// none is due by the message itself (RFC 3834 §2). Pure: no store.
std::optional<std::string> vacation_reply(const store::Vacation& vacation, const std::string& recipient,
                                          const std::string& sender, std::string_view message,
                                          const std::string& hostname, std::int64_t now);

// Sends the replies due for `message` to its local recipients (addresses).
// Blocking (store). Failures are logged, never the sender's problem.
void answer_vacations(const Deps& deps, const std::string& sender, const std::vector<store::Address>& recipients,
                      std::string_view message, std::int64_t now);

}  // namespace estafeta::smtp
