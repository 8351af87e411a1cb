// Email/get, /changes and /set (RFC 8621 §4.2, §4.3, §4.6) and
// Thread/get and /changes (§3). Queries: email_query.cpp.
//
// Keywords: the IMAP system flags are $seen, $answered, $flagged and
// $draft; other keywords are kept lower-case, as JMAP compares them
// case-insensitively. \Deleted is IMAP's own and is left as it is.
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "jmap/email_body.hpp"
#include "jmap/method.hpp"
#include "mime/msg_ids.hpp"

namespace estafeta::jmap {

namespace {

const std::vector<std::string_view> kProperties = {"id",
                                                   "blobId",
                                                   "threadId",
                                                   "mailboxIds",
                                                   "keywords",
                                                   "size",
                                                   "receivedAt",
                                                   "messageId",
                                                   "inReplyTo",
                                                   "references",
                                                   "sender",
                                                   "from",
                                                   "to",
                                                   "cc",
                                                   "bcc",
                                                   "replyTo",
                                                   "subject",
                                                   "sentAt",
                                                   "hasAttachment",
                                                   "preview",
                                                   "headers",
                                                   "bodyStructure",
                                                   "bodyValues",
                                                   "textBody",
                                                   "htmlBody",
                                                   "attachments"};
const std::vector<std::string> kDefaultProperties = {
    "id",        "blobId",     "threadId",      "mailboxIds", "keywords",   "size",     "receivedAt", "messageId",
    "inReplyTo", "references", "sender",        "from",       "to",         "cc",       "bcc",        "replyTo",
    "subject",   "sentAt",     "hasAttachment", "preview",    "bodyValues", "textBody", "htmlBody",   "attachments"};
const std::vector<std::string_view> kBodyProperties = {"partId", "blobId",   "size",     "headers",
                                                       "name",   "type",     "charset",  "disposition",
                                                       "cid",    "language", "location", "subParts"};
const std::vector<std::string> kDefaultBodyProperties = {"partId",  "blobId",      "size", "name",     "type",
                                                         "charset", "disposition", "cid",  "language", "location"};

struct SystemFlag {
  std::string_view keyword;
  std::uint32_t flag;
};
constexpr SystemFlag kSystemFlags[] = {{"$seen", store::flag_seen},
                                       {"$answered", store::flag_answered},
                                       {"$flagged", store::flag_flagged},
                                       {"$draft", store::flag_draft}};

// RFC 8621 §4.1.1: 1–255 of %x21–%x7E except ( ) { ] % * " \ .
bool valid_keyword(std::string_view k) {
  if (k.empty() || k.size() > 255) return false;
  for (char c : k)
    if (c < 0x21 || c > 0x7e || std::string_view("(){]%*\"\\").find(c) != std::string_view::npos) return false;
  return true;
}

struct Keywords {
  std::uint32_t flags = 0;
  std::vector<std::string> others;
};

Keywords split(const std::set<std::string>& all) {
  Keywords k;
  for (auto& w : all) {
    bool system = false;
    for (auto& f : kSystemFlags)
      if (f.keyword == w) {
        k.flags |= f.flag;
        system = true;
      }
    if (!system) k.others.push_back(w);
  }
  return k;
}

std::set<std::string> keyword_set(const store::Email& e) {
  std::set<std::string> out;
  auto flags = e.all_flags();
  for (auto& f : kSystemFlags)
    if (flags & f.flag) out.insert(std::string(f.keyword));
  for (auto& k : e.all_keywords()) out.insert(ascii_lower(k));
  return out;
}

json keywords_json(const store::Email& e) {
  json out = json::object();
  for (auto& k : keyword_set(e)) out[k] = true;
  return out;
}

json mailbox_ids_json(const store::Email& e) {
  json out = json::object();
  for (auto& c : e.copies) out[mailbox_id(c.mailbox_id)] = true;
  return out;
}

}  // namespace

Out<json> render_content(const Content& c, const std::vector<std::string>& props, const RenderOptions& o, json out) {
  std::optional<Body> body;
  auto the_body = [&]() -> Body& {
    if (!body) body.emplace(c.raw, c.structure->root, c.hash, o.body_properties, c.within);
    return *body;
  };
  const mime::Envelope* env = c.structure ? &c.structure->envelope : nullptr;
  const mime::Part* root = c.structure ? &c.structure->root : nullptr;
  auto ids = [](const std::optional<std::string>& v) {
    if (!v) return json(nullptr);
    auto list = mime::parse_msg_ids(*v);
    return list.empty() ? json(nullptr) : json(list);
  };
  auto header = [&](std::string_view spec) {
    return header_value(c.raw, root->header_start, root->body_start, *parse_header_property(spec));
  };
  for (auto& p : props) {
    if (out.contains(p)) continue;
    if (p == "blobId")
      out[p] = blob_id(c.hash);
    else if (p == "size")
      out[p] = c.size;
    else if (p == "messageId")
      out[p] = ids(env->message_id);
    else if (p == "inReplyTo")
      out[p] = ids(env->in_reply_to);
    else if (p == "references")
      out[p] = header("header:References:asMessageIds");
    else if (p == "sender")
      out[p] = header("header:Sender:asAddresses");
    else if (p == "replyTo")
      out[p] = header("header:Reply-To:asAddresses");
    else if (p == "from" || p == "to" || p == "cc" || p == "bcc") {
      auto& list = p == "from" ? env->from : p == "to" ? env->to : p == "cc" ? env->cc : env->bcc;
      out[p] = list.empty() ? json(nullptr) : address_list(list);
    } else if (p == "subject")
      out[p] = env && env->subject ? json(c.subject) : json(nullptr);
    else if (p == "sentAt")
      out[p] = c.sent_at ? json(utc_date(c.sent_at)) : json(nullptr);
    else if (p == "hasAttachment")
      out[p] = c.has_attachments;
    else if (p == "preview")
      out[p] = c.preview;
    else if (p == "headers")
      out[p] = header_list(c.raw, root->header_start, root->body_start);
    else if (p == "bodyStructure")
      out[p] = the_body().structure();
    else if (p == "textBody")
      out[p] = the_body().text_body();
    else if (p == "htmlBody")
      out[p] = the_body().html_body();
    else if (p == "attachments")
      out[p] = the_body().attachments();
    else if (p == "bodyValues")
      out[p] = the_body().values(o.text_values, o.html_values, o.all_values, o.max_bytes);
    else if (p.starts_with("header:"))
      out[p] = header(p);
  }
  return out;
}

Out<RenderOptions> render_options(const json& args) {
  RenderOptions o;
  o.properties = std::vector<std::string>(kDefaultProperties.begin(), kDefaultProperties.end());
  if (args.contains("properties") && !args["properties"].is_null()) {
    o.properties = *TRY(id_list(args, "properties"));
    for (auto& p : o.properties) {
      bool known = std::find(kProperties.begin(), kProperties.end(), p) != kProperties.end();
      if (!known && !parse_header_property(p)) return invalid_arguments(fmt::format("unknown property '{}'", p));
    }
  }
  o.body_properties = kDefaultBodyProperties;
  if (args.contains("bodyProperties") && !args["bodyProperties"].is_null()) {
    o.body_properties = *TRY(id_list(args, "bodyProperties"));
    for (auto& p : o.body_properties) {
      bool known = std::find(kBodyProperties.begin(), kBodyProperties.end(), p) != kBodyProperties.end();
      if (!known && !parse_header_property(p)) return invalid_arguments(fmt::format("unknown body property '{}'", p));
    }
  }
  o.text_values = TRY(bool_arg(args, "fetchTextBodyValues", false));
  o.html_values = TRY(bool_arg(args, "fetchHTMLBodyValues", false));
  o.all_values = TRY(bool_arg(args, "fetchAllBodyValues", false));
  o.max_bytes = static_cast<std::size_t>(TRY(int_arg(args, "maxBodyValueBytes")).value_or(0));
  return o;
}

namespace {

// One reference token of a JSON Pointer (RFC 6901 §4: "~1" is "/", "~0"
// is "~"); nullopt when it is more than one token or a "~" escapes nothing.
std::optional<std::string> pointer_token(std::string_view raw) {
  if (raw.find('/') != std::string_view::npos) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '~') {
      out += raw[i];
      continue;
    }
    if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) return std::nullopt;
    out += raw[++i] == '1' ? '/' : '~';
  }
  return out;
}

// One email as asked.
Out<json> render(const Call& call, const store::Email& e, const RenderOptions& o) {
  static const std::set<std::string_view> kFromInfo = {"messageId", "inReplyTo", "from", "to", "cc", "bcc", "preview"};
  static const std::set<std::string_view> kFromRaw = {"references", "sender",        "replyTo",
                                                      "headers",    "bodyStructure", "bodyValues",
                                                      "textBody",   "htmlBody",      "attachments"};
  bool need_info = false, need_raw = false;
  for (auto& p : o.properties) {
    need_info =
        need_info || kFromInfo.contains(p) || kFromRaw.contains(p) || p.starts_with("header:") || p == "subject";
    need_raw = need_raw || kFromRaw.contains(p) || p.starts_with("header:");
  }
  std::optional<store::BlobInfo> info;
  std::string raw;
  if (need_info) info = TRY(call.deps.store.blob_info(e.blob_id));
  if (need_raw) raw = TRY(call.deps.blobs.get(e.blob_hash));
  json out = {{"id", email_id(e.id)}};
  for (auto& p : o.properties) {
    if (p == "threadId")
      out[p] = thread_id(e.thread_id);
    else if (p == "mailboxIds")
      out[p] = mailbox_ids_json(e);
    else if (p == "keywords")
      out[p] = keywords_json(e);
    else if (p == "receivedAt")
      out[p] = utc_date(e.received_at());
  }
  Content c;
  c.raw = raw;
  c.structure = info ? &info->structure : nullptr;
  c.hash = e.blob_hash;
  c.size = e.size;
  c.preview = info ? info->preview : "";
  c.subject = e.subject;
  c.sent_at = e.sent_at;
  c.has_attachments = e.has_attachments;
  return render_content(c, o.properties, o, std::move(out));
}

// A mailbox id of this account (or a creation id made earlier).
std::optional<store::Id> own_mailbox(const Call& call, const std::set<store::Id>& mine, const std::string& id) {
  std::optional<store::Id> n;
  if (id.starts_with("#")) {
    auto it = call.created_ids.find(id.substr(1));
    if (it != call.created_ids.end()) n = parse_id(it->second, 'm');
  } else {
    n = parse_id(id, 'm');
  }
  if (!n || !mine.contains(*n)) return std::nullopt;
  return n;
}

std::optional<store::Id> resolve_email(const Call& call, const std::string& id) {
  if (id.starts_with("#")) {
    auto it = call.created_ids.find(id.substr(1));
    if (it == call.created_ids.end()) return std::nullopt;
    return parse_id(it->second, 'e');
  }
  return parse_id(id, 'e');
}

// The changes a patch asks for: a whole new set, and/or single additions
// and removals (RFC 8620 §5.3 PatchObject).
struct SetPatch {
  std::optional<std::set<std::string>> whole;
  std::map<std::string, bool> single;
  bool touched() const { return whole || !single.empty(); }
  std::set<std::string> apply(std::set<std::string> current) const {
    if (whole) current = *whole;
    for (auto& [k, on] : single)
      if (on)
        current.insert(k);
      else
        current.erase(k);
    return current;
  }
};

}  // namespace

Out<json> email_get(Call& call) {
  TRY(only_known(call.args, {"accountId", "ids", "properties", "bodyProperties", "fetchTextBodyValues",
                             "fetchHTMLBodyValues", "fetchAllBodyValues", "maxBodyValueBytes"}));
  auto* a = TRY(call.account());
  auto ids = TRY(id_list(call.args, "ids"));
  auto options = TRY(render_options(call.args));
  auto st = TRY(account_state(call, *a));

  std::vector<std::string> wanted;
  if (ids) {
    wanted = *ids;
  } else {
    auto all = TRY(call.deps.store.list_emails(a->address.id, std::nullopt));
    for (auto& e : all) wanted.push_back(email_id(e.id));
  }
  if (wanted.size() > call.deps.limits.max_objects_in_get)
    return std::unexpected(MethodError("requestTooLarge", "more ids than maxObjectsInGet"));
  std::vector<store::Id> numbers;
  json not_found = json::array();
  for (auto& id : wanted) {
    auto n = resolve_email(call, id);
    if (n)
      numbers.push_back(*n);
    else
      not_found.push_back(id);
  }
  auto found = TRY(call.deps.store.emails(a->address.id, numbers));
  json list = json::array();
  for (auto& id : wanted) {
    auto n = resolve_email(call, id);
    if (!n) continue;
    auto it = std::find_if(found.begin(), found.end(), [&](auto& e) { return e.id == *n; });
    if (it == found.end()) {
      not_found.push_back(id);
      continue;
    }
    list.push_back(TRY(render(call, *it, options)));
  }
  return json{{"accountId", account_id(a->address.id)}, {"state", st}, {"list", list}, {"notFound", not_found}};
}

Out<json> email_changes(Call& call) { return answer_changes(call, &store::Emails::email_changes, &email_id); }

Out<json> thread_get(Call& call) {
  TRY(only_known(call.args, {"accountId", "ids", "properties"}));
  auto* a = TRY(call.account());
  auto ids = TRY(id_list(call.args, "ids"));
  auto wanted = TRY(properties(call.args, "properties", {"id", "emailIds"}));
  bool with_emails = !wanted || std::find(wanted->begin(), wanted->end(), "emailIds") != wanted->end();
  auto st = TRY(account_state(call, *a));
  if (!ids) return invalid_arguments("Thread/get needs ids");
  if (ids->size() > call.deps.limits.max_objects_in_get)
    return std::unexpected(MethodError("requestTooLarge", "more ids than maxObjectsInGet"));
  std::vector<store::Id> numbers;
  for (auto& id : *ids)
    if (auto n = parse_id(id, 't')) numbers.push_back(*n);
  auto threads = TRY(call.deps.store.threads(a->address.id, numbers));
  json list = json::array(), not_found = json::array();
  for (auto& id : *ids) {
    auto n = parse_id(id, 't');
    auto it = n ? std::find_if(threads.begin(), threads.end(), [&](auto& t) { return t.first == *n; }) : threads.end();
    if (it == threads.end()) {
      not_found.push_back(id);
      continue;
    }
    json thread = {{"id", id}};  // the id always (RFC 8620 §5.1)
    if (with_emails) {
      json emails = json::array();
      for (auto e : it->second) emails.push_back(email_id(e));
      thread["emailIds"] = std::move(emails);
    }
    list.push_back(std::move(thread));
  }
  return json{{"accountId", account_id(a->address.id)}, {"state", st}, {"list", list}, {"notFound", not_found}};
}

Out<json> thread_changes(Call& call) { return answer_changes(call, &store::Emails::thread_changes, &thread_id); }

Out<json> email_set(Call& call) {
  auto args = TRY(set_args(call, "emails"));
  auto* a = args.account;
  auto& store = call.deps.store;
  const auto address = a->address.id;
  const auto& old_state = args.old_state;
  const json& create = args.create;
  const json& update = args.update;
  const auto& destroy = args.destroy;

  std::set<store::Id> mine;
  for (auto& m : TRY(store.list_mailboxes(address))) mine.insert(m.id);
  json created = json::object(), updated = json::object(), destroyed = json::array();
  json not_created = json::object(), not_updated = json::object(), not_destroyed = json::object();

  for (auto& [cid, props] : create.items()) {
    auto made = create_email(call, *a, mine, props);
    if (!made) {
      not_created[cid] = made.error();
      continue;
    }
    call.created_ids[cid] = (*made)["id"].get<std::string>();
    created[cid] = *made;
  }

  for (auto& [id, patch] : update.items()) {
    auto n = resolve_email(call, id);
    auto found = n ? TRY(store.emails(address, {*n})) : std::vector<store::Email>{};
    if (found.empty()) {
      not_updated[id] = set_error("notFound", "no such email");
      continue;
    }
    if (!patch.is_object()) {
      not_updated[id] = set_error("invalidPatch", "a patch is an object");
      continue;
    }
    SetPatch keywords, mailboxes;
    json bad = json::array();
    std::string no_path;  // a patch path below a keyword or a mailbox id: nothing is there
    for (auto& [k, v] : patch.items()) {
      if (k == "keywords" || k == "mailboxIds") {
        if (!v.is_object()) {
          bad.push_back(k);
          continue;
        }
        std::set<std::string> whole;
        for (auto& [item, on] : v.items()) {
          if (on != true) bad.push_back(k + "/" + item);
          whole.insert(k == "keywords" ? ascii_lower(item) : item);
        }
        (k == "keywords" ? keywords : mailboxes).whole = whole;
      } else if (k.starts_with("keywords/") || k.starts_with("mailboxIds/")) {
        bool kw = k.starts_with("keywords/");
        auto item = pointer_token(k.substr(kw ? 9 : 11));
        if (!item) {
          no_path = k;
          continue;
        }
        if (!(v == true || v.is_null()) || item->empty()) {
          bad.push_back(k);
          continue;
        }
        (kw ? keywords : mailboxes).single[kw ? ascii_lower(*item) : *item] = v == true;
      } else {
        bad.push_back(k);
      }
    }
    if (!no_path.empty()) {
      not_updated[id] = set_error("invalidPatch", fmt::format("{} goes below what can be patched", no_path));
      continue;
    }
    if ((keywords.whole && !keywords.single.empty()) || (mailboxes.whole && !mailboxes.single.empty())) {
      not_updated[id] = set_error("invalidPatch", "a property and a path into it are both patched");
      continue;
    }
    auto e = found.front();
    std::set<std::string> new_keywords = keywords.apply(keyword_set(e));
    for (auto& k : new_keywords)
      if (!valid_keyword(k)) bad.push_back("keywords/" + k);
    std::set<store::Id> current, wanted;
    for (auto& c : e.copies) current.insert(c.mailbox_id);
    if (mailboxes.touched()) {
      std::set<std::string> as_ids;
      for (auto m : current) as_ids.insert(mailbox_id(m));
      for (auto& m : mailboxes.apply(as_ids)) {
        auto own = own_mailbox(call, mine, m);
        if (!own)
          bad.push_back("mailboxIds/" + m);
        else
          wanted.insert(*own);
      }
      if (bad.empty() && wanted.empty()) bad.push_back("mailboxIds");
    } else {
      wanted = current;
    }
    if (!bad.empty()) {
      not_updated[id] = set_error("invalidProperties", "these properties cannot be set so", bad);
      continue;
    }
    // Folders: each new one takes a removed copy (a move) while there are
    // any, else a copy; removed copies left over are expunged.
    std::vector<store::EmailCopy> removed;
    for (auto& c : e.copies)
      if (!wanted.contains(c.mailbox_id)) removed.push_back(c);
    const auto& source = e.copies.front();
    for (auto target : wanted) {
      if (current.contains(target)) continue;
      bool move = !removed.empty();
      auto from = move ? removed.back() : source;
      if (move) removed.pop_back();
      auto r = TRY(store.copy_messages({address, from.mailbox_id}, {from.uid}, {address, target}, move));
      if (!r.uids.empty())
        announce(call, EventKind::message_appended, address, target, r.target_modseq, r.uids.front().second);
      if (move) announce(call, EventKind::message_expunged, address, from.mailbox_id, r.source_modseq, from.uid);
    }
    for (auto& c : removed) {
      auto x = TRY(store.expunge({address, c.mailbox_id}, {c.uid}));
      announce(call, EventKind::message_expunged, address, c.mailbox_id, x.modseq, c.uid);
    }
    // Keywords, on every copy (copies made above carry the old ones).
    // A whole new set replaces; single keywords are added and removed as
    // such, so that a change another session makes meanwhile (an IMAP
    // STORE +FLAGS) is not lost.
    if (keywords.touched()) {
      auto after = TRY(store.emails(address, {e.id}));
      std::vector<std::pair<store::FlagOp, Keywords>> steps;
      if (keywords.whole) {
        steps.emplace_back(store::FlagOp::replace, split(new_keywords));
      } else {
        std::set<std::string> on, off;
        for (auto& [k, v] : keywords.single) (v ? on : off).insert(k);
        if (!on.empty()) steps.emplace_back(store::FlagOp::add, split(on));
        if (!off.empty()) steps.emplace_back(store::FlagOp::remove, split(off));
      }
      bool failed = false;
      for (auto& c : after.empty() ? std::vector<store::EmailCopy>{} : after.front().copies) {
        for (auto& [op, k] : steps) {
          auto flags = op == store::FlagOp::replace ? (c.flags & store::flag_deleted) | k.flags : k.flags;
          auto r = store.store_flags({address, c.mailbox_id}, {c.uid}, op, flags, k.others, std::nullopt);
          if (!r) {
            not_updated[id] = r.error().kind == ErrorKind::limit ? set_error("tooManyKeywords", r.error().message)
                                                                 : set_error("invalidProperties", r.error().message);
            failed = true;
            break;
          }
          if (!r->changed.empty())
            announce(call, EventKind::flags_changed, address, c.mailbox_id, r->highestmodseq, c.uid);
        }
        if (failed) break;
      }
      if (failed) continue;
    }
    updated[id] = nullptr;
  }

  for (auto& id : destroy) {
    auto n = resolve_email(call, id);
    auto found = n ? TRY(store.emails(address, {*n})) : std::vector<store::Email>{};
    if (found.empty()) {
      not_destroyed[id] = set_error("notFound", "no such email");
      continue;
    }
    for (auto& c : found.front().copies) {
      auto x = TRY(store.expunge({address, c.mailbox_id}, {c.uid}));
      announce(call, EventKind::message_expunged, address, c.mailbox_id, x.modseq, c.uid);
    }
    destroyed.push_back(id);
  }

  return set_answer(account_id(address), old_state, TRY(account_state(call, *a)), created, updated, destroyed,
                    not_created, not_updated, not_destroyed);
}

}  // namespace estafeta::jmap
