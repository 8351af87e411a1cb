// Commands that change messages: APPEND (with APPENDUID, RFC 4315, and the
// UTF8 data extension of RFC 6855 §4), EXPUNGE and UID EXPUNGE, CLOSE,
// STORE (with UNCHANGEDSINCE, RFC 7162 §3.1.3), COPY and MOVE (RFC 6851,
// with COPYUID). APPEND and COPY respect the address's quota (RFC 9208
// §4.3.1, quota.cpp).
//
// Every change is published on the event bus so other sessions on the same
// mailbox (other devices, other users of the address) learn of it at once.
#include <algorithm>

#include <fmt/format.h>

#include "imap/commands/commands.hpp"
#include "imap/proto/response.hpp"

namespace estafeta::imap {

namespace {

void publish(Context& ctx, EventKind kind, store::Id mailbox, std::uint64_t modseq) {
  Event e{kind};
  e.address_id = ctx.who->address.id;
  e.mailbox_id = mailbox;
  e.modseq = modseq;
  ctx.deps.bus.publish(e);
}

Result<store::Mailbox> target(Context& ctx, const std::string& wire) {
  auto name = stored_name(ctx, wire);
  if (!name) return fail(ErrorKind::invalid, "invalid mailbox name");
  auto box = ctx.deps.mail.find_mailbox(ctx.who->address.id, *name);
  if (!box && box.error().kind == ErrorKind::not_found)
    return fail(ErrorKind::not_found, "no such mailbox: create it first");
  return box;
}

// The message's header fields: everything before the first empty line
// (RFC 5322 §2.1), the whole message when there is none.
std::string_view header_of(std::string_view message) {
  std::size_t at = 0;
  while (at < message.size()) {
    auto eol = message.find('\n', at);
    if (eol == std::string_view::npos) break;
    auto line = message.substr(at, eol - at);
    if (line.empty() || line == "\r") return message.substr(0, at);
    at = eol + 1;
  }
  return message;
}

// RFC 6855 §4: UTF-8 header fields come in APPEND's UTF8 data extension,
// which is part of UTF8=ACCEPT and so needs ENABLE UTF8=ACCEPT: "If an IMAP
// server supports "UTF8=ACCEPT" and the IMAP client has not issued the
// "ENABLE UTF8=ACCEPT" command, the server MUST reject, with a "NO"
// response, an "APPEND" command that includes any 8-bit character in
// message header fields." An IMAP4rev2 session may send them without it
// (RFC 9051 §4.3.1 and Appendix E item 16: message headers allow UTF-8).
std::optional<Reply> refuse_utf8_append(const Context& ctx, const std::string& tag, const cmd::Append& a) {
  if (ctx.enabled.utf8) return std::nullopt;
  if (a.utf8) return tagged_no(tag, "APPEND UTF8 needs ENABLE UTF8=ACCEPT first (RFC 6855 §4)", "CANNOT");
  auto header = header_of(a.message);
  bool eight_bit =
      std::any_of(header.begin(), header.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  if (eight_bit && !ctx.enabled.rev2)
    return tagged_no(tag, "8-bit header fields need ENABLE UTF8=ACCEPT and APPEND UTF8 (RFC 6855 §4)", "CANNOT");
  return std::nullopt;
}

std::vector<std::uint32_t> uids_of(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs) {
  std::vector<std::uint32_t> out;
  out.reserve(pairs.size());
  for (auto& [seq, uid] : pairs) out.push_back(uid);
  return out;
}

// Removes the messages flagged \Deleted that this session knows (all, or
// those among `only`) and returns the EXPUNGE/VANISHED responses. The store
// picks them by their flag in the same transaction that removes them.
Result<std::string> expunge_deleted(Context& ctx, const std::vector<std::uint32_t>* only) {
  auto& view = *ctx.selected;
  if (view.exists() == 0 || (only && only->empty())) return std::string();
  auto gone = TRY(ctx.deps.mail.expunge_deleted(view.ref(), view.max_uid(), only));
  if (gone.uids.empty()) return std::string();
  publish(ctx, EventKind::message_expunged, view.id(), gone.modseq);
  return view.forget(gone.uids, ctx.enabled.qresync);
}

}  // namespace

Reply handle(Context& ctx, const std::string& tag, cmd::Append& a) {
  if (auto refused = refuse_utf8_append(ctx, tag, a)) return *refused;
  auto box = target(ctx, a.mailbox);
  if (!box) {
    Reply r = from_error(tag, box.error());
    if (box.error().kind == ErrorKind::not_found) r = tagged_no(tag, box.error().message, "TRYCREATE");
    return r;
  }
  if (a.message.size() > ctx.options.append_limit) return tagged_no(tag, "message too large", "TOOBIG");
  if (a.message.empty()) return tagged_no(tag, "empty message", "CANNOT");
  // RFC 9208 §4.3.1: refused whole when it would put the address over its quota.
  if (auto refused = refuse_over_quota(ctx, tag, a.message.size(), 1)) return *refused;
  store::AppendTarget t;
  t.mailbox = box->ref();
  if (!split_flags(a.flags, t.flags, t.keywords)) return tagged_no(tag, "that flag cannot be set", "CANNOT");
  t.internal_date = a.internal_date.value_or(ctx.deps.clock.now());
  auto done = ctx.deps.deliverer.deliver(a.message, {t});
  if (!done) {
    if (done.error().kind == ErrorKind::limit) return tagged_no(tag, done.error().message, "TOOBIG");
    return from_error(tag, done.error());
  }
  Reply r;
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "APPEND completed",
                fmt::format("APPENDUID {} {}", (*done)[0].uidvalidity, (*done)[0].uid));
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Expunge& x) {
  if (ctx.selected->read_only()) return tagged_no(tag, "the mailbox is read-only", "READ-ONLY");
  std::optional<std::vector<std::uint32_t>> only;
  if (x.uids) only = uids_of(ctx.selected->resolve(*x.uids, true, ctx.saved_uids ? &*ctx.saved_uids : nullptr));
  auto out = expunge_deleted(ctx, only ? &*only : nullptr);
  if (!out) return from_error(tag, out.error());
  Reply r;
  r.out = *out;
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "EXPUNGE completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Close&) {
  // CLOSE expunges silently, without responses (RFC 9051 §6.4.1).
  if (!ctx.selected->read_only()) {
    auto out = expunge_deleted(ctx, nullptr);
    if (!out) return from_error(tag, out.error());
  }
  ctx.selected.reset();
  ctx.saved_uids.reset();
  ctx.state = State::authenticated;
  return tagged_ok(tag, "CLOSE completed");
}

Reply handle(Context& ctx, const std::string& tag, cmd::Store& s) {
  auto& view = *ctx.selected;
  if (view.read_only()) return tagged_no(tag, "the mailbox is read-only", "READ-ONLY");
  if (!s.uid && view.out_of_range(s.set)) return tagged_bad(tag, "message sequence number out of range");
  std::uint32_t flags = 0;
  std::vector<std::string> keywords;
  if (!split_flags(s.flags, flags, keywords)) return tagged_no(tag, "that flag cannot be set", "CANNOT");
  auto pairs = view.resolve(s.set, s.uid, ctx.saved_uids ? &*ctx.saved_uids : nullptr);
  auto op = s.mode == StoreMode::add      ? store::FlagOp::add
            : s.mode == StoreMode::remove ? store::FlagOp::remove
                                          : store::FlagOp::replace;
  std::string enabled = s.unchanged_since ? enable_condstore(ctx) : std::string();  // RFC 7162 §3.1
  auto changed = ctx.deps.mail.store_flags(view.ref(), uids_of(pairs), op, flags, keywords, s.unchanged_since);
  if (!changed) return from_error(tag, changed.error());
  if (!changed->changed.empty()) publish(ctx, EventKind::flags_changed, view.id(), changed->highestmodseq);
  // RFC 7162 §3.1.3: with UNCHANGEDSINCE, every message that passed the
  // test is reported with its MODSEQ, even when the store changed nothing.
  std::vector<store::Message> passed;
  if (s.unchanged_since) {
    auto requested = uids_of(pairs);
    std::vector<std::uint32_t> done = changed->failed;
    for (auto& m : changed->changed) done.push_back(m.uid);
    std::sort(done.begin(), done.end());
    std::vector<std::uint32_t> rest;
    std::set_difference(requested.begin(), requested.end(), done.begin(), done.end(), std::back_inserter(rest));
    if (!rest.empty()) {
      auto rows = ctx.deps.mail.list_messages_with_uids(view.ref(), rest);
      if (!rows) return from_error(tag, rows.error());
      passed = std::move(*rows);
    }
  }
  // (message, changed by this STORE), ascending by UID as by sequence number.
  std::vector<std::pair<const store::Message*, bool>> reported;
  for (auto& m : changed->changed) reported.emplace_back(&m, true);
  for (auto& m : passed) reported.emplace_back(&m, false);
  std::sort(reported.begin(), reported.end(), [](auto& a, auto& b) { return a.first->uid < b.first->uid; });
  Reply r;
  r.out = std::move(enabled);
  for (auto& [m, own] : reported) r.out += view.announce(m->keywords);  // before the FETCH that shows it
  for (auto& [m, own] : reported) {
    auto seq = view.seq_of(m->uid);
    // Own changes are never reported back by the next poll (.SILENT asked for none at all).
    if (seq && own) view.reported(m->uid, m->modseq);
    // .SILENT still reports the MODSEQ to CONDSTORE clients (RFC 7162 §3.1.3).
    if (!seq || (s.silent && !ctx.enabled.condstore)) continue;
    r.out += fmt::format("* {} FETCH (", *seq);
    std::string items;
    // UID STORE answers with UIDs (RFC 9051 §6.4.8), and so does every STORE
    // once CONDSTORE is on: this server supports QRESYNC (RFC 7162 §3.2.4).
    if (s.uid || ctx.enabled.condstore) items += fmt::format("UID {}", m->uid);
    if (!s.silent)
      items += (items.empty() ? "" : " ") + std::string("FLAGS ") + view.flags_of(m->uid, m->flags, m->keywords);
    if (ctx.enabled.condstore) items += (items.empty() ? "" : " ") + fmt::format("MODSEQ ({})", m->modseq);
    r.out += items + ")\r\n";
  }
  append_updates(ctx, r, s.uid);
  if (!changed->failed.empty()) {
    std::vector<std::uint32_t> failed;
    if (s.uid) {
      failed = changed->failed;
    } else {
      for (auto uid : changed->failed)
        if (auto seq = view.seq_of(uid)) failed.push_back(*seq);
      std::sort(failed.begin(), failed.end());
    }
    append_tagged(r, tag, "OK", "conditional STORE failed for some messages", "MODIFIED " + compress_set(failed));
  } else {
    append_tagged(r, tag, "OK", "STORE completed");
  }
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Copy& cp) {
  auto& view = *ctx.selected;
  const char* verb = cp.move ? "MOVE" : "COPY";
  if (cp.move && view.read_only()) return tagged_no(tag, "the mailbox is read-only", "READ-ONLY");
  if (!cp.uid && view.out_of_range(cp.set)) return tagged_bad(tag, "message sequence number out of range");
  auto box = target(ctx, cp.mailbox);
  if (!box) {
    if (box.error().kind == ErrorKind::not_found) return tagged_no(tag, box.error().message, "TRYCREATE");
    return from_error(tag, box.error());
  }
  auto uids = uids_of(view.resolve(cp.set, cp.uid, ctx.saved_uids ? &*ctx.saved_uids : nullptr));
  if (uids.empty()) {
    // Nothing matched (e.g. UID COPY of expunged messages): OK, no COPYUID (RFC 4315 §3).
    Reply r;
    append_updates(ctx, r, cp.uid);
    append_tagged(r, tag, "OK", fmt::format("{} completed (no messages)", verb));
    return r;
  }
  // RFC 9208 §4.3.1: a COPY that would put the address over its quota is
  // refused whole. A MOVE stays within the address's one quota root and
  // adds nothing to it, so it is never refused for quota.
  if (!cp.move)
    if (auto refused = refuse_copy_over_quota(ctx, tag, uids)) return *refused;
  auto done = ctx.deps.mail.copy_messages(view.ref(), uids, box->ref(), cp.move);
  if (!done) return from_error(tag, done.error());
  if (done->uids.empty()) {
    // Every named message was expunged by another session meanwhile: UID
    // COPY ignores vanished UIDs (RFC 4315 §3), COPY says so (RFC 2180 §4.4.1).
    Reply r;
    append_updates(ctx, r, cp.uid);
    if (cp.uid)
      append_tagged(r, tag, "OK", fmt::format("{} completed (no messages)", verb));
    else
      append_tagged(r, tag, "NO", "the messages no longer exist", "EXPUNGEISSUED");
    return r;
  }
  publish(ctx, EventKind::message_appended, box->id, done->target_modseq);
  std::vector<std::uint32_t> from, to;
  for (auto& [a, b] : done->uids) {
    from.push_back(a);
    to.push_back(b);
  }
  auto copyuid = fmt::format("COPYUID {} {} {}", done->uidvalidity, compress_set(from), compress_set(to));
  Reply r;
  if (cp.move) {
    publish(ctx, EventKind::message_expunged, view.id(), done->source_modseq);
    // RFC 6851 §4.3: COPYUID in an untagged OK, then the expunges, then the tagged OK.
    r.out += "* OK [" + copyuid + "] moved\r\n";
    r.out += view.forget(done->removed, ctx.enabled.qresync);
    append_updates(ctx, r, true);
    append_tagged(r, tag, "OK", "MOVE completed");
  } else {
    append_updates(ctx, r, cp.uid);
    append_tagged(r, tag, "OK", "COPY completed", copyuid);
  }
  return r;
}

}  // namespace estafeta::imap
