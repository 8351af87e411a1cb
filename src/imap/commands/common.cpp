// What the command handlers share (commands.hpp): tagged responses and the
// mapping of store errors to response codes (RFC 5530), mailbox names on
// the wire, the untagged updates at the end of a command, CAPABILITY.
#include <fmt/format.h>

#include "core/log.hpp"
#include "imap/commands/commands.hpp"
#include "imap/proto/utf7.hpp"
#include "mime/text.hpp"

namespace estafeta::imap {

namespace {

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
    case ErrorKind::temporary:
    case ErrorKind::throttled: code = "UNAVAILABLE"; break;
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
    // RFC 6855 §3: names are Net-Unicode without the C1 controls, U+2028
    // and U+2029 (the C0 ones are refused below for every session). A
    // literal may bring any octets: only UTF-8 names a folder.
    if (!mime::detail::is_valid_utf8(wire)) return std::nullopt;
    auto octet = [&](std::size_t i) { return i < wire.size() ? static_cast<unsigned char>(wire[i]) : 0u; };
    for (std::size_t i = 0; i < wire.size(); ++i) {
      if (octet(i) == 0xC2 && octet(i + 1) >= 0x80 && octet(i + 1) <= 0x9F) return std::nullopt;  // U+0080-U+009F
      if (octet(i) == 0xE2 && octet(i + 1) == 0x80 && (octet(i + 2) == 0xA8 || octet(i + 2) == 0xA9))
        return std::nullopt;  // U+2028, U+2029
    }
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
  auto box = ctx.deps.mail.mailbox(ctx.selected->ref());
  auto highest = box ? box->highestmodseq : ctx.selected->mailbox().highestmodseq;
  return fmt::format("* OK [HIGHESTMODSEQ {}] CONDSTORE is on\r\n", highest);
}

PollOptions poll_options(const Context& ctx, bool allow_expunge) {
  PollOptions o;
  o.allow_expunge = allow_expunge;
  o.vanished = ctx.enabled.qresync;
  o.modseq = ctx.enabled.condstore;
  o.recent = !ctx.enabled.rev2;
  return o;
}

void append_updates(Context& ctx, Reply& r, bool allow_expunge) {
  if (!ctx.selected) return;
  auto updates = ctx.selected->poll(ctx.deps.mail, poll_options(ctx, allow_expunge));
  if (updates) r.out += *updates;
}

std::string capabilities(const Context& ctx) {
  std::string caps = "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE";
  if (ctx.state == State::not_authenticated) {
    if (ctx.options.starttls_available) caps += " STARTTLS";
    if (ctx.options.tls_active || ctx.options.plaintext_auth)
      caps += " AUTH=PLAIN AUTH=LOGIN";
    else
      caps += " LOGINDISABLED";
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

Result<store::Mailbox> find_mailbox(Context& ctx, std::string_view wire) {
  auto name = stored_name(ctx, wire);
  if (!name) return fail(ErrorKind::invalid, "invalid mailbox name");
  auto box = ctx.deps.mail.find_mailbox(ctx.who->address.id, *name);
  if (!box && box.error().kind == ErrorKind::not_found) return fail(ErrorKind::not_found, "no such mailbox");
  return box;
}

}  // namespace estafeta::imap
