// `estafeta dns NOUN VERB …`: the zones of the served domains, their SPF
// tooling and DKIM keys, over manage::Manager. Human output by default,
// --json for scripts.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/table.hpp"
#include "dns/spf_tools.hpp"
#include "server/serve.hpp"

namespace estafeta::cli {

namespace {

using nlohmann::json;

struct Ctx {
  server::Services& services;
  manage::Manager& m;
  const DnsArgs& args;
  manage::Actor actor;
};

int report(const Error& e) {
  print_error(e);
  return kExitFailed;
}

int done(const Ctx& c, const json& j, const std::string& human) {
  if (c.args.json)
    std::printf("%s\n", j.dump(2).c_str());
  else
    std::printf("%s\n", human.c_str());
  return kExitOk;
}

json to_json(const store::DnsRecord& r) {
  return {{"id", r.id}, {"name", r.name}, {"type", r.type}, {"ttl", r.ttl}, {"data", r.data}};
}
json to_json(const store::DnsZone& z) {
  return {{"id", z.id}, {"domain", z.apex}, {"serial", z.serial}, {"created", z.created}};
}
json to_json(const manage::DkimKeyView& k) {
  return {{"id", k.key.id},
          {"selector", k.key.selector},
          {"algorithm", k.key.algorithm},
          {"state", to_string(k.key.state)},
          {"record_name", k.record_name},
          {"record", k.key.public_record},
          {"created", k.key.created},
          {"changed", k.key.changed}};
}

manage::RecordInput input_of(const DnsArgs& a) { return {a.name, a.type, a.ttl, a.data}; }

std::string describe(const store::DnsRecord& r) { return fmt::format("{} {} {} {}", r.name, r.ttl, r.type, r.data); }

// --- zone
int zone_list(Ctx& c) {
  auto zones = c.m.list_zones(c.actor);
  if (!zones) return report(zones.error());
  if (c.args.json) {
    json arr = json::array();
    for (auto& z : *zones) arr.push_back(to_json(z));
    return done(c, arr, "");
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& z : *zones) rows.push_back({z.apex, std::to_string(z.serial), format_time(z.created)});
  print_table({"DOMAIN", "SERIAL", "CREATED"}, rows, "no zones");
  return kExitOk;
}

int print_zone(Ctx& c, const manage::ZoneView& z) {
  if (c.args.json) {
    json j = to_json(z.zone);
    j["records"] = json::array();
    for (auto& r : z.records) j["records"].push_back(to_json(r));
    return done(c, j, "");
  }
  std::printf("zone %s, serial %u\n", z.zone.apex.c_str(), z.zone.serial);
  std::vector<std::vector<std::string>> rows;
  for (auto& r : z.records) rows.push_back({std::to_string(r.id), r.name, std::to_string(r.ttl), r.type, r.data});
  print_table({"ID", "NAME", "TTL", "TYPE", "DATA"}, rows, "no records");
  return kExitOk;
}

int zone_show(Ctx& c) {
  auto z = c.m.show_zone(c.actor, c.args.domain);
  if (!z) return report(z.error());
  return print_zone(c, *z);
}

int zone_create(Ctx& c) {
  auto z = c.m.create_zone(c.actor, c.args.domain);
  if (!z) return report(z.error());
  return print_zone(c, *z);
}

// --- record
int record_add(Ctx& c) {
  auto r = c.m.add_record(c.actor, c.args.domain, input_of(c.args));
  if (!r) return report(r.error());
  return done(c, to_json(*r), fmt::format("added record {}: {}", r->id, describe(*r)));
}
int record_edit(Ctx& c) {
  auto r = c.m.update_record(c.actor, c.args.domain, c.args.id, input_of(c.args));
  if (!r) return report(r.error());
  return done(c, to_json(*r), fmt::format("record {} is now: {}", r->id, describe(*r)));
}
int record_delete(Ctx& c) {
  if (auto r = c.m.delete_record(c.actor, c.args.domain, c.args.id); !r) return report(r.error());
  return done(c, {{"deleted", c.args.id}}, fmt::format("record {} deleted", c.args.id));
}

// --- spf
json cost_json(const dns::SpfTermCost& t) {
  json j = {{"term", t.term}, {"lookups", t.lookups}, {"nested", json::array()}};
  for (auto& n : t.nested) j["nested"].push_back(cost_json(n));
  return j;
}
void print_cost(const dns::SpfTermCost& t, int depth) {
  std::printf("  %*s%-*s %d\n", depth * 2, "", 50 - depth * 2, t.term.c_str(), t.lookups);
  for (auto& n : t.nested) print_cost(n, depth + 1);
}
const char* level_name(dns::SpfFinding::Level l) { return l == dns::SpfFinding::Level::error ? "error" : "warning"; }

int spf_check(Ctx& c) {
  auto a = c.m.analyze_spf(c.actor, c.args.domain, c.args.record, *c.services.zone_resolver);
  if (!a) return report(a.error());
  if (c.args.json) {
    json j = {{"ok", a->ok()},
              {"lookups", a->lookups},
              {"void_lookups", a->void_lookups},
              {"terms", json::array()},
              {"findings", json::array()}};
    for (auto& t : a->terms) j["terms"].push_back(cost_json(t));
    for (auto& f : a->findings) {
      json fj = {{"level", level_name(f.level)}, {"domain", f.domain}, {"term", f.term}, {"message", f.message}};
      if (f.position != std::string::npos) fj["position"] = f.position;
      j["findings"].push_back(fj);
    }
    std::printf("%s\n", j.dump(2).c_str());
    return a->ok() ? kExitOk : kExitFailed;
  }
  std::printf("DNS lookups: %d of 10 allowed (void lookups: %d of 2)\n", a->lookups, a->void_lookups);
  if (!a->terms.empty()) {
    std::printf("where the lookups go:\n");
    for (auto& t : a->terms) print_cost(t, 0);
  }
  for (auto& f : a->findings) {
    std::string where = f.domain.empty() ? "" : " (" + f.domain + ")";
    if (f.position != std::string::npos) where += fmt::format(" at position {}", f.position);
    std::printf("%s%s: %s\n", level_name(f.level), where.c_str(), f.message.c_str());
  }
  std::printf("%s\n", a->ok() ? "the record is valid" : "the record has errors");
  return a->ok() ? kExitOk : kExitFailed;
}

int spf_merge(Ctx& c) {
  auto m = dns::merge_spf(c.args.records, c.args.domain, c.services.zone_resolver.get());
  if (!m) return report(m.error());
  json j = {{"record", m->record}, {"lookups", m->lookups}, {"notes", m->notes}};
  if (m->flattened) j["flattened"] = *m->flattened;
  std::string human = fmt::format("{}\nDNS lookups: {} of 10 allowed", m->record, m->lookups);
  for (auto& n : m->notes) human += "\nnote: " + n;
  if (m->flattened)
    human += fmt::format("\nover the limit; flattened (make it again whenever a provider's addresses change):\n{}",
                         *m->flattened);
  return done(c, j, human);
}

// --- dkim
int print_keys(Ctx& c, const std::vector<manage::DkimKeyView>& keys) {
  if (c.args.json) {
    json arr = json::array();
    for (auto& k : keys) arr.push_back(to_json(k));
    return done(c, arr, "");
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& k : keys)
    rows.push_back({std::to_string(k.key.id), k.key.selector, k.key.algorithm, to_string(k.key.state), k.record_name,
                    format_time(k.key.changed)});
  print_table({"ID", "SELECTOR", "ALGORITHM", "STATE", "RECORD", "SINCE"}, rows, "no DKIM keys");
  return kExitOk;
}
int dkim_list(Ctx& c) {
  auto keys = c.m.dkim_keys(c.actor, c.args.domain);
  if (!keys) return report(keys.error());
  return print_keys(c, *keys);
}
int dkim_rotate(Ctx& c) {
  auto keys = c.m.rotate_dkim(c.actor, c.args.domain, c.args.now);
  if (!keys) return report(keys.error());
  if (!c.args.json)
    std::printf(c.args.now ? "new keys published and signing now; the old ones retire\n"
                           : "new keys published; they start signing in 2 days, the old ones retire then\n");
  return print_keys(c, *keys);
}
int dkim_advance(Ctx& c) {
  auto n = c.m.advance_dkim(c.actor);
  if (!n) return report(n.error());
  return done(c, {{"changed", *n}}, fmt::format("{} DKIM keys moved on", *n));
}

// --- the diagnostic
int check(Ctx& c) {
  auto d = c.m.diagnose_domain(c.actor, c.args.domain, *c.services.fresh_resolver,
                               server::certificate_view(*c.services.config));
  if (!d) return report(d.error());
  if (c.args.json) {
    json j = {{"domain", d->domain}, {"ok", d->ok()}, {"items", json::array()}};
    for (auto& i : d->items)
      j["items"].push_back({{"name", i.name}, {"level", to_string(i.level)}, {"message", i.message}, {"fix", i.fix}});
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    for (auto& i : d->items) {
      std::printf("%-8s %-11s %s\n", to_string(i.level), i.name.c_str(), i.message.c_str());
      if (!i.fix.empty()) std::printf("%-20s fix: %s\n", "", i.fix.c_str());
    }
  }
  return d->ok() ? kExitOk : kExitFailed;
}

struct Verb {
  const char* noun;
  const char* verb;
  int (*fn)(Ctx&);
};

constexpr Verb kVerbs[] = {
    {"zone", "list", zone_list},     {"zone", "show", zone_show},       {"zone", "create", zone_create},
    {"record", "add", record_add},   {"record", "edit", record_edit},   {"record", "delete", record_delete},
    {"spf", "check", spf_check},     {"spf", "merge", spf_merge},       {"dkim", "list", dkim_list},
    {"dkim", "rotate", dkim_rotate}, {"dkim", "advance", dkim_advance}, {"check", "run", check},
};

}  // namespace

int run_dns(const std::string& noun, const std::string& verb, const DnsArgs& args) {
  const Verb* found = nullptr;
  for (auto& v : kVerbs)
    if (noun == v.noun && verb == v.verb) found = &v;
  if (!found) {
    std::fprintf(stderr, "estafeta: unknown dns command '%s %s'\n", noun.c_str(), verb.c_str());
    return kExitUsage;
  }
  int code = kExitOk;
  auto services = open_from_config(args.config, code);
  if (!services) return code;
  auto actor = actor_for(*services, args.as_login);
  if (!actor) return report(actor.error());
  Ctx c{*services, *services->manager, args, *actor};
  return found->fn(c);
}

}  // namespace estafeta::cli
