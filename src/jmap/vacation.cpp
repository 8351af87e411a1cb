// VacationResponse/get and /set (RFC 8621 §8): the address's one vacation
// response ("singleton"), which the MX answers with (smtp/vacation.hpp).
#include <ctime>

#include <fmt/format.h>

#include "jmap/email_body.hpp"
#include "jmap/method.hpp"

namespace estafeta::jmap {

namespace {

constexpr const char* kSingleton = "singleton";

json to_json(const store::Vacation& v) {
  auto date = [](const std::optional<store::Time>& t) { return t ? json(utc_date(*t)) : json(nullptr); };
  auto text = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"id", kSingleton},
          {"isEnabled", v.enabled},
          {"fromDate", date(v.from)},
          {"toDate", date(v.to)},
          {"subject", text(v.subject)},
          {"textBody", text(v.text_body)},
          {"htmlBody", text(v.html_body)}};
}

}  // namespace

Out<json> vacation_get(Call& call) {
  TRY(only_known(call.args, {"accountId", "ids", "properties"}));
  auto* a = TRY(call.account());
  auto ids = TRY(id_list(call.args, "ids"));
  auto props = TRY(properties(call.args, "properties",
                              {"id", "isEnabled", "fromDate", "toDate", "subject", "textBody", "htmlBody"}));
  auto v = TRY(call.deps.store.vacation(a->address.id));
  json shown = pick(to_json(v), props);
  json list = json::array(), not_found = json::array();
  if (!ids) {
    list.push_back(shown);
  } else {
    for (auto& id : *ids)
      if (id == kSingleton)
        list.push_back(shown);
      else
        not_found.push_back(id);
  }
  return json{{"accountId", account_id(a->address.id)},
              {"state", TRY(account_state(call, *a))},
              {"list", list},
              {"notFound", not_found}};
}

Out<json> vacation_set(Call& call) {
  TRY(only_known(call.args, {"accountId", "ifInState", "create", "update", "destroy"}));
  auto* a = TRY(call.account());
  auto old_state = TRY(account_state(call, *a));
  TRY(check_state(call, "ifInState", old_state, "account"));
  json not_created = json::object(), not_updated = json::object(), not_destroyed = json::object(),
       updated = json::object();
  auto singleton = [](const char* what) {
    return json{{"type", "singleton"}, {"description", fmt::format("the VacationResponse cannot be {}", what)}};
  };
  if (auto c = call.args.find("create"); c != call.args.end() && c->is_object())
    for (auto& [cid, props] : c->items()) not_created[cid] = singleton("created");
  if (auto d = call.args.find("destroy"); d != call.args.end() && d->is_array())
    for (auto& id : *d)
      if (id.is_string()) not_destroyed[id.get<std::string>()] = singleton("destroyed");
  if (auto u = call.args.find("update"); u != call.args.end() && u->is_object()) {
    for (auto& [id, patch] : u->items()) {
      if (id != kSingleton) {
        not_updated[id] = {{"type", "notFound"}};
        continue;
      }
      auto v = TRY(call.deps.store.vacation(a->address.id));
      json bad = json::array();
      if (!patch.is_object()) {
        not_updated[id] = {{"type", "invalidPatch"}};
        continue;
      }
      for (auto& [k, value] : patch.items()) {
        if (k == "isEnabled" && value.is_boolean()) {
          v.enabled = value.get<bool>();
        } else if ((k == "fromDate" || k == "toDate") && (value.is_null() || parse_date(value, true))) {
          (k == "fromDate" ? v.from : v.to) = value.is_null() ? std::nullopt : parse_date(value, true);
        } else if ((k == "subject" || k == "textBody" || k == "htmlBody") &&
                   (value.is_null() || (value.is_string() && value.get<std::string>().size() <= 64 * 1024))) {
          auto& field = k == "subject" ? v.subject : k == "textBody" ? v.text_body : v.html_body;
          field = value.is_null() ? "" : value.get<std::string>();
          if (k == "subject" && field.find_first_of("\r\n") != std::string::npos) bad.push_back(k);
        } else {
          bad.push_back(k);
        }
      }
      if (!bad.empty()) {
        not_updated[id] = {{"type", "invalidProperties"}, {"properties", bad}};
        continue;
      }
      TRY(call.deps.store.set_vacation(a->address.id, v));
      // Push (RFC 8620 §7) hears of it now, as of any change of the account.
      announce(call, EventKind::mailbox_changed, a->address.id, 0);
      updated[id] = nullptr;
    }
  }
  return set_answer(account_id(a->address.id), old_state, TRY(account_state(call, *a)), json::object(), updated,
                    json::array(), not_created, not_updated, not_destroyed);
}

}  // namespace estafeta::jmap
