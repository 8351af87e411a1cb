// The SMTP state machine: greeting, EHLO, AUTH, MAIL, RCPT, DATA/BDAT,
// RSET, NOOP, VRFY, HELP, STARTTLS, QUIT (RFC 5321 §4.1.4 ordering).
#include "smtp/session.hpp"
#include "core/ascii.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>

#include "auth/login.hpp"
#include "auth/mail_login.hpp"
#include "auth/sasl.hpp"
#include "core/log.hpp"
#include "mime/parsed_message.hpp"
#include "smtp/header_text.hpp"
#include "smtp/parser.hpp"
#include "smtp/reply.hpp"

namespace estafeta::smtp {

namespace {

// RFC 3463 4.3.1, mail system full: the memory for message data arriving
// at once (message_budget.hpp).
constexpr std::string_view kServerBusy = "too many messages are arriving at once; try again later";

}  // namespace

Session::Session(const Deps& deps, SessionOptions options)
    : m_deps(deps), m_options(std::move(options)), m_chunks_hold(deps.message_budget) {}

std::string Session::greeting() const { return reply(220, "", fmt::format("{} ESMTP Estafeta", m_options.hostname)); }

void Session::tls_started() {
  // RFC 3207 §4.2: forget everything learnt before TLS, a login included
  // (a listener that allows logins in clear); the client EHLOs again.
  m_options.tls_active = true;
  m_options.starttls_available = false;
  m_helo.reset();
  m_extended = false;
  m_who.reset();
  m_sasl.reset();
  reset_transaction();
}

std::optional<std::int64_t> Session::address_id() const {
  if (!m_who) return std::nullopt;
  return m_who->address.id;
}

std::optional<std::string> Session::ended_by(const Event& e) const {
  if (!m_who) return std::nullopt;
  return auth::ends_session(*m_who, e);
}

void Session::reset_transaction() {
  m_mail.reset();
  m_recipients.clear();
  m_spf.reset();
  m_spf_busy = false;
  m_pending_message.reset();
  m_auth.reset();
  drop_chunks();
  m_chunk_error = false;
}

void Session::drop_chunks() {
  m_chunks.clear();
  m_chunks.shrink_to_fit();
  m_chunks_hold.release();
}

Reply Session::error(int code, std::string_view status, std::string_view text) {
  Reply r{reply(code, status, text)};
  // Too many errors: the client is lost or probing (RFC 5321 §4.5.3.2 allows closing).
  if (code >= 500 && ++m_errors >= m_options.max_errors) return closing_after(std::move(r), "too many errors");
  return r;
}

Reply Session::unknown_recipient(const std::string& address) {
  log::info("smtp.rcpt_refused", {{"ip", m_options.peer_ip}, {"to", address}, {"reason", "unknown"}});
  Reply r{reply(550, "5.1.1", fmt::format("<{}>: no such mailbox here", address))};
  if (++m_unknown_recipients >= m_options.max_unknown_recipients)
    return closing_after(std::move(r), "too many unknown recipients");
  return r;
}

Reply Session::closing_after(Reply r, std::string_view why) {
  r.out += reply(421, "4.7.0", fmt::format("{} {}, closing the connection", m_options.hostname, why));
  r.next = Reply::Next::close;
  return r;
}

bool Session::may_block(std::string_view line) const {
  if (m_sasl) return true;
  auto flags = command_flags(line);
  if (flags & kBlocks) return true;
  return (flags & kBlocksOnSubmission) && m_options.role == Role::submission && m_who;
}

Reply Session::command(std::string_view line) {
  if (m_sasl) return auth_step(line);
  auto parsed = parse_command(line);
  if (!parsed) return error(parsed.error().code, parsed.error().status, parsed.error().text);
  return std::visit([this](const auto& args) { return handle(args); }, parsed->args);
}

Reply Session::handle(const cmd::Quit&) {
  // RFC 5321 §4.3.2: 221 <domain>.
  Reply r{reply(221, "2.0.0", m_options.hostname + " closing the connection")};
  r.next = Reply::Next::close;
  return r;
}

Reply Session::handle(const cmd::Noop&) { return Reply{reply(250, "2.0.0", "ok")}; }

Reply Session::handle(const cmd::Rset&) {
  reset_transaction();
  return Reply{reply(250, "2.0.0", "ok")};
}

Reply Session::handle(const cmd::Vrfy&) {
  return Reply{reply(252, "2.5.0", "cannot verify addresses; send mail and see")};
}

Reply Session::handle(const cmd::Help&) { return Reply{reply(214, "2.0.0", "see RFC 5321")}; }

Reply Session::handle(const cmd::StartTls&) {
  if (m_options.tls_active) return error(503, "5.5.1", "TLS is already active");
  if (!m_options.starttls_available) return error(502, "5.5.1", "TLS is not available");
  Reply r{reply(220, "2.0.0", "ready to start TLS")};
  r.next = Reply::Next::start_tls;
  return r;
}

Reply Session::handle(const cmd::Hello& c) {
  reset_transaction();
  bool extended = c.extended;
  m_helo = c.domain;
  m_extended = extended;
  if (!extended) return Reply{reply(250, "", m_options.hostname)};
  std::vector<std::string> lines{fmt::format("{} greets {}", m_options.hostname, c.domain),
                                 "PIPELINING",
                                 fmt::format("SIZE {}", m_options.max_message_size),
                                 "8BITMIME",
                                 "SMTPUTF8",
                                 "ENHANCEDSTATUSCODES",
                                 "DSN",
                                 "CHUNKING"};
  if (m_options.starttls_available) lines.push_back("STARTTLS");
  if (m_options.role == Role::submission && (m_options.tls_active || m_options.plaintext_auth) && !m_who)
    lines.push_back("AUTH PLAIN LOGIN");
  return Reply{multiline(250, lines)};
}

Reply Session::handle(const cmd::Auth& c) {
  // RFC 5321 §4.2.4: a command known but not offered here is 502.
  if (m_options.role != Role::submission) return error(502, "5.5.1", "AUTH is for the submission port");
  if (!m_helo) return error(503, "5.5.1", "send EHLO first");
  if (m_who) return error(503, "5.5.1", "already authenticated");
  if (m_mail) return error(503, "5.5.1", "AUTH is not allowed during a mail transaction");
  if (!m_options.tls_active && !m_options.plaintext_auth)
    return error(538, "5.7.11", "encryption required: use STARTTLS first");
  auto mechanism = auth::SaslExchange::named(c.mechanism);
  if (!mechanism) return error(504, "5.5.4", "unsupported mechanism");
  m_sasl.emplace(*mechanism);
  return sasl_reply(m_sasl->start(c.initial ? std::optional<std::string_view>(*c.initial) : std::nullopt));
}

Reply Session::auth_step(std::string_view line) { return sasl_reply(m_sasl->next(line)); }

Reply Session::line_too_long() {
  if (!m_sasl) return error(500, "5.5.2", "command line too long");
  m_sasl.reset();
  return error(500, "5.5.6", "authentication exchange line is too long");
}

Reply Session::sasl_reply(auth::SaslExchange::Step step) {
  using K = auth::SaslExchange::Step::Kind;
  if (step.kind == K::challenge) {
    Reply r{"334 " + step.challenge + "\r\n"};
    r.next = Reply::Next::auth;
    return r;
  }
  m_sasl.reset();
  switch (step.kind) {
    case K::credentials: return login(step.address, step.password);
    case K::cancelled: return error(501, "5.0.0", step.error);
    case K::other_identity: return error(535, "5.7.8", step.error);
    case K::challenge:
    case K::malformed: break;
  }
  return error(501, "5.5.2", step.error);
}

Reply Session::login(const std::string& address, const std::string& password) {
  auto login = m_deps.logins.login("smtp", address, password, m_options.peer_ip);
  if (!login.who) {
    Reply r = error(535, "5.7.8", login.error.kind == ErrorKind::in_use ? login.error.message : auth::kLoginFailed);
    r.delay = login.delay;
    return r;
  }
  m_who = std::move(login.who);
  Reply r{reply(235, "2.7.0", "authentication successful")};
  r.delay = login.delay;
  return r;
}

Result<store::Address> Session::postmaster_of(const store::Domain& domain) {
  auto service = TRY(m_deps.accounts.service(domain.service_id));
  auto suffix = "@" + domain.name;
  std::optional<store::Address> first;
  for (auto& a : TRY(m_deps.accounts.list_addresses(service.org_id))) {
    if (!a.address.ends_with(suffix)) continue;
    if (!first) first = a;
    // An address that is the login of one of the organisation's administrators.
    if (auto user = m_deps.accounts.find_user(a.address); user && user->role != store::Role::member) return a;
  }
  if (first) return *first;
  return fail(ErrorKind::not_found, "no postmaster");
}

Result<bool> Session::may_send_as(const std::string& address) {
  auto a = m_deps.accounts.find_address(ascii_lower(address));
  if (!a) {
    if (a.error().kind == ErrorKind::not_found) return false;
    return std::unexpected(a.error());
  }
  auto access = m_deps.accounts.find_access(a->id, m_who->user.id);
  if (!access) {
    if (access.error().kind == ErrorKind::not_found) return false;
    return std::unexpected(access.error());
  }
  auto service = TRY(m_deps.accounts.service(a->service_id));
  return !service.locked;
}

std::optional<Reply> Session::refuse_sender(const std::string& address, std::string_view where) {
  auto allowed = may_send_as(address);
  if (!allowed) {
    log::error("smtp.sender_check_failed", {{"detail", allowed.error().detail}});
    return Reply{reply(451, "4.3.0", "temporary failure, try again later")};
  }
  if (*allowed) return std::nullopt;
  log::info("smtp.sender_refused", {{"ip", m_options.peer_ip}, {"from", address}, {"login", m_who->user.login}});
  return error(550, "5.7.1",
               fmt::format("you may not send as <{}>{}: it is not one of your addresses", address, where));
}

std::optional<std::string> Session::valid_helo() const {
  if (m_helo && (is_domain(*m_helo) || is_address_literal(*m_helo))) return m_helo;
  return std::nullopt;
}

Reply Session::handle(const MailFrom& m) {
  if (!m_helo) return error(503, "5.5.1", "send EHLO first");
  if (m_mail) return error(503, "5.5.1", "a transaction is already open; send RSET first");
  if (m_options.role == Role::submission) {
    if (!m_who) return error(530, "5.7.0", "authentication required");
    if (!m.sender) return error(550, "5.7.1", "the null sender is not allowed here");
    if (auto refused = refuse_sender(m.sender->address(), "")) return *refused;
  }
  // Every parameter belongs to an extension that EHLO announces (RFC 5321
  // §4.1.1.11); AUTH= only where AUTH is (RFC 4954 §5).
  if ((m.smtputf8 || m.body != Body::unspecified || m.size || m.ret != Ret::unspecified || m.given_envid ||
       m.given_auth) &&
      !m_extended)
    return error(555, "5.5.4", "parameters need EHLO");
  if (m.given_auth && m_options.role != Role::submission) return error(555, "5.5.4", "unsupported MAIL parameter AUTH");
  // BINARYMIME is not offered (RFC 3030 §3): messages are lines ending in
  // CRLF, by DATA and by BDAT alike.
  if (m.body == Body::binary_mime) return error(555, "5.5.4", "BODY=BINARYMIME is not supported here");
  if (m.size && *m.size > m_options.max_message_size)
    return error(552, "5.3.4",
                 fmt::format("the message is larger than the limit of {} bytes", m_options.max_message_size));
  if (m.sender && m.sender->utf8 && !m.smtputf8) return error(553, "5.6.7", "an 8-bit address needs SMTPUTF8");
  m_mail = m;
  return Reply{reply(250, "2.1.0", "sender ok")};
}

Reply Session::handle(const RcptTo& rcpt) {
  if (!m_mail) return error(503, "5.5.1", "send MAIL FROM first");
  if (m_recipients.size() >= m_options.max_recipients)
    return Reply{reply(452, "4.5.3", "too many recipients; send the rest in another message")};
  if ((rcpt.notify_given || !rcpt.orcpt.empty()) && !m_extended) return error(555, "5.5.4", "parameters need EHLO");
  auto r = rcpt;
  if (r.recipient.utf8 && !m_mail->smtputf8) return error(553, "5.6.7", "an 8-bit address needs SMTPUTF8");
  std::string domain = r.recipient.domain;
  if (r.postmaster) {
    // "<Postmaster>" without a domain (RFC 5321 §4.1.1.3): our host name if
    // we serve it, otherwise the first domain we serve.
    domain = ascii_lower(m_options.hostname);
    if (auto ours = m_deps.accounts.find_domain(domain); !ours || !ours->verified)
      if (auto all = m_deps.accounts.list_domains(std::nullopt))
        if (auto d = std::find_if(all->begin(), all->end(), [](auto& x) { return x.verified; }); d != all->end())
          domain = d->name;
  }
  auto local_domain = domain.starts_with('[') ? Result<store::Domain>(fail(ErrorKind::not_found, ""))
                                              : m_deps.accounts.find_domain(domain);
  // A claim not yet proven (manage/domains.cpp) is not ours: its mail is
  // the real owner's.
  if (local_domain && !local_domain->verified) local_domain = fail(ErrorKind::not_found, "");
  if (!local_domain) {
    if (local_domain.error().kind != ErrorKind::not_found)
      return Reply{reply(451, "4.3.0", "temporary failure, try again later")};
    // Not ours: only an authenticated submission may send it on (no open relay).
    if (m_options.role != Role::submission) {
      log::info("smtp.rcpt_refused", {{"ip", m_options.peer_ip}, {"to", r.recipient.address()}, {"reason", "relay"}});
      return error(550, "5.7.1", "relaying denied: that domain is not served here");
    }
    if (r.postmaster) return error(550, "5.1.1", "no postmaster here");
    m_recipients.push_back({r, std::nullopt});
    return Reply{reply(250, "2.1.5", "recipient ok")};
  }
  bool postmaster = r.postmaster || ascii_lower(r.recipient.local) == "postmaster";
  auto local =
      m_deps.accounts.find_address((postmaster ? std::string("postmaster") : r.recipient.local) + "@" + domain);
  // Every served domain takes mail for postmaster (RFC 5321 §4.5.1): without
  // such an address it goes to the domain's administrators.
  if (!local && postmaster && local_domain) local = postmaster_of(*local_domain);
  if (!local) {
    if (local.error().kind != ErrorKind::not_found)
      return Reply{reply(451, "4.3.0", "temporary failure, try again later")};
    return unknown_recipient(r.recipient.address());
  }
  if (auto refused = refuse_local_recipient(*local_domain, *local, r.recipient.address())) return *refused;
  m_recipients.push_back({r, *local});
  return Reply{reply(250, "2.1.5", "recipient ok")};
}

Reply Session::handle(const cmd::Data&) {
  if (!m_mail) return error(503, "5.5.1", "send MAIL FROM first");
  if (m_recipients.empty()) return error(554, "5.5.1", "no valid recipients");
  if (!m_chunks.empty() || m_chunk_error) return error(503, "5.5.1", "DATA cannot follow BDAT");
  Reply r{reply(354, "", "end data with <CR><LF>.<CR><LF>")};
  r.next = Reply::Next::data;
  return r;
}

Reply Session::finish_data(DataReader& reader) {
  switch (reader.problem()) {
    case DataReader::Problem::none: break;
    case DataReader::Problem::too_large:
      reset_transaction();
      return error(552, "5.3.4",
                   fmt::format("the message is larger than the limit of {} bytes", m_options.max_message_size));
    case DataReader::Problem::bare_line_ending:
      reset_transaction();
      return error(550, "5.6.11", "bare CR or LF in the message: lines must end with CRLF");
    case DataReader::Problem::line_too_long:
      reset_transaction();
      return error(550, "5.6.0", "a line of the message is too long");
    case DataReader::Problem::server_busy:
      reset_transaction();
      log::warn("smtp.data_refused", {{"ip", m_options.peer_ip}, {"reason", "memory_budget"}});
      return Reply{reply(452, "4.3.1", kServerBusy)};
  }
  return accept_message(reader.take_message());
}

Reply Session::handle(const cmd::Bdat& c) {
  // RFC 3030 §2: the chunk's octets follow the command whatever the answer.
  // A refused chunk is read and dropped, never kept (Reply::bdat_discard);
  // a refusal ends the transaction, and later chunks of it are dropped too
  // (RFC 3030 §4.2), each answered.
  auto refuse = [&](int code, std::string_view status, std::string_view text) {
    Reply r = error(code, status, text);
    if (r.next == Reply::Next::close) return r;  // nothing more is read
    r.next = Reply::Next::bdat;
    r.bdat_size = c.chunk_size;
    r.bdat_last = c.last;
    r.bdat_discard = true;
    drop_chunks();
    if (c.last)
      reset_transaction();
    else if (m_mail)
      m_chunk_error = true;
    return r;
  };
  if (!m_mail) return refuse(503, "5.5.1", "send MAIL FROM first");
  if (m_recipients.empty()) return refuse(554, "5.5.1", "no valid recipients");
  if (m_chunk_error) return refuse(503, "5.5.1", "an earlier chunk of this message was refused; send RSET");
  // The limit is known before a single octet is read (RFC 5321
  // §4.5.3.1.10, RFC 1870): a chunk that cannot fit is refused whole.
  if (c.chunk_size > m_options.max_message_size - m_chunks.size())
    return refuse(552, "5.3.4",
                  fmt::format("the message is larger than the limit of {} bytes", m_options.max_message_size));
  // Held from before the chunk is read until the message is taken or dropped.
  if (!m_chunks_hold.grow(c.chunk_size)) {
    log::warn("smtp.data_refused", {{"ip", m_options.peer_ip}, {"reason", "memory_budget"}});
    return refuse(452, "4.3.1", kServerBusy);
  }
  Reply r;
  r.next = Reply::Next::bdat;
  r.bdat_size = c.chunk_size;
  r.bdat_last = c.last;
  return r;
}

Reply Session::bdat_chunk(std::string chunk, bool last) {
  if (m_chunks.size() + chunk.size() > m_options.max_message_size) {  // handle(Bdat) saw to this; kept as a guard
    reset_transaction();
    return error(552, "5.3.4",
                 fmt::format("the message is larger than the limit of {} bytes", m_options.max_message_size));
  }
  m_chunks += chunk;
  if (!last) return Reply{reply(250, "2.0.0", fmt::format("{} octets received", chunk.size()))};
  auto message = std::move(m_chunks);
  drop_chunks();
  // The rules DATA applies on the way (data_reader.hpp), so that no check
  // depends on how the message came.
  switch (check_lines(message)) {
    case DataReader::Problem::none: break;
    case DataReader::Problem::bare_line_ending:
      reset_transaction();
      return error(550, "5.6.11", "bare CR or LF in the message: lines must end with CRLF");
    case DataReader::Problem::line_too_long:
      reset_transaction();
      return error(550, "5.6.0", "a line of the message is too long");
    case DataReader::Problem::too_large:
    case DataReader::Problem::server_busy: break;
  }
  if (!message.empty() && !message.ends_with("\r\n")) message += "\r\n";  // as DATA delivers it
  return accept_message(std::move(message));
}

// --- the complete message

Reply Session::accept_message(std::string message) {
  std::optional<dns::SpfResult> spf;
  std::optional<MessageAuth> auth;
  if (m_options.role == Role::mx)
    if (auto wait = inbound_checks(message, spf, auth)) return *wait;
  Transaction t{m_mail->sender ? m_mail->sender->address() : std::string(), *m_mail, std::move(m_recipients),
                m_extended};
  reset_transaction();
  if (m_options.role == Role::submission)
    if (auto refused = refuse_submitted(t.sender, message)) return *refused;
  MessageAcceptance acceptance(m_deps, m_options, valid_helo(), m_who ? m_who->address.id : 0);
  auto qid = acceptance.accept(t, std::move(message), spf, auth);
  if (!qid) return error(qid.error().code, qid.error().status, qid.error().text);
  return Reply{reply(250, "2.0.0", fmt::format("ok: queued as {}", *qid))};
}

std::optional<Reply> Session::inbound_checks(std::string& message, std::optional<dns::SpfResult>& spf,
                                             std::optional<MessageAuth>& auth) {
  // The SPF verdict (evaluated at RCPT already when a recipient's domain
  // rejects SPF failures; otherwise handed in by the transport just now).
  const auto* verdict = spf_verdict();
  if (!verdict) {
    reset_transaction();
    return spf_unavailable();
  }
  spf = *verdict;
  // DKIM and DMARC (smtp/message_auth.hpp), run by the transport on a DNS
  // thread while the message waits (the transaction stays open), or here
  // when there is no transport — or when every answer they need is at hand
  // (the resolver's cache: a sender seen within its records' TTLs), which
  // spares the hand-offs to a DNS thread and back.
  if (!m_auth) {
    m_pending_message = std::make_shared<std::string>(std::move(message));
    if (m_options.message_auth_by_transport) {
      bool missed = false;
      if (auto at_hand = m_deps.resolver.at_hand(missed)) {
        auto result = authenticate_message(*message_auth_job(), *at_hand);
        if (!missed) m_auth = std::move(result);
      }
      if (!m_auth) return Reply{"", Reply::Next::message_auth};
    } else {
      m_auth = authenticate_message(*message_auth_job(), m_deps.resolver);
    }
    message = std::move(*m_pending_message);
    m_pending_message.reset();
  }
  auth = std::move(m_auth);
  return std::nullopt;
}

std::optional<Reply> Session::refuse_submitted(const std::string& sender, const std::string& message) {
  // The sender once more: an access revoked since MAIL stops the message.
  if (auto refused = refuse_sender(sender, "")) return *refused;
  // A header block that parsers could read differently (a line that is
  // no field ends it for some, is skipped by others) would let a From:
  // hide from the check below: refused (RFC 5322 §2.2).
  if (auto bad = malformed_header_line(message))
    return error(550, "5.6.0",
                 fmt::format("malformed header: line {} is neither a field (Name: value), a "
                             "continuation nor the empty line before the body",
                             *bad));
  // DESIGN §2.1: From: too must be one of the user's addresses.
  for (auto& from : mime::header_addresses(message, "From"))
    if (auto refused = refuse_sender(from, " (From:)")) return *refused;
  return std::nullopt;
}

// --- SPF, DKIM and DMARC of the MX, and the policy of local recipients
//
// Both local-recipient decisions (the domain's answer to mail that fails
// SPF, RFC 7208 §8.4, RFC 7372 §3.2; the address's quota, RFC 3463 X.2.2,
// RFC 1870 §6) are made at RCPT, where SMTP still answers each recipient on
// its own. After DATA there is one reply for the whole message ("The SMTP
// model does not allow for partial failures at this point", RFC 5321
// §4.1.1.4), so a decision there would impose one recipient's policy on
// the others.

Reply spf_unavailable() { return Reply{reply(451, "4.4.3", "too many SPF checks in progress; try again later")}; }

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
      log::info("smtp.rcpt_refused",
                {{"ip", m_options.peer_ip}, {"to", rcpt}, {"reason", "spf_fail"}, {"from", sender}});
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
  auto usage = m_deps.accounts.address_usage(local.id);
  if (!usage) return Reply{reply(451, "4.3.0", "temporary failure, try again later")};
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

}  // namespace estafeta::smtp
