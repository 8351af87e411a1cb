#include "pop3/session.hpp"

#include <fmt/format.h>

#include "auth/login.hpp"
#include "auth/mail_login.hpp"
#include "auth/sasl.hpp"
#include "core/digits.hpp"
#include "core/log.hpp"
#include "mime/line_ends.hpp"

namespace estafeta::pop3 {

namespace {

Reply ok(std::string text) { return Reply{"+OK " + text + "\r\n"}; }
Reply err(std::string text) { return Reply{"-ERR " + text + "\r\n"}; }

// A message number or a line count (no message has a number past 64 bits,
// and TOP then sends every line).
std::optional<std::uint64_t> number(const std::string& s) { return saturating_number(s); }

// Where the body starts: after the blank line that ends the header, which
// is the first line when the header is empty; the end when there is none.
std::size_t body_start(std::string_view text) {
  if (text.starts_with("\r\n")) return 2;
  if (text.starts_with("\n")) return 1;
  auto end = text.find("\r\n\r\n");
  if (end != std::string_view::npos) return end + 4;
  auto lf = text.find("\n\n");
  return lf == std::string_view::npos ? text.size() : lf + 2;
}

// The length of TOP's answer: the header, the blank line, then at most
// `lines` lines of the body.
std::size_t top_length(std::string_view text, std::uint64_t lines) {
  std::size_t body = body_start(text);
  std::size_t cut = body;
  for (std::uint64_t i = 0; i < lines && cut < text.size(); ++i) {
    auto nl = text.find('\n', cut);
    cut = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  return cut;
}

}  // namespace

std::string dot_stuff(std::string_view m) {
  std::string out;
  out.reserve(m.size() + m.size() / 50 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < m.size(); ++i) {
    char c = m[i];
    if (line_start && c == '.') out += '.';
    if (c == '\n' && (i == 0 || m[i - 1] != '\r')) out += '\r';
    out += c;
    line_start = c == '\n';
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

std::string Session::greeting() const { return fmt::format("+OK {} Estafeta POP3 ready\r\n", m_options.hostname); }

void Session::tls_started() {
  // What the client said in clear is not carried over (RFC 2595 §4 asks the
  // client to forget what it learnt; the server forgets a USER the same way).
  m_options.tls_active = true;
  m_options.starttls_available = false;
  m_user.reset();
  m_sasl.reset();
}

std::optional<std::int64_t> Session::address_id() const {
  if (!m_who) return std::nullopt;
  return m_who->address.id;
}

std::optional<std::string> Session::ended_by(const Event& e) const {
  if (!m_who) return std::nullopt;
  return auth::ends_session(*m_who, e);
}

// What the AUTHORIZATION state offers is announced in both states (RFC
// 2449 §5), STLS aside (RFC 2595 §4: AUTHORIZATION only). Mail stays until
// its owner deletes it: EXPIRE NEVER (RFC 2449 §6.7).
Reply Session::capa(const Command&) {
  std::string out =
      "+OK capabilities follow\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nEXPIRE NEVER\r\n";
  if (m_state == State::authorization && m_options.starttls_available) out += "STLS\r\n";
  if (m_options.tls_active || m_options.plaintext_auth) out += "USER\r\nSASL PLAIN LOGIN\r\n";
  out += "IMPLEMENTATION Estafeta\r\n.\r\n";
  return Reply{out};
}

// The command table (RFC 1939 §4-§7; CAPA RFC 2449 §5; STLS RFC 2595 §4;
// AUTH RFC 5034): a keyword, the states it is allowed in, whether it needs
// a private channel first, how many arguments it takes (others are a
// syntax error, RFC 1939 §3: -ERR, and nothing done), its handler.
const Session::CommandEntry* Session::find_command(std::string_view keyword) {
  static constexpr CommandEntry kCommands[] = {
      {"CAPA", kAnyState, false, 0, 0, "CAPA", &Session::capa},
      {"QUIT", kAnyState, false, 0, 0, "QUIT", &Session::quit},
      {"STLS", kAuthorization, false, 0, 0, "STLS", &Session::stls},
      {"USER", kAuthorization, true, 1, 1, "USER address", &Session::user},
      {"PASS", kAuthorization, true, 1, 1, "PASS password", &Session::pass},
      {"AUTH", kAuthorization, true, 0, 2, "AUTH [mechanism [initial-response]]", &Session::auth},
      {"NOOP", kTransaction, false, 0, 0, "NOOP", &Session::noop},
      {"STAT", kTransaction, false, 0, 0, "STAT", &Session::stat},
      {"LIST", kTransaction, false, 0, 1, "LIST [msg]", &Session::list},
      {"UIDL", kTransaction, false, 0, 1, "UIDL [msg]", &Session::list},
      {"RETR", kTransaction, false, 1, 1, "RETR msg", &Session::retr},
      {"TOP", kTransaction, false, 2, 2, "TOP msg n", &Session::retr},
      {"DELE", kTransaction, false, 1, 1, "DELE msg", &Session::dele},
      {"RSET", kTransaction, false, 0, 0, "RSET", &Session::rset},
  };
  for (auto& e : kCommands)
    if (keyword == e.keyword) return &e;
  return nullptr;
}

Reply Session::execute(std::string_view line) {
  if (m_sasl) return sasl_reply(m_sasl->next(line));
  auto c = parse_command(line);
  if (!c) return err(c.error().message);
  auto* entry = find_command(c->keyword);
  bool authorization = m_state == State::authorization;
  if (!entry || !(entry->states & (authorization ? kAuthorization : kTransaction))) {
    if (authorization) return err("log in first (USER/PASS or AUTH)");
    if (entry) return err("already logged in");
    return err("unknown command");
  }
  if (entry->needs_privacy && !m_options.tls_active && !m_options.plaintext_auth)
    return err("[SYS/PERM] use STLS (or port 995) before logging in");
  if (c->args.size() < entry->min_args || c->args.size() > entry->max_args)
    return err(fmt::format("syntax: {}", entry->syntax));
  return (this->*entry->handler)(*c);
}

Reply Session::line_too_long() {
  if (m_sasl) {
    m_sasl.reset();
    return err("the response is too long; authentication cancelled");
  }
  return err("command line too long");
}

Reply Session::noop(const Command&) { return ok(""); }

Reply Session::quit(const Command&) {
  Reply r = ok("bye");
  r.next = Reply::Next::close;
  if (m_state != State::transaction) return r;
  m_state = State::update;
  std::vector<std::uint32_t> doomed;
  for (auto& e : m_drop)
    if (e.deleted) doomed.push_back(e.uid);
  if (!doomed.empty()) {
    auto gone = m_deps.mail.expunge(m_inbox, doomed);
    if (!gone) {
      r = err("[SYS/TEMP] some deleted messages were not removed");
      r.next = Reply::Next::close;
      log::error("pop3.expunge_failed", {{"detail", gone.error().detail}});
    } else {
      Event e{EventKind::message_expunged};
      e.address_id = m_who->address.id;
      e.mailbox_id = m_inbox.id;
      e.modseq = gone->modseq;
      m_deps.bus.publish(e);
      r = ok(fmt::format("bye, {} message(s) deleted", gone->uids.size()));
      r.next = Reply::Next::close;
    }
  }
  m_lock.release();
  return r;
}

Reply Session::stls(const Command&) {
  if (!m_options.starttls_available) return err("TLS is not available or already active");
  Reply r = ok("begin TLS negotiation");
  r.next = Reply::Next::start_tls;
  return r;
}

Reply Session::user(const Command& c) {
  m_user = c.args[0];
  return ok("send the device password");  // the same answer whether or not the address exists
}

Reply Session::pass(const Command& c) {
  if (!m_user) return err("send USER first");
  auto user = *std::exchange(m_user, std::nullopt);
  return login(user, c.args[0]);
}

Reply Session::auth(const Command& c) {
  if (c.args.empty()) return Reply{"+OK\r\nPLAIN\r\nLOGIN\r\n.\r\n"};
  auto mechanism = auth::SaslExchange::named(c.args[0]);
  if (!mechanism) return err("unsupported mechanism");
  m_sasl.emplace(*mechanism);
  return sasl_reply(m_sasl->start(c.args.size() > 1 ? std::optional<std::string_view>(c.args[1]) : std::nullopt));
}

Reply Session::sasl_reply(auth::SaslExchange::Step step) {
  using K = auth::SaslExchange::Step::Kind;
  if (step.kind == K::challenge) {
    Reply r{"+ " + step.challenge + "\r\n"};
    r.next = Reply::Next::sasl;
    return r;
  }
  m_sasl.reset();
  if (step.kind == K::credentials) return login(step.address, step.password);
  if (step.kind == K::other_identity) return err("[AUTH] " + step.error);
  return err(step.error);
}

Reply Session::login(const std::string& address, const std::string& password) {
  auto login = m_deps.logins.login("pop3", address, password, m_options.peer_ip);
  if (!login.who) {
    Reply r = login.error.kind == ErrorKind::in_use ? err("[SYS/PERM] " + login.error.message)
                                                    : err(std::string("[AUTH] ") + auth::kLoginFailed);
    r.delay = login.delay;
    return r;
  }
  auto& who = login.who;
  auto lock = m_deps.maildrop_locks.try_lock(who->address.id);
  if (!lock) return err("[IN-USE] the mailbox is in use by another POP3 session");
  auto inbox = m_deps.mail.find_mailbox(who->address.id, "INBOX");
  if (!inbox) return err("[SYS/TEMP] the mailbox cannot be opened");
  auto messages = m_deps.mail.list_messages(inbox->ref());
  if (!messages) return err("[SYS/TEMP] the mailbox cannot be read");
  std::vector<Entry> drop;
  drop.reserve(messages->size());
  for (auto& m : *messages) {
    auto size = m.crlf_size;
    if (!size) {
      // Stored before its size as sent was kept: measured now.
      auto bytes = m_deps.blobs.get(m.blob_hash);
      if (!bytes) return err("[SYS/TEMP] the mailbox cannot be read");
      size = mime::crlf_size(*bytes);
    }
    drop.push_back({m.uid, *size, m.blob_hash, false});
  }
  m_lock = std::move(lock);
  m_who = *who;
  m_inbox = inbox->ref();
  m_uidvalidity = inbox->uidvalidity;
  m_drop = std::move(drop);
  m_state = State::transaction;
  Reply r = ok(fmt::format("{} message(s)", m_drop.size()));
  r.delay = login.delay;
  return r;
}

Session::Entry* Session::message(const std::string& arg) {
  auto n = number(arg);
  if (!n || *n == 0 || *n > m_drop.size()) return nullptr;
  auto& e = m_drop[*n - 1];
  return e.deleted ? nullptr : &e;
}

Result<std::string> Session::content(const Entry& e) { return m_deps.blobs.get(e.blob_hash); }

Reply Session::stat(const Command&) {
  std::size_t count = 0;
  std::uint64_t size = 0;
  for (auto& e : m_drop)
    if (!e.deleted) {
      ++count;
      size += e.size;
    }
  return ok(fmt::format("{} {}", count, size));
}

// LIST and UIDL (RFC 1939 §5, §7): one message, or all that are not deleted.
Reply Session::list(const Command& c) {
  bool sizes = c.keyword == "LIST";
  auto line = [&](std::size_t n, const Entry& e) {
    return sizes ? fmt::format("{} {}", n, e.size) : fmt::format("{} {}.{}", n, m_uidvalidity, e.uid);
  };
  if (!c.args.empty()) {
    auto* e = message(c.args[0]);
    if (!e) return err("no such message");
    return ok(line(*number(c.args[0]), *e));
  }
  std::string out = "+OK listing follows\r\n";
  for (std::size_t i = 0; i < m_drop.size(); ++i)
    if (!m_drop[i].deleted) out += line(i + 1, m_drop[i]) + "\r\n";
  out += ".\r\n";
  return Reply{out};
}

// RETR and TOP (RFC 1939 §5, §7): the message, or its header, the blank
// line and at most n lines of its body; dot-stuffed.
Reply Session::retr(const Command& c) {
  bool top = c.keyword == "TOP";
  auto* e = message(c.args[0]);
  if (!e) return err("no such message");
  std::optional<std::uint64_t> lines;
  if (top) {
    lines = number(c.args[1]);
    if (!lines) return err("TOP takes a number of lines");
  }
  auto bytes = content(*e);
  if (!bytes) return err("[SYS/TEMP] the message cannot be read");
  std::string_view text = *bytes;
  if (lines)
    return Reply{"+OK the header and the first lines follow\r\n" + dot_stuff(text.substr(0, top_length(text, *lines)))};
  return Reply{fmt::format("+OK {} octets\r\n", e->size) + dot_stuff(text)};
}

Reply Session::dele(const Command& c) {
  auto* e = message(c.args[0]);
  if (!e) return err("no such message");
  e->deleted = true;
  return ok("marked for deletion");
}

Reply Session::rset(const Command&) {
  for (auto& e : m_drop) e.deleted = false;
  return ok("deletion marks removed");
}

}  // namespace estafeta::pop3
