#include "smtp/notice.hpp"

#include <random>

#include <fmt/format.h>

#include "core/ascii.hpp"

namespace estafeta::smtp {

std::string new_queue_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:012X}", rng() & 0xFFFFFFFFFFFFull);
}

Status send_notice(const Deps& deps, const std::string& to, const std::string& message, store::Id from_address_id,
                   std::int64_t now) {
  auto domain = ascii_lower(to.substr(to.rfind('@') + 1));
  auto local = deps.accounts.find_address(ascii_lower(to));
  auto served = deps.accounts.find_domain(domain);
  if (local && served && served->verified) {
    auto inbox = TRY(deps.mailboxes.find_mailbox(local->id, "INBOX"));
    TRY(deps.deliverer.deliver(message, {{inbox.ref(), 0, {}, now}}));
    return {};
  }
  store::OutboundMessage out;
  out.public_id = new_queue_id();
  out.sender_address_id = from_address_id;
  store::OutboundRecipient recipient;
  recipient.address = to;
  recipient.domain = domain;
  recipient.notify_never = true;
  out.recipients.push_back(recipient);
  TRY(deps.deliverer.accept(message, {}, out, {}));
  return {};
}

}  // namespace estafeta::smtp
