// IDLE (RFC 2177): the transport reports changes as the bus announces them
// until the client sends DONE.
#include <utility>

#include "imap/commands/commands.hpp"

namespace estafeta::imap {

Reply handle(Context& ctx, const std::string& tag, cmd::Idle&) {
  ctx.idle_tag = tag;
  Reply r;
  r.out = "+ idling\r\n";
  append_updates(ctx, r, true);
  r.next = Reply::Next::idle;
  return r;
}

Reply end_idle(Context& ctx, std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  auto tag = std::exchange(ctx.idle_tag, {});
  if (line.size() != 4 || (line[0] | 0x20) != 'd' || (line[1] | 0x20) != 'o' || (line[2] | 0x20) != 'n' ||
      (line[3] | 0x20) != 'e')
    return tagged_bad(tag, "expected DONE");
  Reply r;
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "IDLE terminated");
  return r;
}

}  // namespace estafeta::imap
