// The management routes of /api/v1: what the admin CLI does, through
// manage::Manager with the caller as the actor. The Manager decides who may
// do what (an organisation's admins and legal representatives manage it; a
// member manages their own device passwords; nobody sees another
// organisation, whose objects are 404) and writes the audit entries.
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "manage/autoconfig.hpp"
#include "web/api/http_json.hpp"
#include "web/api/routes.hpp"

namespace estafeta::web::api {

namespace {

using nlohmann::json;

constexpr std::size_t kSmallBody = 4096;

json org_json(const store::Organisation& o) { return {{"id", o.id}, {"name", o.name}, {"created", o.created}}; }

json user_json(const store::User& u) {
  return {{"id", u.id},
          {"login", u.login},
          {"display_name", u.display_name},
          {"role", store::to_string(u.role)},
          {"organisation_id", u.org_id},
          {"created", u.created}};
}

json service_json(const store::MailService& s) {
  return {{"id", s.id}, {"name", s.name}, {"organisation_id", s.org_id}, {"locked", s.locked}, {"created", s.created}};
}

json domain_json(const store::Domain& d) {
  return {{"id", d.id},
          {"name", d.name},
          {"service_id", d.service_id},
          {"verified", d.verified},
          {"spf_fail", store::to_string(d.spf_fail)},
          {"dmarc_reject", store::to_string(d.dmarc_reject)},
          {"created", d.created}};
}

json optional_number(const std::optional<std::uint64_t>& v) { return v ? json(*v) : json(nullptr); }

json address_json(const store::Address& a) {
  return {{"id", a.id},
          {"address", a.address},
          {"organisation_id", a.org_id},
          {"service_id", a.service_id},
          {"quota_bytes", optional_number(a.settings.quota_bytes)},
          {"quota_messages", optional_number(a.settings.quota_messages)},
          {"save_sent", a.settings.save_sent},
          {"created", a.created}};
}

json device_json(const manage::DeviceView& d) {
  return {{"id", d.device.id},
          {"label", d.device.label},
          {"login", d.login},
          {"address", d.address},
          {"created", d.device.created},
          {"last_used", d.device.last_used ? json(*d.device.last_used) : json(nullptr)},
          {"last_ip", d.device.last_ip},
          {"revoked", d.device.revoked.has_value()}};
}

template <class T, class F>
Response list(const char* key, const Result<std::vector<T>>& items, F to_json) {
  if (!items) return error_response(items.error());
  json out = json::array();
  for (auto& i : *items) out.push_back(to_json(i));
  return json_response(200, {{key, out}});
}

std::optional<std::string> param(const Context& c, const char* name) { return query_param(c.request.target, name); }

// --- organisations and users

Response list_organisations(Context& c) {
  return list("organisations", c.deps.manager.list_organisations(c.actor()), org_json);
}

Response list_users(Context& c) {
  return list("users", c.deps.manager.list_users(c.actor(), param(c, "organisation")), user_json);
}

Response create_user(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto login = required_string(*body, "login", 320);
  if (!login) return error_response(login.error());
  auto name = string_field(*body, "display_name", 200);
  if (!name) return error_response(name.error());
  auto role_text = string_field(*body, "role", 16);
  if (!role_text) return error_response(role_text.error());
  auto role = store::parse_role(role_text->value_or("member"));
  if (!role) return error_response(422, "invalid", "role must be admin, legal or member", "role");
  auto password = string_field(*body, "password", 1024);
  if (!password) return error_response(password.error());
  // The caller's own organisation, unless an operator names one (operators use the CLI).
  auto orgs = c.deps.store.organisation(c.who().user.org_id);
  if (!orgs) return error_response(orgs.error());
  auto u = c.deps.manager.create_user(c.actor(), orgs->name, *login, name->value_or(""), *role, password->value_or(""));
  if (!u) return error_response(u.error());
  return json_response(201, user_json(*u));
}

Response update_user(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto role_text = string_field(*body, "role", 16);
  if (!role_text) return error_response(role_text.error());
  std::optional<store::Role> role;
  if (*role_text) {
    role = store::parse_role(**role_text);
    if (!role) return error_response(422, "invalid", "role must be admin, legal or member", "role");
  }
  auto name = string_field(*body, "display_name", 200);
  if (!name) return error_response(name.error());
  auto u = c.deps.manager.update_user(c.actor(), c.params[0], role, *name);
  if (!u) return error_response(u.error());
  return json_response(200, user_json(*u));
}

Response delete_user(Context& c) {
  // One's own account goes only with its password (DELETE /api/v1/me): a
  // session or an API token alone must not be enough to delete it.
  // The same account, however its login is spelt.
  if (auto target = c.deps.store.find_user(c.params[0]); target && target->id == c.who().user.id)
    return error_response(403, "forbidden", "to delete your own account, use DELETE /api/v1/me with your password");
  if (auto st = c.deps.manager.delete_user(c.actor(), c.params[0]); !st) return error_response(st.error());
  return no_content();
}

// An organisation admin unlocks a locked account (audited); the user's
// failure count starts again.
Response unlock_user(Context& c) {
  auto was = c.deps.manager.unlock_user(c.actor(), c.params[0]);
  if (!was) return error_response(was.error());
  return json_response(200, {{"login", c.params[0]}, {"was_locked", *was}});
}

json policy_json(const store::OrgPolicy& p) {
  return {{"require_2fa", p.require_2fa}, {"min_lockout_threshold", p.min_lockout_threshold}};
}

std::string own_org(const Context& c) {
  auto o = c.deps.store.organisation(c.who().user.org_id);
  return o ? o->name : std::string();
}

Response get_policy(Context& c) {
  auto p = c.deps.manager.org_policy(c.actor(), own_org(c));
  if (!p) return error_response(p.error());
  return json_response(200, policy_json(*p));
}

Response set_policy(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto require = bool_field(*body, "require_2fa");
  if (!require) return error_response(require.error());
  auto minimum = int_field(*body, "min_lockout_threshold");
  if (!minimum) return error_response(minimum.error());
  std::optional<int> min;
  if (*minimum) {
    if (**minimum < 1 || **minimum > 100)
      return error_response(422, "invalid", "min_lockout_threshold must be between 1 and 100", "min_lockout_threshold");
    min = static_cast<int>(**minimum);
  }
  auto p = c.deps.manager.set_org_policy(c.actor(), own_org(c), *require, min);
  if (!p) return error_response(p.error());
  return json_response(200, policy_json(*p));
}

Response recovery_requests(Context& c) {
  return list("users", c.deps.manager.recovery_requests(c.actor(), std::nullopt), user_json);
}

Response approve_recovery(Context& c) {
  if (auto st = c.deps.manager.approve_recovery(c.actor(), c.params[0]); !st) return error_response(st.error());
  return json_response(200, {{"login", c.params[0]}, {"approved", true}});
}

// --- services and domains

Response list_services(Context& c) {
  return list("services", c.deps.manager.list_services(c.actor(), std::nullopt), service_json);
}

Response lock_service(Context& c, bool locked) {
  if (auto st = c.deps.manager.set_service_locked(c.actor(), c.params[0], locked); !st)
    return error_response(st.error());
  return json_response(200, {{"name", c.params[0]}, {"locked", locked}});
}
Response lock(Context& c) { return lock_service(c, true); }
Response unlock(Context& c) { return lock_service(c, false); }

Response list_domains(Context& c) {
  return list("domains", c.deps.manager.list_domains(c.actor(), param(c, "service")), domain_json);
}

Response add_domain(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto service = required_string(*body, "service", 200);
  if (!service) return error_response(service.error());
  auto name = required_string(*body, "name", 253);
  if (!name) return error_response(name.error());
  auto d = c.deps.manager.add_domain(c.actor(), *service, *name);
  if (!d) return error_response(d.error());
  auto j = domain_json(*d);
  if (!d->verified) {
    j["verification"] = {{"name", manage::verification_name(d->name)},
                         {"type", "TXT"},
                         {"value", manage::verification_value(d->verify_token)}};
  }
  return json_response(201, j);
}

Response remove_domain(Context& c) {
  if (auto st = c.deps.manager.remove_domain(c.actor(), c.params[0]); !st) return error_response(st.error());
  return no_content();
}

// --- addresses, their users and devices

json usage_json(const manage::AddressView& v) {
  auto j = address_json(v.address);
  j["used_bytes"] = v.usage.bytes;
  j["used_messages"] = v.usage.messages;
  return j;
}

// ?usage=1: each with what it uses (show_address's used_bytes and
// used_messages), for the organisation's admins only.
Response list_addresses(Context& c) {
  if (auto usage = param(c, "usage")) {
    if (*usage != "1" && *usage != "0") return error_response(422, "invalid", "usage is 1 or 0", "usage");
    if (*usage == "1") return list("addresses", c.deps.manager.list_address_usage(c.actor()), usage_json);
  }
  return list("addresses", c.deps.manager.list_addresses(c.actor(), std::nullopt), address_json);
}

// The addresses the caller has access to (their web app's address list).
Response my_addresses(Context& c) {
  auto accesses = c.deps.store.list_user_accesses(c.who().user.id);
  if (!accesses) return error_response(accesses.error());
  json out = json::array();
  for (auto& a : *accesses) {
    auto address = c.deps.store.address(a.address_id);
    if (!address) continue;
    auto j = address_json(*address);
    j["may_change_special_folders"] = a.may_change_special_folders;
    // Others read it too (login alerts never go there).
    auto readers = c.deps.store.list_accesses(a.address_id);
    j["shared"] = readers && readers->size() > 1;
    out.push_back(j);
  }
  return json_response(200, {{"addresses", out}});
}

Response create_address(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto address = required_string(*body, "address", 320);
  if (!address) return error_response(address.error());
  auto a = c.deps.manager.create_address(c.actor(), *address);
  if (!a) return error_response(a.error());
  return json_response(201, address_json(*a));
}

Response show_address(Context& c) {
  auto v = c.deps.manager.show_address(c.actor(), c.params[0]);
  if (!v) return error_response(v.error());
  return json_response(200, usage_json(*v));
}

// Quota and Sent copy: {"quota_bytes": N|null, "quota_messages": N|null, "save_sent": bool}; null: no limit.
Response update_address(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  manage::AddressChange change;
  for (auto [name, target] :
       {std::pair{"quota_bytes", &change.quota_bytes}, std::pair{"quota_messages", &change.quota_messages}}) {
    auto it = body->find(name);
    if (it == body->end()) continue;
    if (it->is_null()) {
      *target = std::optional<std::uint64_t>();
    } else if (it->is_number_unsigned()) {
      *target = std::optional<std::uint64_t>(it->get<std::uint64_t>());
    } else {
      return error_response(422, "invalid", fmt::format("{} must be a whole number or null", name), name);
    }
  }
  auto save = bool_field(*body, "save_sent");
  if (!save) return error_response(save.error());
  change.save_sent = *save;
  if (change.empty())
    return error_response(400, "bad_request", "nothing to change: quota_bytes, quota_messages or save_sent");
  auto a = c.deps.manager.update_address(c.actor(), c.params[0], change);
  if (!a) return error_response(a.error());
  return json_response(200, address_json(*a));
}

// An Apple configuration profile (.mobileconfig) for the address, for
// anyone who may see it; with {"device": "label"}, a new device password of
// the caller's own access goes inside (shown in the profile only). An empty
// label is refused (the device password needs a name to be found and
// revoked later); without "device" the profile has no password.
Response address_profile(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto device = string_field(*body, "device", 100);
  if (!device) return error_response(device.error());
  if (*device && (*device)->find_first_not_of(' ') == std::string::npos)
    return error_response(422, "invalid", "device needs a name for the device password inside the profile", "device");
  auto v = c.deps.manager.show_address(c.actor(), c.params[0]);
  if (!v) return error_response(v.error());
  manage::ProfileOptions o;
  o.address = v->address.address;
  o.display_name = c.who().user.display_name;
  if (auto org = c.deps.store.organisation(v->address.org_id)) o.organisation = org->name;
  if (*device) {
    auto created = c.deps.manager.create_device_password(c.actor(), o.address, c.who().user.login, **device);
    if (!created) return error_response(created.error());
    o.password = created->password;
  }
  manage::MailEndpoints e;
  e.host = c.deps.hostname;
  Response r;
  r.content_type = "application/x-apple-aspen-config";
  r.headers["content-disposition"] = fmt::format("attachment; filename=\"{}.mobileconfig\"", o.address);
  r.body = manage::apple_profile(o, e);
  return r;
}

Response delete_address(Context& c) {
  if (auto st = c.deps.manager.delete_address(c.actor(), c.params[0]); !st) return error_response(st.error());
  return no_content();
}

Response list_access(Context& c) {
  auto views = c.deps.manager.list_access(c.actor(), c.params[0]);
  return list("users", views, [](const manage::AccessView& v) {
    return json{{"login", v.user.login},
                {"display_name", v.user.display_name},
                {"may_change_special_folders", v.access.may_change_special_folders},
                {"devices", v.live_devices},
                {"since", v.access.created}};
  });
}

Response grant_access(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto login = required_string(*body, "login", 320);
  if (!login) return error_response(login.error());
  auto special = bool_field(*body, "may_change_special_folders");
  if (!special) return error_response(special.error());
  auto a = c.deps.manager.grant_access(c.actor(), c.params[0], *login, special->value_or(true));
  if (!a) return error_response(a.error());
  return json_response(
      201,
      {{"address", c.params[0]}, {"login", *login}, {"may_change_special_folders", a->may_change_special_folders}});
}

Response set_access_permissions(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto special = bool_field(*body, "may_change_special_folders");
  if (!special) return error_response(special.error());
  if (!*special)
    return error_response(422, "invalid", "may_change_special_folders is required", "may_change_special_folders");
  auto a = c.deps.manager.set_access_permissions(c.actor(), c.params[0], c.params[1], **special);
  if (!a) return error_response(a.error());
  return json_response(200, {{"address", c.params[0]},
                             {"login", c.params[1]},
                             {"may_change_special_folders", a->may_change_special_folders}});
}

// "Disconnect all devices": every device password of the access is revoked; the access stays.
Response disconnect_devices(Context& c) {
  auto n = c.deps.manager.revoke_access(c.actor(), c.params[0], c.params[1], true);
  if (!n) return error_response(n.error());
  return json_response(200, {{"revoked_devices", *n}});
}

// "Remove access": the link itself goes, with its device passwords.
Response remove_access(Context& c) {
  auto n = c.deps.manager.revoke_access(c.actor(), c.params[0], c.params[1], false);
  if (!n) return error_response(n.error());
  return no_content();
}

// --- message trace

json trace_json(const store::TraceEntry& t) {
  return {{"id", t.id},
          {"time", t.time},
          {"queue_id", t.queue_id},
          {"direction", store::to_string(t.direction)},
          {"sender", t.sender},
          {"recipient", t.recipient},
          {"status", store::to_string(t.status)},
          {"remote_host", t.remote_host},
          {"reply", t.reply}};
}

// What came in and went out for the address: ?since=UNIX-SECONDS (default:
// the last 7 days), ?limit=N (default 200, at most 1,000), in time order.
Response address_trace(Context& c) {
  constexpr std::int64_t kWeek = 7 * 24 * 3600;
  std::int64_t since = c.deps.clock.now() - kWeek, limit = 200;
  if (auto v = param(c, "since")) {
    auto n = id_param(*v);
    if (!n) return error_response(422, "invalid", "since is a time in Unix seconds", "since");
    since = *n;
  }
  if (auto v = param(c, "limit")) {
    auto n = id_param(*v);
    if (!n || *n > 1000) return error_response(422, "invalid", "limit is a number from 1 to 1000", "limit");
    limit = *n;
  }
  return list("entries", c.deps.manager.trace(c.actor(), c.params[0], since, static_cast<std::size_t>(limit)),
              trace_json);
}

Response list_devices(Context& c) {
  return list("devices", c.deps.manager.list_device_passwords(c.actor(), c.params[0], param(c, "login")), device_json);
}

Response create_device(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto label = required_string(*body, "label", 100);
  if (!label) return error_response(label.error());
  auto login = string_field(*body, "login", 320);
  if (!login) return error_response(login.error());
  auto created =
      c.deps.manager.create_device_password(c.actor(), c.params[0], login->value_or(c.who().user.login), *label);
  if (!created) return error_response(created.error());
  manage::DeviceView view{created->device, login->value_or(c.who().user.login), c.params[0]};
  auto j = device_json(view);
  j["password"] = created->password;  // shown once, never stored
  return json_response(201, j);
}

Response revoke_device(Context& c) {
  auto id = id_param(c.params[0]);
  if (!id) return error_response(404, "not_found", "no such device password");
  if (auto st = c.deps.manager.revoke_device_password(c.actor(), *id); !st) return error_response(st.error());
  return no_content();
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/organisations", Access::user, 0, "Organisations the caller can see (their own)", "organisation",
     &list_organisations},
    {"GET", "/api/v1/organisation/policy", Access::user, 0, "The organisation's security policy", "organisation",
     &get_policy},
    {"PATCH", "/api/v1/organisation/policy", Access::user, kSmallBody,
     "Require two-factor authentication; the lowest lockout threshold users may set (admins)", "organisation",
     &set_policy},
    {"GET", "/api/v1/users", Access::user, 0, "Users of the organisation", "users", &list_users},
    {"POST", "/api/v1/users", Access::user, kSmallBody, "Add a user to the organisation (admins)", "users",
     &create_user},
    {"PATCH", "/api/v1/users/{login}", Access::user, kSmallBody,
     "Change a user's role (admins) or display name (admins, or the user)", "users", &update_user},
    {"DELETE", "/api/v1/users/{login}", Access::user, 0, "Delete a user (admins)", "users", &delete_user},
    {"POST", "/api/v1/users/{login}/unlock", Access::user, 0, "Unlock an account locked by failed logins (admins)",
     "users", &unlock_user},
    {"GET", "/api/v1/recovery-requests", Access::user, 0,
     "Users who lost their second factor and asked for a recovery (admins)", "users", &recovery_requests},
    {"POST", "/api/v1/users/{login}/recovery/approve", Access::user, 0,
     "Approve a recovery: the user's next password login turns the second factor off (admins)", "users",
     &approve_recovery},
    {"GET", "/api/v1/services", Access::user, 0, "Mail services of the organisation", "services", &list_services},
    {"POST", "/api/v1/services/{name}/lock", Access::user, 0, "Lock a mail service: no mail login for its addresses",
     "services", &lock},
    {"POST", "/api/v1/services/{name}/unlock", Access::user, 0, "Unlock a mail service", "services", &unlock},
    {"GET", "/api/v1/domains", Access::user, 0, "Domains of the organisation (?service=NAME)", "domains",
     &list_domains},
    {"POST", "/api/v1/domains", Access::user, kSmallBody,
     "Add a domain to a mail service (admins); pending until its DNS record is verified", "domains", &add_domain},
    {"DELETE", "/api/v1/domains/{name}", Access::user, 0, "Remove a domain without addresses (admins)", "domains",
     &remove_domain},
    {"GET", "/api/v1/addresses", Access::user, 0,
     "Addresses of the organisation (?usage=1: with each one's usage, for admins)", "addresses", &list_addresses},
    {"POST", "/api/v1/addresses", Access::user, kSmallBody, "Create an address (admins)", "addresses", &create_address},
    {"GET", "/api/v1/me/addresses", Access::enrolment, 0, "The addresses the caller has access to", "addresses",
     &my_addresses},
    {"GET", "/api/v1/addresses/{address}", Access::user, 0, "An address with its quota and usage", "addresses",
     &show_address},
    {"PATCH", "/api/v1/addresses/{address}", Access::user, kSmallBody,
     "Quota (octets, messages; null: none) and Sent copy of an address (admins)", "addresses", &update_address},
    {"POST", "/api/v1/addresses/{address}/profile", Access::user, kSmallBody,
     "An Apple .mobileconfig for the address; with device (a name): a new device password inside it", "devices",
     &address_profile},
    {"DELETE", "/api/v1/addresses/{address}", Access::user, 0, "Delete an address and its mail (admins)", "addresses",
     &delete_address},
    {"GET", "/api/v1/addresses/{address}/users", Access::user, 0, "Users with access to the address (admins)", "access",
     &list_access},
    {"POST", "/api/v1/addresses/{address}/users", Access::user, kSmallBody,
     "Give a member access to the address (admins)", "access", &grant_access},
    {"POST", "/api/v1/addresses/{address}/users/{login}/disconnect", Access::user, 0,
     "Disconnect all devices: revoke every device password of the access, keep the access", "access",
     &disconnect_devices},
    {"PATCH", "/api/v1/addresses/{address}/users/{login}", Access::user, kSmallBody,
     "Whether the user may change the address's special folders (admins)", "access", &set_access_permissions},
    {"DELETE", "/api/v1/addresses/{address}/users/{login}", Access::user, 0,
     "Remove access: the user no longer has the address, and its devices are revoked", "access", &remove_access},
    {"GET", "/api/v1/addresses/{address}/devices", Access::user, 0,
     "Device passwords of the address (the caller's own; all for admins)", "devices", &list_devices},
    {"POST", "/api/v1/addresses/{address}/devices", Access::user, kSmallBody, "Create a device password (shown once)",
     "devices", &create_device},
    {"DELETE", "/api/v1/devices/{id}", Access::user, 0, "Revoke one device password", "devices", &revoke_device},
    {"GET", "/api/v1/addresses/{address}/trace", Access::user, 0,
     "Message trace of the address in time order (?since=UNIX-SECONDS&limit=N): its admins and users", "trace",
     &address_trace},
};

}  // namespace

std::span<const Route> manage_routes() { return kRoutes; }

}  // namespace estafeta::web::api
