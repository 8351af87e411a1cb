// The JMAP request (RFC 8620 §3): the request object checked, each method
// call's result references resolved (§3.7) and the call dispatched; the
// session resource (§2); the helpers every method uses.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <set>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "jmap/json_input.hpp"
#include "jmap/method.hpp"

namespace estafeta::jmap {

namespace {

constexpr std::string_view kProblem = "urn:ietf:params:jmap:error:";

Reply problem(int status, std::string_view type, std::string detail, json extra = json::object()) {
  json p = {{"type", std::string(kProblem) + std::string(type)}, {"status", status}, {"detail", std::move(detail)}};
  for (auto& [k, v] : extra.items()) p[k] = v;
  Reply r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = p.dump();
  return r;
}

Out<json> core_echo(Call& call) { return call.args; }

struct MethodEntry {
  std::string_view name;
  std::string_view capability;
  Method run;
};

constexpr MethodEntry kMethods[] = {
    {"Core/echo", kCore, &core_echo},
    {"Mailbox/get", kMail, &mailbox_get},
    {"Mailbox/changes", kMail, &mailbox_changes},
    {"Mailbox/query", kMail, &mailbox_query},
    {"Mailbox/queryChanges", kMail, &mailbox_query_changes},
    {"Mailbox/set", kMail, &mailbox_set},
    {"Thread/get", kMail, &thread_get},
    {"Thread/changes", kMail, &thread_changes},
    {"Email/get", kMail, &email_get},
    {"Email/changes", kMail, &email_changes},
    {"Email/query", kMail, &email_query},
    {"Email/queryChanges", kMail, &email_query_changes},
    {"Email/set", kMail, &email_set},
    {"Email/import", kMail, &email_import},
    {"Email/parse", kMail, &email_parse},
    {"Email/copy", kMail, &email_copy},
    {"Blob/copy", kCore, &blob_copy},
    {"SearchSnippet/get", kMail, &search_snippet_get},
    {"Identity/get", kSubmission, &identity_get},
    {"Identity/changes", kSubmission, &identity_changes},
    {"Identity/set", kSubmission, &identity_set},
    {"EmailSubmission/get", kSubmission, &submission_get},
    {"EmailSubmission/changes", kSubmission, &submission_changes},
    {"EmailSubmission/query", kSubmission, &submission_query},
    {"EmailSubmission/queryChanges", kSubmission, &submission_query_changes},
    {"EmailSubmission/set", kSubmission, &submission_set},
    {"VacationResponse/get", kVacation, &vacation_get},
    {"VacationResponse/set", kVacation, &vacation_set},
    {"MDN/send", kMdn, &mdn_send},
    {"MDN/parse", kMdn, &mdn_parse},
    {"Quota/get", kQuota, &quota_get},
    {"Quota/changes", kQuota, &quota_changes},
    {"Quota/query", kQuota, &quota_query},
};

const MethodEntry* find_method(std::string_view name) {
  for (auto& m : kMethods)
    if (m.name == name) return &m;
  return nullptr;
}

bool known_capability(std::string_view c) {
  return c == kCore || c == kMail || c == kSubmission || c == kQuota || c == kVacation || c == kWebSocket || c == kMdn;
}

// A JSON Pointer (RFC 6901) with JMAP's "*" (RFC 8620 §3.7): over an array,
// the rest of the path applies to every item and array results are joined.
std::optional<json> evaluate(const json& value, std::string_view path) {
  if (path.empty()) return value;
  if (path.front() != '/') return std::nullopt;
  path.remove_prefix(1);
  auto slash = path.find('/');
  std::string token(path.substr(0, slash));
  std::string_view rest = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  std::string name;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      name += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      name += token[i];
    }
  }
  if (value.is_array()) {
    if (name == "*") {
      json out = json::array();
      for (auto& item : value) {
        auto r = evaluate(item, rest);
        if (!r) return std::nullopt;
        if (r->is_array())
          for (auto& x : *r) out.push_back(x);
        else
          out.push_back(*r);
      }
      return out;
    }
    std::size_t index = 0;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
    if (ec != std::errc() || end != name.data() + name.size() || index >= value.size()) return std::nullopt;
    return evaluate(value[index], rest);
  }
  if (value.is_object()) {
    auto it = value.find(name);
    if (it == value.end()) return std::nullopt;
    return evaluate(*it, rest);
  }
  return std::nullopt;
}

// RFC 8620 §5.1: an id asked for twice is answered once (the first time).
void unique_ids(json& args) {
  auto it = args.find("ids");
  if (it == args.end() || !it->is_array()) return;
  json seen = json::array();
  for (auto& id : *it)
    if (std::find(seen.begin(), seen.end(), id) == seen.end()) seen.push_back(id);
  *it = std::move(seen);
}

// Update and destroy name a record created earlier in the request by its
// creation id ("#k"); the answer names it by its id (RFC 8620 §5.3).
void created_keys(json& args, const std::map<std::string, std::string>& created_ids) {
  auto real = [&](const std::string& key) -> std::optional<std::string> {
    if (!key.starts_with('#')) return std::nullopt;
    auto found = created_ids.find(key.substr(1));
    return found == created_ids.end() ? std::nullopt : std::optional(found->second);
  };
  if (auto update = args.find("update"); update != args.end() && update->is_object()) {
    json renamed = json::object();
    for (auto& [key, patch] : update->items()) {
      auto id = real(key).value_or(key);
      if (!renamed.contains(id)) renamed[id] = patch;
    }
    *update = std::move(renamed);
  }
  if (auto destroy = args.find("destroy"); destroy != args.end() && destroy->is_array())
    for (auto& id : *destroy)
      if (id.is_string())
        if (auto r = real(id.get<std::string>())) id = *r;
}

// Replaces "#name" arguments by the values they refer to (§3.7).
Out<json> resolve_references(const json& args, const json& responses) {
  json out = json::object();
  for (auto& [key, value] : args.items()) {
    if (!key.starts_with("#")) {
      out[key] = value;
      continue;
    }
    auto plain = key.substr(1);
    if (args.contains(plain)) return invalid_arguments(fmt::format("'{}' and '{}' are both given", plain, key));
    if (!value.is_object() || !value.contains("resultOf") || !value["resultOf"].is_string() ||
        !value.contains("name") || !value["name"].is_string() || !value.contains("path") || !value["path"].is_string())
      return invalid_arguments(fmt::format("'{}' is not a ResultReference", key));
    auto of = value["resultOf"].get<std::string>();
    auto name = value["name"].get<std::string>();
    // RFC 8620 §3.7: the first response with that call id, which must
    // have that name (a method's implicit responses follow its own).
    const json* found = nullptr;
    for (auto& r : responses)
      if (r[2] == of) {
        if (r[0] == name) found = &r[1];
        break;
      }
    if (!found)
      return std::unexpected(
          MethodError("invalidResultReference", fmt::format("no earlier response '{}' to call '{}'", name, of)));
    auto v = evaluate(*found, value["path"].get<std::string>());
    if (!v)
      return std::unexpected(MethodError(
          "invalidResultReference", fmt::format("the path {} does not exist in that response", value["path"].dump())));
    out[plain] = std::move(*v);
  }
  return out;
}

// ws://host/jmap/ws for http://host (wss for https).
std::string websocket_url(std::string_view base) {
  std::string out(base);
  if (out.starts_with("https://"))
    out = "wss://" + out.substr(8);
  else if (out.starts_with("http://"))
    out = "ws://" + out.substr(7);
  return out + "/jmap/ws";
}

// The session's state: it changes when the accounts do.
std::string session_state(const Principal& who) {
  std::string all;
  for (auto& a : who.accounts) all += fmt::format("{}:{}.", a.access.id, a.access.may_change_special_folders);
  return fmt::format("{:x}", std::hash<std::string>{}(all));
}

json error_json(const MethodError& e) {
  json j = {{"type", e.type}};
  if (!e.description.empty()) j["description"] = e.description;
  for (auto& [k, v] : e.extra.items()) j[k] = v;
  return j;
}

}  // namespace

const Account* Principal::find(std::string_view id) const {
  for (auto& a : accounts)
    if (account_id(a.address.id) == id) return &a;
  return nullptr;
}

std::string account_id(store::Id address_id) { return fmt::format("a{}", address_id); }
std::string mailbox_id(store::Id id) { return fmt::format("m{}", id); }
std::string email_id(store::Id id) { return fmt::format("e{}", id); }
std::string thread_id(store::Id id) { return fmt::format("t{}", id); }

std::string blob_id(const std::string& hash, std::string_view part) {
  std::string out = "b" + hash;
  if (!part.empty()) {
    out += '_';
    for (char c : part) out += c == '.' ? '-' : c == '/' ? '_' : c;
  }
  return out;
}

std::optional<store::Id> parse_id(std::string_view id, char kind) {
  if (id.size() < 2 || id.front() != kind) return std::nullopt;
  store::Id v = 0;
  auto [end, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), v);
  if (ec != std::errc() || end != id.data() + id.size() || v <= 0) return std::nullopt;
  return v;
}

std::optional<BlobRef> parse_blob_id(std::string_view id) {
  if (id.size() < 65 || id.front() != 'b') return std::nullopt;
  BlobRef r;
  r.hash = std::string(id.substr(1, 64));
  for (char c : r.hash)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  auto rest = id.substr(65);
  if (rest.empty()) return r;
  if (rest.front() != '_' || rest.size() < 2) return std::nullopt;
  // Part ids with '-' for '.', and '_' before the part of a message inside
  // another ("2_1-2": part 1.2 of the message that is part 2).
  char last = '_';
  for (char c : rest.substr(1)) {
    if (c == '-' || c == '_') {
      if (last == '-' || last == '_') return std::nullopt;
      r.part += c == '-' ? '.' : '/';
    } else if (c >= '0' && c <= '9') {
      r.part += c;
    } else {
      return std::nullopt;
    }
    last = c;
  }
  if (last == '-' || last == '_') return std::nullopt;
  return r;
}

// "modseq", or between pages "modseq-id" and, when the first page started
// elsewhere, "-origin".
std::string state_string(store::ChangeCursor at) {
  if (at.id == store::ChangeCursor::kAll) return fmt::format("{}", at.modseq);
  if (at.origin == 0 || at.origin == at.modseq) return fmt::format("{}-{}", at.modseq, at.id);
  return fmt::format("{}-{}-{}", at.modseq, at.id, at.origin);
}

std::optional<store::ChangeCursor> parse_state(std::string_view s) {
  store::ChangeCursor c;
  auto dash = s.find('-');
  auto head = s.substr(0, dash);
  auto [end, ec] = std::from_chars(head.data(), head.data() + head.size(), c.modseq);
  if (head.empty() || ec != std::errc() || end != head.data() + head.size()) return std::nullopt;
  if (dash == std::string_view::npos) return c;
  auto tail = s.substr(dash + 1);
  auto second = tail.find('-');
  auto id = tail.substr(0, second);
  auto [end2, ec2] = std::from_chars(id.data(), id.data() + id.size(), c.id);
  if (id.empty() || ec2 != std::errc() || end2 != id.data() + id.size() || c.id < 0) return std::nullopt;
  if (second == std::string_view::npos) return c;
  auto origin = tail.substr(second + 1);
  auto [end3, ec3] = std::from_chars(origin.data(), origin.data() + origin.size(), c.origin);
  if (origin.empty() || ec3 != std::errc() || end3 != origin.data() + origin.size() || c.origin > c.modseq)
    return std::nullopt;
  return c;
}

Out<const Account*> Call::account() const {
  auto it = args.find("accountId");
  if (it == args.end() || !it->is_string()) return invalid_arguments("accountId is required");
  auto* a = who.find(it->get<std::string>());
  if (!a) return std::unexpected(MethodError("accountNotFound", "no such account"));
  return a;
}

Out<std::optional<std::vector<std::string>>> id_list(const json& args, const char* name) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return std::optional<std::vector<std::string>>();
  if (!it->is_array()) return invalid_arguments(fmt::format("{} must be a list of ids", name));
  std::vector<std::string> out;
  for (auto& v : *it) {
    if (!v.is_string()) return invalid_arguments(fmt::format("{} must be a list of ids", name));
    out.push_back(v.get<std::string>());
  }
  return std::optional(std::move(out));
}

Out<std::optional<std::vector<std::string>>> properties(const json& args, const char* name,
                                                        const std::vector<std::string_view>& known) {
  auto list = TRY(id_list(args, name));
  if (!list) return list;
  for (auto& p : *list) {
    bool ok = false;
    for (auto k : known) ok = ok || k == p;
    if (!ok) return invalid_arguments(fmt::format("unknown property '{}'", p));
  }
  return list;
}

Out<std::optional<std::int64_t>> int_arg(const json& args, const char* name, bool allow_negative) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer()) return invalid_arguments(fmt::format("{} must be an integer", name));
  auto v = it->get<std::int64_t>();
  if (v < 0 && !allow_negative) return invalid_arguments(fmt::format("{} must not be negative", name));
  if (v > (std::int64_t{1} << 53) - 1 || v < -((std::int64_t{1} << 53) - 1))
    return invalid_arguments(fmt::format("{} is out of range", name));
  return std::optional(v);
}

Out<bool> bool_arg(const json& args, const char* name, bool fallback) {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return invalid_arguments(fmt::format("{} must be true or false", name));
  return it->get<bool>();
}

Out<void> only_known(const json& args, std::initializer_list<std::string_view> known) {
  for (auto& [k, v] : args.items()) {
    bool ok = false;
    for (auto n : known) ok = ok || n == k;
    if (!ok) return invalid_arguments(fmt::format("unknown argument '{}'", k));
  }
  return {};
}

Out<void> check_state(const Call& call, const char* argument, const std::string& state, std::string_view what) {
  if (call.args.contains(argument) && call.args[argument] != state)
    return std::unexpected(MethodError("stateMismatch", fmt::format("the {} changed since that state", what)));
  return {};
}

Out<SetArgs> set_args(Call& call, std::string_view what, std::initializer_list<std::string_view> extra) {
  for (auto& [k, v] : call.args.items()) {
    bool ok = k == "accountId" || k == "ifInState" || k == "create" || k == "update" || k == "destroy";
    for (auto n : extra) ok = ok || n == k;
    if (!ok) return invalid_arguments(fmt::format("unknown argument '{}'", k));
  }
  SetArgs out;
  out.account = TRY(call.account());
  out.old_state = TRY(account_state(call, *out.account));
  TRY(check_state(call, "ifInState", out.old_state, what));
  out.create = call.args.value("create", json::object());
  out.update = call.args.value("update", json::object());
  if (out.create.is_null()) out.create = json::object();
  if (out.update.is_null()) out.update = json::object();
  out.destroy = TRY(id_list(call.args, "destroy")).value_or(std::vector<std::string>{});
  if (!out.create.is_object() || !out.update.is_object()) return invalid_arguments("create and update are maps");
  if (out.create.size() + out.update.size() + out.destroy.size() > call.deps.limits.max_objects_in_set)
    return std::unexpected(MethodError("requestTooLarge", "more changes than maxObjectsInSet"));
  return out;
}

void announce(const Call& call, EventKind kind, store::Id address, store::Id mailbox, std::uint64_t modseq,
              std::uint32_t uid) {
  if (!call.deps.bus) return;
  Event e{kind};
  e.address_id = address;
  e.mailbox_id = mailbox;
  e.modseq = modseq;
  e.uid = uid;
  call.deps.bus->publish(e);
}

json set_error(std::string type, std::string description, json properties) {
  json e = {{"type", std::move(type)}, {"description", std::move(description)}};
  if (!properties.is_null()) e["properties"] = std::move(properties);
  return e;
}

Out<std::string> account_state(const Call& call, const Account& account) {
  return state_string({TRY(call.deps.store.mail_state(account.address.id))});
}

json or_null(const json& j) { return j.empty() ? json(nullptr) : j; }

json set_answer(const std::string& account, const std::string& old_state, const std::string& new_state,
                const json& created, const json& updated, const json& destroyed, const json& not_created,
                const json& not_updated, const json& not_destroyed) {
  return {{"accountId", account},
          {"oldState", old_state},
          {"newState", new_state},
          {"created", or_null(created)},
          {"updated", or_null(updated)},
          {"destroyed", or_null(destroyed)},
          {"notCreated", or_null(not_created)},
          {"notUpdated", or_null(not_updated)},
          {"notDestroyed", or_null(not_destroyed)}};
}

json pick(const json& full, const std::optional<std::vector<std::string>>& properties) {
  if (!properties) return full;
  json out = {{"id", full["id"]}};
  for (auto& p : *properties) out[p] = full.contains(p) ? full[p] : json(nullptr);
  return out;
}

std::optional<std::int64_t> parse_date(const json& v, bool utc_only) {
  if (!v.is_string()) return std::nullopt;
  auto s = v.get<std::string>();
  std::tm tm{};
  char zone[8] = {};
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, zone) != 7)
    return std::nullopt;
  std::string_view rest = zone;
  int offset = 0;
  if (rest == "Z" || rest == "z") {
    offset = 0;
  } else if (!utc_only && rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':' &&
             std::isdigit(static_cast<unsigned char>(rest[1])) && std::isdigit(static_cast<unsigned char>(rest[2])) &&
             std::isdigit(static_cast<unsigned char>(rest[4])) && std::isdigit(static_cast<unsigned char>(rest[5]))) {
    offset = (rest[0] == '+' ? 1 : -1) *
             (((rest[1] - '0') * 10 + (rest[2] - '0')) * 3600 + ((rest[4] - '0') * 10 + (rest[5] - '0')) * 60);
  } else {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm)) - offset;
}

MethodError cannot_calculate() {
  return MethodError("cannotCalculateChanges", "that state is unknown here; get the objects again");
}

Out<ChangesArgs> changes_args(const Call& call) {
  TRY(only_known(call.args, {"accountId", "sinceState", "maxChanges"}));
  auto since = call.args.find("sinceState");
  if (since == call.args.end() || !since->is_string()) return invalid_arguments("sinceState is required");
  auto at = parse_state(since->get<std::string>());
  if (!at) return std::unexpected(cannot_calculate());
  auto max = TRY(int_arg(call.args, "maxChanges"));
  if (max && *max == 0) return invalid_arguments("maxChanges must be greater than 0");
  ChangesArgs out;
  out.since = *at;
  out.max = max ? std::min<std::size_t>(static_cast<std::size_t>(*max), call.deps.limits.max_changes)
                : call.deps.limits.max_changes;
  return out;
}

Out<json> answer_changes(Call& call, StoreChanges changes, std::string (*to_id)(store::Id)) {
  auto* a = TRY(call.account());
  auto args = TRY(changes_args(call));
  auto c = (call.deps.store.*changes)(a->address.id, args.since, args.max);
  if (!c) return std::unexpected(cannot_calculate());
  return changes_response(account_id(a->address.id), call.args["sinceState"].get<std::string>(), *c, to_id);
}

json changes_response(const std::string& account, std::string_view old_state, const store::Changes& c,
                      std::string (*to_id)(store::Id)) {
  auto ids = [&](const std::vector<store::Id>& v) {
    json out = json::array();
    for (auto id : v) out.push_back(to_id(id));
    return out;
  };
  return {{"accountId", account},         {"oldState", old_state},     {"newState", state_string(c.next)},
          {"hasMoreChanges", c.has_more}, {"created", ids(c.created)}, {"updated", ids(c.updated)},
          {"destroyed", ids(c.destroyed)}};
}

Reply session(const Deps& deps, const Principal& who, std::string_view base) {
  const auto& l = deps.limits;
  json accounts = json::object();
  json primary = json::object();
  for (auto& a : who.accounts) {
    auto id = account_id(a.address.id);
    accounts[id] = {{"name", a.address.address},
                    {"isPersonal", a.personal},
                    {"isReadOnly", false},
                    {"accountCapabilities",
                     {{kCore, json::object()},
                      {kMail,
                       {{"maxMailboxesPerEmail", nullptr},
                        {"maxMailboxDepth", 10},
                        {"maxSizeMailboxName", 255},
                        {"maxSizeAttachmentsPerEmail", l.max_size_upload},
                        {"emailQuerySortOptions",
                         {"receivedAt", "sentAt", "size", "from", "to", "subject", "hasKeyword",
                          "allInThreadHaveKeyword", "someInThreadHaveKeyword"}},
                        {"mayCreateTopLevelMailbox", true}}},
                      {kSubmission,
                       {{"maxDelayedSend", l.max_delayed_send},
                        {"submissionExtensions", {{"FUTURERELEASE", {std::to_string(l.max_delayed_send)}}}}}},
                      {kQuota, json::object()},
                      {kVacation, json::object()},
                      {kMdn, json::object()}}}};
    if (a.personal && !primary.contains(kMail))
      for (auto c : {kCore, kMail, kSubmission, kQuota, kVacation, kMdn}) primary[c] = id;
  }
  if (!primary.contains(kMail) && !who.accounts.empty())
    for (auto c : {kCore, kMail, kSubmission, kQuota, kVacation, kMdn})
      primary[c] = account_id(who.accounts.front().address.id);
  json s = {
      {"capabilities",
       {{kCore,
         {{"maxSizeUpload", l.max_size_upload},
          {"maxConcurrentUpload", l.max_concurrent_upload},
          {"maxSizeRequest", l.max_size_request},
          {"maxConcurrentRequests", l.max_concurrent_requests},
          {"maxCallsInRequest", l.max_calls_in_request},
          {"maxObjectsInGet", l.max_objects_in_get},
          {"maxObjectsInSet", l.max_objects_in_set},
          {"collationAlgorithms", {"i;ascii-casemap", "i;octet"}}}},
        {kMail, json::object()},
        {kSubmission, json::object()},
        {kQuota, json::object()},
        {kVacation, json::object()},
        {kMdn, json::object()},
        {kWebSocket, {{"url", websocket_url(base)}, {"supportsPush", true}}}}},
      {"accounts", accounts},
      {"primaryAccounts", primary},
      {"username", who.username},
      {"apiUrl", std::string(base) + "/jmap/api"},
      {"downloadUrl", std::string(base) + "/jmap/download/{accountId}/{blobId}/{name}?accept={type}"},
      {"uploadUrl", std::string(base) + "/jmap/upload/{accountId}/"},
      {"eventSourceUrl", std::string(base) + "/jmap/eventsource?types={types}&closeafter={closeafter}&ping={ping}"},
      {"state", session_state(who)}};
  Reply r;
  r.body = s.dump();
  return r;
}

Reply api(const Deps& deps, const Principal& who, std::string_view content_type, std::string_view body) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  // Media types compare without regard to case (RFC 9110 §8.3.1).
  if (!ascii_iequals(type, "application/json")) return problem(400, "notJSON", "the request must be application/json");
  if (body.size() > deps.limits.max_size_request)
    return problem(400, "limit", "the request is larger than maxSizeRequest", {{"limit", "maxSizeRequest"}});
  bool too_deep = false;
  json request = parse_json_input(body, too_deep);
  if (too_deep) return problem(400, "notJSON", fmt::format("the request nests deeper than {} levels", kMaxJsonDepth));
  if (request.is_discarded()) return problem(400, "notJSON", "the request is not valid JSON");
  if (!request.is_object() || !request.contains("using") || !request["using"].is_array() ||
      !request.contains("methodCalls") || !request["methodCalls"].is_array())
    return problem(400, "notRequest", "a request object has 'using' and 'methodCalls' lists");
  std::vector<std::string> using_;
  for (auto& c : request["using"]) {
    if (!c.is_string()) return problem(400, "notRequest", "'using' lists capability names");
    if (!known_capability(c.get<std::string>()))
      return problem(400, "unknownCapability", fmt::format("unknown capability {}", c.dump()));
    using_.push_back(c.get<std::string>());
  }
  auto& calls = request["methodCalls"];
  if (calls.size() > deps.limits.max_calls_in_request)
    return problem(400, "limit", "too many method calls in one request", {{"limit", "maxCallsInRequest"}});
  for (auto& c : calls)
    if (!c.is_array() || c.size() != 3 || !c[0].is_string() || !c[1].is_object() || !c[2].is_string())
      return problem(400, "notRequest", "each method call is [name, arguments, call id]");
  std::map<std::string, std::string> created_ids;
  if (request.contains("createdIds")) {
    if (!request["createdIds"].is_object()) return problem(400, "notRequest", "createdIds maps creation ids to ids");
    for (auto& [k, v] : request["createdIds"].items()) {
      if (!v.is_string()) return problem(400, "notRequest", "createdIds maps creation ids to ids");
      created_ids[k] = v.get<std::string>();
    }
  }

  json responses = json::array();
  for (auto& c : calls) {
    const std::string name = c[0].get<std::string>();
    const json& call_id = c[2];
    auto fail = [&](const MethodError& e) { responses.push_back(json::array({"error", error_json(e), call_id})); };
    auto* method = find_method(name);
    bool usable = method && std::find(using_.begin(), using_.end(), method->capability) != using_.end();
    if (!usable) {
      fail(MethodError("unknownMethod", fmt::format("no method {} in the capabilities used", name)));
      continue;
    }
    auto args = resolve_references(c[1], responses);
    if (!args) {
      fail(args.error());
      continue;
    }
    // Authorization first: an account the caller may not use is not found,
    // whatever else the arguments say.
    if (auto id = args->find("accountId"); id != args->end() && id->is_string() && !who.find(id->get<std::string>())) {
      fail(MethodError("accountNotFound", "no such account"));
      continue;
    }
    if (name.ends_with("/get")) unique_ids(*args);
    if (name.ends_with("/set")) created_keys(*args, created_ids);
    Call call{deps, who, *args, created_ids, using_};
    Out<json> result = std::unexpected(MethodError("serverFail"));
    try {
      result = method->run(call);
    } catch (const json::exception& e) {
      // An argument of a type a method did not check for: the call fails
      // alone (RFC 8620 §3.6.2), the request goes on.
      result = std::unexpected(
          MethodError("invalidArguments", fmt::format("an argument has the wrong type ({})", e.what())));
    }
    if (!result) {
      fail(result.error());
      continue;
    }
    responses.push_back(json::array({name, std::move(*result), call_id}));
    for (auto& [implicit_name, implicit_args] : call.implicit)
      responses.push_back(json::array({implicit_name, std::move(implicit_args), call_id}));
  }
  json out = {{"methodResponses", std::move(responses)}, {"sessionState", session_state(who)}};
  if (request.contains("createdIds")) {
    json ids = json::object();
    for (auto& [k, v] : created_ids) ids[k] = v;
    out["createdIds"] = ids;
  }
  Reply r;
  r.body = out.dump();
  return r;
}

}  // namespace estafeta::jmap
