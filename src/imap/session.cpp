// The session: dispatch (the states each command is allowed in come with it
// from the grammar's table, proto/parser.cpp; the handler is chosen by its
// argument type, commands/commands.hpp), replies in parts, the end of a
// selection lost to another session, and which bus events concern it.
#include "imap/session.hpp"

#include <fmt/format.h>

#include "auth/mail_login.hpp"
#include "imap/commands/commands.hpp"

namespace estafeta::imap {

std::string Session::greeting() const {
  return fmt::format("* OK [CAPABILITY {}] {} Estafeta IMAP ready\r\n", capabilities(m_ctx), m_ctx.options.hostname);
}

std::expected<Command, ParseFailure> Session::parse(std::string_view text) const {
  return parse_command(text, {}, Dialect{.utf8 = m_ctx.utf8_names()});
}

Reply Session::bad_syntax(const ParseFailure& failure) {
  Reply r = tagged_bad(failure.tag, failure.message);
  return r;
}

Reply Session::execute(Command command) {
  if (!command.allowed_in(m_ctx.state)) {
    if (m_ctx.state == State::not_authenticated) return tagged_bad(command.tag, "log in first");
    if (command.allowed & kSelected) return tagged_bad(command.tag, "select a mailbox first");
    return tagged_bad(command.tag, "not allowed in this state");
  }
  // A folder deleted by another session (or another process) ends this
  // one: its sequence numbers and UIDs name nothing any more. Checked
  // before the command, so nothing runs on a stale selection, and after
  // (the command's own poll may find it gone).
  if (m_ctx.selected && !m_ctx.selected->check(m_ctx.deps.mail) && m_ctx.selected->lost()) return selection_lost({});
  auto reply = std::visit([&](auto& args) { return handle(m_ctx, command.tag, args); }, command.args);
  // (A reply in parts checks in resume(), after its last part.)
  if (!reply.more && m_ctx.selected && m_ctx.selected->lost()) return selection_lost(std::move(reply));
  return reply;
}

Reply Session::authenticate_step(std::string_view line) { return continue_authenticate(m_ctx, line); }

Reply Session::idle_end(std::string_view line) { return end_idle(m_ctx, line); }

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
    case EventKind::message_expunged: return e.mailbox_id == m_ctx.selected->id();
    case EventKind::mailbox_renamed:  // a parent of the selected folder, perhaps: poll() finds out
      return m_ctx.who && e.address_id == m_ctx.who->address.id;
    default: return false;
  }
}

namespace {
// The modseq a message event brings its folder to; 0 for the others, whose
// changes only a poll of the store finds (a rename of a parent folder).
std::uint64_t change_modseq(const Event& e) {
  switch (e.kind) {
    case EventKind::message_appended:
    case EventKind::flags_changed:
    case EventKind::message_expunged: return e.modseq;
    default: return 0;
  }
}
}  // namespace

std::optional<Reply> Session::idle_updates_at_once(const Event& e) {
  auto& view = m_ctx.selected;
  if (!view) return Reply{};
  auto modseq = change_modseq(e);
  if (modseq == 0) return std::nullopt;
  if (view->known_modseq() >= modseq) return Reply{};  // reported already
  if (!m_ctx.deps.changes) return std::nullopt;
  auto delta = m_ctx.deps.changes->find(view->ref(), view->mailbox().uidvalidity, view->known_modseq(), modseq);
  if (!delta) return std::nullopt;
  auto out = view->apply(*delta, poll_options(m_ctx, true), nullptr);
  if (!out) return std::nullopt;
  Reply r;
  r.out = std::move(*out);
  if (view->lost()) return selection_lost(std::move(r));
  return r;
}

Reply Session::idle_updates(const Event& e) {
  Reply r;
  auto& view = m_ctx.selected;
  auto modseq = change_modseq(e);
  std::optional<std::string> shared;
  if (view && modseq != 0 && m_ctx.deps.changes) {
    // One read for every session standing where this one stands.
    if (auto delta = m_ctx.deps.changes->read(m_ctx.deps.mail, view->ref(), view->mailbox().uidvalidity,
                                              view->known_modseq(), modseq))
      shared = view->apply(**delta, poll_options(m_ctx, true), &m_ctx.deps.mail);
  }
  if (shared)
    r.out = std::move(*shared);
  else
    append_updates(m_ctx, r, true);  // the folder's own poll (and its faults: lost, or try again later)
  if (view && view->lost()) return selection_lost(std::move(r));
  return r;
}

}  // namespace estafeta::imap
