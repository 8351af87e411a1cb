// SELECT and EXAMINE (with CONDSTORE and QRESYNC, RFC 7162 §3.2.5), CHECK,
// UNSELECT (RFC 3691).
//
// Security: every mailbox is looked up under the logged-in address, so a
// session can only name its own address's folders.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "imap/commands/commands.hpp"
#include "imap/proto/mailbox_names.hpp"
#include "imap/proto/response.hpp"
#include "imap/proto/utf7.hpp"

namespace estafeta::imap {

namespace {

std::string_view special_attr(store::SpecialUse u) { return store::to_string(u); }

// RFC 7162 §3.2.5.1: what changed since the client's modseq, limited to the
// UIDs it knows; expunges as VANISHED (EARLIER), flags as FETCH with UID and
// MODSEQ. The sequence-match data only lets a server send less; it is not
// needed for a correct answer, so the full answer is sent.
Result<std::string> qresync_responses(Context& ctx, SelectedMailbox& v, const cmd::Select::Qresync& q) {
  auto& store = ctx.deps.mail;
  std::uint32_t max_uid = v.mailbox().uidnext - 1;
  std::optional<SeqIntervals> known_set;
  if (q.known_uids) known_set.emplace(*q.known_uids, max_uid);
  auto known = [&](std::uint32_t uid) { return known_set ? known_set->contains(uid) : uid <= max_uid; };
  std::string out;
  std::vector<std::uint32_t> vanished;
  for (auto uid : TRY(store.expunged_since(v.ref(), q.modseq)))
    if (known(uid)) vanished.push_back(uid);
  if (!vanished.empty()) out += "* VANISHED (EARLIER) " + compress_set(vanished) + "\r\n";
  for (auto& m : TRY(store.changed_since(v.ref(), q.modseq))) {
    auto seq = v.seq_of(m.uid);
    if (!seq || !known(m.uid) || m.modseq > v.known_modseq()) continue;
    out += fmt::format("* {} FETCH (UID {} FLAGS {} MODSEQ ({}))\r\n", *seq, m.uid,
                       v.flags_of(m.uid, m.flags, m.keywords), m.modseq);
  }
  return out;
}

}  // namespace

Reply handle(Context& ctx, const std::string& tag, cmd::Select& s) {
  if (s.qresync && !ctx.enabled.qresync) return tagged_bad(tag, "QRESYNC needs ENABLE QRESYNC first");
  Reply r;
  // Selecting (even failing to) leaves the selected state (RFC 9051 §6.3.2),
  // announced with [CLOSED] to clients that know it (RFC 7162 §3.2.11).
  if (ctx.selected && (ctx.enabled.qresync || ctx.enabled.rev2)) r.out += "* OK [CLOSED] previous mailbox closed\r\n";
  if (s.condstore) ctx.enabled.condstore = true;
  ctx.selected.reset();
  ctx.saved_uids.reset();
  ctx.state = State::authenticated;
  auto box = find_mailbox(ctx, s.mailbox);
  if (!box) {
    auto no = from_error(tag, box.error());
    no.out = r.out + no.out;
    return no;
  }
  auto view = SelectedMailbox::open(ctx.deps.mail, *box, s.read_only);
  if (!view) return from_error(tag, view.error());
  auto& v = **view;
  r.out += fmt::format("* {} EXISTS\r\n", v.exists());
  if (!ctx.enabled.rev2) {
    if (auto claimed = v.claim_recent(ctx.deps.mail); !claimed) return from_error(tag, claimed.error());
    r.out += fmt::format("* {} RECENT\r\n", v.recent_count());
  }
  // RFC 3501 §6.3.1: IMAP4rev1 requires OK [UNSEEN n], the first message
  // without \Seen (none when all are seen); RFC 9051 removed it.
  if (!ctx.enabled.rev2)
    if (auto unseen = v.first_unseen()) r.out += fmt::format("* OK [UNSEEN {}] first unseen message\r\n", *unseen);
  r.out += fmt::format("* OK [UIDVALIDITY {}] UIDs valid\r\n", v.mailbox().uidvalidity);
  r.out += fmt::format("* OK [UIDNEXT {}] predicted next UID\r\n", v.mailbox().uidnext);
  r.out += v.flags_responses();
  if (ctx.enabled.condstore) r.out += fmt::format("* OK [HIGHESTMODSEQ {}] highest\r\n", v.mailbox().highestmodseq);
  if (ctx.enabled.rev2) {
    // RFC 9051 §6.3.2: the mailbox's LIST response, with its canonical name.
    r.out += "* LIST (";
    if (v.mailbox().special_use != store::SpecialUse::none) r.out += special_attr(v.mailbox().special_use);
    r.out += ") \"/\" ";
    append_astring(r.out, wire_name(ctx, v.mailbox().name), true);
    r.out += "\r\n";
  }
  if (s.qresync && s.qresync->uidvalidity == v.mailbox().uidvalidity) {
    auto resync = qresync_responses(ctx, v, *s.qresync);
    if (!resync) return from_error(tag, resync.error());
    r.out += *resync;
  }
  ctx.selected = std::move(*view);
  ctx.state = State::selected;
  append_tagged(r, tag, "OK", s.read_only ? "EXAMINE completed" : "SELECT completed",
                s.read_only ? "READ-ONLY" : "READ-WRITE");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Check&) {
  Reply r;
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "CHECK completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Unselect&) {
  ctx.selected.reset();
  ctx.saved_uids.reset();
  ctx.state = State::authenticated;
  return tagged_ok(tag, "UNSELECT completed");
}

}  // namespace estafeta::imap
