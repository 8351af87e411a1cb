// Mailbox commands: NAMESPACE (RFC 2342), SELECT/EXAMINE, CREATE (with USE,
// RFC 6154 §3), DELETE, RENAME, SUBSCRIBE/UNSUBSCRIBE, LIST/LSUB (with
// CHILDREN and SPECIAL-USE attributes), STATUS (with SIZE, RFC 8438, and
// DELETED-STORAGE, RFC 9208 §4.1.4), CHECK, CLOSE, UNSELECT (RFC 3691).
//
// Security: every mailbox is looked up under the logged-in address, so a
// session can only name its own address's folders. Changing which folder
// holds a special-use role needs the access's "may change special folders"
// permission (DESIGN §2.1).
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

store::Id address_id(const Context& ctx) { return ctx.who->address.id; }

Result<store::Mailbox> find(Context& ctx, const std::string& wire) {
  auto name = stored_name(ctx, wire);
  if (!name) return fail(ErrorKind::invalid, "invalid mailbox name");
  auto box = ctx.deps.store.find_mailbox(address_id(ctx), *name);
  if (!box && box.error().kind == ErrorKind::not_found) return fail(ErrorKind::not_found, "no such mailbox");
  return box;
}

// SUBSCRIBE takes existing folders only (RFC 9051 §6.3.7 allows the
// check); UNSUBSCRIBE any valid name, since a deleted folder stays subscribed.
Result<std::string> subscription_name(Context& ctx, const cmd::Subscribe& s) {
  if (s.subscribe) return TRY(find(ctx, s.mailbox)).name;
  auto name = stored_name(ctx, s.mailbox);
  if (!name) return fail(ErrorKind::invalid, "invalid mailbox name");
  return *name;
}

bool may_change_special(const Context& ctx) { return ctx.who->access.may_change_special_folders; }

// NO [LIMIT] (RFC 5530) when `adding` more folders than the address's
// `existing` would pass limits.max_folders_per_address.
std::optional<Reply> refuse_over_folder_limit(const Context& ctx, const std::string& tag, std::size_t existing,
                                              std::size_t adding) {
  auto limit = ctx.deps.limits.max_folders_per_address;
  if (existing + adding <= limit) return std::nullopt;
  return tagged_no(tag, fmt::format("too many folders (at most {} per address)", limit), "LIMIT");
}

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

// RFC 7162 §3.2.5.1: what changed since the client's modseq, limited to the
// UIDs it knows; expunges as VANISHED (EARLIER), flags as FETCH with UID and
// MODSEQ. The sequence-match data only lets a server send less; it is not
// needed for a correct answer, so the full answer is sent.
Result<std::string> qresync_responses(Context& ctx, SelectedMailbox& v, const cmd::Select::Qresync& q) {
  auto& store = ctx.deps.store;
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

Reply cmd_namespace(Context& ctx, Command& c) {
  Reply r;
  r.out = "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n";
  append_updates(ctx, r, true);
  append_tagged(r, c.tag, "OK", "NAMESPACE completed");
  return r;
}

Reply cmd_select(Context& ctx, Command& c) {
  auto& s = std::get<cmd::Select>(c.args);
  if (s.qresync && !ctx.enabled.qresync) return tagged_bad(c.tag, "QRESYNC needs ENABLE QRESYNC first");
  Reply r;
  // Selecting (even failing to) leaves the selected state (RFC 9051 §6.3.2),
  // announced with [CLOSED] to clients that know it (RFC 7162 §3.2.11).
  if (ctx.selected && (ctx.enabled.qresync || ctx.enabled.rev2)) r.out += "* OK [CLOSED] previous mailbox closed\r\n";
  if (s.condstore) ctx.enabled.condstore = true;
  ctx.selected.reset();
  ctx.saved_uids.reset();
  ctx.state = State::authenticated;
  auto box = find(ctx, s.mailbox);
  if (!box) {
    auto no = from_error(c.tag, box.error());
    no.out = r.out + no.out;
    return no;
  }
  auto view = SelectedMailbox::open(ctx.deps.store, *box, s.read_only);
  if (!view) return from_error(c.tag, view.error());
  auto& v = **view;
  r.out += fmt::format("* {} EXISTS\r\n", v.exists());
  if (!ctx.enabled.rev2) {
    if (auto claimed = v.claim_recent(ctx.deps.store); !claimed) return from_error(c.tag, claimed.error());
    r.out += fmt::format("* {} RECENT\r\n", v.recent_count());
  }
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
    if (!resync) return from_error(c.tag, resync.error());
    r.out += *resync;
  }
  ctx.selected = std::move(*view);
  ctx.state = State::selected;
  append_tagged(r, c.tag, "OK", s.read_only ? "EXAMINE completed" : "SELECT completed",
                s.read_only ? "READ-ONLY" : "READ-WRITE");
  return r;
}

Reply cmd_create(Context& ctx, Command& c) {
  auto& a = std::get<cmd::Create>(c.args);
  auto name = stored_name(ctx, a.mailbox);
  if (!name) return tagged_no(c.tag, "invalid mailbox name", "CANNOT");
  if (*name == "INBOX") return tagged_no(c.tag, "INBOX already exists", "ALREADYEXISTS");
  store::SpecialUse use = store::SpecialUse::none;
  if (a.special_use.size() > 1) return tagged_no(c.tag, "one special use per mailbox", "USEATTR");
  if (!a.special_use.empty()) {
    auto parsed = store::parse_special_use(a.special_use[0]);
    if (!parsed || *parsed == store::SpecialUse::none) return tagged_no(c.tag, "unsupported special use", "USEATTR");
    if (!may_change_special(ctx))
      return tagged_no(c.tag, "you may not change this address's special folders", "NOPERM");
    use = *parsed;
  }
  if (auto problem = folder_name_problem(*name)) return tagged_no(c.tag, *problem, "LIMIT");
  auto& store = ctx.deps.store;
  auto boxes = store.list_mailboxes(address_id(ctx));
  if (!boxes) return from_error(c.tag, boxes.error());
  std::set<std::string> existing;
  for (auto& b : *boxes) existing.insert(b.name);
  // Superior names are created too (RFC 9051 §6.3.4): "a/b/c" makes "a" and
  // "a/b". They count against the address's folders like the folder itself:
  // a CREATE that would pass the limit creates nothing (RFC 5530 LIMIT).
  std::vector<std::string> parents;
  for (auto slash = name->find('/'); slash != std::string::npos; slash = name->find('/', slash + 1))
    if (!existing.contains(name->substr(0, slash))) parents.push_back(name->substr(0, slash));
  // (A name that exists already is refused by the store below, ALREADYEXISTS.)
  std::size_t adding = existing.contains(*name) ? 0 : parents.size() + 1;
  if (auto refused = refuse_over_folder_limit(ctx, c.tag, existing.size(), adding)) return *refused;
  for (auto& parent : parents) {
    auto made = store.create_mailbox(address_id(ctx), parent, store::SpecialUse::none);
    if (!made && made.error().kind != ErrorKind::exists) return from_error(c.tag, made.error());
  }
  auto created = store.create_mailbox(address_id(ctx), *name, store::SpecialUse::none);
  if (!created) return from_error(c.tag, created.error());
  if (use != store::SpecialUse::none) {
    if (auto st = store.set_special_use(created->ref(), use); !st) return from_error(c.tag, st.error());
  }
  Reply r;
  append_updates(ctx, r, true);
  append_tagged(r, c.tag, "OK", "CREATE completed");
  return r;
}

Reply cmd_delete(Context& ctx, Command& c) {
  auto& d = std::get<cmd::Delete>(c.args);
  auto box = find(ctx, d.mailbox);
  if (!box) return from_error(c.tag, box.error());
  if (box->name == "INBOX") return tagged_no(c.tag, "INBOX cannot be deleted", "CANNOT");
  if (box->special_use != store::SpecialUse::none && !may_change_special(ctx))
    return tagged_no(c.tag, "you may not change this address's special folders", "NOPERM");
  if (ctx.selected && ctx.selected->id() == box->id) {
    ctx.selected.reset();
    ctx.state = State::authenticated;
  }
  if (auto st = ctx.deps.store.delete_mailbox(box->ref()); !st) return from_error(c.tag, st.error());
  // Other sessions that have the folder selected end (Session::ended_by).
  Event e{EventKind::mailbox_deleted};
  e.address_id = address_id(ctx);
  e.mailbox_id = box->id;
  ctx.deps.bus.publish(e);
  return tagged_ok(c.tag, "DELETE completed");
}

Reply cmd_rename(Context& ctx, Command& c) {
  auto& n = std::get<cmd::Rename>(c.args);
  auto box = find(ctx, n.from);
  if (!box) return from_error(c.tag, box.error());
  auto to = stored_name(ctx, n.to);
  if (!to) return tagged_no(c.tag, "invalid mailbox name", "CANNOT");
  if (*to == "INBOX") return tagged_no(c.tag, "INBOX already exists", "ALREADYEXISTS");
  if (box->special_use != store::SpecialUse::none && !may_change_special(ctx))
    return tagged_no(c.tag, "you may not change this address's special folders", "NOPERM");
  // The folder's children move with it ("a/x" becomes "to/x"): each new
  // name keeps to the limits on names. Renaming INBOX makes a new folder.
  auto boxes = ctx.deps.store.list_mailboxes(address_id(ctx));
  if (!boxes) return from_error(c.tag, boxes.error());
  for (auto& b : *boxes) {
    bool moves = b.name == box->name || (box->name != "INBOX" && b.name.starts_with(box->name + "/"));
    if (!moves) continue;
    if (auto problem = folder_name_problem(*to + b.name.substr(box->name.size())))
      return tagged_no(c.tag, *problem, "LIMIT");
  }
  if (box->name == "INBOX")
    if (auto refused = refuse_over_folder_limit(ctx, c.tag, boxes->size(), 1)) return *refused;
  if (auto st = ctx.deps.store.rename_mailbox(box->ref(), *to); !st) return from_error(c.tag, st.error());
  // This session's selection follows its own rename (of the folder or of a
  // parent); other sessions that have one of them selected end. (Renaming
  // INBOX moves its messages out: others see them expunged, INBOX stays.)
  if (box->name != "INBOX") {
    if (ctx.selected) {
      auto& name = ctx.selected->mailbox().name;
      if (name == box->name) ctx.selected->renamed(*to);
      else if (name.starts_with(box->name + "/")) ctx.selected->renamed(*to + name.substr(box->name.size()));
    }
    Event e{EventKind::mailbox_renamed};
    e.address_id = address_id(ctx);
    e.mailbox_id = box->id;
    ctx.deps.bus.publish(e);
  }
  Reply r;
  append_updates(ctx, r, true);
  append_tagged(r, c.tag, "OK", "RENAME completed");
  return r;
}

Reply cmd_subscribe(Context& ctx, Command& c) {
  auto& s = std::get<cmd::Subscribe>(c.args);
  auto name = subscription_name(ctx, s);
  if (!name) return from_error(c.tag, name.error());
  if (auto st = ctx.deps.store.set_subscribed(address_id(ctx), *name, s.subscribe); !st)
    return from_error(c.tag, st.error());  // NO [LIMIT] past Store::kMaxSubscriptions
  return tagged_ok(c.tag, s.subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

Reply cmd_list(Context& ctx, Command& c) {
  auto& l = std::get<cmd::List>(c.args);
  const char* verb = l.lsub ? "LSUB" : "LIST";
  // LIST-EXTENDED options (RFC 5258 §3, RFC 6154 §5.1, RFC 5819).
  bool sel_subscribed = false, sel_special = false, recursive = false;
  for (auto& o : l.select_opts) {
    if (o == "SUBSCRIBED") sel_subscribed = true;
    else if (o == "SPECIAL-USE") sel_special = true;
    else if (o == "RECURSIVEMATCH") recursive = true;
    else if (o != "REMOTE") return tagged_bad(c.tag, "unknown LIST selection option " + o);
  }
  if (recursive && !sel_subscribed) return tagged_bad(c.tag, "RECURSIVEMATCH needs another selection option");
  bool ret_subscribed = sel_subscribed, ret_status = false;
  for (auto& o : l.return_opts) {
    if (o == "SUBSCRIBED") ret_subscribed = true;
    else if (o == "STATUS") ret_status = true;
    else if (o != "CHILDREN" && o != "SPECIAL-USE") return tagged_bad(c.tag, "unknown LIST return option " + o);
  }
  Reply r;
  if (l.patterns.size() == 1 && l.patterns[0].empty() && !l.extended) {
    // The hierarchy delimiter and root (RFC 9051 §6.3.9).
    r.out = fmt::format("* {} (\\Noselect) \"/\" \"\"\r\n", verb);
    append_tagged(r, c.tag, "OK", fmt::format("{} completed", verb));
    return r;
  }
  auto boxes = ctx.deps.store.list_mailboxes(address_id(ctx));
  if (!boxes) return from_error(c.tag, boxes.error());
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
    auto subs = ctx.deps.store.subscriptions(address_id(ctx));
    if (!subs) return from_error(c.tag, subs.error());
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
  append_tagged(r, c.tag, "OK", fmt::format("{} completed", verb));
  return r;
}

Reply cmd_status(Context& ctx, Command& c) {
  auto& s = std::get<cmd::Status>(c.args);
  auto box = find(ctx, s.mailbox);
  if (!box) return from_error(c.tag, box.error());
  Reply r;
  r.out = "* STATUS ";
  append_astring(r.out, wire_name(ctx, box->name), ctx.utf8_names());
  r.out += " (" + status_items(ctx, *box, s.items) + ")\r\n";
  append_updates(ctx, r, true);
  append_tagged(r, c.tag, "OK", "STATUS completed");
  return r;
}

Reply cmd_check(Context& ctx, Command& c) {
  Reply r;
  append_updates(ctx, r, true);
  append_tagged(r, c.tag, "OK", "CHECK completed");
  return r;
}

Reply cmd_unselect(Context& ctx, Command& c) {
  ctx.selected.reset();
  ctx.saved_uids.reset();
  ctx.state = State::authenticated;
  return tagged_ok(c.tag, "UNSELECT completed");
}

}  // namespace estafeta::imap
