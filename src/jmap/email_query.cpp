// Email/query and Email/queryChanges (RFC 8621 §4.4, §4.5; RFC 8620 §5.5,
// §5.6): the account's emails filtered, sorted, threads collapsed, a page
// cut. Text conditions go to the full-text index, folder by folder.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/markup.hpp"
#include "jmap/email_body.hpp"
#include "jmap/method.hpp"
#include "mime/text.hpp"

namespace estafeta::jmap {

namespace {

using store::Email;

constexpr std::string_view kConditions[] = {"inMailbox",
                                            "inMailboxOtherThan",
                                            "before",
                                            "after",
                                            "minSize",
                                            "maxSize",
                                            "allInThreadHaveKeyword",
                                            "someInThreadHaveKeyword",
                                            "noneInThreadHaveKeyword",
                                            "hasKeyword",
                                            "notKeyword",
                                            "hasAttachment",
                                            "text",
                                            "from",
                                            "to",
                                            "cc",
                                            "bcc",
                                            "subject",
                                            "body",
                                            "header"};

bool has_word(const std::set<std::string>& words, const std::string& w) { return words.contains(w); }

std::set<std::string> keywords_of(const Email& e) {
  std::set<std::string> out;
  auto flags = e.all_flags();
  if (flags & store::flag_seen) out.insert("$seen");
  if (flags & store::flag_answered) out.insert("$answered");
  if (flags & store::flag_flagged) out.insert("$flagged");
  if (flags & store::flag_draft) out.insert("$draft");
  for (auto& k : e.all_keywords()) out.insert(ascii_lower(k));
  return out;
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  return ascii_lower(hay).find(ascii_lower(needle)) != std::string::npos;
}

// "Re: Fwd: x" → "x", lower case: the subject sort key.
std::string base_subject(std::string s) {
  s = ascii_lower(s);
  for (bool again = true; again;) {
    again = false;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(0, 1);
    for (std::string_view p : {"re:", "fwd:", "fw:", "aw:", "rv:"})
      if (s.starts_with(p)) {
        s.erase(0, p.size());
        again = true;
      }
  }
  return s;
}

// What the filter asks of the whole account.
struct Scope {
  std::optional<store::Id> only_mailbox;  // a top-level inMailbox lets the load be one folder
  bool threads = false;                   // thread keyword conditions need every email
};

struct Query {
  Call& call;
  const Account& account;
  std::vector<Email> emails;
  std::map<store::Id, std::vector<const Email*>> by_thread;
  std::map<std::pair<std::string, std::string>, std::set<store::Id>> text_hits;
  std::map<store::Id, std::optional<store::BlobInfo>> infos;
  std::map<store::Id, std::string> raws;

  Out<const std::set<store::Id>*> search(const std::string& what, store::TextScope scope) {
    auto key = std::make_pair(std::string(scope == store::TextScope::body ? "body" : "text"), what);
    auto it = text_hits.find(key);
    if (it != text_hits.end()) return &it->second;
    auto ids = TRY(call.deps.store.search_emails(account.address.id, what, scope));
    return &text_hits.emplace(key, std::set<store::Id>(ids.begin(), ids.end())).first->second;
  }

  // The emails a filter can match when it holds a text condition that
  // every match must meet (the condition itself, or one of an AND's):
  // the index's hits; nullopt when the filter has no such condition.
  Out<std::optional<std::set<store::Id>>> text_candidates(const json& f) {
    if (f.contains("operator")) {
      if (f["operator"] != "AND") return std::nullopt;
      for (auto& c : f["conditions"])
        if (auto hits = TRY(text_candidates(c))) return hits;
      return std::nullopt;
    }
    if (f.contains("text")) return *TRY(search(f["text"].get<std::string>(), store::TextScope::whole));
    if (f.contains("body")) return *TRY(search(f["body"].get<std::string>(), store::TextScope::body));
    return std::nullopt;
  }

  Out<const store::BlobInfo*> info(const Email& e) {
    auto& slot = infos[e.id];
    if (!slot) slot = TRY(call.deps.store.blob_info(e.blob_id));
    return &*slot;
  }

  Out<std::string_view> raw(const Email& e) {
    auto it = raws.find(e.id);
    if (it == raws.end()) it = raws.emplace(e.id, TRY(call.deps.blobs.get(e.blob_hash))).first;
    return std::string_view(it->second);
  }

  Out<bool> addresses_match(const Email& e, const char* which, const std::string& needle) {
    auto* i = TRY(info(e));
    auto& env = i->structure.envelope;
    auto& list = std::string_view(which) == "to" ? env.to : std::string_view(which) == "cc" ? env.cc : env.bcc;
    for (auto& a : list) {
      if (contains_ci(a.addr_spec(), needle)) return true;
      if (a.name && contains_ci(*a.name, needle)) return true;
    }
    return false;
  }

  Out<bool> match(const Email& e, const json& f) {
    if (f.contains("operator")) {
      auto op = f["operator"].get<std::string>();
      bool any = false, all = true;
      for (auto& c : f["conditions"]) {
        bool m = TRY(match(e, c));
        any = any || m;
        all = all && m;
      }
      return op == "AND" ? all : op == "OR" ? any : !any;
    }
    for (auto& [k, v] : f.items()) {
      bool ok = true;
      if (k == "inMailbox") {
        auto n = parse_id(v.get<std::string>(), 'm');
        ok = std::any_of(e.copies.begin(), e.copies.end(), [&](auto& c) { return n && c.mailbox_id == *n; });
      } else if (k == "inMailboxOtherThan") {
        std::set<store::Id> not_these;
        for (auto& id : v)
          if (auto n = parse_id(id.get<std::string>(), 'm')) not_these.insert(*n);
        ok = std::any_of(e.copies.begin(), e.copies.end(), [&](auto& c) { return !not_these.contains(c.mailbox_id); });
      } else if (k == "before") {
        ok = e.received_at() < v.get<std::int64_t>();
      } else if (k == "after") {
        ok = e.received_at() >= v.get<std::int64_t>();
      } else if (k == "minSize") {
        ok = e.size >= v.get<std::uint64_t>();
      } else if (k == "maxSize") {
        ok = e.size < v.get<std::uint64_t>();
      } else if (k == "hasKeyword") {
        ok = has_word(keywords_of(e), ascii_lower(v.get<std::string>()));
      } else if (k == "notKeyword") {
        ok = !has_word(keywords_of(e), ascii_lower(v.get<std::string>()));
      } else if (k == "allInThreadHaveKeyword" || k == "someInThreadHaveKeyword" || k == "noneInThreadHaveKeyword") {
        auto word = ascii_lower(v.get<std::string>());
        std::size_t with = 0, total = 0;
        for (auto* t : by_thread[e.thread_id]) {
          ++total;
          with += has_word(keywords_of(*t), word);
        }
        ok = k == "allInThreadHaveKeyword" ? with == total : k == "someInThreadHaveKeyword" ? with > 0 : with == 0;
      } else if (k == "hasAttachment") {
        ok = e.has_attachments == v.get<bool>();
      } else if (k == "text") {
        ok = TRY(search(v.get<std::string>(), store::TextScope::whole))->contains(e.id);
      } else if (k == "body") {
        ok = TRY(search(v.get<std::string>(), store::TextScope::body))->contains(e.id);
      } else if (k == "subject") {
        ok = contains_ci(e.subject, v.get<std::string>());
      } else if (k == "from") {
        ok = contains_ci(e.from_address, v.get<std::string>()) || contains_ci(e.from_name, v.get<std::string>());
      } else if (k == "to" || k == "cc" || k == "bcc") {
        ok = TRY(addresses_match(e, k.c_str(), v.get<std::string>()));
      } else if (k == "header") {
        auto r = TRY(raw(e));
        auto* i = TRY(info(e));
        HeaderProperty p;
        p.name = v[0].get<std::string>();
        p.form = HeaderProperty::text;
        p.all = true;
        auto values = header_value(r, i->structure.root.header_start, i->structure.root.body_start, p);
        if (v.size() == 1) {
          ok = !values.empty();
        } else {
          ok = false;
          for (auto& x : values) ok = ok || contains_ci(x.get<std::string>(), v[1].get<std::string>());
        }
      }
      if (!ok) return false;
    }
    return true;
  }
};

// Checks the filter's shape and values, and turns dates into numbers, so
// that matching need not check again. Notes what the filter needs.
Out<json> check_filter(const json& f, Scope& scope, int depth, bool top) {
  if (!f.is_object()) return invalid_arguments("a filter is an object");
  if (depth > 20) return std::unexpected(MethodError("unsupportedFilter", "the filter nests too deep"));
  if (f.contains("operator")) {
    if (!f["operator"].is_string() || !f.contains("conditions") || !f["conditions"].is_array() || f.size() != 2)
      return invalid_arguments("a FilterOperator has an operator and conditions");
    auto op = f["operator"].get<std::string>();
    if (op != "AND" && op != "OR" && op != "NOT")
      return std::unexpected(MethodError("unsupportedFilter", fmt::format("unknown operator '{}'", op)));
    json out = {{"operator", op}, {"conditions", json::array()}};
    for (auto& c : f["conditions"])
      out["conditions"].push_back(TRY(check_filter(c, scope, depth + 1, top && op == "AND")));
    return out;
  }
  json out = json::object();
  for (auto& [k, v] : f.items()) {
    if (std::find(std::begin(kConditions), std::end(kConditions), k) == std::end(kConditions))
      return std::unexpected(MethodError("unsupportedFilter", fmt::format("unknown filter property '{}'", k)));
    if (k == "inMailbox") {
      if (!v.is_string()) return invalid_arguments("inMailbox is a mailbox id");
      if (top && !scope.only_mailbox) scope.only_mailbox = parse_id(v.get<std::string>(), 'm').value_or(-1);
    } else if (k == "inMailboxOtherThan") {
      if (!v.is_array()) return invalid_arguments("inMailboxOtherThan is a list of mailbox ids");
      for (auto& x : v)
        if (!x.is_string()) return invalid_arguments("inMailboxOtherThan is a list of mailbox ids");
      scope.threads = true;  // needs every folder of each email
    } else if (k == "before" || k == "after") {
      auto t = parse_date(v, true);
      if (!t) return invalid_arguments(fmt::format("{} is a UTCDate", k));
      out[k] = *t;
      continue;
    } else if (k == "minSize" || k == "maxSize") {
      if (!v.is_number_unsigned()) return invalid_arguments(fmt::format("{} is an unsigned integer", k));
    } else if (k == "hasAttachment") {
      if (!v.is_boolean()) return invalid_arguments("hasAttachment is true or false");
    } else if (k == "header") {
      if (!v.is_array() || v.empty() || v.size() > 2 || !v[0].is_string() || (v.size() == 2 && !v[1].is_string()))
        return invalid_arguments("header is [name] or [name, value]");
    } else {
      if (!v.is_string()) return invalid_arguments(fmt::format("{} is a string", k));
      if (k.find("InThread") != std::string::npos) scope.threads = true;
    }
    out[k] = v;
  }
  return out;
}

struct SortKey {
  std::string property;
  std::string keyword;
  bool ascending = true;
};

Out<std::vector<SortKey>> check_sort(const json& sort) {
  std::vector<SortKey> out;
  if (sort.is_null()) return out;
  if (!sort.is_array()) return invalid_arguments("sort is a list of Comparators");
  static const std::set<std::string_view> kSorts = {"receivedAt",
                                                    "sentAt",
                                                    "size",
                                                    "from",
                                                    "to",
                                                    "subject",
                                                    "hasKeyword",
                                                    "allInThreadHaveKeyword",
                                                    "someInThreadHaveKeyword"};
  for (auto& c : sort) {
    if (!c.is_object() || !c.contains("property") || !c["property"].is_string())
      return invalid_arguments("a Comparator has a property");
    if (c.contains("isAscending") && !c["isAscending"].is_boolean())
      return invalid_arguments("a Comparator's isAscending is true or false");
    SortKey k;
    k.property = c["property"].get<std::string>();
    if (!kSorts.contains(k.property)) return std::unexpected(MethodError("unsupportedSort", k.property));
    k.ascending = c.value("isAscending", true);
    if (c.contains("collation") && c["collation"] != "i;ascii-casemap" && c["collation"] != "i;octet")
      return std::unexpected(MethodError("unsupportedSort", "unknown collation"));
    if (k.property.find("eyword") != std::string::npos) {
      if (!c.contains("keyword") || !c["keyword"].is_string()) return invalid_arguments("this sort needs a keyword");
      k.keyword = ascii_lower(c["keyword"].get<std::string>());
    }
    out.push_back(std::move(k));
  }
  return out;
}

struct QueryResult {
  std::vector<const Email*> ids;  // all matches, sorted, threads collapsed
  std::string state;
};

Out<QueryResult> run(Query& q, const json& args, const Account& a) {
  Scope scope;
  json filter = nullptr;
  if (args.contains("filter") && !args["filter"].is_null()) filter = TRY(check_filter(args["filter"], scope, 0, true));
  auto sort = TRY(check_sort(args.value("sort", json(nullptr))));
  bool collapse = TRY(bool_arg(args, "collapseThreads", false));
  for (auto& k : sort) scope.threads = scope.threads || k.property.find("InThread") != std::string::npos;

  QueryResult r;
  r.state = state_string({TRY(q.call.deps.store.mail_state(a.address.id))});
  std::optional<store::Id> only = scope.threads ? std::nullopt : scope.only_mailbox;
  if (only && *only <= 0) return r;  // not a mailbox id: nothing is in it
  // With a text condition every match meets, only the index's hits are
  // loaded (conditions on threads need every email of the thread, so not
  // then).
  std::optional<std::set<store::Id>> candidates;
  if (!filter.is_null() && !scope.threads) candidates = TRY(q.text_candidates(filter));
  if (candidates)
    q.emails =
        TRY(q.call.deps.store.emails(a.address.id, std::vector<store::Id>(candidates->begin(), candidates->end())));
  else
    q.emails = TRY(q.call.deps.store.list_emails(a.address.id, only));
  for (auto& e : q.emails) {
    q.by_thread[e.thread_id].push_back(&e);
  }
  for (auto& e : q.emails)
    if (filter.is_null() || TRY(q.match(e, filter))) r.ids.push_back(&e);

  auto thread_has = [&](const Email& e, const std::string& word, bool all) {
    auto& members = q.by_thread[e.thread_id];
    std::size_t with = 0;
    for (auto* t : members) with += keywords_of(*t).contains(word);
    return all ? with == members.size() : with > 0;
  };
  auto first_to = [](const Email& e) { return ascii_lower(e.to.substr(0, e.to.find(','))); };
  auto compare = [&](const Email* x, const Email* y) {
    for (auto& k : sort) {
      int c = 0;
      auto cmp = [](auto a, auto b) { return a < b ? -1 : b < a ? 1 : 0; };
      if (k.property == "receivedAt")
        c = cmp(x->received_at(), y->received_at());
      else if (k.property == "sentAt")
        c = cmp(x->sent_at, y->sent_at);
      else if (k.property == "size")
        c = cmp(x->size, y->size);
      else if (k.property == "from")
        c = cmp(ascii_lower(x->from_name.empty() ? x->from_address : x->from_name),
                ascii_lower(y->from_name.empty() ? y->from_address : y->from_name));
      else if (k.property == "to")
        c = cmp(first_to(*x), first_to(*y));
      else if (k.property == "subject")
        c = cmp(base_subject(x->subject), base_subject(y->subject));
      else if (k.property == "hasKeyword")
        c = cmp(keywords_of(*x).contains(k.keyword), keywords_of(*y).contains(k.keyword));
      else if (k.property == "allInThreadHaveKeyword")
        c = cmp(thread_has(*x, k.keyword, true), thread_has(*y, k.keyword, true));
      else if (k.property == "someInThreadHaveKeyword")
        c = cmp(thread_has(*x, k.keyword, false), thread_has(*y, k.keyword, false));
      if (c != 0) return k.ascending ? c < 0 : c > 0;
    }
    // Newest first, then by id: a stable order for equal keys.
    if (x->received_at() != y->received_at()) return x->received_at() > y->received_at();
    return x->id > y->id;
  };
  std::sort(r.ids.begin(), r.ids.end(), compare);
  if (collapse) {
    std::set<store::Id> seen;
    std::erase_if(r.ids, [&](const Email* e) { return !seen.insert(e->thread_id).second; });
  }
  return r;
}

}  // namespace

namespace {

// The message list's own query (one folder, newest first, no other
// condition) straight from the store's index; nullopt for any other.
Out<std::optional<json>> folder_page(Call& call, const Account& a) {
  auto& args = call.args;
  auto filter = args.value("filter", json(nullptr));
  if (!filter.is_object() || filter.size() != 1 || !filter.contains("inMailbox") || !filter["inMailbox"].is_string())
    return std::optional<json>();
  auto sort = args.value("sort", json(nullptr));
  bool newest_first = sort.is_array() && sort.size() == 1 && sort[0].is_object() &&
                      sort[0].value("property", json(nullptr)) == "receivedAt" &&
                      sort[0].value("isAscending", json(true)) == false;
  if (!newest_first || (args.contains("anchor") && !args["anchor"].is_null())) return std::optional<json>();
  auto position = TRY(int_arg(args, "position", true)).value_or(0);
  if (position < 0) return std::optional<json>();
  auto max = static_cast<std::int64_t>(call.deps.limits.max_query_limit);
  auto limit_arg = TRY(int_arg(args, "limit"));
  auto limit = std::min(limit_arg.value_or(max), max);
  bool collapse = TRY(bool_arg(args, "collapseThreads", false));
  bool total = TRY(bool_arg(args, "calculateTotal", false));
  auto state = state_string({TRY(call.deps.store.mail_state(a.address.id))});
  auto box = parse_id(filter["inMailbox"].get<std::string>(), 'm');
  json ids = json::array();
  std::optional<std::size_t> count = total ? std::optional<std::size_t>(0) : std::nullopt;
  if (box) {
    auto page = TRY(call.deps.store.newest_in_mailbox(a.address.id, *box, collapse, static_cast<std::size_t>(position),
                                                      static_cast<std::size_t>(limit), total));
    for (auto& [id, thread] : page.emails) ids.push_back(email_id(id));
    count = page.total;
  }
  json out = {{"accountId", account_id(a.address.id)},
              {"queryState", state},
              {"canCalculateChanges", true},
              {"position", position},
              {"ids", ids}};
  if (count) out["total"] = *count;
  // RFC 8620 §5.5: returned when the server set the limit (none was asked, or more).
  if (!limit_arg || *limit_arg > max) out["limit"] = max;
  return std::optional(out);
}

}  // namespace

Out<json> email_query(Call& call) {
  TRY(only_known(call.args, {"accountId", "filter", "sort", "position", "anchor", "anchorOffset", "limit",
                             "calculateTotal", "collapseThreads"}));
  auto* a = TRY(call.account());
  if (auto fast = TRY(folder_page(call, *a))) return *fast;
  Query q{call, *a};
  auto r = TRY(run(q, call.args, *a));
  auto total = static_cast<std::int64_t>(r.ids.size());
  auto position = TRY(int_arg(call.args, "position", true)).value_or(0);
  auto limit_arg = TRY(int_arg(call.args, "limit"));
  auto max = static_cast<std::int64_t>(call.deps.limits.max_query_limit);
  auto limit = std::min(limit_arg.value_or(max), max);
  if (call.args.contains("anchor") && !call.args["anchor"].is_null()) {
    if (!call.args["anchor"].is_string()) return invalid_arguments("anchor is an id");
    auto anchor = parse_id(call.args["anchor"].get<std::string>(), 'e');
    auto it = std::find_if(r.ids.begin(), r.ids.end(), [&](auto* e) { return anchor && e->id == *anchor; });
    if (it == r.ids.end()) return std::unexpected(MethodError("anchorNotFound"));
    auto offset = TRY(int_arg(call.args, "anchorOffset", true)).value_or(0);
    position = std::max<std::int64_t>(0, (it - r.ids.begin()) + offset);
  } else if (position < 0) {
    position = std::max<std::int64_t>(0, total + position);
  }
  json ids = json::array();
  for (auto i = position; i < total && static_cast<std::int64_t>(ids.size()) < limit; ++i)
    ids.push_back(email_id(r.ids[static_cast<std::size_t>(i)]->id));
  json out = {{"accountId", account_id(a->address.id)},
              {"queryState", r.state},
              {"canCalculateChanges", true},
              {"position", position},
              {"ids", ids}};
  if (TRY(bool_arg(call.args, "calculateTotal", false))) out["total"] = total;
  // RFC 8620 §5.5: returned when the server set the limit (none was asked, or more).
  if (!limit_arg || *limit_arg > max) out["limit"] = max;
  return out;
}

Out<json> email_query_changes(Call& call) {
  TRY(only_known(call.args, {"accountId", "filter", "sort", "sinceQueryState", "maxChanges", "upToId", "calculateTotal",
                             "collapseThreads"}));
  auto* a = TRY(call.account());
  auto since_arg = call.args.find("sinceQueryState");
  if (since_arg == call.args.end() || !since_arg->is_string()) return invalid_arguments("sinceQueryState is required");
  auto since = parse_state(since_arg->get<std::string>());
  if (!since) return std::unexpected(cannot_calculate());
  auto max_changes = TRY(int_arg(call.args, "maxChanges"));
  auto changes = call.deps.store.email_changes(a->address.id, *since, 0);
  if (!changes) return std::unexpected(cannot_calculate());
  bool collapse = TRY(bool_arg(call.args, "collapseThreads", false));
  // With threads collapsed, a destroyed email may hand its thread's place
  // to another one this answer would not name.
  if (collapse && !changes->destroyed.empty()) return std::unexpected(cannot_calculate());
  Query q{call, *a};
  auto r = TRY(run(q, call.args, *a));

  std::set<store::Id> changed(changes->created.begin(), changes->created.end());
  changed.insert(changes->updated.begin(), changes->updated.end());
  changed.insert(changes->destroyed.begin(), changes->destroyed.end());
  if (collapse) {
    std::set<store::Id> threads;
    for (auto& e : q.emails)
      if (changed.contains(e.id)) threads.insert(e.thread_id);
    for (auto& e : q.emails)
      if (threads.contains(e.thread_id)) changed.insert(e.id);
  }
  if (max_changes && static_cast<std::int64_t>(changed.size()) > *max_changes)
    return std::unexpected(MethodError("tooManyChanges", "more changes than maxChanges"));
  std::optional<store::Id> up_to;
  if (call.args.contains("upToId") && !call.args["upToId"].is_null()) {
    if (!call.args["upToId"].is_string()) return invalid_arguments("upToId is an id");
    up_to = parse_id(call.args["upToId"].get<std::string>(), 'e');
  }
  // Every changed email is removed, and added back where it stands now.
  json removed = json::array(), added = json::array();
  for (auto id : changed) removed.push_back(email_id(id));
  for (std::size_t i = 0; i < r.ids.size(); ++i) {
    if (changed.contains(r.ids[i]->id)) added.push_back({{"id", email_id(r.ids[i]->id)}, {"index", i}});
    if (up_to && r.ids[i]->id == *up_to) break;
  }
  json out = {{"accountId", account_id(a->address.id)},
              {"oldQueryState", since_arg->get<std::string>()},
              {"newQueryState", r.state},
              {"removed", removed},
              {"added", added}};
  if (TRY(bool_arg(call.args, "calculateTotal", false))) out["total"] = r.ids.size();
  return out;
}

}  // namespace estafeta::jmap

// --- SearchSnippet/get (RFC 8621 §5): where the words of the filter's
// text, subject and body conditions appear, HTML-escaped, each match in
// <mark></mark>.
namespace estafeta::jmap {

namespace {

void terms_of(const json& f, std::vector<std::string>& out, bool negated) {
  if (!f.is_object()) return;
  if (f.contains("operator") && f.contains("conditions") && f["conditions"].is_array()) {
    bool neg = negated || f["operator"] == "NOT";
    for (auto& c : f["conditions"]) terms_of(c, out, neg);
    return;
  }
  if (negated) return;
  for (auto name : {"text", "subject", "body"})
    if (f.contains(name) && f[name].is_string() && !f[name].get<std::string>().empty())
      out.push_back(ascii_lower(f[name].get<std::string>()));
}

// `text` around its first match (about `width` octets), with every match
// marked; nullopt when no term appears.
std::optional<std::string> highlight(std::string_view text, const std::vector<std::string>& terms, std::size_t width) {
  auto lower = ascii_lower(text);
  std::size_t first = std::string::npos;
  for (auto& t : terms) first = std::min(first, lower.find(t));
  if (first == std::string::npos) return std::nullopt;
  std::size_t begin = first > width / 4 ? first - width / 4 : 0;
  std::size_t end = std::min(text.size(), begin + width);
  while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
  while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  std::string out;
  for (std::size_t i = begin; i < end;) {
    std::size_t len = 0;
    for (auto& t : terms)
      if (!t.empty() && lower.compare(i, t.size(), t) == 0) len = std::max(len, std::min(t.size(), end - i));
    if (len > 0) {
      out += "<mark>" + escape_html(text.substr(i, len)) + "</mark>";
      i += len;
    } else {
      out += escape_html(text.substr(i, 1));
      ++i;
    }
  }
  return out;
}

}  // namespace

Out<json> search_snippet_get(Call& call) {
  TRY(only_known(call.args, {"accountId", "filter", "emailIds"}));
  auto* a = TRY(call.account());
  auto ids = TRY(id_list(call.args, "emailIds"));
  if (!ids) return invalid_arguments("emailIds is required");
  if (ids->size() > call.deps.limits.max_objects_in_get)
    return std::unexpected(MethodError("requestTooLarge", "more ids than maxObjectsInGet"));
  std::vector<std::string> terms;
  terms_of(call.args.value("filter", json(nullptr)), terms, false);
  json list = json::array(), not_found = json::array();
  for (auto& id : *ids) {
    auto n = parse_id(id, 'e');
    auto found = n ? TRY(call.deps.store.emails(a->address.id, {*n})) : std::vector<store::Email>{};
    if (found.empty()) {
      not_found.push_back(id);
      continue;
    }
    auto& e = found.front();
    json snippet = {{"emailId", id}, {"subject", nullptr}, {"preview", nullptr}};
    if (!terms.empty()) {
      if (auto s = highlight(e.subject, terms, 1000)) snippet["subject"] = *s;
      auto info = TRY(call.deps.store.blob_info(e.blob_id));
      auto raw = TRY(call.deps.blobs.get(e.blob_hash));
      Body body(raw, info.structure.root, e.blob_hash, {"partId", "type"});
      auto values = body.values(true, false, false, 0);
      std::string text;
      for (auto& part : body.text_body()) {
        auto id = part["partId"].get<std::string>();
        if (!values.contains(id)) continue;
        auto t = values[id]["value"].get<std::string>();
        text += (part["type"] == "text/html" ? mime::detail::html_to_text(t) : t) + "\n";
      }
      if (auto p = highlight(mime::detail::collapse_whitespace(text), terms, 200)) snippet["preview"] = *p;
    }
    list.push_back(snippet);
  }
  return json{{"accountId", account_id(a->address.id)}, {"list", list}, {"notFound", not_found}};
}

}  // namespace estafeta::jmap
