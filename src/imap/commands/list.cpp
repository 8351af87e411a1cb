// NAMESPACE (RFC 2342), LIST/LSUB (LIST-EXTENDED RFC 5258, CHILDREN and
// SPECIAL-USE attributes, LIST-STATUS RFC 5819), STATUS (with SIZE, RFC
// 8438, and DELETED-STORAGE, RFC 9208 §4.1.4).
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

std::string status_items(Context& ctx, const store::Mailbox& box, const std::vector<StatusItem>& items) {
  std::string out;
  store::MailboxCounts counts;
  bool need_counts = std::any_of(items.begin(), items.end(), [](auto& i) {
    return i.kind == StatusItem::Kind::messages || i.kind == StatusItem::Kind::unseen ||
           i.kind == StatusItem::Kind::deleted || i.kind == StatusItem::Kind::deleted_storage ||
           i.kind == StatusItem::Kind::size || i.kind == StatusItem::Kind::recent;
  });
  if (need_counts) counts = ctx.deps.store.mailbox_counts(box.ref()).value_or(store::MailboxCounts{});
  for (auto& i : items) {
    if (!out.empty()) out += ' ';
    switch (i.kind) {
      case StatusItem::Kind::messages: out += fmt::format("MESSAGES {}", counts.messages); break;
      case StatusItem::Kind::uidnext: out += fmt::format("UIDNEXT {}", box.uidnext); break;
      case StatusItem::Kind::uidvalidity: out += fmt::format("UIDVALIDITY {}", box.uidvalidity); break;
      case StatusItem::Kind::unseen: out += fmt::format("UNSEEN {}", counts.unseen); break;
      case StatusItem::Kind::deleted: out += fmt::format("DELETED {}", counts.deleted); break;
      // RFC 9208 §4.1.4: the octets an EXPUNGE would free, exactly.
      case StatusItem::Kind::deleted_storage: out += fmt::format("DELETED-STORAGE {}", counts.deleted_size); break;
      case StatusItem::Kind::size: out += fmt::format("SIZE {}", counts.size); break;
      case StatusItem::Kind::highestmodseq: out += fmt::format("HIGHESTMODSEQ {}", box.highestmodseq); break;
      case StatusItem::Kind::recent: out += fmt::format("RECENT {}", counts.recent); break;
    }
  }
  return out;
}

}  // namespace

Reply handle(Context& ctx, const std::string& tag, cmd::Namespace&) {
  Reply r;
  r.out = "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n";
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "NAMESPACE completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::List& l) {
  const char* verb = l.lsub ? "LSUB" : "LIST";
  // LIST-EXTENDED options (RFC 5258 §3, RFC 6154 §5.1, RFC 5819).
  bool sel_subscribed = false, sel_special = false, recursive = false;
  for (auto& o : l.select_opts) {
    if (o == "SUBSCRIBED") sel_subscribed = true;
    else if (o == "SPECIAL-USE") sel_special = true;
    else if (o == "RECURSIVEMATCH") recursive = true;
    else if (o != "REMOTE") return tagged_bad(tag, "unknown LIST selection option " + o);
  }
  if (recursive && !sel_subscribed) return tagged_bad(tag, "RECURSIVEMATCH needs another selection option");
  bool ret_subscribed = sel_subscribed, ret_status = false;
  for (auto& o : l.return_opts) {
    if (o == "SUBSCRIBED") ret_subscribed = true;
    else if (o == "STATUS") ret_status = true;
    else if (o != "CHILDREN" && o != "SPECIAL-USE") return tagged_bad(tag, "unknown LIST return option " + o);
  }
  Reply r;
  if (l.patterns.size() == 1 && l.patterns[0].empty() && !l.extended) {
    // The hierarchy delimiter and root (RFC 9051 §6.3.9).
    r.out = fmt::format("* {} (\\Noselect) \"/\" \"\"\r\n", verb);
    append_tagged(r, tag, "OK", fmt::format("{} completed", verb));
    return r;
  }
  auto boxes = ctx.deps.store.list_mailboxes(ctx.who->address.id);
  if (!boxes) return from_error(tag, boxes.error());
  std::map<std::string, const store::Mailbox*> by_name;
  for (auto& b : *boxes) by_name[b.name] = &b;
  // Names with the parents that exist only as a path ("a" of "a/b").
  auto with_parents = [](std::set<std::string>& into, const std::string& name) {
    into.insert(name);
    for (auto slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1))
      into.insert(name.substr(0, slash));
  };
  std::set<std::string> existing;
  for (auto& b : *boxes) with_parents(existing, b.name);
  // Subscriptions are names that may outlive their folder (RFC 9051
  // §6.3.7): LSUB and LIST (SUBSCRIBED) go through them instead.
  bool by_subscription = l.lsub || sel_subscribed;
  std::set<std::string> subscriptions, names;
  if (by_subscription || ret_subscribed) {
    auto subs = ctx.deps.store.subscriptions(ctx.who->address.id);
    if (!subs) return from_error(tag, subs.error());
    subscriptions.insert(subs->begin(), subs->end());
  }
  if (by_subscription)
    for (auto& name : subscriptions) with_parents(names, name);
  else
    names = existing;
  // The names under "name/" are one contiguous run of a sorted set.
  auto under = [](const std::set<std::string>& set, const std::string& name) {
    auto prefix = name + "/";
    auto first = set.lower_bound(prefix);
    auto last = first;
    while (last != set.end() && last->starts_with(prefix)) ++last;
    return std::pair{first, last};
  };
  auto has_children = [&](const std::string& name) {
    auto [first, last] = under(existing, name);
    return first != last;
  };
  auto subscribed = [&](const std::string& name) { return subscriptions.contains(name); };
  auto subscribed_below = [&](const std::string& name) {
    auto [first, last] = under(names, name);
    return std::any_of(first, last, subscribed);
  };
  // RFC 3501 §6.3.9: LSUB with a pattern ending in "%" also returns the
  // levels it matches that only hold subscribed names, as \Noselect.
  bool lsub_levels = l.lsub && std::any_of(l.patterns.begin(), l.patterns.end(),
                                           [](auto& p) { return p.ends_with('%'); });
  std::vector<std::string> patterns;
  for (auto& p : l.patterns) {
    auto ref = stored_name(ctx, l.reference).value_or(l.reference);
    std::string full = l.reference.empty() ? p : ref + (ref.ends_with('/') || p.starts_with('/') ? "" : "/") + p;
    auto decoded = ctx.utf8_names() ? std::optional<std::string>(full) : mutf7_to_utf8(full);
    if (!decoded) continue;
    if (decoded->size() >= 5 && stored_name(ctx, decoded->substr(0, 5)) == std::optional<std::string>("INBOX") &&
        (decoded->size() == 5 || (*decoded)[5] == '/'))
      decoded->replace(0, 5, "INBOX");
    patterns.push_back(*decoded);
  }
  // In sorted order, so the matcher shares the work on common prefixes.
  ListMatcher matcher(patterns);
  for (auto& name : names) {
    if (!matcher.matches(name)) continue;
    auto it = by_name.find(name);
    const store::Mailbox* box = it == by_name.end() ? nullptr : it->second;
    std::string childinfo;
    bool lsub_level = false;
    if (l.lsub && !subscribed(name)) {
      if (!lsub_levels || !subscribed_below(name)) continue;
      lsub_level = true;
    }
    if (sel_subscribed && !subscribed(name)) {
      // RECURSIVEMATCH: a parent of subscribed names is listed with CHILDINFO
      // (RFC 5258 §3.5).
      if (!recursive || !subscribed_below(name)) continue;
      childinfo = " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
    }
    if (sel_special && (!box || box->special_use == store::SpecialUse::none)) continue;
    std::string attrs;
    auto add = [&](std::string_view a) {
      if (!attrs.empty()) attrs += ' ';
      attrs += a;
    };
    if (!box || lsub_level) add(l.extended ? "\\NonExistent" : "\\Noselect");
    // A name with no folder and none below (a subscription left by a
    // deleted folder) has no children attribute to tell.
    bool children = has_children(name);
    if (!l.lsub && (box || children)) add(children ? "\\HasChildren" : "\\HasNoChildren");
    if (ret_subscribed && subscribed(name)) add("\\Subscribed");
    if (box && box->special_use != store::SpecialUse::none) add(special_attr(box->special_use));
    r.out += fmt::format("* {} ({}) \"/\" ", verb, attrs);
    append_astring(r.out, wire_name(ctx, name), ctx.utf8_names());
    r.out += childinfo + "\r\n";
    if (ret_status && box) {
      r.out += "* STATUS ";
      append_astring(r.out, wire_name(ctx, name), ctx.utf8_names());
      r.out += " (" + status_items(ctx, *box, l.status_items) + ")\r\n";
    }
  }
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", fmt::format("{} completed", verb));
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Status& s) {
  auto box = find_mailbox(ctx, s.mailbox);
  if (!box) return from_error(tag, box.error());
  Reply r;
  r.out = "* STATUS ";
  append_astring(r.out, wire_name(ctx, box->name), ctx.utf8_names());
  r.out += " (" + status_items(ctx, *box, s.items) + ")\r\n";
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "STATUS completed");
  return r;
}

}  // namespace estafeta::imap
