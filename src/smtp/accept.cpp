// Finishing a mail transaction: the checks that need the message, the
// trace header (RFC 5321 §4.4 Received), where each recipient's copy goes
// (local folders, the outbound queue, the sender's Sent folder when the
// address keeps one), and the one durable step that makes the 250 true
// (Deliverer::accept).
#include <ctime>
#include <random>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "dns/spf.hpp"
#include "mime/parsed_message.hpp"
#include "smtp/reply.hpp"
#include "smtp/session.hpp"

namespace estafeta::smtp {

namespace {

std::string new_queue_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:012X}", rng() & 0xFFFFFFFFFFFFull);
}


// Text from the sender or from DNS, made safe for a header line.
std::string header_safe(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f || c == '"' || c == ';' || c == '(' || c == ')') ? '?' : c;
  }
  return out;
}

std::string spf_comment(const dns::SpfResult& r, const std::string& identity, const std::string& ip) {
  auto domain = identity.substr(identity.rfind('@') + 1);
  switch (r.code) {
    case dns::SpfResult::pass:
      return fmt::format("domain of {} designates {} as permitted sender", header_safe(identity), ip);
    case dns::SpfResult::fail:
      return fmt::format("domain of {} does not designate {} as permitted sender", header_safe(identity), ip);
    case dns::SpfResult::softfail:
      return fmt::format("domain of transitioning {} does not designate {} as permitted sender", header_safe(identity), ip);
    case dns::SpfResult::neutral: return fmt::format("{} is neither permitted nor denied by {}", ip, header_safe(domain));
    case dns::SpfResult::none: return fmt::format("{} does not publish an SPF record", header_safe(domain));
    case dns::SpfResult::temperror: return "the SPF check could not be completed";
    case dns::SpfResult::permerror: return fmt::format("the SPF record of {} is broken", header_safe(domain));
  }
  return "";
}

}  // namespace

Reply Session::accept_message(std::string message) {
  auto sender = m_mail->sender ? m_mail->sender->address() : std::string();
  // MX: the SPF verdict (evaluated at RCPT already when a recipient's domain rejects SPF failures).
  std::optional<dns::SpfResult> spf;
  if (m_options.role == Role::mx) spf = spf_verdict();
  auto recipients = std::move(m_recipients);
  auto mail = *m_mail;
  reset_transaction();
  auto& store = *m_services.store;
  auto now = m_services.clock->now();

  if (m_options.role == Role::submission) {
    // DESIGN §2.1: From: too must be one of the user's addresses.
    for (auto& from : mime::header_addresses(message, "From"))
      if (!sender_allowed(from))
        return error(550, "5.7.1", fmt::format("you may not send as <{}> (From:): it is not one of your addresses", from));
  }

  auto qid = new_queue_id();
  std::string with = m_options.role == Role::submission ? "ESMTPSA" : (m_options.tls_active ? "ESMTPS" : "ESMTP");
  if (mail.smtputf8) with = "UTF8" + with.substr(1);  // RFC 6531 §3.7.3: UTF8SMTP…
  std::string received = fmt::format("Received: from {} ([{}])\r\n\tby {} (Estafeta) with {} id {}{};\r\n\t{}\r\n",
                                     m_helo.value_or("unknown"), m_options.peer_ip, m_options.hostname, with, qid,
                                     recipients.size() == 1 ? fmt::format("\r\n\tfor <{}>", recipients[0].rcpt.recipient.address()) : "",
                                     rfc5322_date(now));
  // MX: the SPF verdict on the MAIL FROM identity (RFC 7208 §9.1 Received-SPF,
  // RFC 8601 Authentication-Results); fail and softfail go to Junk (the
  // recipients whose domain rejects a fail were refused at RCPT).
  bool junk = false;
  std::string spf_headers;
  if (spf) {
    auto result = dns::to_string(spf->code);
    junk = spf->code == dns::SpfResult::fail || spf->code == dns::SpfResult::softfail;
    std::string identity = sender.empty() ? "postmaster@" + m_helo.value_or("") : sender;
    spf_headers = fmt::format("Authentication-Results: {}; spf={} smtp.mailfrom={}\r\n", m_options.hostname, result,
                              identity);
    spf_headers += fmt::format("Received-SPF: {} ({}: {}) client-ip={}; envelope-from=\"{}\"; helo={};{}\r\n", result,
                               m_options.hostname, spf_comment(*spf, identity, m_options.peer_ip), m_options.peer_ip,
                               identity, header_safe(m_helo.value_or("unknown")),
                               spf->problem.empty() ? "" : " problem=\"" + header_safe(spf->problem) + "\";");
    log::info("smtp.spf", {{"queue_id", qid}, {"result", result}, {"ip", m_options.peer_ip}, {"from", identity}});
  }
  std::string full = spf_headers + received + message;
  if (full.size() > m_options.max_message_size)
    return error(552, "5.3.4", fmt::format("the message is larger than the limit of {} bytes", m_options.max_message_size));
  if (auto refused = refuse_over_quota(recipients, full.size())) return *refused;

  std::vector<store::AppendTarget> local;
  std::vector<store::TraceEntry> trace;
  std::optional<store::OutboundMessage> outbound;
  std::vector<store::Id> seen_addresses;
  auto remote_label = fmt::format("{} [{}]", m_helo.value_or("unknown"), m_options.peer_ip);
  for (auto& r : recipients) {
    if (r.local) {
      if (std::find(seen_addresses.begin(), seen_addresses.end(), r.local->id) != seen_addresses.end()) continue;
      seen_addresses.push_back(r.local->id);
      auto folder = junk ? store.find_special_mailbox(r.local->id, store::SpecialUse::junk)
                         : store.find_mailbox(r.local->id, "INBOX");
      if (!folder && junk) folder = store.find_mailbox(r.local->id, "INBOX");
      if (!folder) return Reply{reply(451, "4.3.0", "temporary failure, try again later")};
      local.push_back({folder->ref(), 0, {}, now});
      trace.push_back({0, r.local->id, qid, "in", sender, r.local->address, "delivered", remote_label, "", now});
    } else {
      if (!outbound) {
        outbound.emplace();
        outbound->public_id = qid;
        outbound->sender = sender;
        outbound->envid = mail.envid;
        outbound->ret_full = mail.ret != Ret::headers;
        outbound->sender_address_id = m_who ? m_who->address.id : 0;
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
      outbound->recipients.push_back(o);
    }
  }
  // Submission: the sender's own copy in its Sent folder (unless the
  // address is set not to keep one), and its trace. A sender whose quota
  // has no room still sends: the copy is left out and the log says so.
  if (m_options.role == Role::submission) {
    auto from_address = store.find_address(sender);
    if (from_address) {
      auto usage = store.address_usage(from_address->id);
      bool room = !usage || usage->fits(full.size(), 1);  // a store error shows in accept() below
      if (from_address->settings.save_sent && !room)
        log::warn("smtp.sent_copy_skipped", {{"queue_id", qid}, {"address", from_address->address}, {"reason", "over_quota"}});
      if (from_address->settings.save_sent && room)
        if (auto sent = store.find_special_mailbox(from_address->id, store::SpecialUse::sent))
          local.push_back({sent->ref(), store::flag_seen, {}, now});
      for (auto& r : recipients)
        trace.push_back({0, from_address->id, qid, "out", sender, r.rcpt.recipient.address(),
                         r.local ? "delivered" : "queued", r.local ? m_options.hostname : "", "", now});
    }
  }
  auto accepted = m_services.deliverer->accept(full, local, outbound, trace);
  if (!accepted) {
    auto& e = accepted.error();
    if (e.kind == ErrorKind::limit) return error(552, "5.3.4", e.message);
    log::error("smtp.accept_failed", {{"queue_id", qid}, {"detail", e.detail}});
    return Reply{reply(451, "4.3.0", "temporary failure storing the message, try again later")};
  }
  log::info("smtp.accepted", {{"queue_id", qid}, {"from", sender}, {"recipients", recipients.size()},
                              {"size", full.size()}, {"ip", m_options.peer_ip},
                              {"role", m_options.role == Role::mx ? "mx" : "submission"}});
  return Reply{reply(250, "2.0.0", fmt::format("ok: queued as {}", qid))};
}

}  // namespace estafeta::smtp
