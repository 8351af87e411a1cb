// ENABLE (RFC 5161): CONDSTORE, QRESYNC (RFC 7162), UTF8=ACCEPT (RFC 6855)
// and IMAP4rev2 (RFC 9051).
#include "imap/commands/commands.hpp"

namespace estafeta::imap {

Reply handle(Context& ctx, const std::string& tag, cmd::Enable& e) {
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
  append_tagged(r, tag, "OK", "ENABLE completed");
  return r;
}

}  // namespace estafeta::imap
