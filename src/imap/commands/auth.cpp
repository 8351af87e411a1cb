// Commands of any state and of the not-authenticated state: CAPABILITY,
// NOOP, LOGOUT, ID (RFC 2971), STARTTLS, LOGIN, AUTHENTICATE PLAIN / LOGIN
// (RFC 4616, SASL-IR RFC 4959).
//
// Security: LOGIN and AUTHENTICATE are refused before TLS unless the
// listener is a loopback test listener (DESIGN §5). Every failure gets the
// same answer and a delay that grows with failures per IP and per address.
#include <fmt/format.h>

#include "auth/login.hpp"
#include "auth/sasl.hpp"
#include "core/log.hpp"
#include "imap/commands/commands.hpp"

namespace estafeta::imap {

namespace {

bool may_authenticate(const Context& ctx) { return ctx.options.tls_active || ctx.options.plaintext_auth; }

// RFC 4616: [authzid] NUL authcid NUL passwd
// What an AUTHENTICATE step means for the client: a continuation, the login,
// or the command's end.
Reply sasl_reply(Context& ctx, const std::string& tag, auth::SaslExchange::Step step) {
  using K = auth::SaslExchange::Step::Kind;
  if (step.kind == K::challenge) {
    Reply r;
    r.out = "+ " + step.challenge + "\r\n";
    r.next = Reply::Next::authenticate;
    return r;
  }
  ctx.sasl.reset();
  switch (step.kind) {
    case K::credentials: return finish_login(ctx, tag, step.address, step.password, "imap");
    case K::other_identity: return tagged_no(tag, step.error, "AUTHORIZATIONFAILED");
    case K::challenge:
    case K::cancelled:
    case K::malformed: break;
  }
  return tagged_bad(tag, step.error);
}

}  // namespace

Reply handle(Context& ctx, const std::string& tag, cmd::Capability&) {
  Reply r;
  r.out = "* CAPABILITY " + capabilities(ctx) + "\r\n";
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "CAPABILITY completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Noop&) {
  Reply r;
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "NOOP completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Logout&) {
  Reply r;
  r.out = "* BYE logging out\r\n";
  append_tagged(r, tag, "OK", "LOGOUT completed");
  r.next = Reply::Next::close;
  ctx.state = State::logout;
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Id& id) {
  if (!id.params.empty()) {
    std::string desc;
    for (auto& [k, v] : id.params)
      if (k.size() < 64 && v && v->size() < 256) desc += fmt::format("{}={} ", k, *v);
    log::debug("imap.client_id", {{"ip", ctx.options.peer_ip}, {"id", desc}});
  }
  Reply r;
  r.out = "* ID (\"name\" \"Estafeta\" \"vendor\" \"Estafeta\")\r\n";
  append_tagged(r, tag, "OK", "ID completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::StartTls&) {
  if (ctx.options.tls_active) return tagged_bad(tag, "TLS is already active");
  if (!ctx.options.starttls_available) return tagged_no(tag, "TLS is not available here");
  Reply r = tagged_ok(tag, "begin TLS negotiation now");
  r.next = Reply::Next::start_tls;
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Login& l) {
  if (!may_authenticate(ctx)) return tagged_no(tag, "use STARTTLS (or port 993) before logging in", "PRIVACYREQUIRED");
  return finish_login(ctx, tag, l.user, l.password, "imap");
}

Reply handle(Context& ctx, const std::string& tag, cmd::Authenticate& a) {
  if (!may_authenticate(ctx)) return tagged_no(tag, "use STARTTLS (or port 993) before logging in", "PRIVACYREQUIRED");
  auto mechanism = auth::SaslExchange::named(a.mechanism);
  if (!mechanism) return tagged_no(tag, "unsupported authentication mechanism", "CANNOT");
  ctx.sasl = PendingAuthenticate{tag, auth::SaslExchange(*mechanism)};
  return sasl_reply(ctx, tag,
                    ctx.sasl->exchange.start(a.initial ? std::optional<std::string_view>(*a.initial) : std::nullopt));
}

Reply continue_authenticate(Context& ctx, std::string_view line) {
  if (!ctx.sasl) return tagged_bad("*", "no authentication in progress");
  auto tag = ctx.sasl->tag;
  return sasl_reply(ctx, tag, ctx.sasl->exchange.next(line));
}

Reply finish_login(Context& ctx, const std::string& tag, const std::string& address, const std::string& password,
                   const char* product) {
  auto login = ctx.deps.logins.login(product, address, password, ctx.options.peer_ip);
  if (!login.who) {
    Reply r;
    if (login.error.kind == ErrorKind::in_use)
      r = tagged_no(tag, login.error.message, "UNAVAILABLE");
    else if (login.error.kind == ErrorKind::permission)
      r = tagged_no(tag, auth::kLoginFailed, "AUTHENTICATIONFAILED");
    else
      r = from_error(tag, login.error);
    r.delay = login.delay;
    return r;
  }
  ctx.who = std::move(login.who);
  ctx.state = State::authenticated;
  Reply r = tagged_ok(tag, "logged in", "CAPABILITY " + capabilities(ctx));
  r.delay = login.delay;
  return r;
}

}  // namespace estafeta::imap
