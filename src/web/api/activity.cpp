// /api/v1/activity: the activity log (DESIGN §2.2): who did what, when and
// from where. A member sees their own actions; an organisation's admins and
// legal representatives see the whole organisation's. Filters: date range,
// product, action type, free text; paging by the last id seen; CSV export.
#include <nlohmann/json.hpp>

#include <charconv>

#include <fmt/format.h>

#include "web/api/http_json.hpp"
#include "web/api/routes.hpp"

namespace estafeta::web::api {

namespace {

using nlohmann::json;

json entry_json(const store::AuditEntry& e) {
  return {{"id", e.id},         {"time", e.time},       {"actor", e.actor}, {"action", e.action},
          {"target", e.target}, {"product", e.product}, {"ip", e.ip},       {"detail", e.detail}};
}

// RFC 4180: fields with a comma, quote or line end are quoted, quotes doubled.
// A leading =, +, - or @ is prefixed with ' so spreadsheets do not run it.
std::string csv_field(const std::string& s) {
  std::string v = s;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v.insert(0, "'");
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Result<std::optional<std::int64_t>> time_param(const Context& c, const char* name) {
  auto v = query_param(c.request.target, name);
  if (!v) return std::nullopt;
  std::int64_t t = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), t);
  if (ec != std::errc() || end != v->data() + v->size() || t < 0)
    return fail(ErrorKind::invalid, fmt::format("{} must be a Unix time in seconds", name), "", name);
  return t;
}

Response activity(Context& c) {
  auto& me = c.who().user;
  store::AuditQuery q;
  bool admin = me.role == store::Role::admin || me.role == store::Role::legal;
  if (admin)
    q.org_id = me.org_id;
  else
    q.actor_user_id = me.id;
  auto since = time_param(c, "since");
  if (!since) return error_response(since.error());
  auto until = time_param(c, "until");
  if (!until) return error_response(until.error());
  q.since = *since;
  q.until = *until;
  q.product = query_param(c.request.target, "product").value_or("");
  q.action_prefix = query_param(c.request.target, "action").value_or("");
  q.text = query_param(c.request.target, "q").value_or("");
  if (q.text.size() > 200) return error_response(422, "invalid", "q is longer than 200 characters", "q");
  if (auto b = query_param(c.request.target, "before")) {
    auto v = id_param(*b);
    if (!v) return error_response(422, "invalid", "before must be an entry id", "before");
    q.before_id = *v;
  }
  q.limit = 100;
  if (auto l = query_param(c.request.target, "limit")) {
    auto v = id_param(*l);
    if (!v || *v > 1000) return error_response(422, "invalid", "limit must be between 1 and 1000", "limit");
    q.limit = static_cast<std::size_t>(*v);
  }
  auto entries = c.deps.store.query_audit(q);
  if (!entries) return error_response(entries.error());
  if (query_param(c.request.target, "format") == "csv") {
    Response r;
    r.content_type = "text/csv; charset=utf-8";
    r.headers["content-disposition"] = "attachment; filename=\"activity.csv\"";
    r.body = "id,time,actor,action,target,product,ip,detail\r\n";
    for (auto& e : *entries)
      r.body += fmt::format("{},{},{},{},{},{},{},{}\r\n", e.id, e.time, csv_field(e.actor), csv_field(e.action),
                            csv_field(e.target), csv_field(e.product), csv_field(e.ip), csv_field(e.detail));
    return r;
  }
  json items = json::array();
  for (auto& e : *entries) items.push_back(entry_json(e));
  json out = {{"entries", items}};
  if (entries->size() == q.limit) out["next"] = entries->back().id;
  return json_response(200, out);
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/activity", Access::user, 0,
     "The activity log (?since=&until=&product=&action=&q=&before=&limit=&format=csv): the caller's own actions; "
     "admins: the organisation's",
     "activity", &activity},
};

}  // namespace

std::span<const Route> activity_routes() { return kRoutes; }

}  // namespace estafeta::web::api
