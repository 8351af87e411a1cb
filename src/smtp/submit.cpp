#include "smtp/submit.hpp"

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "mime/parsed_message.hpp"
#include "smtp/accept.hpp"
#include "smtp/header_text.hpp"
#include "smtp/parser.hpp"

namespace estafeta::smtp {

namespace {

// "local@domain" as an SMTP mailbox; nullopt when it is not one.
std::optional<Mailbox> mailbox_of(const std::string& address) {
  auto at = address.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 >= address.size() || address.size() > 254) return std::nullopt;
  Mailbox m;
  m.local = address.substr(0, at);
  m.domain = ascii_lower(address.substr(at + 1));
  for (unsigned char c : address)
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',') return std::nullopt;
  for (unsigned char c : address)
    if (c >= 0x80) m.utf8 = true;
  return m;
}

// Whether the user may send as `address` (as the submission port decides).
Result<bool> may_send_as(const Deps& deps, store::Id user_id, const std::string& address) {
  auto a = deps.accounts.find_address(ascii_lower(address));
  if (!a) return a.error().kind == ErrorKind::not_found ? Result<bool>(false) : std::unexpected(a.error());
  auto access = deps.accounts.find_access(a->id, user_id);
  if (!access)
    return access.error().kind == ErrorKind::not_found ? Result<bool>(false) : std::unexpected(access.error());
  auto service = TRY(deps.accounts.service(a->service_id));
  return !service.locked;
}

}  // namespace

std::expected<std::string, SubmitRefusal> submit_direct(const Deps& deps, const DirectSubmission& s) {
  using R = SubmitRefusal;
  auto temporary = [](const Error& e) { return std::unexpected(R{R::temporary, {}, e.message}); };
  auto sender = mailbox_of(s.mail_from);
  if (!sender) return std::unexpected(R{R::forbidden_from, {}, "the envelope sender is not an address"});
  auto allowed = may_send_as(deps, s.user_id, s.mail_from);
  if (!allowed) return temporary(allowed.error());
  if (!*allowed) return std::unexpected(R{R::forbidden_from, {}, fmt::format("you may not send as <{}>", s.mail_from)});
  if (auto bad = malformed_header_line(s.message))
    return std::unexpected(R{R::invalid_message, {}, fmt::format("malformed header: line {}", *bad)});
  for (auto& from : mime::header_addresses(s.message, "From")) {
    auto ok = may_send_as(deps, s.user_id, from);
    if (!ok) return temporary(ok.error());
    if (!*ok) return std::unexpected(R{R::forbidden_from, {}, fmt::format("you may not send as <{}> (From:)", from)});
  }
  if (s.message.size() > deps.limits.max_message_size)
    return std::unexpected(R{R::too_large, {}, fmt::format("larger than {} bytes", deps.limits.max_message_size)});
  if (s.rcpt_to.empty()) return std::unexpected(R{R::no_recipients, {}, "no recipients"});
  if (s.rcpt_to.size() > 100) return std::unexpected(R{R::invalid_recipients, {}, "at most 100 recipients"});

  Transaction t;
  t.sender = sender->address();
  t.mail.sender = *sender;
  t.mail.smtputf8 = sender->utf8;
  std::vector<std::string> invalid;
  for (auto& to : s.rcpt_to) {
    auto m = mailbox_of(to);
    if (!m) {
      invalid.push_back(to);
      continue;
    }
    t.mail.smtputf8 = t.mail.smtputf8 || m->utf8;
    Recipient r;
    r.rcpt.recipient = *m;
    auto domain = deps.accounts.find_domain(m->domain);
    if (domain && domain->verified) {
      auto local = deps.accounts.find_address(ascii_lower(m->local) + "@" + m->domain);
      if (!local) {
        if (local.error().kind != ErrorKind::not_found) return temporary(local.error());
        invalid.push_back(to);
        continue;
      }
      r.local = *local;
    } else if (!domain && domain.error().kind != ErrorKind::not_found) {
      return temporary(domain.error());
    }
    t.recipients.push_back(std::move(r));
  }
  if (!invalid.empty()) return std::unexpected(R{R::invalid_recipients, invalid, "no such recipient"});

  SessionOptions options;
  options.role = Role::submission;
  options.hostname = deps.hostname;
  options.peer_ip = s.peer_ip;
  options.tls_active = true;
  options.max_message_size = deps.limits.max_message_size;
  auto from_address = deps.accounts.find_address(ascii_lower(s.mail_from));
  MessageAcceptance acceptance(deps, options, std::nullopt, from_address ? from_address->id : 0);
  auto accepted = acceptance.accept(t, s.message, std::nullopt, std::nullopt);
  if (!accepted) {
    auto& r = accepted.error();
    auto kind = r.code == 552 ? R::too_large : r.code >= 500 ? R::invalid_message : R::temporary;
    return std::unexpected(R{kind, {}, fmt::format("{} {} {}", r.code, r.status, r.text)});
  }
  return *accepted;
}

}  // namespace estafeta::smtp
