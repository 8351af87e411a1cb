// Quotas (RFC 9208): GETQUOTAROOT, GETQUOTA, SETQUOTA, and the check APPEND
// and COPY make before they add messages (NO [OVERQUOTA], §4.3.1).
//
// One quota root per address, named "" (§3.2 leaves roots to the server):
// it covers every folder of the address, and exists while the address has
// a limit (estafeta admin address set). Resources: STORAGE in units of
// 1024 octets (§5.1) and MESSAGE (§5.2). Limits are the administrator's to
// set, so SETQUOTA is refused and QUOTASET is not announced (§4.1.3).
#include <algorithm>

#include <fmt/format.h>

#include "imap/commands/commands.hpp"
#include "imap/proto/response.hpp"

namespace estafeta::imap {

namespace {

Result<store::QuotaUsage> usage(const Context& ctx) { return ctx.deps.accounts.address_usage(ctx.who->address.id); }

// "(STORAGE 10 512 MESSAGE 3 1000)": the limited resources only (§4.2.1).
// Usage rounds up and the limit down, so a client never sees more room than
// there is.
std::string quota_list(const store::QuotaUsage& u) {
  std::string out = "(";
  if (u.limit_bytes) out += fmt::format("STORAGE {} {}", (u.bytes + 1023) / 1024, *u.limit_bytes / 1024);
  if (u.limit_messages) {
    if (out.size() > 1) out += ' ';
    out += fmt::format("MESSAGE {} {}", u.messages, *u.limit_messages);
  }
  return out + ")";
}

std::string quota_response(const store::QuotaUsage& u) { return "* QUOTA \"\" " + quota_list(u) + "\r\n"; }

Reply over_quota(const std::string& tag) {
  return tagged_no(tag, "not enough room: this would put the address over its quota (delete and expunge some messages)",
                   "OVERQUOTA");
}

}  // namespace

bool has_quota(const Context& ctx) {
  if (!ctx.who) return false;
  auto u = usage(ctx);
  return u && u->limited();
}

// A pre-check: the append runs after it in its own transaction, so
// deliveries at the same instant may overshoot the limit by a message or
// two, as in other servers; the next one is refused.
std::optional<Reply> refuse_over_quota(Context& ctx, const std::string& tag, std::uint64_t bytes,
                                       std::uint64_t messages) {
  auto u = usage(ctx);
  if (!u) return from_error(tag, u.error());
  if (u->fits(bytes, messages)) return std::nullopt;
  return over_quota(tag);
}

std::optional<Reply> refuse_copy_over_quota(Context& ctx, const std::string& tag,
                                            const std::vector<std::uint32_t>& uids) {
  auto u = usage(ctx);
  if (!u) return from_error(tag, u.error());
  if (!u->limited()) return std::nullopt;  // no need to size the messages
  auto sorted = uids;
  std::sort(sorted.begin(), sorted.end());
  auto messages = ctx.deps.mail.list_messages(ctx.selected->ref());
  if (!messages) return from_error(tag, messages.error());
  std::uint64_t bytes = 0, count = 0;
  for (auto& m : *messages)
    if (std::binary_search(sorted.begin(), sorted.end(), m.uid)) {
      bytes += m.size;
      ++count;
    }
  if (u->fits(bytes, count)) return std::nullopt;
  return over_quota(tag);
}

Reply handle(Context& ctx, const std::string& tag, cmd::GetQuotaRoot& g) {
  auto u = usage(ctx);
  if (!u) return from_error(tag, u.error());
  // §4.1.2: the mailbox need not exist (which root would a new one get?).
  auto name = stored_name(ctx, g.mailbox);
  if (!name) return tagged_no(tag, "invalid mailbox name", "CANNOT");
  Reply r;
  r.out = "* QUOTAROOT ";
  append_astring(r.out, wire_name(ctx, *name), ctx.utf8_names());
  if (u->limited())
    r.out += " \"\"\r\n" + quota_response(*u);
  else
    r.out += "\r\n";  // no root: the address has no limit
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "GETQUOTAROOT completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::GetQuota& g) {
  auto u = usage(ctx);
  if (!u) return from_error(tag, u.error());
  if (!g.root.empty() || !u->limited()) return tagged_no(tag, "no such quota root", "NONEXISTENT");
  Reply r;
  r.out = quota_response(*u);
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "GETQUOTA completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::SetQuota& s) {
  Reply r;
  // §4.1.3 allows the current limits beside the refusal.
  if (s.root.empty())
    if (auto u = usage(ctx); u && u->limited()) r.out = quota_response(*u);
  append_tagged(r, tag, "NO", "quotas are set by the administrator of the address", "NOPERM");
  return r;
}

}  // namespace estafeta::imap
