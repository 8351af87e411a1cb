// Finishing a mail transaction: the checks that need the message, the
// trace header (RFC 5321 §4.4 Received), where each recipient's copy goes
// (local folders, the outbound queue, the sender's Sent folder when the
// address keeps one), and the one durable step that makes the 250 true
// (Deliverer::accept).
//
// Security: everything placed in a header here comes from the client or
// from DNS: only a HELO that is a domain or an address literal is used, and
// values go through smtp/header_text.hpp (quoted per RFC 8601 §2.2 and
// RFC 7208 §9.1). Authentication-Results fields that claim to be ours are
// removed from the message first (RFC 8601 §5).
#include "smtp/accept.hpp"

#include <ctime>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "dns/spf.hpp"
#include "mime/parsed_message.hpp"
#include "smtp/dsn.hpp"
#include "smtp/header_text.hpp"
#include "smtp/notice.hpp"
#include "smtp/parser.hpp"
#include "smtp/reply.hpp"
#include "smtp/vacation.hpp"

namespace estafeta::smtp {

namespace {

// The Received-SPF comment (RFC 7208 §9.1), as comment text.
std::string spf_comment(const dns::SpfResult& r, const std::string& identity, const std::string& ip) {
  if (identity.empty()) return comment_text(fmt::format("no identity to check for {}", ip));
  auto domain = identity.substr(address_at(identity) + 1);
  switch (r.code) {
    case dns::SpfResult::pass:
      return comment_text(fmt::format("domain of {} designates {} as permitted sender", identity, ip), 400);
    case dns::SpfResult::fail:
      return comment_text(fmt::format("domain of {} does not designate {} as permitted sender", identity, ip), 400);
    case dns::SpfResult::softfail:
      return comment_text(
          fmt::format("domain of transitioning {} does not designate {} as permitted sender", identity, ip), 400);
    case dns::SpfResult::neutral:
      return comment_text(fmt::format("{} is neither permitted nor denied by {}", ip, domain), 400);
    case dns::SpfResult::none: return comment_text(fmt::format("{} does not publish an SPF record", domain), 400);
    case dns::SpfResult::temperror: return "the SPF check could not be completed";
    case dns::SpfResult::permerror: return comment_text(fmt::format("the SPF record of {} is broken", domain), 400);
  }
  return "";
}

// RFC 5321 §4.1.3 address-literal of the client's address.
std::string address_literal(const std::string& ip) {
  return ip.find(':') != std::string::npos ? "[IPv6:" + ip + "]" : "[" + ip + "]";
}

}  // namespace

std::expected<std::string, Refusal> MessageAcceptance::accept(const Transaction& t, std::string message,
                                                              const std::optional<dns::SpfResult>& spf,
                                                              const std::optional<MessageAuth>& auth) {
  auto now = m_deps.clock.now();
  // RFC 8601 §5: results that claim to come from us but were in the
  // message already are forged; ours is added below. (Before signing: the
  // signature covers the message as it leaves.)
  if (auto removed = remove_authentication_results(message, m_options.hostname))
    log::info("smtp.forged_results_removed", {{"ip", m_options.peer_ip}, {"count", removed}});
  if (m_options.role == Role::submission) sign(message, now);
  bool dmarc_junk = false;
  if (auth)
    if (auto refused = apply_dmarc(*auth, t.recipients, dmarc_junk)) return std::unexpected(*refused);
  auto qid = new_queue_id();
  std::string full = (spf ? spf_headers(*spf, auth, t.sender, qid) : "") + received_header(t, qid, now) + message;
  if (full.size() > m_options.max_message_size)
    return std::unexpected(Refusal{
        552, "5.3.4", fmt::format("the message is larger than the limit of {} bytes", m_options.max_message_size)});
  if (auto refused = refuse_over_quota(t.recipients, full.size())) return std::unexpected(*refused);
  bool junk = (spf && spf_junk(*spf, auth)) || dmarc_junk;
  Delivery d;
  if (auto failed = plan_recipients(t, qid, now, junk, d)) return std::unexpected(*failed);
  if (m_options.role == Role::submission) plan_sent_copy(t, qid, now, full.size(), d);
  auto accepted = m_deps.deliverer.accept(full, d.local, d.outbound, d.trace);
  if (!accepted) {
    auto& e = accepted.error();
    if (e.kind == ErrorKind::limit) return std::unexpected(Refusal{552, "5.3.4", e.message});
    log::error("smtp.accept_failed", {{"queue_id", qid}, {"detail", e.detail}});
    return std::unexpected(Refusal{451, "4.3.0", "temporary failure storing the message, try again later"});
  }
  // Vacation responses of the local recipients (RFC 3834).
  std::vector<store::Address> locals;
  for (auto& r : t.recipients)
    if (r.local) locals.push_back(*r.local);
  if (!locals.empty()) answer_vacations(m_deps, t.sender, locals, message, now);
  report_deliveries(t, full, spf, now);
  log::info("smtp.accepted", {{"queue_id", qid},
                              {"from", t.sender},
                              {"recipients", t.recipients.size()},
                              {"size", full.size()},
                              {"ip", m_options.peer_ip},
                              {"role", m_options.role == Role::mx ? "mx" : "submission"}});
  return qid;
}

// RFC 3461 §5.2.3 (a): a recipient whose NOTIFY has SUCCESS gets its
// delivery here reported to the sender: the one logged in on submission,
// or on the MX one that SPF vouched for. Otherwise anyone could have our
// reports sent to an address of their choosing, ours included.
void MessageAcceptance::report_deliveries(const Transaction& t, std::string_view message,
                                          const std::optional<dns::SpfResult>& spf, std::int64_t now) {
  if (t.sender.empty()) return;
  BounceInput b;
  for (auto& r : t.recipients)
    if (r.local && r.rcpt.notify_success && !r.rcpt.notify_never)
      b.failed.push_back({r.rcpt.recipient.address(), r.rcpt.orcpt, "2.0.0", "", ""});
  if (b.failed.empty()) return;
  if (m_sender_address_id == 0 && !(spf && spf->code == dns::SpfResult::pass)) {
    log::info("smtp.success_report_skipped", {{"from", t.sender}, {"reason", "sender_not_verified"}});
    return;
  }
  b.reporting_mta = m_options.hostname;
  b.sender = t.sender;
  b.envid = t.mail.envid;
  b.arrival = now;
  b.now = now;
  b.full_message = false;
  b.original = message;
  b.action = ReportAction::delivered;
  if (auto sent = send_notice(m_deps, t.sender, make_bounce(b), 0, now); !sent)
    log::warn("smtp.success_report_failed", {{"to", t.sender}, {"detail", sent.error().detail}});
}

void MessageAcceptance::sign(std::string& message, std::int64_t now) {
  // Signed for the From domain when it is served here (its active DKIM
  // keys). A key that cannot be used leaves the message unsigned rather
  // than unsent; the log says why.
  if (!m_deps.dkim_signer) return;
  auto froms = mime::header_addresses(message, "From");
  if (froms.empty()) return;
  auto domain = ascii_lower(froms[0].substr(address_at(froms[0]) + 1));
  auto signatures = m_deps.dkim_signer->signatures(message, domain, now);
  if (signatures)
    message = *signatures + message;
  else
    log::error("smtp.dkim_sign_failed", {{"domain", domain}, {"detail", signatures.error().detail}});
}

std::optional<Refusal> MessageAcceptance::apply_dmarc(const MessageAuth& auth, const std::vector<Recipient>& recipients,
                                                      bool& junk) {
  // The DMARC policy of the From domain (RFC 7489 §6.6.4, §6.7): p=reject
  // refuses the message unless a recipient's domain only files such mail
  // in Junk; p=quarantine files it in Junk.
  // §6.6.2: an aligned check that failed only for now (DNS) leaves the
  // policy unapplied: where the domain asks for one, the sender tries again
  // later rather than the message being refused for good or let through.
  if (auth.ran && auth.dmarc.verdict == dns::dmarc::Verdict::temperror &&
      auth.dmarc.requested != dns::dmarc::Policy::none) {
    log::info("smtp.dmarc_deferred",
              {{"ip", m_options.peer_ip}, {"from", auth.dmarc.from_domain}, {"reason", auth.dmarc.reason}});
    return Refusal{451, "4.7.0",
                   fmt::format("the DMARC check of {} could not be completed (a DNS lookup failed); try again later",
                               auth.dmarc.from_domain)};
  }
  if (!auth.ran || auth.dmarc.verdict != dns::dmarc::Verdict::fail) return std::nullopt;
  if (auth.dmarc.applied == dns::dmarc::Policy::reject) {
    bool quarantine_only = false;
    for (auto& r : recipients)
      if (r.local) {
        auto d = m_deps.accounts.find_domain(r.local->address.substr(address_at(r.local->address) + 1));
        quarantine_only = quarantine_only || (d && d->dmarc_reject == store::DmarcRejectPolicy::quarantine);
      }
    if (!quarantine_only) {
      log::info("smtp.dmarc_rejected",
                {{"ip", m_options.peer_ip}, {"from", auth.dmarc.from_domain}, {"reason", auth.dmarc.reason}});
      return Refusal{
          550, "5.7.1",
          fmt::format("message refused: it fails the DMARC policy (p=reject) of {}", auth.dmarc.from_domain)};
    }
  }
  if (auth.dmarc.applied != dns::dmarc::Policy::none) junk = true;
  return std::nullopt;
}

std::string MessageAcceptance::received_header(const Transaction& t, const std::string& qid, std::int64_t now) const {
  // RFC 5321 §4.4 and RFC 3848: SMTP after HELO; ESMTP, with S for TLS
  // and A for AUTH (every submission is authenticated); RFC 6531 §3.7.3:
  // UTF8SMTP… for SMTPUTF8.
  std::string with = t.extended ? "ESMTP" : "SMTP";
  if (m_options.tls_active) with += "S";
  if (m_options.role == Role::submission) with += "A";
  if (t.mail.smtputf8) with = "UTF8" + with.substr(with.starts_with('E') ? 1 : 0);
  // RFC 5321 §4.4 From-domain: the HELO when it is a domain or an address
  // literal, otherwise the client's address literal.
  auto helo = m_helo;
  return fmt::format(
      "Received: from {} ({})\r\n\tby {} (Estafeta) with {} id {}{};\r\n\t{}\r\n",
      helo.value_or(address_literal(m_options.peer_ip)), address_literal(m_options.peer_ip), m_options.hostname, with,
      qid, t.recipients.size() == 1 ? fmt::format("\r\n\tfor <{}>", t.recipients[0].rcpt.recipient.address()) : "",
      rfc5322_date(now));
}

std::string MessageAcceptance::spf_headers(const dns::SpfResult& spf, const std::optional<MessageAuth>& auth,
                                           const std::string& sender, const std::string& qid) const {
  // The SPF verdict on the MAIL FROM identity (RFC 7208 §9.1 Received-SPF,
  // RFC 8601 Authentication-Results, with DKIM and DMARC when they ran).
  auto result = dns::to_string(spf.code);
  auto helo = m_helo;
  // The MAIL FROM identity (RFC 7208 §2.4): postmaster@HELO for the null
  // reverse-path, none when the HELO is no domain or literal.
  std::string identity = !sender.empty() ? sender : helo ? "postmaster@" + *helo : "";
  auto out = fmt::format("Authentication-Results: {}; spf={}{}{}\r\n", m_options.hostname, result,
                         identity.empty() ? "" : " smtp.mailfrom=" + result_value(identity),
                         auth ? dkim_dmarc_results(*auth) : "");
  out += fmt::format("Received-SPF: {} ({}: {}) client-ip={};{}{}{}\r\n", result, m_options.hostname,
                     spf_comment(spf, identity, m_options.peer_ip), spf_value(m_options.peer_ip),
                     identity.empty() ? "" : " envelope-from=" + quoted_string(identity) + ";",
                     helo ? " helo=" + spf_value(*helo) + ";" : "",
                     spf.problem.empty() ? "" : " problem=" + quoted_string(spf.problem.substr(0, 200)) + ";");
  log::info("smtp.spf", {{"queue_id", qid}, {"result", result}, {"ip", m_options.peer_ip}, {"from", identity}});
  return out;
}

bool MessageAcceptance::spf_junk(const dns::SpfResult& spf, const std::optional<MessageAuth>& auth) {
  // Fail and softfail go to Junk (the recipients whose domain rejects a
  // fail were refused at RCPT) — unless a DKIM signature aligned with From
  // (DMARC pass) vouches for mail that failed SPF on its way (forwarded mail).
  bool failed = spf.code == dns::SpfResult::fail || spf.code == dns::SpfResult::softfail;
  return failed && !(auth && auth->ran && auth->dmarc.verdict == dns::dmarc::Verdict::pass);
}

std::optional<Refusal> MessageAcceptance::plan_recipients(const Transaction& t, const std::string& qid,
                                                          std::int64_t now, bool junk, Delivery& d) {
  std::vector<store::Id> seen_addresses;
  auto remote_label = fmt::format("{} [{}]", m_helo.value_or("unknown"), m_options.peer_ip);
  for (auto& r : t.recipients) {
    if (r.local) {
      if (std::find(seen_addresses.begin(), seen_addresses.end(), r.local->id) != seen_addresses.end()) continue;
      seen_addresses.push_back(r.local->id);
      auto folder = junk ? m_deps.mailboxes.find_special_mailbox(r.local->id, store::SpecialUse::junk)
                         : m_deps.mailboxes.find_mailbox(r.local->id, "INBOX");
      if (!folder && junk) folder = m_deps.mailboxes.find_mailbox(r.local->id, "INBOX");
      if (!folder) return Refusal{451, "4.3.0", "temporary failure, try again later"};
      d.local.push_back({folder->ref(), 0, {}, now});
      d.trace.push_back({.address_id = r.local->id,
                         .queue_id = qid,
                         .direction = store::TraceDirection::in,
                         .sender = t.sender,
                         .recipient = r.local->address,
                         .status = store::TraceStatus::delivered,
                         .remote_host = remote_label,
                         .time = now});
      continue;
    }
    if (!d.outbound) {
      d.outbound.emplace();
      d.outbound->public_id = qid;
      d.outbound->sender = t.sender;
      d.outbound->envid = t.mail.envid;
      d.outbound->ret_full = t.mail.ret != Ret::headers;
      d.outbound->sender_address_id = m_sender_address_id;
    }
    store::OutboundRecipient o;
    o.address = r.rcpt.recipient.address();
    o.domain = ascii_lower(r.rcpt.recipient.domain);
    o.orcpt = r.rcpt.orcpt;
    if (r.rcpt.notify_given) {
      o.notify_never = r.rcpt.notify_never;
      o.notify_success = r.rcpt.notify_success;
      o.notify_failure = r.rcpt.notify_failure;
      o.notify_delay = r.rcpt.notify_delay;
    }
    d.outbound->recipients.push_back(o);
  }
  return std::nullopt;
}

void MessageAcceptance::plan_sent_copy(const Transaction& t, const std::string& qid, std::int64_t now, std::size_t size,
                                       Delivery& d) {
  // The sender's own copy in its Sent folder (unless the address is set
  // not to keep one), and its trace. A sender whose quota has no room
  // still sends: the copy is left out and the log says so.
  auto from_address = m_deps.accounts.find_address(t.sender);
  if (!from_address) return;
  auto usage = m_deps.accounts.address_usage(from_address->id);
  bool room = !usage || usage->fits(size, 1);  // a store error shows in accept() later
  if (from_address->settings.save_sent && !room)
    log::warn("smtp.sent_copy_skipped",
              {{"queue_id", qid}, {"address", from_address->address}, {"reason", "over_quota"}});
  if (from_address->settings.save_sent && room)
    if (auto sent = m_deps.mailboxes.find_special_mailbox(from_address->id, store::SpecialUse::sent))
      d.local.push_back({sent->ref(), store::flag_seen, {}, now});
  for (auto& r : t.recipients)
    d.trace.push_back({.address_id = from_address->id,
                       .queue_id = qid,
                       .direction = store::TraceDirection::out,
                       .sender = t.sender,
                       .recipient = r.rcpt.recipient.address(),
                       .status = r.local ? store::TraceStatus::delivered : store::TraceStatus::queued,
                       .remote_host = r.local ? m_options.hostname : "",
                       .time = now});
}

std::optional<Refusal> MessageAcceptance::refuse_over_quota(const std::vector<Recipient>& recipients,
                                                            std::uint64_t size) {
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
    auto usage = m_deps.accounts.address_usage(r.local->id);
    if (!usage) return Refusal{451, "4.3.0", "temporary failure, try again later"};
    if (usage->fits(size, 1)) continue;
    over = true;
    never = never || !usage->could_ever_fit(size);
    if (full_rcpt.empty()) full_rcpt = r.rcpt.recipient.address();
  }
  if (!over) return std::nullopt;
  log::info("smtp.data_refused",
            {{"ip", m_options.peer_ip}, {"to", full_rcpt}, {"reason", "over_quota"}, {"size", size}});
  if (never && recipients.size() == 1)
    return Refusal{552, "5.2.2", fmt::format("<{}>: the message is larger than the mailbox's quota", full_rcpt)};
  return Refusal{452, "4.2.2", fmt::format("Mailbox full: <{}> has no room for this message", full_rcpt)};
}

}  // namespace estafeta::smtp
