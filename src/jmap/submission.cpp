// EmailSubmission/get, /changes, /query, /queryChanges, /set (RFC 8621 §7):
// sending an email of the account, under the submission port's rules
// (Deps::send: the sender and From: must be the user's, local recipients
// must exist), with the Bcc field removed. A submission may be held back
// (FUTURERELEASE, RFC 4865: HOLDFOR / HOLDUNTIL on mailFrom) and cancelled
// until then (undoStatus pending → canceled); send_due sends the rest.
// deliveryStatus comes from the message trace of its queue id.
#include <algorithm>
#include <ctime>
#include <set>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "jmap/email_body.hpp"
#include "jmap/method.hpp"
#include "mime/header.hpp"

namespace estafeta::jmap {

namespace {

std::string submission_id(store::Id id) { return fmt::format("s{}", id); }

const char* undo_text(store::UndoStatus u) {
  switch (u) {
    case store::UndoStatus::pending: return "pending";
    case store::UndoStatus::final: return "final";
    case store::UndoStatus::canceled: return "canceled";
  }
  return "final";
}

// RFC 8621 §7: what became of each recipient, from the trace.
Out<json> delivery_status(const Deps& deps, const store::Submission& s) {
  if (s.queue_id.empty()) return json(nullptr);
  auto lines = TRY(deps.store.trace_of(s.address_id, s.queue_id));
  json out = json::object();
  for (auto& t : lines) {
    if (t.direction != store::TraceDirection::out || t.recipient.empty()) continue;
    const char* delivered = "unknown";
    switch (t.status) {
      case store::TraceStatus::accepted:
      case store::TraceStatus::queued:
      case store::TraceStatus::deferred: delivered = "queued"; break;
      case store::TraceStatus::delivered: delivered = "yes"; break;
      case store::TraceStatus::bounced:
      case store::TraceStatus::rejected: delivered = "no"; break;
    }
    out[t.recipient] = {{"smtpReply", t.reply.empty() ? std::string("250 2.0.0 queued") : t.reply},
                        {"delivered", delivered},
                        {"displayed", "unknown"}};
  }
  return out;
}

Out<json> to_json(const Call& call, const store::Submission& s) {
  auto envelope = json::parse(s.envelope, nullptr, false);
  return json{{"id", submission_id(s.id)},
              {"identityId", fmt::format("i{}", s.identity_id)},
              {"emailId", email_id(s.email_id)},
              {"threadId", thread_id(s.thread_id)},
              {"envelope", envelope.is_discarded() ? json(nullptr) : envelope},
              {"sendAt", utc_date(s.send_at)},
              {"undoStatus", undo_text(s.undo_status)},
              {"deliveryStatus", TRY(delivery_status(call.deps, s))},
              {"dsnBlobIds", json::array()},
              {"mdnBlobIds", json::array()}};
}

// The message as it is sent: without its Bcc fields (RFC 8621 §7.5).
std::string without_bcc(std::string_view raw) {
  auto block = mime::detail::scan_header(raw, 0, raw.size());
  std::string out;
  std::size_t pos = 0;
  for (auto& f : block.fields) {
    auto start = static_cast<std::size_t>(f.name.data() - raw.data());
    auto end = static_cast<std::size_t>(f.value.data() - raw.data()) + f.value.size();
    while (end < raw.size() && (raw[end] == '\r' || raw[end] == '\n')) {
      ++end;
      if (raw[end - 1] == '\n') break;
    }
    if (ascii_iequals(f.name, "Bcc")) {
      out += raw.substr(pos, start - pos);
      pos = end;
    }
  }
  out += raw.substr(pos);
  return out;
}

struct Envelope {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::int64_t hold = 0;  // seconds
  json stored;            // as EmailSubmission shows it
};

// The envelope given, or the one the email implies (§7: MAIL FROM the
// identity's address, RCPT TO every To, Cc and Bcc address).
std::expected<Envelope, json> envelope_of(const Call& call, const store::Identity& identity, const store::Email& e,
                                          const json& given, std::int64_t now) {
  Envelope out;
  if (given.is_null()) {
    out.mail_from = identity.email;
    auto info = call.deps.store.blob_info(e.blob_id);
    if (!info) return std::unexpected(set_error("serverFail", "the email could not be read"));
    std::set<std::string> seen;
    auto& env = info->structure.envelope;
    for (auto* list : {&env.to, &env.cc, &env.bcc})
      for (auto& a : *list)
        if (a.is_mailbox() && seen.insert(ascii_lower(a.addr_spec())).second) out.rcpt_to.push_back(a.addr_spec());
    json rcpt = json::array();
    for (auto& r : out.rcpt_to) rcpt.push_back({{"email", r}, {"parameters", nullptr}});
    out.stored = {{"mailFrom", {{"email", out.mail_from}, {"parameters", nullptr}}}, {"rcptTo", rcpt}};
    return out;
  }
  auto bad = [](const char* why) {
    return std::unexpected(set_error("invalidProperties", why, json::array({"envelope"})));
  };
  if (!given.is_object() || !given.contains("mailFrom") || !given["mailFrom"].is_object() ||
      !given["mailFrom"].contains("email") || !given["mailFrom"]["email"].is_string() || !given.contains("rcptTo") ||
      !given["rcptTo"].is_array())
    return bad("an Envelope has mailFrom and rcptTo");
  out.mail_from = given["mailFrom"]["email"].get<std::string>();
  for (auto& r : given["rcptTo"]) {
    if (!r.is_object() || !r.contains("email") || !r["email"].is_string()) return bad("rcptTo holds Addresses");
    out.rcpt_to.push_back(r["email"].get<std::string>());
  }
  auto params = given["mailFrom"].value("parameters", json(nullptr));
  if (params.is_object()) {
    for (auto& [k, v] : params.items()) {
      auto key = ascii_upper(k);
      if (key == "HOLDFOR") {
        std::int64_t n = -1;
        if (v.is_string()) std::sscanf(v.get<std::string>().c_str(), "%ld", &n);
        if (v.is_number_integer()) n = v.get<std::int64_t>();
        if (n < 0) return bad("HOLDFOR is a number of seconds");
        out.hold = n;
      } else if (key == "HOLDUNTIL") {
        auto t = parse_date(v, true);
        if (!t) return bad("HOLDUNTIL is a UTC date-time");
        out.hold = std::max<std::int64_t>(0, *t - now);
      }
    }
  }
  if (out.hold > call.deps.limits.max_delayed_send) return bad("held longer than maxDelayedSend");
  out.stored = given;
  return out;
}

json refusal_error(const SendRefusal& r) {
  json e = {{"type", r.type}, {"description", r.description}};
  if (r.type == "invalidRecipients") e["invalidRecipients"] = r.recipients;
  return e;
}

// Sends a submission's message now: the bytes without Bcc, through Deps::send.
std::expected<std::string, SendRefusal> send_now(const Deps& deps, const store::Submission& s, const std::string& ip) {
  if (!deps.send) return std::unexpected(SendRefusal{"forbiddenToSend", {}, "sending is not set up here"});
  auto raw = deps.blobs.get(s.blob_hash);
  if (!raw) return std::unexpected(SendRefusal{"serverFail", {}, "the message could not be read"});
  auto envelope = json::parse(s.envelope, nullptr, false);
  Outgoing out;
  out.user_id = s.user_id;
  out.ip = ip;
  out.mail_from = envelope["mailFrom"]["email"].get<std::string>();
  for (auto& r : envelope["rcptTo"]) out.rcpt_to.push_back(r["email"].get<std::string>());
  out.message = without_bcc(*raw);
  return deps.send(out);
}

}  // namespace

std::size_t send_due(const Deps& deps, std::int64_t now) {
  auto due = deps.store.due_submissions(now, 100);
  if (!due) return 0;
  std::size_t sent = 0;
  for (auto s : *due) {
    // Claimed first (pending → final), so a cancel that comes meanwhile
    // either wins before this or finds it no longer pending.
    s.undo_status = store::UndoStatus::final;
    if (!deps.store.update_submission(s, true)) continue;
    auto r = send_now(deps, s, "127.0.0.1");
    if (r) {
      s.queue_id = *r;
      ++sent;
    } else {
      s.refusal = r.error().type + ": " + r.error().description;
    }
    (void)deps.store.update_submission(s, false);
    if (deps.bus) {
      Event e{EventKind::mailbox_changed};
      e.address_id = s.address_id;
      deps.bus->publish(e);
    }
  }
  return sent;
}

Out<json> submission_get(Call& call) {
  TRY(only_known(call.args, {"accountId", "ids", "properties"}));
  auto* a = TRY(call.account());
  auto ids = TRY(id_list(call.args, "ids"));
  auto props = TRY(properties(call.args, "properties",
                              {"id", "identityId", "emailId", "threadId", "envelope", "sendAt", "undoStatus",
                               "deliveryStatus", "dsnBlobIds", "mdnBlobIds"}));
  auto st = TRY(account_state(call, *a));
  auto all = TRY(call.deps.store.submissions(a->address.id));
  json list = json::array(), not_found = json::array();
  auto shown = [&](const store::Submission& s) -> Out<json> { return pick(TRY(to_json(call, s)), props); };
  if (!ids) {
    for (auto& s : all) list.push_back(TRY(shown(s)));
  } else {
    for (auto& id : *ids) {
      auto n = parse_id(id, 's');
      auto it = std::find_if(all.begin(), all.end(), [&](auto& s) { return n && s.id == *n; });
      if (it == all.end())
        not_found.push_back(id);
      else
        list.push_back(TRY(shown(*it)));
    }
  }
  return json{{"accountId", account_id(a->address.id)}, {"state", st}, {"list", list}, {"notFound", not_found}};
}

Out<json> submission_changes(Call& call) {
  return answer_changes(call, &store::Emails::submission_changes, &submission_id);
}

Out<json> submission_query(Call& call) {
  TRY(only_known(call.args,
                 {"accountId", "filter", "sort", "position", "anchor", "anchorOffset", "limit", "calculateTotal"}));
  auto* a = TRY(call.account());
  auto all = TRY(call.deps.store.submissions(a->address.id));
  const json filter = call.args.value("filter", json(nullptr));
  if (!filter.is_null() && !filter.is_object()) return invalid_arguments("filter is an object");
  std::vector<const store::Submission*> found;
  for (auto& s : all) {
    bool ok = true;
    if (filter.is_object())
      for (auto& [k, v] : filter.items()) {
        auto in = [&](std::string id) {
          if (!v.is_array()) return false;
          for (auto& x : v)
            if (x == id) return true;
          return false;
        };
        if (k == "identityIds")
          ok = ok && in(fmt::format("i{}", s.identity_id));
        else if (k == "emailIds")
          ok = ok && in(email_id(s.email_id));
        else if (k == "threadIds")
          ok = ok && in(thread_id(s.thread_id));
        else if (k == "undoStatus")
          ok = ok && v == undo_text(s.undo_status);
        else if (k == "before" || k == "after") {
          auto t = parse_date(v, true);
          if (!t) return invalid_arguments(k + " is a UTCDate");
          ok = ok && (k == "before" ? s.send_at < *t : s.send_at >= *t);
        } else
          return std::unexpected(MethodError("unsupportedFilter", k));
      }
    if (ok) found.push_back(&s);
  }
  const json sort = call.args.value("sort", json(nullptr));
  std::string by = "sentAt";
  bool ascending = true;
  if (sort.is_array() && !sort.empty()) {
    if (!sort[0].is_object() || !sort[0].contains("property") || !sort[0]["property"].is_string() ||
        (sort[0].contains("isAscending") && !sort[0]["isAscending"].is_boolean()))
      return invalid_arguments("a Comparator has a property, and isAscending true or false");
    by = sort[0]["property"].get<std::string>();
    ascending = sort[0].value("isAscending", true);
    if (by != "emailId" && by != "threadId" && by != "sentAt")
      return std::unexpected(MethodError("unsupportedSort", by));
  }
  std::stable_sort(found.begin(), found.end(), [&](auto* x, auto* y) {
    auto kx = by == "emailId" ? x->email_id : by == "threadId" ? x->thread_id : x->send_at;
    auto ky = by == "emailId" ? y->email_id : by == "threadId" ? y->thread_id : y->send_at;
    return ascending ? kx < ky : ky < kx;
  });
  auto position = std::max<std::int64_t>(0, TRY(int_arg(call.args, "position", true)).value_or(0));
  auto limit = TRY(int_arg(call.args, "limit"));
  json ids = json::array();
  for (auto i = static_cast<std::size_t>(position); i < found.size() && (!limit || std::ssize(ids) < *limit); ++i)
    ids.push_back(submission_id(found[i]->id));
  json out = {{"accountId", account_id(a->address.id)},
              {"queryState", TRY(account_state(call, *a))},
              {"canCalculateChanges", false},
              {"position", position},
              {"ids", ids}};
  if (TRY(bool_arg(call.args, "calculateTotal", false))) out["total"] = found.size();
  return out;
}

Out<json> submission_query_changes(Call& call) {
  TRY(call.account());
  return std::unexpected(cannot_calculate());
}

Out<json> submission_set(Call& call) {
  auto args = TRY(set_args(call, "submissions", {"onSuccessUpdateEmail", "onSuccessDestroyEmail"}));
  auto* a = args.account;
  auto& store = call.deps.store;
  const auto address = a->address.id;
  const auto& old_state = args.old_state;
  const json& create = args.create;
  const json& update = args.update;
  const auto& destroy = args.destroy;
  json created = json::object(), updated = json::object(), destroyed = json::array();
  json not_created = json::object(), not_updated = json::object(), not_destroyed = json::object();
  std::map<std::string, std::string> email_of;  // submission id or "#creation id" → email id, for onSuccess…
  auto now = static_cast<std::int64_t>(std::time(nullptr));

  auto identities = TRY(store.identities(address));
  for (auto& [cid, props] : create.items()) {
    if (!props.is_object() || !props.contains("identityId") || !props["identityId"].is_string() ||
        !props.contains("emailId") || !props["emailId"].is_string()) {
      not_created[cid] =
          set_error("invalidProperties", "identityId and emailId are required", json::array({"identityId", "emailId"}));
      continue;
    }
    auto iid = parse_id(props["identityId"].get<std::string>(), 'i');
    auto identity = std::find_if(identities.begin(), identities.end(), [&](auto& i) { return iid && i.id == *iid; });
    if (identity == identities.end()) {
      not_created[cid] = set_error("invalidProperties", "no such identity", json::array({"identityId"}));
      continue;
    }
    std::string eid = props["emailId"].get<std::string>();
    if (eid.starts_with("#")) {
      auto it = call.created_ids.find(eid.substr(1));
      eid = it == call.created_ids.end() ? "" : it->second;
    }
    auto n = parse_id(eid, 'e');
    auto emails = n ? TRY(store.emails(address, {*n})) : std::vector<store::Email>{};
    if (emails.empty()) {
      not_created[cid] = set_error("invalidProperties", "no such email", json::array({"emailId"}));
      continue;
    }
    auto& e = emails.front();
    auto envelope = envelope_of(call, *identity, e, props.value("envelope", json(nullptr)), now);
    if (!envelope) {
      not_created[cid] = envelope.error();
      continue;
    }
    if (envelope->rcpt_to.empty()) {
      not_created[cid] = set_error("noRecipients", "the email names no recipient");
      continue;
    }
    store::Submission s;
    s.address_id = address;
    s.user_id = call.who.user_id;
    s.identity_id = identity->id;
    s.email_id = e.id;
    s.thread_id = e.thread_id;
    s.blob_hash = e.blob_hash;
    s.envelope = envelope->stored.dump();
    s.send_at = now + envelope->hold;
    if (envelope->hold == 0) {
      auto sent = send_now(call.deps, s, call.who.ip);
      if (!sent) {
        not_created[cid] = refusal_error(sent.error());
        continue;
      }
      s.undo_status = store::UndoStatus::final;
      s.queue_id = *sent;
    }
    auto made = TRY(store.create_submission(s));
    call.created_ids[cid] = submission_id(made.id);
    email_of["#" + cid] = email_id(e.id);
    created[cid] = {{"id", submission_id(made.id)},
                    {"threadId", thread_id(e.thread_id)},
                    {"sendAt", utc_date(s.send_at)},
                    {"undoStatus", undo_text(s.undo_status)}};
  }

  auto all = TRY(store.submissions(address));
  for (auto& [id, patch] : update.items()) {
    auto n = parse_id(id, 's');
    auto it = std::find_if(all.begin(), all.end(), [&](auto& s) { return n && s.id == *n; });
    if (it == all.end()) {
      not_updated[id] = set_error("notFound", "no such submission");
      continue;
    }
    if (!patch.is_object() || patch.size() != 1 || patch.value("undoStatus", json(nullptr)) != "canceled") {
      not_updated[id] =
          set_error("invalidProperties", "only undoStatus can change, to canceled", json::array({"undoStatus"}));
      continue;
    }
    auto s = *it;
    s.undo_status = store::UndoStatus::canceled;
    if (!store.update_submission(s, true)) {
      not_updated[id] = set_error("cannotUnsend", "the message has been sent already");
      continue;
    }
    email_of[id] = email_id(s.email_id);
    updated[id] = nullptr;
  }
  for (auto& id : destroy) {
    auto n = parse_id(id, 's');
    auto it = std::find_if(all.begin(), all.end(), [&](auto& s) { return n && s.id == *n; });
    if (it == all.end() || !store.destroy_submission(address, *n)) {
      not_destroyed[id] = set_error("notFound", "no such submission");
      continue;
    }
    destroyed.push_back(id);
  }

  json out = set_answer(account_id(address), old_state, TRY(account_state(call, *a)), created, updated, destroyed,
                        not_created, not_updated, not_destroyed);

  // onSuccessUpdateEmail / onSuccessDestroyEmail: an implicit Email/set on
  // the emails of the submissions that succeeded (§7.5).
  json email_update = json::object(), email_destroy = json::array();
  auto resolve = [&](const std::string& key) -> std::optional<std::string> {
    auto it = email_of.find(key);
    if (it != email_of.end()) return it->second;
    for (auto& s : all)
      if (submission_id(s.id) == key) return email_id(s.email_id);
    return std::nullopt;
  };
  // A submission created, updated or destroyed by this call (§7.5: "if the
  // create/update/destroy succeeds").
  auto succeeded = [&](const std::string& key) {
    if (key.starts_with("#")) return created.contains(key.substr(1));
    return updated.contains(key) || std::find(destroyed.begin(), destroyed.end(), key) != destroyed.end();
  };
  if (auto u = call.args.find("onSuccessUpdateEmail"); u != call.args.end() && u->is_object())
    for (auto& [key, patch] : u->items())
      if (auto e = resolve(key); e && succeeded(key)) email_update[*e] = patch;
  if (auto d = call.args.find("onSuccessDestroyEmail"); d != call.args.end() && d->is_array())
    for (auto& key : *d)
      if (key.is_string())
        if (auto e = resolve(key.get<std::string>()); e && succeeded(key.get<std::string>()))
          email_destroy.push_back(*e);
  if (!email_update.empty() || !email_destroy.empty()) {
    json args = {{"accountId", account_id(address)}, {"update", email_update}, {"destroy", email_destroy}};
    Call implicit{call.deps, call.who, args, call.created_ids, call.using_};
    auto r = email_set(implicit);
    if (r)
      call.implicit.emplace_back("Email/set", std::move(*r));
    else
      call.implicit.emplace_back("error", json{{"type", r.error().type}, {"description", r.error().description}});
  }
  return out;
}

}  // namespace estafeta::jmap
