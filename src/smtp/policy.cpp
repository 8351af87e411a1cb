// Per-recipient policy of local addresses: the domain's answer to mail that
// fails SPF (RFC 7208 §8.4, RFC 7372 §3.2) and the address's quota
// (RFC 3463 X.2.2 "mailbox full", RFC 1870 §6 for the declared SIZE).
//
// Both are decided at RCPT, where SMTP still answers each recipient on its
// own. After DATA there is one reply for the whole message ("The SMTP model
// does not allow for partial failures at this point", RFC 5321 §4.1.1.4), so
// a decision there would impose one recipient's policy on the others.
#include <random>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "mime/parsed_message.hpp"
#include "smtp/parser.hpp"

#include "core/log.hpp"
#include "smtp/reply.hpp"
#include "smtp/session.hpp"

namespace estafeta::smtp {

namespace {

Reply temporary_failure() { return Reply{reply(451, "4.3.0", "temporary failure, try again later")}; }

}  // namespace

Reply spf_unavailable() {
  return Reply{reply(451, "4.4.3", "too many SPF checks in progress; try again later")};
}

// The MAIL FROM identity is known from the MAIL command on (RFC 7208 §2.4),
// so the verdict can serve RCPT as well as the headers after DATA; one
// evaluation per transaction either way.
std::optional<dns::SpfJob> Session::spf_job() const {
  if (m_options.role != Role::mx || !m_mail || m_spf || m_spf_busy) return std::nullopt;
  dns::SpfJob job;
  job.client_ip = m_options.peer_ip;
  job.mail_from = m_mail->sender ? m_mail->sender->address() : std::string();
  job.helo = valid_helo().value_or("");
  job.options.receiver = m_options.hostname;
  return job;
}

void Session::set_spf(std::optional<dns::SpfResult> verdict) {
  if (!m_mail) return;  // the transaction ended meanwhile
  m_spf = std::move(verdict);
  m_spf_busy = !m_spf;
}

std::optional<MessageAuthJob> Session::message_auth_job() const {
  if (m_options.role != Role::mx || !m_pending_message || m_auth) return std::nullopt;
  MessageAuthJob job;
  job.message = m_pending_message;
  for (auto& from : mime::header_addresses(*m_pending_message, "From"))
    job.from_domains.push_back(ascii_lower(from.substr(address_at(from) + 1)));
  job.spf = m_spf ? m_spf->code : dns::SpfResult::temperror;
  auto sender = m_mail && m_mail->sender ? m_mail->sender->address() : std::string();
  job.spf_domain = !sender.empty() ? ascii_lower(sender.substr(address_at(sender) + 1)) : valid_helo().value_or("");
  job.now = m_deps.clock.now();
  thread_local std::mt19937 rng{std::random_device{}()};
  job.sample = static_cast<int>(rng() % 100);
  return job;
}

void Session::set_message_auth(std::optional<MessageAuth> result) {
  if (!m_pending_message) return;  // the transaction ended meanwhile
  m_auth = result ? std::move(*result) : checks_not_run();
}

Reply Session::resume_message() {
  if (!m_pending_message) return error(503, "5.5.1", "no message waiting");
  // The checks' thread may still hold the message when their time ran out.
  auto message = m_pending_message.use_count() == 1 ? std::move(*m_pending_message) : *m_pending_message;
  m_pending_message.reset();
  return accept_message(std::move(message));
}

const dns::SpfResult* Session::spf_verdict() {
  if (!m_spf && !m_spf_busy && !m_options.spf_by_transport) {
    auto job = spf_job();
    if (job) m_spf = dns::check_mail_from(m_deps.resolver, job->client_ip, job->mail_from, job->helo, job->options);
  }
  return m_spf ? &*m_spf : nullptr;
}

std::optional<Reply> Session::refuse_local_recipient(const store::Domain& domain, const store::Address& local,
                                                     const std::string& rcpt) {
  // SPF: a domain whose policy is "reject" refuses a fail outright (a
  // softfail still goes to Junk, RFC 7208 §8.5). Asked per recipient: in a
  // transaction to two domains with different policies, the recipients of
  // the rejecting domain get 550 and the others take the message into Junk,
  // as each domain chose. The MX only: submission is authenticated instead.
  if (m_options.role == Role::mx && domain.spf_fail == store::SpfFailPolicy::reject) {
    const auto* verdict = spf_verdict();
    if (!verdict) {
      if (m_spf_busy) return spf_unavailable();
      Reply again;
      again.next = Reply::Next::spf;  // the transport runs the check, then this RCPT again
      return again;
    }
    auto& spf = *verdict;
    if (spf.code == dns::SpfResult::fail) {
      auto sender = m_mail->sender ? m_mail->sender->address() : "postmaster@" + valid_helo().value_or("");
      log::info("smtp.rcpt_refused", {{"ip", m_options.peer_ip}, {"to", rcpt}, {"reason", "spf_fail"},
                                      {"from", sender}});
      auto text = fmt::format("SPF check failed (spf=fail): {} may not send mail for the domain of <{}>",
                              m_options.peer_ip, sender);
      // The explanation (exp=, RFC 7208 §6.2) is printable ASCII from the sender's own DNS.
      if (!spf.explanation.empty()) text += ": " + spf.explanation.substr(0, 200);
      return error(550, "5.7.23", text);
    }
  }
  // Quota. A pre-check: the append after DATA runs in its own transaction,
  // so deliveries at the same instant may overshoot the limit by a message,
  // as with other servers; the next one is refused.
  auto usage = m_deps.store.address_usage(local.id);
  if (!usage) return temporary_failure();
  std::uint64_t declared = m_mail->size.value_or(0);
  if (!usage->could_ever_fit(declared)) {
    // RFC 1870 §6.4 (2): larger than the whole quota, it can never be
    // delivered; the client must not retry.
    log::info("smtp.rcpt_refused", {{"ip", m_options.peer_ip}, {"to", rcpt}, {"reason", "over_quota"}});
    return error(552, "5.2.2", fmt::format("<{}>: the message is larger than the mailbox's quota", rcpt));
  }
  if (!usage->fits(declared, 1)) {
    // Mailbox full now (RFC 3463 4.2.2, RFC 1870 §6.4 (1)): temporary, the
    // owner may make room and the client retries later.
    log::info("smtp.rcpt_refused", {{"ip", m_options.peer_ip}, {"to", rcpt}, {"reason", "over_quota"}});
    return Reply{reply(452, "4.2.2", fmt::format("Mailbox full: <{}> is over its quota", rcpt))};
  }
  return std::nullopt;
}

std::optional<Reply> Session::refuse_over_quota(const std::vector<Recipient>& recipients, std::uint64_t size) {
  // The real size, which SIZE only declared (RFC 1870 §6.3). One reply for
  // all recipients (RFC 5321 §4.1.1.4): 452 4.2.2, temporary, because a
  // permanent 552 would bounce the message for the recipients that had
  // room too; the client keeps it and retries. Only when the one recipient
  // could never take it (larger than the whole quota) is it 552 5.2.2:
  // retrying cannot help.
  bool over = false, never = false;
  std::string full_rcpt;
  for (auto& r : recipients) {
    if (!r.local) continue;
    auto usage = m_deps.store.address_usage(r.local->id);
    if (!usage) return temporary_failure();
    if (usage->fits(size, 1)) continue;
    over = true;
    never = never || !usage->could_ever_fit(size);
    if (full_rcpt.empty()) full_rcpt = r.rcpt.recipient.address();
  }
  if (!over) return std::nullopt;
  log::info("smtp.data_refused", {{"ip", m_options.peer_ip}, {"to", full_rcpt}, {"reason", "over_quota"},
                                  {"size", size}});
  if (never && recipients.size() == 1)
    return error(552, "5.2.2", fmt::format("<{}>: the message is larger than the mailbox's quota", full_rcpt));
  return Reply{reply(452, "4.2.2", fmt::format("Mailbox full: <{}> has no room for this message", full_rcpt))};
}

}  // namespace estafeta::smtp
