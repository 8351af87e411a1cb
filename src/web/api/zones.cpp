// /api/v1/zones and domain verification: the DNS zones of the organisation's
// domains, their records, the SPF tools and DKIM keys (DESIGN §2.4), through
// manage::Manager (which checks the rules, authorizes and audits). DNS
// lookups block: these routes run on the HTTP routes' own pool.
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "dns/spf_tools.hpp"
#include "dns/zone.hpp"
#include "manage/zone_records.hpp"
#include "web/api/http_json.hpp"
#include "web/api/routes.hpp"

namespace estafeta::web::api {

namespace {

using nlohmann::json;

constexpr std::size_t kRecordBody = 8192;  // a long TXT record (DKIM RSA keys) and its fields

json zone_json(const store::DnsZone& z) {
  return {{"id", z.id}, {"domain", z.apex}, {"serial", z.serial}, {"created", z.created}};
}

json record_json(const store::DnsRecord& r) {
  return {{"id", r.id}, {"name", r.name}, {"type", r.type}, {"ttl", r.ttl}, {"data", r.data}};
}

json term_json(const dns::SpfTermCost& t) {
  json nested = json::array();
  for (auto& n : t.nested) nested.push_back(term_json(n));
  return {{"term", t.term}, {"lookups", t.lookups}, {"nested", nested}};
}

json analysis_json(const dns::SpfAnalysis& a) {
  json terms = json::array(), findings = json::array();
  for (auto& t : a.terms) terms.push_back(term_json(t));
  for (auto& f : a.findings) {
    json j = {{"level", f.level == dns::SpfFinding::Level::error ? "error" : "warning"},
              {"domain", f.domain},
              {"term", f.term},
              {"message", f.message}};
    if (f.position != std::string::npos) j["position"] = f.position;
    findings.push_back(j);
  }
  return {{"ok", a.ok()},
          {"lookups", a.lookups},
          {"void_lookups", a.void_lookups},
          {"terms", terms},
          {"findings", findings}};
}

Result<manage::RecordInput> record_input(const json& body, bool editing) {
  manage::RecordInput in;
  auto name = TRY(string_field(body, "name", 255));
  auto type = TRY(string_field(body, "type", 10));
  auto data = TRY(string_field(body, "data", 4096));
  auto ttl = TRY(int_field(body, "ttl"));
  if (!editing && (!type || type->empty())) return fail(ErrorKind::invalid, "type is required", "", "type");
  if (!editing && !data) return fail(ErrorKind::invalid, "data is required", "", "data");
  in.name = name.value_or("@");
  in.type = type.value_or("");
  in.data = data.value_or("");
  if (ttl) {
    if (*ttl < 0 || *ttl > 2147483647) return fail(ErrorKind::invalid, "ttl must be 0 to 2147483647", "", "ttl");
    in.ttl = static_cast<std::uint32_t>(*ttl);
  }
  return in;
}

// The manager's refusal of a record change, with the field at fault named
// when it did not say (its parse of the input names none): the first of
// type, name and data that does not parse alone. The zone's rules
// (dns::check_zone_change) name their own.
Error with_record_field(Error e, const manage::RecordInput& in, const std::string& domain) {
  if (!e.field.empty() || e.kind != ErrorKind::invalid) return e;
  auto apex = ascii_lower(domain);
  if (apex.ends_with('.')) apex.pop_back();
  auto type = dns::parse_rr_type(in.type);
  if (!type)
    e.field = "type";
  else if (!manage::absolute_record_name(in.name, apex))
    e.field = "name";
  else if (!dns::parse_record_data(*type, in.data))
    e.field = "data";
  return e;
}

Response zone_view(const Result<manage::ZoneView>& v, int status) {
  if (!v) return error_response(v.error());
  auto j = zone_json(v->zone);
  json records = json::array();
  for (auto& r : v->records) records.push_back(record_json(r));
  j["records"] = records;
  return json_response(status, j);
}

Response list_zones(Context& c) {
  auto zones = c.deps.manager.list_zones(c.actor());
  if (!zones) return error_response(zones.error());
  json out = json::array();
  for (auto& z : *zones) out.push_back(zone_json(z));
  return json_response(200, {{"zones", out}});
}

Response create_zone(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto domain = required_string(*body, "domain", 253);
  if (!domain) return error_response(domain.error());
  return zone_view(c.deps.manager.create_zone(c.actor(), *domain), 201);
}

Response show_zone(Context& c) { return zone_view(c.deps.manager.show_zone(c.actor(), c.params[0]), 200); }

Response add_record(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto in = record_input(*body, false);
  if (!in) return error_response(in.error());
  auto r = c.deps.manager.add_record(c.actor(), c.params[0], *in);
  if (!r) return error_response(with_record_field(r.error(), *in, c.params[0]));
  return json_response(201, record_json(*r));
}

Response update_record(Context& c) {
  auto id = id_param(c.params[1]);
  if (!id) return error_response(404, "not_found", "no such record");
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto in = record_input(*body, true);
  if (!in) return error_response(in.error());
  auto r = c.deps.manager.update_record(c.actor(), c.params[0], *id, *in);
  if (!r) return error_response(with_record_field(r.error(), *in, c.params[0]));
  return json_response(200, record_json(*r));
}

Response delete_record(Context& c) {
  auto id = id_param(c.params[1]);
  if (!id) return error_response(404, "not_found", "no such record");
  if (auto st = c.deps.manager.delete_record(c.actor(), c.params[0], *id); !st) return error_response(st.error());
  return no_content();
}

// The SPF analysis of a proposed record, or of the zone's own when none is
// given; as published at the apex, or at `name` (a name of the zone: what
// its a, mx and macros look up).
Response analyze_spf(Context& c) {
  if (!c.deps.zone_resolver) return error_response(404, "not_found", "no resolver on this server");
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto record = string_field(*body, "record", 4096);
  if (!record) return error_response(record.error());
  auto name = string_field(*body, "name", 255);
  if (!name) return error_response(name.error());
  if (*name && !name->value().empty()) {
    if (!record->has_value() || record->value().empty())
      return error_response(422, "invalid", "name needs the record to analyse", "record");
    auto zone = c.deps.manager.show_zone(c.actor(), c.params[0]);
    if (!zone) return error_response(zone.error());
    auto at = manage::absolute_record_name(**name, zone->zone.apex);
    if (!at) return error_response(422, "invalid", at.error().message, "name");
    return json_response(200, analysis_json(dns::analyze_spf(**record, *at, *c.deps.zone_resolver)));
  }
  auto a = c.deps.manager.analyze_spf(c.actor(), c.params[0], record->value_or(""), *c.deps.zone_resolver);
  if (!a) return error_response(a.error());
  return json_response(200, analysis_json(*a));
}

// Several SPF policies made one (the seed's "one SPF per name" and its merge).
Response merge_spf(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto it = body->find("records");
  if (it == body->end() || !it->is_array() || it->empty() || it->size() > 20)
    return error_response(422, "invalid", "records must be a list of 1 to 20 SPF records", "records");
  std::vector<std::string> records;
  for (auto& r : *it) {
    if (!r.is_string() || r.get_ref<const std::string&>().size() > 4096)
      return error_response(422, "invalid", "each record must be a string of at most 4096 characters", "records");
    records.push_back(r.get<std::string>());
  }
  if (auto zone = c.deps.manager.show_zone(c.actor(), c.params[0]); !zone) return error_response(zone.error());
  auto m = dns::merge_spf(records, c.params[0], c.deps.zone_resolver);
  if (!m) return error_response(m.error());
  json out = {{"record", m->record}, {"lookups", m->lookups}, {"notes", m->notes}};
  if (m->flattened) out["flattened"] = *m->flattened;
  return json_response(200, out);
}

Response dkim_keys(Context& c) {
  auto keys = c.deps.manager.dkim_keys(c.actor(), c.params[0]);
  if (!keys) return error_response(keys.error());
  json out = json::array();
  for (auto& k : *keys)
    out.push_back({{"id", k.key.id},
                   {"selector", k.key.selector},
                   {"algorithm", k.key.algorithm},
                   {"state", store::to_string(k.key.state)},
                   {"record_name", k.record_name},
                   {"record", k.key.public_record},
                   {"created", k.key.created},
                   {"changed", k.key.changed}});
  return json_response(200, {{"keys", out}});
}

Response rotate_dkim(Context& c) {
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto now = bool_field(*body, "now");
  if (!now) return error_response(now.error());
  auto keys = c.deps.manager.rotate_dkim(c.actor(), c.params[0], now->value_or(false));
  if (!keys) return error_response(keys.error());
  return dkim_keys(c);
}

// Looks the claim's TXT record up in the public DNS.
Response verify_domain(Context& c) {
  if (!c.deps.resolver) return error_response(404, "not_found", "no resolver on this server");
  auto d = c.deps.manager.verify_domain(c.actor(), c.params[0], *c.deps.resolver);
  if (!d) return error_response(d.error());
  return json_response(200, {{"name", d->name}, {"verified", d->verified}});
}

// The domain diagnostic: the public DNS and the certificate, item by item, with fixes.
Response diagnostic(Context& c) {
  if (!c.deps.resolver) return error_response(404, "not_found", "no resolver on this server");
  auto cert = c.deps.certificate ? c.deps.certificate() : manage::CertificateView{};
  auto d = c.deps.manager.diagnose_domain(c.actor(), c.params[0], *c.deps.resolver, cert);
  if (!d) return error_response(d.error());
  json items = json::array();
  for (auto& i : d->items)
    items.push_back({{"name", i.name}, {"level", manage::to_string(i.level)}, {"message", i.message}, {"fix", i.fix}});
  return json_response(200, {{"domain", d->domain}, {"ok", d->ok()}, {"items", items}});
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/domains/{name}/diagnostic", Access::user, 0,
     "The domain diagnostic: MX, SPF, DKIM, DMARC, SRV, autoconfig and the certificate, each with its fix (admins)",
     "domains", &diagnostic},
    {"POST", "/api/v1/domains/{name}/verify", Access::user, 0,
     "Verify a domain claim: its _estafeta TXT record is looked up in the public DNS (admins)", "domains",
     &verify_domain},
    {"GET", "/api/v1/zones", Access::user, 0, "DNS zones of the organisation's domains", "zones", &list_zones},
    {"POST", "/api/v1/zones", Access::user, 1024,
     "Create the zone of a verified domain, with what mail needs (MX, SPF, DMARC, SRV, DKIM)", "zones", &create_zone},
    {"GET", "/api/v1/zones/{domain}", Access::user, 0, "A zone and its records", "zones", &show_zone},
    {"POST", "/api/v1/zones/{domain}/records", Access::user, kRecordBody,
     "Add a record (name, type, ttl, data), checked against the whole zone; a refusal names the field at fault",
     "zones", &add_record},
    {"PATCH", "/api/v1/zones/{domain}/records/{id}", Access::user, kRecordBody,
     "Change a record (name, type, ttl, data), checked like an added one", "zones", &update_record},
    {"DELETE", "/api/v1/zones/{domain}/records/{id}", Access::user, 0, "Delete a record", "zones", &delete_record},
    {"POST", "/api/v1/zones/{domain}/spf/analysis", Access::user, kRecordBody,
     "Analyse an SPF record (or the zone's own) as published at the apex or at a name of the zone: syntax, lookups "
     "per term, void lookups, warnings",
     "zones", &analyze_spf},
    {"POST", "/api/v1/zones/{domain}/spf/merge", Access::user, 32 * 1024,
     "Merge several SPF policies into one (strictest all; flattened when over 10 lookups)", "zones", &merge_spf},
    {"GET", "/api/v1/zones/{domain}/dkim", Access::user, 0, "The domain's DKIM keys and their records", "zones",
     &dkim_keys},
    {"POST", "/api/v1/zones/{domain}/dkim/rotate", Access::user, 1024,
     "Publish new DKIM keys; they sign after a grace period, or at once with now=true", "zones", &rotate_dkim},
};

}  // namespace

std::span<const Route> zone_routes() { return kRoutes; }

}  // namespace estafeta::web::api
