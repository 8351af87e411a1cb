// Identity/get, /changes, /set (RFC 8621 §6) and Quota/get, /changes,
// /query (RFC 9425). An identity belongs to the address, so every user of
// a shared address sees and changes the same ones; it may only send as the
// address itself.
#include <algorithm>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "jmap/method.hpp"

namespace estafeta::jmap {

namespace {

std::string identity_id(store::Id id) { return fmt::format("i{}", id); }

json addresses_or_null(const std::string& stored) {
  if (stored.empty()) return nullptr;
  auto v = json::parse(stored, nullptr, false);
  return v.is_discarded() ? json(nullptr) : v;
}

json to_json(const store::Identity& i) {
  return {{"id", identity_id(i.id)},
          {"name", i.name},
          {"email", i.email},
          {"replyTo", addresses_or_null(i.reply_to)},
          {"bcc", addresses_or_null(i.bcc)},
          {"textSignature", i.text_signature},
          {"htmlSignature", i.html_signature},
          {"mayDelete", true}};
}

// Applies the settable properties of `props` to `i`; the names of the bad ones.
json apply(const json& props, store::Identity& i, bool creating) {
  json bad = json::array();
  for (auto& [k, v] : props.items()) {
    auto text = [&](std::string& field, std::size_t max) {
      if (!v.is_string() || v.get<std::string>().size() > max)
        bad.push_back(k);
      else
        field = v.get<std::string>();
    };
    if (k == "name") {
      text(i.name, 256);
      if (i.name.find_first_of("\r\n") != std::string::npos) bad.push_back(k);
    } else if (k == "textSignature" || k == "htmlSignature") {
      text(k == "textSignature" ? i.text_signature : i.html_signature, 64 * 1024);
    } else if (k == "replyTo" || k == "bcc") {
      bool ok = v.is_null() || v.is_array();
      if (v.is_array())
        for (auto& a : v)
          ok = ok && a.is_object() && a.contains("email") && a["email"].is_string() &&
               a["email"].get<std::string>().find('@') != std::string::npos &&
               (!a.contains("name") || a["name"].is_null() || a["name"].is_string());
      if (!ok)
        bad.push_back(k);
      else
        (k == "replyTo" ? i.reply_to : i.bcc) = v.is_null() ? std::string() : v.dump();
    } else if (k == "email" && creating) {
      if (!v.is_string()) bad.push_back(k);
      i.email = v.is_string() ? ascii_lower(v.get<std::string>()) : "";
    } else if (k == "id" || k == "mayDelete" || k == "email") {
      bad.push_back(k);  // server-set or immutable
    } else {
      bad.push_back(k);
    }
  }
  return bad;
}

}  // namespace

Out<json> identity_get(Call& call) {
  TRY(only_known(call.args, {"accountId", "ids", "properties"}));
  auto* a = TRY(call.account());
  auto ids = TRY(id_list(call.args, "ids"));
  auto props =
      TRY(properties(call.args, "properties",
                     {"id", "name", "email", "replyTo", "bcc", "textSignature", "htmlSignature", "mayDelete"}));
  auto st = TRY(account_state(call, *a));
  auto all = TRY(call.deps.store.identities(a->address.id));
  json list = json::array(), not_found = json::array();
  auto shown = [&](const store::Identity& i) { return pick(to_json(i), props); };
  if (!ids) {
    for (auto& i : all) list.push_back(shown(i));
  } else {
    for (auto& id : *ids) {
      auto n = parse_id(id, 'i');
      auto it = std::find_if(all.begin(), all.end(), [&](auto& i) { return n && i.id == *n; });
      if (it == all.end())
        not_found.push_back(id);
      else
        list.push_back(shown(*it));
    }
  }
  return json{{"accountId", account_id(a->address.id)}, {"state", st}, {"list", list}, {"notFound", not_found}};
}

Out<json> identity_changes(Call& call) { return answer_changes(call, &store::Emails::identity_changes, &identity_id); }

Out<json> identity_set(Call& call) {
  auto args = TRY(set_args(call, "identities"));
  auto* a = args.account;
  auto& store = call.deps.store;
  const auto& old_state = args.old_state;
  const json& create = args.create;
  const json& update = args.update;
  const auto& destroy = args.destroy;
  json created = json::object(), updated = json::object(), destroyed = json::array();
  json not_created = json::object(), not_updated = json::object(), not_destroyed = json::object();
  for (auto& [cid, props] : create.items()) {
    store::Identity i;
    i.address_id = a->address.id;
    if (!props.is_object()) {
      not_created[cid] = set_error("invalidProperties", "an Identity is an object");
      continue;
    }
    auto bad = apply(props, i, true);
    if (!bad.empty()) {
      not_created[cid] = set_error("invalidProperties", "these properties cannot be set so", bad);
      continue;
    }
    if (!props.contains("email")) {
      not_created[cid] = set_error("invalidProperties", "an Identity needs its email", json::array({"email"}));
      continue;
    }
    if (i.email != a->address.address) {
      not_created[cid] = set_error("forbiddenFrom", "this account sends as " + a->address.address + " only");
      continue;
    }
    auto made = TRY(store.create_identity(i));
    call.created_ids[cid] = identity_id(made.id);
    created[cid] = {{"id", identity_id(made.id)}, {"mayDelete", true}};
  }
  auto all = TRY(store.identities(a->address.id));
  for (auto& [id, patch] : update.items()) {
    auto n = parse_id(id, 'i');
    auto it = std::find_if(all.begin(), all.end(), [&](auto& i) { return n && i.id == *n; });
    if (it == all.end()) {
      not_updated[id] = set_error("notFound", "no such identity");
      continue;
    }
    if (!patch.is_object()) {
      not_updated[id] = set_error("invalidPatch", "a patch is an object");
      continue;
    }
    auto i = *it;
    auto bad = apply(patch, i, false);
    if (!bad.empty()) {
      not_updated[id] = set_error("invalidProperties", "these properties cannot be set so", bad);
      continue;
    }
    TRY(store.update_identity(i));
    updated[id] = nullptr;
  }
  for (auto& id : destroy) {
    auto n = parse_id(id, 'i');
    if (!n || !store.destroy_identity(a->address.id, *n)) {
      not_destroyed[id] = set_error("notFound", "no such identity");
      continue;
    }
    destroyed.push_back(id);
  }
  return set_answer(account_id(a->address.id), old_state, TRY(account_state(call, *a)), created, updated, destroyed,
                    not_created, not_updated, not_destroyed);
}

// --- Quota (RFC 9425): one per limit the address has ("q-octets", "q-count").

namespace {

Out<std::vector<json>> quotas(const Call& call, const Account& a) {
  auto usage = TRY(call.deps.store.address_usage(a.address.id));
  std::vector<json> out;
  auto one = [&](const char* id, const char* type, std::uint64_t used, std::uint64_t limit, const char* what) {
    out.push_back({{"id", id},
                   {"resourceType", type},
                   {"used", used},
                   {"hardLimit", limit},
                   {"scope", "account"},
                   {"name", fmt::format("{} ({})", a.address.address, what)},
                   // RFC 9425 §4.1: names of the JMAP Types registry.
                   {"types", {"Email"}},
                   {"warnLimit", limit / 10 * 9},
                   {"softLimit", nullptr},
                   {"description", nullptr}});
  };
  if (usage.limit_bytes) one("q-octets", "octets", usage.bytes, *usage.limit_bytes, "size");
  if (usage.limit_messages) one("q-count", "count", usage.messages, *usage.limit_messages, "messages");
  return out;
}

}  // namespace

Out<json> quota_get(Call& call) {
  TRY(only_known(call.args, {"accountId", "ids", "properties"}));
  auto* a = TRY(call.account());
  auto ids = TRY(id_list(call.args, "ids"));
  auto props = TRY(properties(
      call.args, "properties",
      {"id", "resourceType", "used", "hardLimit", "scope", "name", "types", "warnLimit", "softLimit", "description"}));
  auto all = TRY(quotas(call, *a));
  json list = json::array(), not_found = json::array();
  auto shown = [&](const json& q) { return pick(q, props); };
  if (!ids) {
    for (auto& q : all) list.push_back(shown(q));
  } else {
    for (auto& id : *ids) {
      auto it = std::find_if(all.begin(), all.end(), [&](auto& q) { return q["id"] == id; });
      if (it == all.end())
        not_found.push_back(id);
      else
        list.push_back(shown(*it));
    }
  }
  return json{{"accountId", account_id(a->address.id)},
              {"state", TRY(account_state(call, *a))},
              {"list", list},
              {"notFound", not_found}};
}

Out<json> quota_changes(Call& call) {
  auto* a = TRY(call.account());
  auto args = TRY(changes_args(call));
  auto now = TRY(call.deps.store.mail_state(a->address.id));
  if (args.since.modseq > now) return std::unexpected(cannot_calculate());
  // Usage follows every change of the mail: any later state may have moved it.
  json updated = json::array();
  if (args.since.modseq < now || args.since.id != store::ChangeCursor::kAll)
    for (auto& q : TRY(quotas(call, *a))) updated.push_back(q["id"]);
  return json{{"accountId", account_id(a->address.id)},
              {"oldState", call.args["sinceState"]},
              {"newState", state_string({now})},
              {"hasMoreChanges", false},
              {"updatedProperties", updated.empty() ? json(nullptr) : json{"used"}},
              {"created", json::array()},
              {"updated", updated},
              {"destroyed", json::array()}};
}

Out<json> quota_query(Call& call) {
  TRY(only_known(call.args,
                 {"accountId", "filter", "sort", "position", "anchor", "anchorOffset", "limit", "calculateTotal"}));
  auto* a = TRY(call.account());
  auto all = TRY(quotas(call, *a));
  const json filter = call.args.value("filter", json(nullptr));
  json ids = json::array();
  for (auto& q : all) {
    bool ok = true;
    if (filter.is_object())
      for (auto& [k, v] : filter.items()) {
        if (k == "resourceType" || k == "scope")
          ok = ok && q[k] == v;
        else if (k == "name")
          ok = ok && v.is_string() && q["name"].get<std::string>().find(v.get<std::string>()) != std::string::npos;
        else if (k == "type")
          // "Mail" too: RFC 9425's own examples name the type so.
          ok = ok && (v == "Email" || v == "Mail");
        else
          return std::unexpected(MethodError("unsupportedFilter", k));
      }
    if (ok) ids.push_back(q["id"]);
  }
  json out = {{"accountId", account_id(a->address.id)},
              {"queryState", TRY(account_state(call, *a))},
              {"canCalculateChanges", false},
              {"position", 0},
              {"ids", ids}};
  if (TRY(bool_arg(call.args, "calculateTotal", false))) out["total"] = ids.size();
  return out;
}

}  // namespace estafeta::jmap
