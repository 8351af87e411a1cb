// NAMESPACE (RFC 2342), LIST/LSUB (LIST-EXTENDED RFC 5258, CHILDREN and
// SPECIAL-USE attributes, LIST-STATUS RFC 5819), STATUS (with SIZE, RFC
// 8438, DELETED-STORAGE, RFC 9208 §4.1.4, and APPENDLIMIT, RFC 7889 §3.1).
//
// Security: every mailbox is looked up under the logged-in address, so a
// session can only name its own address's folders.
#include <algorithm>
#include <expected>
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
  if (need_counts) counts = ctx.deps.mail.mailbox_counts(box.ref()).value_or(store::MailboxCounts{});
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
      // RFC 7889 §3.1: the mailbox's limit; every mailbox has the one the
      // server announces in APPENDLIMIT= (the largest message it accepts).
      case StatusItem::Kind::appendlimit: out += fmt::format("APPENDLIMIT {}", ctx.options.append_limit); break;
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

namespace {

// LIST-EXTENDED options (RFC 5258 §3, RFC 6154 §5.1, RFC 5819).
struct ListOptions {
  bool sel_subscribed = false, sel_special = false, recursive = false;
  bool ret_subscribed = false, ret_status = false;
};

// The options, or the text of the BAD answer.
std::expected<ListOptions, std::string> list_options(const cmd::List& l) {
  ListOptions o;
  for (auto& s : l.select_opts) {
    if (s == "SUBSCRIBED")
      o.sel_subscribed = true;
    else if (s == "SPECIAL-USE")
      o.sel_special = true;
    else if (s == "RECURSIVEMATCH")
      o.recursive = true;
    else if (s != "REMOTE")
      return std::unexpected("unknown LIST selection option " + s);
  }
  if (o.recursive && !o.sel_subscribed) return std::unexpected("RECURSIVEMATCH needs another selection option");
  o.ret_subscribed = o.sel_subscribed;
  for (auto& r : l.return_opts) {
    if (r == "SUBSCRIBED")
      o.ret_subscribed = true;
    else if (r == "STATUS")
      o.ret_status = true;
    else if (r != "CHILDREN" && r != "SPECIAL-USE")
      return std::unexpected("unknown LIST return option " + r);
  }
  return o;
}

// The names a LIST walks: the folders (and the parents that exist only as a
// path, "a" of "a/b"), or for LSUB and LIST (SUBSCRIBED) the subscriptions,
// which may outlive their folder (RFC 9051 §6.3.7).
class FolderNames {
 public:
  static Result<FolderNames> load(Context& ctx, bool by_subscription, bool need_subscriptions) {
    FolderNames f;
    f.m_boxes = TRY(ctx.deps.mail.list_mailboxes(ctx.who->address.id));
    for (auto& b : f.m_boxes) {
      f.m_by_name[b.name] = &b;
      with_parents(f.m_existing, b.name);
    }
    if (by_subscription || need_subscriptions) {
      auto subs = TRY(ctx.deps.mail.subscriptions(ctx.who->address.id));
      f.m_subscriptions.insert(subs.begin(), subs.end());
    }
    if (by_subscription)
      for (auto& name : f.m_subscriptions) with_parents(f.m_names, name);
    else
      f.m_names = f.m_existing;
    return f;
  }
  FolderNames(FolderNames&& other) noexcept = default;

  const std::set<std::string>& names() const { return m_names; }
  const store::Mailbox* folder(const std::string& name) const {
    auto it = m_by_name.find(name);
    return it == m_by_name.end() ? nullptr : it->second;
  }
  bool has_children(const std::string& name) const {
    auto [first, last] = under(m_existing, name);
    return first != last;
  }
  bool subscribed(const std::string& name) const { return m_subscriptions.contains(name); }
  bool subscribed_below(const std::string& name) const {
    auto [first, last] = under(m_names, name);
    return std::any_of(first, last, [&](const std::string& n) { return subscribed(n); });
  }
  // Whether a subscribed name below `name` is not among `shown`.
  bool subscribed_below_besides(const std::string& name, const std::set<std::string_view>& shown) const {
    auto [first, last] = under(m_names, name);
    return std::any_of(first, last, [&](const std::string& n) { return subscribed(n) && !shown.contains(n); });
  }

 private:
  FolderNames() = default;
  static void with_parents(std::set<std::string>& into, const std::string& name) {
    into.insert(name);
    for (auto slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash + 1))
      into.insert(name.substr(0, slash));
  }
  using Run = std::pair<std::set<std::string>::const_iterator, std::set<std::string>::const_iterator>;
  // The names under "name/" are one contiguous run of a sorted set.
  static Run under(const std::set<std::string>& set, const std::string& name) {
    auto prefix = name + "/";
    auto first = set.lower_bound(prefix);
    auto last = first;
    while (last != set.end() && last->starts_with(prefix)) ++last;
    return Run{first, last};
  }

  std::vector<store::Mailbox> m_boxes;
  std::map<std::string, const store::Mailbox*> m_by_name;  // into m_boxes (a moved vector keeps its elements)
  std::set<std::string> m_existing, m_subscriptions, m_names;
};

// The patterns with the reference prepended (RFC 9051 §6.3.9), as stored
// names: decoded from modified UTF-7, "INBOX" in any case as INBOX.
std::vector<std::string> list_patterns(const Context& ctx, const cmd::List& l) {
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
  return patterns;
}

// Whether a name meets the selection options itself (RFC 5258 §3.1), not
// only through its children.
bool meets_selection(const ListOptions& o, const FolderNames& f, const std::string& name) {
  if (o.sel_subscribed && !f.subscribed(name)) return false;
  const store::Mailbox* box = f.folder(name);
  return !o.sel_special || (box && box->special_use != store::SpecialUse::none);
}

// One name's response line(s), or nothing when the selection leaves it out.
// `shown`: the names this answer lists for meeting the selection options.
void append_listed(Context& ctx, Reply& r, const cmd::List& l, const ListOptions& o, const FolderNames& f,
                   const std::string& name, bool lsub_levels, const std::set<std::string_view>& shown) {
  const char* verb = l.lsub ? "LSUB" : "LIST";
  const store::Mailbox* box = f.folder(name);
  std::string childinfo;
  bool lsub_level = false;
  if (l.lsub && !f.subscribed(name)) {
    if (!lsub_levels || !f.subscribed_below(name)) return;
    lsub_level = true;
  }
  // RECURSIVEMATCH: CHILDINFO tells of a subscribed name below, whether
  // this one is subscribed or not (RFC 5258 §3.5's table; §5 example 9,
  // "eps2"), and lists a parent that is not for it. Not when every such
  // name is in this answer anyway: "servers SHOULD suppress redundant
  // CHILDINFO responses" (§3.5; example 9, "baz2").
  if (o.recursive && f.subscribed_below_besides(name, shown)) childinfo = " (\"CHILDINFO\" (\"SUBSCRIBED\"))";
  if (o.sel_subscribed && !f.subscribed(name) && childinfo.empty()) return;
  if (o.sel_special && (!box || box->special_use == store::SpecialUse::none)) return;
  std::string attrs;
  auto add = [&](std::string_view a) {
    if (!attrs.empty()) attrs += ' ';
    attrs += a;
  };
  if (!box || lsub_level) add(l.extended ? "\\NonExistent" : "\\Noselect");
  // A name with no folder and none below (a subscription left by a
  // deleted folder) has no children attribute to tell.
  bool children = f.has_children(name);
  if (!l.lsub && (box || children)) add(children ? "\\HasChildren" : "\\HasNoChildren");
  if (o.ret_subscribed && f.subscribed(name)) add("\\Subscribed");
  if (box && box->special_use != store::SpecialUse::none) add(special_attr(box->special_use));
  r.out += fmt::format("* {} ({}) \"/\" ", verb, attrs);
  append_astring(r.out, wire_name(ctx, name), ctx.utf8_names());
  r.out += childinfo + "\r\n";
  if (o.ret_status && box) {
    r.out += "* STATUS ";
    append_astring(r.out, wire_name(ctx, name), ctx.utf8_names());
    r.out += " (" + status_items(ctx, *box, l.status_items) + ")\r\n";
  }
}

}  // namespace

Reply handle(Context& ctx, const std::string& tag, cmd::List& l) {
  const char* verb = l.lsub ? "LSUB" : "LIST";
  auto options = list_options(l);
  if (!options) return tagged_bad(tag, options.error());
  Reply r;
  if (l.patterns.size() == 1 && l.patterns[0].empty() && !l.extended) {
    // The hierarchy delimiter and root (RFC 9051 §6.3.9).
    r.out = fmt::format("* {} (\\Noselect) \"/\" \"\"\r\n", verb);
    append_tagged(r, tag, "OK", fmt::format("{} completed", verb));
    return r;
  }
  auto folders = FolderNames::load(ctx, l.lsub || options->sel_subscribed, options->ret_subscribed);
  if (!folders) return from_error(tag, folders.error());
  // RFC 3501 §6.3.9: LSUB with a pattern ending in "%" also returns the
  // levels it matches that only hold subscribed names, as \Noselect.
  bool lsub_levels =
      l.lsub && std::any_of(l.patterns.begin(), l.patterns.end(), [](auto& p) { return p.ends_with('%'); });
  // In sorted order, so the matcher shares the work on common prefixes.
  ListMatcher matcher(list_patterns(ctx, l));
  std::vector<const std::string*> matched;
  for (auto& name : folders->names())
    if (matcher.matches(name)) matched.push_back(&name);
  std::set<std::string_view> shown;
  if (options->recursive)
    for (auto* name : matched)
      if (meets_selection(*options, *folders, *name)) shown.insert(*name);
  for (auto* name : matched) append_listed(ctx, r, l, *options, *folders, *name, lsub_levels, shown);
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", fmt::format("{} completed", verb));
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Status& s) {
  auto box = find_mailbox(ctx, s.mailbox);
  if (!box) return from_error(tag, box.error());
  Reply r;
  // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) is a CONDSTORE enabling command;
  // the first one with a mailbox selected says that mailbox's HIGHESTMODSEQ.
  bool asks_modseq =
      std::any_of(s.items.begin(), s.items.end(), [](auto& i) { return i.kind == StatusItem::Kind::highestmodseq; });
  if (asks_modseq) r.out = enable_condstore(ctx);
  r.out += "* STATUS ";
  append_astring(r.out, wire_name(ctx, box->name), ctx.utf8_names());
  r.out += " (" + status_items(ctx, *box, s.items) + ")\r\n";
  append_updates(ctx, r, true);
  append_tagged(r, tag, "OK", "STATUS completed");
  return r;
}

}  // namespace estafeta::imap
