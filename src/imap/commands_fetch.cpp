// FETCH and UID FETCH (RFC 9051 §6.4.5, §7.5.2; BINARY RFC 3516;
// CHANGEDSINCE RFC 7162 §3.1.4): answered from the stored message rows, the
// envelope and body structure computed at delivery, and byte ranges of the
// stored blob. Fetching a body section without .PEEK sets \Seen.
#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "imap/fetch_render.hpp"
#include "imap/handlers.hpp"
#include "imap/response.hpp"

namespace estafeta::imap {

namespace {

using K = FetchAttr::Kind;

bool needs_info(const FetchAttr& a) {
  return a.kind == K::envelope || a.kind == K::body || a.kind == K::bodystructure || a.kind == K::body_section ||
         a.kind == K::binary || a.kind == K::binary_size || a.kind == K::rfc822_header || a.kind == K::rfc822_text;
}
bool needs_bytes(const FetchAttr& a) {
  return a.kind == K::body_section || a.kind == K::binary || a.kind == K::binary_size || a.kind == K::rfc822 ||
         a.kind == K::rfc822_header || a.kind == K::rfc822_text;
}
bool sets_seen(const FetchAttr& a) {
  return ((a.kind == K::body_section || a.kind == K::binary) && !a.peek) || a.kind == K::rfc822 ||
         a.kind == K::rfc822_text;
}

void append_literal(std::string& out, std::string_view bytes) {
  bool has_nul = bytes.find('\0') != std::string_view::npos;
  out += fmt::format("{}{{{}}}\r\n", has_nul ? "~" : "", bytes.size());
  out += bytes;
}

}  // namespace

Reply cmd_fetch(Context& ctx, Command& c) {
  auto& f = std::get<cmd::Fetch>(c.args);
  auto& view = *ctx.selected;
  auto& store = *ctx.services.store;
  if (!f.uid && view.out_of_range(f.set)) return tagged_bad(c.tag, "message sequence number out of range");
  if (f.vanished && !ctx.enabled.qresync) return tagged_bad(c.tag, "VANISHED needs QRESYNC to be enabled");
  auto attrs = f.attrs;
  bool want_modseq = f.changed_since.has_value() ||
                     std::any_of(attrs.begin(), attrs.end(), [](auto& a) { return a.kind == K::modseq; });
  if (want_modseq) ctx.enabled.condstore = true;  // RFC 7162 §3.1: implicit enabling
  bool info = std::any_of(attrs.begin(), attrs.end(), needs_info);
  bool bytes = std::any_of(attrs.begin(), attrs.end(), needs_bytes);
  bool seen = !view.read_only() && std::any_of(attrs.begin(), attrs.end(), sets_seen);
  bool utf8 = ctx.enabled.utf8;

  auto pairs = view.resolve(f.set, f.uid, ctx.saved_uids ? &*ctx.saved_uids : nullptr);
  // Close together (the usual "next page"): the UID range in one query; a
  // few scattered: one lookup each; many scattered: the whole folder.
  std::vector<store::Message> rows;
  std::uint32_t first = pairs.empty() ? 0 : pairs.front().second, last = pairs.empty() ? 0 : pairs.back().second;
  if (!pairs.empty() && last - first < std::max<std::size_t>(64, 4 * pairs.size())) {
    auto some = store.list_messages_between(view.ref(), first, last);
    if (!some) return from_error(c.tag, some.error());
    rows = std::move(*some);
  } else if (pairs.size() <= 32) {
    for (auto& [seq, uid] : pairs) {
      auto m = store.message(view.ref(), uid);
      if (m) rows.push_back(std::move(*m));
      else if (m.error().kind != ErrorKind::not_found) return from_error(c.tag, m.error());
    }
  } else {
    auto all = store.list_messages(view.ref());
    if (!all) return from_error(c.tag, all.error());
    rows = std::move(*all);
  }
  std::unordered_map<std::uint32_t, const store::Message*> by_uid;
  for (auto& m : rows) by_uid[m.uid] = &m;

  // Implicit \Seen first, so the FLAGS we report are the new ones.
  std::unordered_map<std::uint32_t, store::Message> updated;
  if (seen) {
    std::vector<std::uint32_t> unseen;
    for (auto& [seq, uid] : pairs)
      if (auto it = by_uid.find(uid); it != by_uid.end() && !(it->second->flags & store::flag_seen))
        unseen.push_back(uid);
    if (!unseen.empty()) {
      auto changed = store.store_flags(view.ref(), unseen, store::FlagOp::add, store::flag_seen, {}, std::nullopt);
      if (!changed) return from_error(c.tag, changed.error());
      for (auto& m : changed->changed) {
        updated[m.uid] = m;
        view.reported(m.uid, m.modseq);  // the FETCH below carries the new flags
      }
      Event e{EventKind::flags_changed};
      e.address_id = ctx.who->address.id;
      e.mailbox_id = view.id();
      e.modseq = changed->highestmodseq;
      ctx.services.bus->publish(e);
    }
  }

  Reply r;
  if (f.vanished) {
    // RFC 7162 §3.2.6: UIDs of the set expunged since CHANGEDSINCE.
    auto gone = store.expunged_since(view.ref(), *f.changed_since);
    if (!gone) return from_error(c.tag, gone.error());
    std::vector<std::uint32_t> in_set;
    for (auto uid : *gone)
      if (set_contains(f.set, uid, view.mailbox().uidnext - 1)) in_set.push_back(uid);
    if (!in_set.empty()) r.out += "* VANISHED (EARLIER) " + compress_set(in_set) + "\r\n";
  }
  bool failed = false;
  bool expunged = false;
  for (auto& [seq, uid] : pairs) {
    auto it = by_uid.find(uid);
    if (it == by_uid.end()) {
      // Expunged by another session since the last report: UID FETCH ignores
      // UIDs that no longer exist (RFC 9051 §6.4.8); FETCH by sequence number
      // says so (RFC 2180 §4.1.2, RFC 5530 EXPUNGEISSUED).
      expunged = !f.uid;
      continue;
    }
    const store::Message& m = updated.contains(uid) ? updated[uid] : *it->second;
    if (f.changed_since && m.modseq <= *f.changed_since) continue;
    nlohmann::json envelope, body;
    if (info) {
      auto blob = store.blob_info(m.blob_id);
      if (!blob) return from_error(c.tag, blob.error());
      envelope = nlohmann::json::parse(blob->envelope_json, nullptr, false);
      body = nlohmann::json::parse(blob->bodystructure_json, nullptr, false);
    }
    std::string raw;
    if (bytes) {
      auto got = ctx.services.blobs->get(m.blob_hash);
      if (!got) return from_error(c.tag, got.error());
      raw = std::move(*got);
    }
    std::string items;
    auto item = [&](std::string_view name) -> std::string& {
      if (!items.empty()) items += ' ';
      items += name;
      return items;
    };
    bool flags_done = false, uid_done = false, modseq_done = false;
    if (f.uid) {
      item("UID") += fmt::format(" {}", m.uid);
      uid_done = true;
    }
    for (auto& a : attrs) {
      switch (a.kind) {
        case K::uid:
          if (!uid_done) item("UID") += fmt::format(" {}", m.uid);
          uid_done = true;
          break;
        case K::flags:
          if (!flags_done) item("FLAGS") += " " + flag_list(m.flags, m.keywords);
          flags_done = true;
          break;
        case K::internaldate: item("INTERNALDATE") += " \"" + internal_date(m.internal_date) + "\""; break;
        case K::rfc822_size: item("RFC822.SIZE") += fmt::format(" {}", m.size); break;
        case K::modseq:
          if (!modseq_done) item("MODSEQ") += fmt::format(" ({})", m.modseq);
          modseq_done = true;
          break;
        case K::envelope: item("ENVELOPE") += " " + render_envelope(envelope, utf8); break;
        case K::body: item("BODY") += " " + render_body(body, false, utf8); break;
        case K::bodystructure: item("BODYSTRUCTURE") += " " + render_body(body, true, utf8); break;
        case K::rfc822:
          item("RFC822") += " ";
          append_literal(items, raw);
          break;
        case K::rfc822_header:
        case K::rfc822_text: {
          Section s;
          s.text = a.kind == K::rfc822_header ? Section::Text::header : Section::Text::text;
          auto part = section_bytes(raw, body, s);
          item(a.kind == K::rfc822_header ? "RFC822.HEADER" : "RFC822.TEXT") += " ";
          append_literal(items, part ? *part : std::string());
          break;
        }
        case K::body_section: {
          auto part = section_bytes(raw, body, a.section);
          if (!part && part.error().kind != ErrorKind::not_found) return from_error(c.tag, part.error());
          if (!part) {
            failed = true;
            continue;
          }
          item(fetch_item_name(a)) += " ";
          append_literal(items, apply_partial(std::move(*part), a.partial));
          break;
        }
        case K::binary: {
          auto part = binary_bytes(raw, body, a.section.part);
          if (!part) {
            if (is_unknown_cte(part.error())) return tagged_no(c.tag, "unknown content transfer encoding", "UNKNOWN-CTE");
            failed = true;
            continue;
          }
          item(fetch_item_name(a)) += " ";
          append_literal(items, apply_partial(std::move(*part), a.partial));
          break;
        }
        case K::binary_size: {
          auto size = binary_size(raw, body, a.section.part);
          if (!size) {
            if (is_unknown_cte(size.error())) return tagged_no(c.tag, "unknown content transfer encoding", "UNKNOWN-CTE");
            failed = true;
            continue;
          }
          item(fetch_item_name(a)) += fmt::format(" {}", *size);
          break;
        }
      }
    }
    // Flags changed by the implicit \Seen are reported (RFC 9051 §6.4.5).
    if (!flags_done && updated.contains(uid)) item("FLAGS") += " " + flag_list(m.flags, m.keywords);
    if (want_modseq && !modseq_done) item("MODSEQ") += fmt::format(" ({})", m.modseq);
    r.out += fmt::format("* {} FETCH ({})\r\n", seq, items);
  }
  append_updates(ctx, r, f.uid);
  if (expunged)
    append_tagged(r, c.tag, "NO", "some of the requested messages no longer exist", "EXPUNGEISSUED");
  else if (failed) append_tagged(r, c.tag, "NO", "some of the requested body sections do not exist");
  else append_tagged(r, c.tag, "OK", "FETCH completed");
  return r;
}

}  // namespace estafeta::imap
