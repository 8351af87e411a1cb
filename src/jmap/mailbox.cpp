// Mailbox/get, /changes, /query, /queryChanges and /set (RFC 8621 §2) on
// the address's folders. A folder's JMAP name is the last segment of its
// stored name ('/' separated); its parent is the folder named by the rest.
#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "jmap/method.hpp"

namespace estafeta::jmap {

namespace {

using store::SpecialUse;

const std::vector<std::string_view> kProperties = {
    "id",           "name",         "parentId",      "role",     "sortOrder",   "totalEmails",
    "unreadEmails", "totalThreads", "unreadThreads", "myRights", "isSubscribed"};

std::string_view leaf(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? std::string_view(name) : std::string_view(name).substr(slash + 1);
}

std::string parent_name(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

bool is_inbox(const store::Mailbox& m) { return m.name == "INBOX"; }

// RFC 8621 §2 roles (the IANA registry of RFC 8457), from RFC 6154 uses.
json role_of(const store::Mailbox& m) {
  if (is_inbox(m)) return "inbox";
  switch (m.special_use) {
    case SpecialUse::none: return nullptr;
    case SpecialUse::drafts: return "drafts";
    case SpecialUse::sent: return "sent";
    case SpecialUse::trash: return "trash";
    case SpecialUse::archive: return "archive";
    case SpecialUse::junk: return "junk";
    case SpecialUse::all: return "all";
    case SpecialUse::flagged: return "flagged";
  }
  return nullptr;
}

std::optional<SpecialUse> parse_role(const json& v) {
  if (v.is_null()) return SpecialUse::none;
  if (!v.is_string()) return std::nullopt;
  auto r = v.get<std::string>();
  if (r == "inbox") return std::nullopt;  // INBOX is the one named so
  return store::parse_special_use(r);
}

// A sortOrder a client sends: an UnsignedInt (RFC 8620 §1.3) that the
// store's 32 bits hold.
std::optional<std::uint32_t> sort_order_value(const json& v) {
  if (!v.is_number_integer()) return std::nullopt;
  auto n = v.get<std::int64_t>();
  if (n < 0 || n > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  return static_cast<std::uint32_t>(n);
}

// The order a user set; else special folders first, in the order the web
// app lists them.
std::int64_t sort_order(const store::Mailbox& m) {
  if (m.sort_order) return *m.sort_order;
  if (is_inbox(m)) return 1;
  switch (m.special_use) {
    case SpecialUse::drafts: return 2;
    case SpecialUse::sent: return 3;
    case SpecialUse::archive: return 4;
    case SpecialUse::junk: return 5;
    case SpecialUse::trash: return 6;
    case SpecialUse::all: return 7;
    case SpecialUse::flagged: return 8;
    case SpecialUse::none: return 10;
  }
  return 10;
}

bool is_special(const store::Mailbox& m) { return is_inbox(m) || m.special_use != SpecialUse::none; }

json rights(const Account& a, const store::Mailbox& m) {
  bool may_change = !is_special(m) || a.access.may_change_special_folders;
  return {{"mayReadItems", true},
          {"mayAddItems", true},
          {"mayRemoveItems", true},
          {"maySetSeen", true},
          {"maySetKeywords", true},
          {"mayCreateChild", true},
          {"mayRename", may_change && !is_inbox(m)},
          {"mayDelete", may_change && !is_inbox(m)},
          {"maySubmit", true}};
}

struct Folders {
  std::vector<store::MailboxSummary> all;
  std::map<std::string, const store::MailboxSummary*> by_name;

  const store::MailboxSummary* by_id(store::Id id) const {
    for (auto& s : all)
      if (s.mailbox.id == id) return &s;
    return nullptr;
  }
  // Whether a special folder lies below `name` (it moves when `name` does).
  bool special_below(const std::string& name) const {
    return std::any_of(all.begin(), all.end(), [&](const store::MailboxSummary& s) {
      return s.mailbox.special_use != store::SpecialUse::none && s.mailbox.name.starts_with(name + "/");
    });
  }
  json parent_id(const store::Mailbox& m) const {
    auto p = by_name.find(parent_name(m.name));
    return p == by_name.end() ? json(nullptr) : json(mailbox_id(p->second->mailbox.id));
  }
};

Out<Folders> load(const Call& call, const Account& a) {
  Folders f;
  f.all = TRY(call.deps.store.mailbox_summaries(a.address.id));
  for (auto& s : f.all) f.by_name[s.mailbox.name] = &s;
  return f;
}

json to_json(const Account& a, const Folders& f, const store::MailboxSummary& s,
             const std::optional<std::vector<std::string>>& props) {
  auto& m = s.mailbox;
  json all = {{"id", mailbox_id(m.id)},
              {"name", std::string(leaf(m.name))},
              {"parentId", f.parent_id(m)},
              {"role", role_of(m)},
              {"sortOrder", sort_order(m)},
              {"totalEmails", s.total_emails},
              {"unreadEmails", s.unread_emails},
              {"totalThreads", s.total_threads},
              {"unreadThreads", s.unread_threads},
              {"myRights", rights(a, m)},
              {"isSubscribed", s.subscribed}};
  return pick(all, props);
}

// A creation id reference ("#k") or a mailbox id, to the folder's id.
std::optional<store::Id> resolve_mailbox(const Call& call, const std::string& id) {
  if (id.starts_with("#")) {
    auto it = call.created_ids.find(id.substr(1));
    if (it == call.created_ids.end()) return std::nullopt;
    return parse_id(it->second, 'm');
  }
  return parse_id(id, 'm');
}

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 255 || name.find('/') != std::string::npos) return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// The stored name for `name` under `parent` (nullopt: top level).
Out<std::string> full_name(const Call& call, const Folders& f, const json& parent, const std::string& name) {
  if (parent.is_null()) return name;
  if (!parent.is_string()) return std::unexpected(MethodError("invalidProperties", "parentId"));
  auto id = resolve_mailbox(call, parent.get<std::string>());
  const store::MailboxSummary* p = id ? f.by_id(*id) : nullptr;
  if (!p) return std::unexpected(MethodError("invalidProperties", "parentId names no mailbox of this account"));
  return p->mailbox.name + "/" + name;
}

// Whether the folder meets a Mailbox/query filter (RFC 8621 §2.3).
Out<bool> matches(const Folders& f, const store::MailboxSummary& s, const json& cond) {
  if (cond.contains("operator")) {
    if (!cond["operator"].is_string() || !cond.contains("conditions") || !cond["conditions"].is_array())
      return invalid_arguments("a FilterOperator has an operator and conditions");
    auto op = cond["operator"].get<std::string>();
    if (op != "AND" && op != "OR" && op != "NOT") return std::unexpected(MethodError("unsupportedFilter", op));
    bool any = false, all = true;
    for (auto& c : cond["conditions"]) {
      if (!c.is_object()) return invalid_arguments("conditions are objects");
      bool m = TRY(matches(f, s, c));
      any = any || m;
      all = all && m;
    }
    return op == "AND" ? all : op == "OR" ? any : !any;
  }
  for (auto& [k, v] : cond.items()) {
    auto& m = s.mailbox;
    if (k == "parentId") {
      if (!(v.is_null() || v.is_string())) return invalid_arguments("parentId");
      if (f.parent_id(m) != v) return false;
    } else if (k == "name") {
      if (!v.is_string()) return invalid_arguments("name");
      auto want = v.get<std::string>();
      std::string have(leaf(m.name));
      auto lower = [](std::string x) {
        for (auto& c : x) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return x;
      };
      if (lower(have).find(lower(want)) == std::string::npos) return false;
    } else if (k == "role") {
      if (!(v.is_null() || v.is_string())) return invalid_arguments("role");
      if (role_of(m) != v) return false;
    } else if (k == "hasAnyRole") {
      if (!v.is_boolean()) return invalid_arguments("hasAnyRole");
      if (role_of(m).is_null() == v.get<bool>()) return false;
    } else if (k == "isSubscribed") {
      if (!v.is_boolean()) return invalid_arguments("isSubscribed");
      if (s.subscribed != v.get<bool>()) return false;
    } else {
      return std::unexpected(MethodError("unsupportedFilter", fmt::format("unknown filter property '{}'", k)));
    }
  }
  return true;
}

}  // namespace

Out<json> mailbox_get(Call& call) {
  TRY(only_known(call.args, {"accountId", "ids", "properties"}));
  auto* a = TRY(call.account());
  auto ids = TRY(id_list(call.args, "ids"));
  auto props = TRY(properties(call.args, "properties", kProperties));
  if (ids && ids->size() > call.deps.limits.max_objects_in_get)
    return std::unexpected(MethodError("requestTooLarge", "more ids than maxObjectsInGet"));
  auto st = TRY(account_state(call, *a));
  auto f = TRY(load(call, *a));
  json list = json::array(), not_found = json::array();
  if (!ids) {
    for (auto& s : f.all) list.push_back(to_json(*a, f, s, props));
  } else {
    for (auto& id : *ids) {
      auto n = resolve_mailbox(call, id);
      auto* s = n ? f.by_id(*n) : nullptr;
      if (s)
        list.push_back(to_json(*a, f, *s, props));
      else
        not_found.push_back(id);
    }
  }
  return json{{"accountId", account_id(a->address.id)}, {"state", st}, {"list", list}, {"notFound", not_found}};
}

Out<json> mailbox_changes(Call& call) {
  auto* a = TRY(call.account());
  auto args = TRY(changes_args(call));
  auto c = call.deps.store.mailbox_changes(a->address.id, args.since, args.max);
  if (!c) return std::unexpected(cannot_calculate());
  auto out = changes_response(account_id(a->address.id), call.args["sinceState"].get<std::string>(), *c, &mailbox_id);
  out["updatedProperties"] =
      c->counts_only ? json{"totalEmails", "unreadEmails", "totalThreads", "unreadThreads"} : json(nullptr);
  return out;
}

Out<json> mailbox_query(Call& call) {
  TRY(only_known(call.args, {"accountId", "filter", "sort", "position", "anchor", "anchorOffset", "limit",
                             "calculateTotal", "sortAsTree", "filterAsTree"}));
  auto* a = TRY(call.account());
  auto st = TRY(account_state(call, *a));
  auto f = TRY(load(call, *a));
  const json filter = call.args.value("filter", json(nullptr));
  if (!filter.is_null() && !filter.is_object()) return invalid_arguments("filter must be an object or null");
  bool as_tree = TRY(bool_arg(call.args, "filterAsTree", false));
  std::vector<const store::MailboxSummary*> found;
  for (auto& s : f.all) {
    bool ok = filter.is_null() || TRY(matches(f, s, filter));
    if (ok) found.push_back(&s);
  }
  // RFC 8621 §2.3 filterAsTree: a mailbox is in only when all its
  // ancestors are.
  if (as_tree && !filter.is_null()) {
    std::set<std::string> in;
    for (auto* s : found) in.insert(s->mailbox.name);
    std::erase_if(found, [&](const store::MailboxSummary* s) {
      for (auto name = parent_name(s->mailbox.name); !name.empty(); name = parent_name(name))
        if (f.by_name.contains(name) && !in.contains(name)) return true;
      return false;
    });
  }
  // Sort: by sortOrder then name (the default and the only orders offered).
  const json sort = call.args.value("sort", json(nullptr));
  bool by_name_only = false, ascending = true;
  if (!sort.is_null()) {
    if (!sort.is_array()) return invalid_arguments("sort must be a list");
    for (auto& c : sort) {
      if (!c.is_object() || !c.contains("property") || !c["property"].is_string())
        return invalid_arguments("a Comparator has a property");
      if (c.contains("isAscending") && !c["isAscending"].is_boolean())
        return invalid_arguments("a Comparator's isAscending is true or false");
      auto p = c["property"].get<std::string>();
      if (p != "sortOrder" && p != "name") return std::unexpected(MethodError("unsupportedSort", p));
      if (&c == &sort.front()) {
        by_name_only = p == "name";
        ascending = c.value("isAscending", true);
      }
    }
  }
  std::stable_sort(found.begin(), found.end(), [&](auto* x, auto* y) {
    auto kx = std::make_pair(by_name_only ? 0 : sort_order(x->mailbox), x->mailbox.name);
    auto ky = std::make_pair(by_name_only ? 0 : sort_order(y->mailbox), y->mailbox.name);
    return ascending ? kx < ky : ky < kx;
  });
  if (TRY(bool_arg(call.args, "sortAsTree", false))) {
    // Parents before their children, siblings in the order above.
    std::vector<const store::MailboxSummary*> tree;
    auto add = [&](const json& parent, auto& self) -> void {
      for (auto* s : found)
        if (f.parent_id(s->mailbox) == parent) {
          tree.push_back(s);
          self(json(mailbox_id(s->mailbox.id)), self);
        }
    };
    add(json(nullptr), add);
    for (auto* s : found)  // orphans of the filter
      if (std::find(tree.begin(), tree.end(), s) == tree.end()) tree.push_back(s);
    found = std::move(tree);
  }
  auto position = TRY(int_arg(call.args, "position", true)).value_or(0);
  auto limit = TRY(int_arg(call.args, "limit"));
  auto total = static_cast<std::int64_t>(found.size());
  if (position < 0) position = std::max<std::int64_t>(0, total + position);
  if (call.args.contains("anchor") && !call.args["anchor"].is_null()) {
    auto anchor = call.args["anchor"];
    auto it = std::find_if(found.begin(), found.end(), [&](auto* s) { return anchor == mailbox_id(s->mailbox.id); });
    if (it == found.end()) return std::unexpected(MethodError("anchorNotFound"));
    auto offset = TRY(int_arg(call.args, "anchorOffset", true)).value_or(0);
    position = std::max<std::int64_t>(0, (it - found.begin()) + offset);
  }
  json ids = json::array();
  for (auto i = position; i < total && (!limit || static_cast<std::int64_t>(ids.size()) < *limit); ++i)
    ids.push_back(mailbox_id(found[static_cast<std::size_t>(i)]->mailbox.id));
  json out = {{"accountId", account_id(a->address.id)},
              {"queryState", st},
              {"canCalculateChanges", false},
              {"position", position},
              {"ids", ids}};
  if (TRY(bool_arg(call.args, "calculateTotal", false))) out["total"] = total;
  return out;
}

Out<json> mailbox_query_changes(Call& call) {
  TRY(call.account());
  return std::unexpected(cannot_calculate());
}

Out<json> mailbox_set(Call& call) {
  auto args = TRY(set_args(call, "mailboxes", {"onDestroyRemoveEmails"}));
  auto* a = args.account;
  auto& store = call.deps.store;
  const auto address = a->address.id;
  const auto& old_state = args.old_state;
  const json& create = args.create;
  const json& update = args.update;
  const auto& destroy = args.destroy;
  bool remove_emails = TRY(bool_arg(call.args, "onDestroyRemoveEmails", false));

  json created = json::object(), updated = json::object(), destroyed = json::array();
  json not_created = json::object(), not_updated = json::object(), not_destroyed = json::object();

  // Creations in an order where a parent made in this call ("#k") comes
  // before its children (the map's own order is by creation id).
  std::vector<std::string> order, pending;
  for (auto& [cid, props] : create.items()) pending.push_back(cid);
  while (!pending.empty()) {
    std::vector<std::string> later;
    for (auto& cid : pending) {
      auto& props = create[cid];
      bool waits = props.is_object() && props.contains("parentId") && props["parentId"].is_string() &&
                   props["parentId"].get<std::string>().starts_with("#") &&
                   create.contains(props["parentId"].get<std::string>().substr(1)) &&
                   std::find(order.begin(), order.end(), props["parentId"].get<std::string>().substr(1)) == order.end();
      (waits ? later : order).push_back(cid);
    }
    if (later.size() == pending.size()) {  // a cycle: left to fail on their parentId
      order.insert(order.end(), later.begin(), later.end());
      break;
    }
    pending = std::move(later);
  }
  for (auto& cid : order) {
    auto& props = create[cid];
    auto f = TRY(load(call, *a));
    if (!props.is_object()) {
      not_created[cid] = set_error("invalidProperties", "a Mailbox is an object");
      continue;
    }
    std::string bad;
    for (auto& [k, v] : props.items())
      if (k != "name" && k != "parentId" && k != "role" && k != "isSubscribed" && k != "sortOrder") bad = k;
    if (!bad.empty() || !props.contains("name") || !props["name"].is_string() ||
        !valid_name(props["name"].get<std::string>())) {
      not_created[cid] = set_error("invalidProperties", "a mailbox needs a name (no '/', no control characters)",
                                   json::array({bad.empty() ? "name" : bad}));
      continue;
    }
    auto name = full_name(call, f, props.value("parentId", json(nullptr)), props["name"].get<std::string>());
    if (!name) {
      not_created[cid] = set_error("invalidProperties", name.error().description, json::array({"parentId"}));
      continue;
    }
    if (props.contains("sortOrder") && !sort_order_value(props["sortOrder"])) {
      not_created[cid] = set_error("invalidProperties", "sortOrder is an unsigned integer", json::array({"sortOrder"}));
      continue;
    }
    if (props.contains("isSubscribed") && !props["isSubscribed"].is_boolean()) {
      not_created[cid] = set_error("invalidProperties", "isSubscribed is true or false", json::array({"isSubscribed"}));
      continue;
    }
    auto role = parse_role(props.value("role", json(nullptr)));
    if (!role) {
      not_created[cid] = set_error("invalidProperties", "unknown role", json::array({"role"}));
      continue;
    }
    if (*role != SpecialUse::none && !a->access.may_change_special_folders) {
      not_created[cid] = set_error("forbidden", "this access may not change special folders");
      continue;
    }
    auto made = store.create_mailbox(address, *name, *role);
    if (!made) {
      not_created[cid] = made.error().kind == ErrorKind::exists ? set_error("alreadyExists", made.error().message)
                                                                : set_error("invalidProperties", made.error().message);
      // RFC 8620 §5.4: alreadyExists names the record there is.
      if (auto there = store.find_mailbox(address, *name)) not_created[cid]["existingId"] = mailbox_id(there->id);
      continue;
    }
    if (!props.value("isSubscribed", true)) (void)store.set_subscribed(address, *name, false);
    if (*role != SpecialUse::none) (void)store.set_special_use(made->ref(), *role);
    if (props.contains("sortOrder")) {
      auto order = sort_order_value(props["sortOrder"]);
      if (order) {
        (void)store.set_sort_order(made->ref(), *order);
        made->sort_order = *order;
      }
    }
    announce(call, EventKind::mailbox_changed, address, made->id);
    call.created_ids[cid] = mailbox_id(made->id);
    created[cid] = {{"id", mailbox_id(made->id)},
                    {"sortOrder", sort_order(*made)},
                    {"totalEmails", 0},
                    {"unreadEmails", 0},
                    {"totalThreads", 0},
                    {"unreadThreads", 0},
                    {"myRights", rights(*a, *made)},
                    {"isSubscribed", props.value("isSubscribed", true)}};
  }

  for (auto& [id, patch] : update.items()) {
    auto f = TRY(load(call, *a));
    auto n = resolve_mailbox(call, id);
    auto* s = n ? f.by_id(*n) : nullptr;
    if (!s) {
      not_updated[id] = set_error("notFound", "no such mailbox");
      continue;
    }
    if (!patch.is_object()) {
      not_updated[id] = set_error("invalidProperties", "a patch is an object");
      continue;
    }
    auto m = s->mailbox;
    std::string new_name = m.name;
    std::optional<SpecialUse> new_role;
    std::optional<std::uint32_t> new_order;
    std::optional<bool> subscribe;
    json bad = json::array();
    for (auto& [k, v] : patch.items()) {
      if (k == "name") {
        if (!v.is_string() || !valid_name(v.get<std::string>()))
          bad.push_back(k);
        else
          new_name = (parent_name(new_name).empty() ? "" : parent_name(new_name) + "/") + v.get<std::string>();
      } else if (k == "parentId") {
        auto under = full_name(call, f, v, std::string(leaf(m.name)));
        if (!under)
          bad.push_back(k);
        else
          new_name = *under;
      } else if (k == "role") {
        auto r = parse_role(v);
        if (!r) bad.push_back(k);
        new_role = r;
      } else if (k == "isSubscribed") {
        if (!v.is_boolean())
          bad.push_back(k);
        else
          subscribe = v.get<bool>();
      } else if (k == "sortOrder") {
        if (auto order = sort_order_value(v))
          new_order = *order;
        else
          bad.push_back(k);
      } else {
        bad.push_back(k);
      }
    }
    // A name patch and a parentId patch together: the leaf of one, the parent of the other.
    if (patch.contains("name") && patch.contains("parentId") && bad.empty()) {
      auto under = full_name(call, f, patch["parentId"], patch["name"].get<std::string>());
      if (under) new_name = *under;
    }
    if (!bad.empty()) {
      not_updated[id] = set_error("invalidProperties", "these properties cannot be set so", bad);
      continue;
    }
    bool renames = new_name != m.name;
    bool changes_role = new_role && *new_role != m.special_use;
    bool moves_special = renames && (is_special(m) || f.special_below(m.name));
    if ((renames || changes_role) &&
        (is_inbox(m) || ((moves_special || changes_role) && !a->access.may_change_special_folders))) {
      not_updated[id] = set_error(
          "forbidden", is_inbox(m) ? "INBOX keeps its name and role" : "this access may not change special folders");
      continue;
    }
    if (renames && new_name.starts_with(m.name + "/")) {
      not_updated[id] = set_error("invalidProperties", "a mailbox cannot move under itself", json::array({"parentId"}));
      continue;
    }
    if (renames) {
      auto r = store.rename_mailbox(m.ref(), new_name);
      if (!r) {
        not_updated[id] = r.error().kind == ErrorKind::exists ? set_error("alreadyExists", r.error().message)
                                                              : set_error("invalidProperties", r.error().message);
        continue;
      }
    }
    if (changes_role) TRY(store.set_special_use(m.ref(), *new_role));
    if (new_order && static_cast<std::int64_t>(*new_order) != sort_order(m))
      TRY(store.set_sort_order(m.ref(), *new_order));
    if (subscribe && *subscribe != s->subscribed) TRY(store.set_subscribed(address, new_name, *subscribe));
    // IMAP sessions that have a renamed folder selected end, as after RENAME.
    announce(call, renames ? EventKind::mailbox_renamed : EventKind::mailbox_changed, address, m.id);
    updated[id] = nullptr;
  }

  for (auto& id : destroy) {
    auto f = TRY(load(call, *a));
    auto n = resolve_mailbox(call, id);
    auto* s = n ? f.by_id(*n) : nullptr;
    if (!s) {
      not_destroyed[id] = set_error("notFound", "no such mailbox");
      continue;
    }
    auto& m = s->mailbox;
    if (is_inbox(m) || (is_special(m) && !a->access.may_change_special_folders)) {
      not_destroyed[id] = set_error(
          "forbidden", is_inbox(m) ? "INBOX cannot be destroyed" : "this access may not change special folders");
      continue;
    }
    bool has_child = false;
    for (auto& o : f.all) has_child = has_child || o.mailbox.name.starts_with(m.name + "/");
    if (has_child) {
      not_destroyed[id] = set_error("mailboxHasChild", "destroy or move its child mailboxes first");
      continue;
    }
    if (s->total_emails > 0 && !remove_emails) {
      not_destroyed[id] = set_error("mailboxHasEmail", "the mailbox holds emails (onDestroyRemoveEmails)");
      continue;
    }
    TRY(store.delete_mailbox(m.ref()));
    (void)store.set_subscribed(address, m.name, false);
    announce(call, EventKind::mailbox_deleted, address, m.id);
    destroyed.push_back(id);
  }

  return set_answer(account_id(address), old_state, TRY(account_state(call, *a)), created, updated, destroyed,
                    not_created, not_updated, not_destroyed);
}

}  // namespace estafeta::jmap
