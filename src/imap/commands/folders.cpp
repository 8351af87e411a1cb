// Folder commands: CREATE (with USE, RFC 6154 §3), DELETE, RENAME,
// SUBSCRIBE/UNSUBSCRIBE.
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

// As the permission stands now, not as it stood at login: an administrator
// may have taken it back since.
bool may_change_special(const Context& ctx) {
  auto access = ctx.deps.accounts.find_access(ctx.who->address.id, ctx.who->user.id);
  return access && access->may_change_special_folders;
}

// The superior names of `name` that are not folders yet ("a/b/c" needs
// "a" and "a/b"), outermost first.
std::vector<std::string> missing_parents(const std::string& name, const std::set<std::string>& existing) {
  std::vector<std::string> parents;
  for (auto slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1))
    if (!existing.contains(name.substr(0, slash))) parents.push_back(name.substr(0, slash));
  return parents;
}

// Creates them; one made meanwhile by another session is as good.
Status create_parents(Context& ctx, const std::vector<std::string>& parents) {
  for (auto& parent : parents) {
    auto made = ctx.deps.mail.create_mailbox(ctx.who->address.id, parent, store::SpecialUse::none);
    if (!made && made.error().kind != ErrorKind::exists) return std::unexpected(made.error());
  }
  return {};
}

// NO [LIMIT] (RFC 5530) when `adding` more folders than the address's
// `existing` would pass limits.max_folders_per_address.
std::optional<Reply> refuse_over_folder_limit(const Context& ctx, const std::string& tag, std::size_t existing,
                                              std::size_t adding) {
  auto limit = ctx.deps.limits.max_folders_per_address;
  if (existing + adding <= limit) return std::nullopt;
  return tagged_no(tag, fmt::format("too many folders (at most {} per address)", limit), "LIMIT");
}

// SUBSCRIBE takes existing folders only (RFC 9051 §6.3.7 allows the
// check); UNSUBSCRIBE any valid name, since a deleted folder stays subscribed.
Result<std::string> subscription_name(Context& ctx, const cmd::Subscribe& s) {
  if (s.subscribe) return TRY(find_mailbox(ctx, s.mailbox)).name;
  auto name = stored_name(ctx, s.mailbox);
  if (!name) return fail(ErrorKind::invalid, "invalid mailbox name");
  return *name;
}

}  // namespace

Reply handle(Context& ctx, const std::string& tag, cmd::Create& a) {
  auto name = stored_name(ctx, a.mailbox);
  if (!name) return tagged_no(tag, "invalid mailbox name", "CANNOT");
  if (*name == "INBOX") return tagged_no(tag, "INBOX already exists", "ALREADYEXISTS");
  store::SpecialUse use = store::SpecialUse::none;
  if (a.special_use.size() > 1) return tagged_no(tag, "one special use per mailbox", "USEATTR");
  if (!a.special_use.empty()) {
    auto parsed = store::parse_special_use(a.special_use[0]);
    if (!parsed || *parsed == store::SpecialUse::none) return tagged_no(tag, "unsupported special use", "USEATTR");
    if (!may_change_special(ctx)) return tagged_no(tag, "you may not change this address's special folders", "NOPERM");
    use = *parsed;
  }
  if (auto problem = folder_name_problem(*name)) return tagged_no(tag, *problem, "LIMIT");
  auto& store = ctx.deps.mail;
  auto boxes = store.list_mailboxes(ctx.who->address.id);
  if (!boxes) return from_error(tag, boxes.error());
  std::set<std::string> existing;
  for (auto& b : *boxes) existing.insert(b.name);
  // Superior names are created too (RFC 9051 §6.3.4): "a/b/c" makes "a" and
  // "a/b". They count against the address's folders like the folder itself:
  // a CREATE that would pass the limit creates nothing (RFC 5530 LIMIT).
  auto parents = missing_parents(*name, existing);
  // (A name that exists already is refused by the store below, ALREADYEXISTS.)
  std::size_t adding = existing.contains(*name) ? 0 : parents.size() + 1;
  if (auto refused = refuse_over_folder_limit(ctx, tag, existing.size(), adding)) return *refused;
  if (auto made = create_parents(ctx, parents); !made) return from_error(tag, made.error());
  auto created = store.create_mailbox(ctx.who->address.id, *name, store::SpecialUse::none);
  if (!created) return from_error(tag, created.error());
  if (use != store::SpecialUse::none) {
    if (auto st = store.set_special_use(created->ref(), use); !st) return from_error(tag, st.error());
  }
  Reply r;
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "CREATE completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Delete& d) {
  auto box = find_mailbox(ctx, d.mailbox);
  if (!box) return from_error(tag, box.error());
  if (box->name == "INBOX") return tagged_no(tag, "INBOX cannot be deleted", "CANNOT");
  if (box->special_use != store::SpecialUse::none && !may_change_special(ctx))
    return tagged_no(tag, "you may not change this address's special folders", "NOPERM");
  if (ctx.selected && ctx.selected->id() == box->id) {
    ctx.selected.reset();
    ctx.state = State::authenticated;
  }
  if (auto st = ctx.deps.mail.delete_mailbox(box->ref()); !st) return from_error(tag, st.error());
  // Other sessions that have the folder selected end (Session::ended_by).
  Event e{EventKind::mailbox_deleted};
  e.address_id = ctx.who->address.id;
  e.mailbox_id = box->id;
  ctx.deps.bus.publish(e);
  return tagged_ok(tag, "DELETE completed");
}

Reply handle(Context& ctx, const std::string& tag, cmd::Rename& n) {
  auto box = find_mailbox(ctx, n.from);
  if (!box) return from_error(tag, box.error());
  auto to = stored_name(ctx, n.to);
  if (!to) return tagged_no(tag, "invalid mailbox name", "CANNOT");
  if (*to == "INBOX") return tagged_no(tag, "INBOX already exists", "ALREADYEXISTS");
  if (box->special_use != store::SpecialUse::none && !may_change_special(ctx))
    return tagged_no(tag, "you may not change this address's special folders", "NOPERM");
  // The folder's children move with it ("a/x" becomes "to/x"): each new
  // name keeps to the limits on names. Renaming INBOX makes a new folder.
  auto boxes = ctx.deps.mail.list_mailboxes(ctx.who->address.id);
  if (!boxes) return from_error(tag, boxes.error());
  std::set<std::string> existing;
  for (auto& b : *boxes) existing.insert(b.name);
  // RFC 9051 §6.3.6: "the server SHOULD create any superior hierarchical
  // names that are needed", as CREATE does (§6.3.4); counted against the
  // address's folders with the new one INBOX's rename makes. (None of them
  // moves: a folder cannot be moved below itself.)
  auto parents = missing_parents(*to, existing);
  for (auto& b : *boxes) {
    bool moves = b.name == box->name || (box->name != "INBOX" && b.name.starts_with(box->name + "/"));
    if (!moves) continue;
    if (b.special_use != store::SpecialUse::none && !may_change_special(ctx))  // a special folder below moves too
      return tagged_no(tag, "you may not change this address's special folders", "NOPERM");
    if (auto problem = folder_name_problem(*to + b.name.substr(box->name.size())))
      return tagged_no(tag, *problem, "LIMIT");
  }
  std::size_t adding = parents.size() + (box->name == "INBOX" ? 1 : 0);
  if (adding > 0)
    if (auto refused = refuse_over_folder_limit(ctx, tag, boxes->size(), adding)) return *refused;
  if (auto st = ctx.deps.mail.rename_mailbox(box->ref(), *to); !st) return from_error(tag, st.error());
  // This session's selection follows its own rename (of the folder or of a
  // parent); other sessions that have one of them selected end. (Renaming
  // INBOX moves its messages out: others see them expunged, INBOX stays.)
  if (box->name != "INBOX") {
    if (ctx.selected) {
      auto& name = ctx.selected->mailbox().name;
      if (name == box->name)
        ctx.selected->renamed(*to);
      else if (name.starts_with(box->name + "/"))
        ctx.selected->renamed(*to + name.substr(box->name.size()));
    }
    Event e{EventKind::mailbox_renamed};
    e.address_id = ctx.who->address.id;
    e.mailbox_id = box->id;
    ctx.deps.bus.publish(e);
  }
  // After the rename (and what follows from it), so a refused one leaves no
  // new folders behind.
  if (auto made = create_parents(ctx, parents); !made) return from_error(tag, made.error());
  Reply r;
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "RENAME completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Subscribe& s) {
  auto name = subscription_name(ctx, s);
  if (!name) return from_error(tag, name.error());
  if (auto st = ctx.deps.mail.set_subscribed(ctx.who->address.id, *name, s.subscribe); !st)
    return from_error(tag, st.error());  // NO [LIMIT] past Store::kMaxSubscriptions
  return tagged_ok(tag, s.subscribe ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

}  // namespace estafeta::imap
