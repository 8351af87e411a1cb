// Commands of any state and of the not-authenticated state: CAPABILITY,
// NOOP, LOGOUT, ID (RFC 2971), ENABLE (RFC 5161), STARTTLS, LOGIN,
// AUTHENTICATE PLAIN / LOGIN (RFC 4616, SASL-IR RFC 4959), IDLE (RFC 2177).
//
// Security: LOGIN and AUTHENTICATE are refused before TLS unless the
// listener is a loopback test listener (DESIGN §5). Every failure gets the
// same answer and a delay that grows with failures per IP and per address.
#include <fmt/format.h>

#include "auth/login.hpp"
#include "auth/sasl.hpp"
#include "core/log.hpp"
#include "imap/commands/commands.hpp"
#include "imap/session.hpp"

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

Reply cmd_capability(Context& ctx, Command& c) {
  Reply r;
  r.out = "* CAPABILITY " + capabilities(ctx) + "\r\n";
  append_updates(ctx, r, true);
  append_tagged(r, c.tag, "OK", "CAPABILITY completed");
  return r;
}

Reply cmd_noop(Context& ctx, Command& c) {
  Reply r;
  append_updates(ctx, r, true);
  append_tagged(r, c.tag, "OK", "NOOP completed");
  return r;
}

Reply cmd_logout(Context& ctx, Command& c) {
  Reply r;
  r.out = "* BYE logging out\r\n";
  append_tagged(r, c.tag, "OK", "LOGOUT completed");
  r.next = Reply::Next::close;
  ctx.state = State::logout;
  return r;
}

Reply cmd_id(Context& ctx, Command& c) {
  auto& id = std::get<cmd::Id>(c.args);
  if (!id.params.empty()) {
    std::string desc;
    for (auto& [k, v] : id.params)
      if (k.size() < 64 && v && v->size() < 256) desc += fmt::format("{}={} ", k, *v);
    log::debug("imap.client_id", {{"ip", ctx.options.peer_ip}, {"id", desc}});
  }
  Reply r;
  r.out = "* ID (\"name\" \"Estafeta\" \"vendor\" \"Estafeta\")\r\n";
  append_tagged(r, c.tag, "OK", "ID completed");
  return r;
}

Reply cmd_enable(Context& ctx, Command& c) {
  auto& e = std::get<cmd::Enable>(c.args);
  std::string enabled;
  // Only what this server implements; other names are ignored (RFC 5161 §3.1).
  for (auto& cap : e.capabilities) {
    if (cap == "UTF8=ACCEPT" && !ctx.enabled.utf8) {
      ctx.enabled.utf8 = true;
      enabled += " UTF8=ACCEPT";
    } else if (cap == "CONDSTORE" && !ctx.enabled.condstore) {
      ctx.enabled.condstore = true;
      enabled += " CONDSTORE";
    } else if (cap == "IMAP4REV2" && !ctx.enabled.rev2) {
      // RFC 9051 behaviour from here on: ESEARCH for SEARCH, UTF-8 names,
      // no \Recent, a LIST response in SELECT, [CLOSED].
      ctx.enabled.rev2 = true;
      enabled += " IMAP4rev2";
    } else if (cap == "QRESYNC" && !ctx.enabled.qresync) {
      ctx.enabled.qresync = true;  // implies CONDSTORE (RFC 7162 §3.2.3)
      ctx.enabled.condstore = true;
      enabled += " QRESYNC";
    }
  }
  Reply r;
  r.out = "* ENABLED" + enabled + "\r\n";
  append_tagged(r, c.tag, "OK", "ENABLE completed");
  return r;
}

Reply cmd_starttls(Context& ctx, Command& c) {
  if (ctx.options.tls_active) return tagged_bad(c.tag, "TLS is already active");
  if (!ctx.options.starttls_available) return tagged_no(c.tag, "TLS is not available here");
  Reply r = tagged_ok(c.tag, "begin TLS negotiation now");
  r.next = Reply::Next::start_tls;
  return r;
}

Reply cmd_login(Context& ctx, Command& c) {
  if (!may_authenticate(ctx))
    return tagged_no(c.tag, "use STARTTLS (or port 993) before logging in", "PRIVACYREQUIRED");
  auto& l = std::get<cmd::Login>(c.args);
  return finish_login(ctx, c.tag, l.user, l.password, "imap");
}

Reply cmd_authenticate(Context& ctx, Command& c) {
  auto& a = std::get<cmd::Authenticate>(c.args);
  if (!may_authenticate(ctx))
    return tagged_no(c.tag, "use STARTTLS (or port 993) before logging in", "PRIVACYREQUIRED");
  auto mechanism = auth::SaslExchange::named(a.mechanism);
  if (!mechanism) return tagged_no(c.tag, "unsupported authentication mechanism", "CANNOT");
  ctx.sasl = PendingAuthenticate{c.tag, auth::SaslExchange(*mechanism)};
  return sasl_reply(ctx, c.tag, ctx.sasl->exchange.start(a.initial ? std::optional<std::string_view>(*a.initial)
                                                                     : std::nullopt));
}

Reply Session::authenticate_step(std::string_view line) {
  if (!m_ctx.sasl) return tagged_bad("*", "no authentication in progress");
  auto tag = m_ctx.sasl->tag;
  return sasl_reply(m_ctx, tag, m_ctx.sasl->exchange.next(line));
}

Reply finish_login(Context& ctx, const std::string& tag, const std::string& address, const std::string& password,
                   const char* product) {
  auto login = ctx.deps.logins.login(product, address, password, ctx.options.peer_ip);
  if (!login.who) {
    Reply r;
    if (login.error.kind == ErrorKind::in_use) r = tagged_no(tag, login.error.message, "UNAVAILABLE");
    else if (login.error.kind == ErrorKind::permission) r = tagged_no(tag, auth::kLoginFailed, "AUTHENTICATIONFAILED");
    else r = from_error(tag, login.error);
    r.delay = login.delay;
    return r;
  }
  ctx.who = std::move(login.who);
  ctx.state = State::authenticated;
  Reply r = tagged_ok(tag, "logged in", "CAPABILITY " + capabilities(ctx));
  r.delay = login.delay;
  return r;
}

Reply cmd_idle(Context& ctx, Command& c) {
  ctx.idle_tag = c.tag;
  Reply r;
  r.out = "+ idling\r\n";
  append_updates(ctx, r, true);
  r.next = Reply::Next::idle;
  return r;
}

Reply Session::idle_end(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  auto tag = std::exchange(m_ctx.idle_tag, {});
  if (line.size() != 4 || (line[0] | 0x20) != 'd' || (line[1] | 0x20) != 'o' || (line[2] | 0x20) != 'n' ||
      (line[3] | 0x20) != 'e')
    return tagged_bad(tag, "expected DONE");
  Reply r;
  append_updates(m_ctx, r, true);
  append_tagged(r, tag, "OK", "IDLE terminated");
  return r;
}

}  // namespace estafeta::imap
