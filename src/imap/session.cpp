// Dispatch: the command table, the states each command is allowed in, and
// the shared helpers for tagged responses and mailbox names.
#include "imap/session.hpp"

#include <fmt/format.h>

#include "core/log.hpp"
#include "imap/commands/commands.hpp"
#include "imap/proto/utf7.hpp"
#include "auth/mail_login.hpp"

namespace estafeta::imap {

namespace {

enum StateMask : unsigned {
  kNotAuth = 1u << static_cast<unsigned>(State::not_authenticated),
  kAuth = 1u << static_cast<unsigned>(State::authenticated),
  kSelected = 1u << static_cast<unsigned>(State::selected),
  kAny = kNotAuth | kAuth | kSelected,
  kAfterAuth = kAuth | kSelected,
};

struct CommandSpec {
  const char* name;
  Handler handler;
  unsigned states;
};

// RFC 9051 §6: which command in which state.
constexpr CommandSpec kCommands[] = {
    {"CAPABILITY", cmd_capability, kAny},   {"NOOP", cmd_noop, kAny},
    {"LOGOUT", cmd_logout, kAny},           {"ID", cmd_id, kAny},
    {"STARTTLS", cmd_starttls, kNotAuth},   {"LOGIN", cmd_login, kNotAuth},
    {"AUTHENTICATE", cmd_authenticate, kNotAuth},
    {"ENABLE", cmd_enable, kAuth},          {"NAMESPACE", cmd_namespace, kAfterAuth},
    {"SELECT", cmd_select, kAfterAuth},     {"EXAMINE", cmd_select, kAfterAuth},
    {"CREATE", cmd_create, kAfterAuth},     {"DELETE", cmd_delete, kAfterAuth},
    {"RENAME", cmd_rename, kAfterAuth},     {"SUBSCRIBE", cmd_subscribe, kAfterAuth},
    {"UNSUBSCRIBE", cmd_subscribe, kAfterAuth}, {"LIST", cmd_list, kAfterAuth},
    {"LSUB", cmd_list, kAfterAuth},         {"STATUS", cmd_status, kAfterAuth},
    {"APPEND", cmd_append, kAfterAuth},     {"IDLE", cmd_idle, kAfterAuth},
    {"GETQUOTA", cmd_getquota, kAfterAuth}, {"GETQUOTAROOT", cmd_getquota, kAfterAuth},
    {"SETQUOTA", cmd_setquota, kAfterAuth},
    {"CHECK", cmd_check, kSelected},        {"CLOSE", cmd_close, kSelected},
    {"UNSELECT", cmd_unselect, kSelected},  {"EXPUNGE", cmd_expunge, kSelected},
    {"UID EXPUNGE", cmd_expunge, kSelected}, {"SEARCH", cmd_search, kSelected},
    {"UID SEARCH", cmd_search, kSelected},  {"FETCH", cmd_fetch, kSelected},
    {"UID FETCH", cmd_fetch, kSelected},    {"STORE", cmd_store, kSelected},
    {"UID STORE", cmd_store, kSelected},    {"COPY", cmd_copy, kSelected},
    {"UID COPY", cmd_copy, kSelected},      {"MOVE", cmd_copy, kSelected},
    {"UID MOVE", cmd_copy, kSelected},      {"SORT", cmd_sort, kSelected},
    {"UID SORT", cmd_sort, kSelected},      {"THREAD", cmd_thread, kSelected},
    {"UID THREAD", cmd_thread, kSelected},
};

bool is_inbox(std::string_view name) {
  return name.size() == 5 && (name[0] | 0x20) == 'i' && (name[1] | 0x20) == 'n' && (name[2] | 0x20) == 'b' &&
         (name[3] | 0x20) == 'o' && (name[4] | 0x20) == 'x';
}

}  // namespace

// --- tagged responses

void append_tagged(Reply& r, const std::string& tag, std::string_view status, std::string_view text,
                   std::string_view code) {
  r.out += tag;
  r.out += ' ';
  r.out += status;
  r.out += ' ';
  if (!code.empty()) {
    r.out += '[';
    r.out += code;
    r.out += "] ";
  }
  r.out += text;
  r.out += "\r\n";
}

Reply tagged_ok(const std::string& tag, std::string_view text, std::string_view code) {
  Reply r;
  append_tagged(r, tag, "OK", text, code);
  return r;
}
Reply tagged_no(const std::string& tag, std::string_view text, std::string_view code) {
  Reply r;
  append_tagged(r, tag, "NO", text, code);
  return r;
}
Reply tagged_bad(const std::string& tag, std::string_view text) {
  Reply r;
  append_tagged(r, tag, "BAD", text);
  return r;
}

Reply from_error(const std::string& tag, const Error& e) {
  // RFC 5530 response codes.
  const char* code = "";
  switch (e.kind) {
    case ErrorKind::not_found: code = "NONEXISTENT"; break;
    case ErrorKind::exists: code = "ALREADYEXISTS"; break;
    case ErrorKind::permission: code = "NOPERM"; break;
    case ErrorKind::over_quota: code = "OVERQUOTA"; break;
    case ErrorKind::temporary: code = "UNAVAILABLE"; break;
    case ErrorKind::in_use: code = "INUSE"; break;
    case ErrorKind::limit: code = "LIMIT"; break;
    case ErrorKind::invalid: code = "CANNOT"; break;
    case ErrorKind::internal: code = "SERVERBUG"; break;
  }
  if (e.kind == ErrorKind::internal || e.kind == ErrorKind::temporary)
    log::error("imap.store_error", {{"message", e.message}, {"detail", e.detail}});
  return tagged_no(tag, e.message, code);
}

// --- names

std::optional<std::string> stored_name(const Context& ctx, std::string_view wire) {
  std::string name;
  if (ctx.utf8_names()) {
    name = std::string(wire);
  } else {
    auto decoded = mutf7_to_utf8(wire);
    if (!decoded) return std::nullopt;
    name = std::move(*decoded);
  }
  if (name.empty() || name.size() > 1000) return std::nullopt;
  while (name.size() > 1 && name.back() == '/') name.pop_back();  // "a/" names "a" (RFC 9051 §6.3.4)
  if (name.front() == '/' || name.find("//") != std::string::npos) return std::nullopt;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  if (is_inbox(name)) return std::string("INBOX");
  if (name.size() > 6 && is_inbox(name.substr(0, 5)) && name[5] == '/') name.replace(0, 5, "INBOX");
  return name;
}

std::string wire_name(const Context& ctx, std::string_view stored) {
  return ctx.utf8_names() ? std::string(stored) : utf8_to_mutf7(stored);
}

std::string enable_condstore(Context& ctx) {
  if (ctx.enabled.condstore) return {};
  ctx.enabled.condstore = true;
  if (!ctx.selected) return {};
  auto box = ctx.deps.store.mailbox(ctx.selected->ref());
  auto highest = box ? box->highestmodseq : ctx.selected->mailbox().highestmodseq;
  return fmt::format("* OK [HIGHESTMODSEQ {}] CONDSTORE is on\r\n", highest);
}

void append_updates(Context& ctx, Reply& r, bool allow_expunge) {
  if (!ctx.selected) return;
  PollOptions o;
  o.allow_expunge = allow_expunge;
  o.vanished = ctx.enabled.qresync;
  o.modseq = ctx.enabled.condstore;
  o.recent = !ctx.enabled.rev2;
  auto updates = ctx.selected->poll(ctx.deps.store, o);
  if (updates) r.out += *updates;
}

std::string capabilities(const Context& ctx) {
  std::string caps = "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE";
  if (ctx.state == State::not_authenticated) {
    if (ctx.options.starttls_available) caps += " STARTTLS";
    if (ctx.options.tls_active || ctx.options.plaintext_auth) caps += " AUTH=PLAIN AUTH=LOGIN";
    else caps += " LOGINDISABLED";
    return caps;
  }
  caps += fmt::format(
      " NAMESPACE UNSELECT UIDPLUS MOVE SPECIAL-USE CREATE-SPECIAL-USE CHILDREN LIST-EXTENDED LIST-STATUS"
      " STATUS=SIZE CONDSTORE QRESYNC ESEARCH SEARCHRES SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES"
      " BINARY UTF8=ACCEPT APPENDLIMIT={}",
      ctx.options.append_limit);
  // RFC 9208 §3.1, §5: announced for addresses that have a quota, with the
  // resources Estafeta counts. Read at each call: an administrator may set
  // or lift the quota while the session is open.
  if (has_quota(ctx)) caps += " QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE";
  return caps;
}

// --- the session

std::string Session::greeting() const {
  return fmt::format("* OK [CAPABILITY {}] {} Estafeta IMAP ready\r\n", capabilities(m_ctx), m_ctx.options.hostname);
}

Reply Session::bad_syntax(const ParseFailure& failure) {
  Reply r = tagged_bad(failure.tag, failure.message);
  return r;
}

Reply Session::execute(Command command) {
  const CommandSpec* spec = nullptr;
  for (auto& c : kCommands)
    if (command.name == c.name) spec = &c;
  if (!spec) return tagged_bad(command.tag, "unknown command");
  if (!(spec->states & (1u << static_cast<unsigned>(m_ctx.state)))) {
    if (m_ctx.state == State::not_authenticated) return tagged_bad(command.tag, "log in first");
    if (spec->states & kSelected) return tagged_bad(command.tag, "select a mailbox first");
    return tagged_bad(command.tag, "not allowed in this state");
  }
  // A folder deleted by another session (or another process) ends this
  // one: its sequence numbers and UIDs name nothing any more. Checked
  // before the command, so nothing runs on a stale selection, and after
  // (the command's own poll may find it gone).
  if (m_ctx.selected && !m_ctx.selected->check(m_ctx.deps.store) && m_ctx.selected->lost())
    return selection_lost({});
  auto reply = spec->handler(m_ctx, command);
  // (A reply in parts checks in resume(), after its last part.)
  if (!reply.more && m_ctx.selected && m_ctx.selected->lost()) return selection_lost(std::move(reply));
  return reply;
}

Reply Session::resume(Reply& reply) {
  auto next = reply.more();
  if (!next.more && m_ctx.selected && m_ctx.selected->lost()) return selection_lost(std::move(next));
  return next;
}

Reply Session::selection_lost(Reply reply) {
  reply.more = nullptr;
  m_ctx.selected.reset();
  m_ctx.saved_uids.reset();
  m_ctx.state = State::logout;
  reply.out += std::string("* BYE ") + kSelectionLost + "\r\n";
  reply.next = Reply::Next::close;
  return reply;
}

void Session::tls_started() {
  m_ctx.options.tls_active = true;
  m_ctx.options.starttls_available = false;
}

std::optional<std::string> Session::ended_by(const Event& e) const {
  if (!m_ctx.who) return std::nullopt;
  if ((e.kind == EventKind::mailbox_deleted || e.kind == EventKind::mailbox_renamed) && m_ctx.selected &&
      e.mailbox_id == m_ctx.selected->id() && e.address_id == m_ctx.who->address.id)
    return std::string(kSelectionLost);
  return auth::ends_session(*m_ctx.who, e);
}

bool Session::concerns(const Event& e) const {
  if (!m_ctx.selected) return false;
  switch (e.kind) {
    case EventKind::message_appended:
    case EventKind::flags_changed:
    case EventKind::message_expunged:
      return e.mailbox_id == m_ctx.selected->id();
    case EventKind::mailbox_renamed:  // a parent of the selected folder, perhaps: poll() finds out
      return m_ctx.who && e.address_id == m_ctx.who->address.id;
    default:
      return false;
  }
}

Reply Session::idle_updates() {
  Reply r;
  append_updates(m_ctx, r, true);
  if (m_ctx.selected && m_ctx.selected->lost()) return selection_lost(std::move(r));
  return r;
}

}  // namespace estafeta::imap
