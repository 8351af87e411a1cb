// estafeta: the one binary. The command line is parsed here (the only file
// that includes CLI11); each subcommand is a plain function in commands.hpp.
#include <sys/stat.h>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"

using namespace estafeta::cli;

namespace {

struct Admin {
  AdminArgs args;
  std::string noun, verb;
};

struct Dns {
  DnsArgs args;
  std::string noun, verb;
};

template <class Command>
CLI::App* verb(CLI::App* noun, Command& a, const char* name, const char* help) {
  auto* v = noun->add_subcommand(name, help);
  v->fallthrough();
  v->callback([&a, noun, name] {
    a.noun = noun->get_name();
    a.verb = name;
  });
  return v;
}

void add_admin(CLI::App& app, Admin& a) {
  auto* admin = app.add_subcommand("admin", "Manage organisations, users, addresses and device passwords");
  admin->add_option("--config", a.args.config, "Config file")->capture_default_str();
  admin->add_flag("--json", a.args.json, "Machine-readable output");
  admin->add_option("--as", a.args.as_login,
                    "Act with the rights of this user (an organisation's admin) instead of the operator's");
  admin->require_subcommand(1);
  admin->fallthrough();
  auto& x = a.args;

  auto* org = admin->add_subcommand("org", "Organisations")->require_subcommand(1)->fallthrough();
  verb(org, a, "create", "Create an organisation")->add_option("NAME", x.name)->required();
  verb(org, a, "list", "List organisations");
  verb(org, a, "delete", "Delete an organisation and everything it owns")->add_option("NAME", x.name)->required();
  auto* op = verb(org, a, "policy", "Show or set the organisation's security policy");
  op->add_option("NAME", x.name)->required();
  op->add_option("--require-2fa", x.require_2fa, "yes: members cannot turn two-factor authentication off");
  op->add_option("--min-lockout", x.min_lockout, "The lowest lockout threshold members may choose (1-100)");

  auto* user = admin->add_subcommand("user", "User accounts")->require_subcommand(1)->fallthrough();
  auto* uc = verb(user, a, "create", "Create a user account");
  uc->add_option("--org", x.org, "Organisation")->required();
  uc->add_option("--login", x.login, "Login identifier")->required();
  uc->add_option("--name", x.name, "Display name")->required();
  uc->add_option("--role", x.role, "admin, legal or member")->capture_default_str();
  uc->add_flag("--password-stdin", x.password_stdin, "Read the account password from standard input");
  verb(user, a, "list", "List users")->add_option("--org", x.filter, "Only this organisation");
  verb(user, a, "delete", "Delete a user account")->add_option("LOGIN", x.login)->required();
  auto* us = verb(user, a, "set", "Change a user's role or display name");
  us->add_option("LOGIN", x.login)->required();
  us->add_option("--role", x.new_role, "admin, legal or member");
  us->add_option("--name", x.new_name, "Display name");
  verb(user, a, "password", "Set a user's account password (read from standard input)")
      ->add_option("LOGIN", x.login)
      ->required();
  verb(user, a, "unlock", "Unlock an account locked by failed logins")->add_option("LOGIN", x.login)->required();
  verb(user, a, "recovery-list", "Users who lost their second factor and asked for a recovery")
      ->add_option("--org", x.filter, "Only this organisation");
  verb(user, a, "recovery-approve", "Approve a second-factor recovery")->add_option("LOGIN", x.login)->required();

  auto* service = admin->add_subcommand("service", "Mail services")->require_subcommand(1)->fallthrough();
  auto* sc = verb(service, a, "create", "Create a mail service");
  sc->add_option("--org", x.org, "Organisation")->required();
  sc->add_option("NAME", x.name)->required();
  verb(service, a, "list", "List mail services")->add_option("--org", x.filter, "Only this organisation");
  verb(service, a, "lock", "Lock a mail service for all its users")->add_option("NAME", x.name)->required();
  verb(service, a, "unlock", "Unlock a mail service")->add_option("NAME", x.name)->required();

  auto* domain = admin->add_subcommand("domain", "Domains of mail services")->require_subcommand(1)->fallthrough();
  auto* da = verb(domain, a, "add", "Add a domain to a mail service");
  da->add_option("--service", x.service, "Mail service")->required();
  da->add_option("DOMAIN", x.domain)->required();
  verb(domain, a, "list", "List domains")->add_option("--service", x.filter, "Only this mail service");
  verb(domain, a, "remove", "Remove a domain (it must have no addresses)")->add_option("DOMAIN", x.domain)->required();
  verb(domain, a, "verify", "Check DNS for a pending domain's verification record")
      ->add_option("DOMAIN", x.domain)
      ->required();
  verb(domain, a, "approve", "Approve a pending domain without DNS proof (operator)")
      ->add_option("DOMAIN", x.domain)
      ->required();
  auto* ds = verb(domain, a, "set", "Change a domain's settings");
  ds->add_option("DOMAIN", x.domain)->required();
  ds->add_option("--spf-fail", x.spf_fail, "Mail whose SPF check fails: junk (the default) or reject");
  ds->add_option("--dmarc-reject", x.dmarc_reject,
                 "Mail failing DMARC whose sender asks p=reject: reject (the default) or quarantine (Junk)");

  auto* address = admin->add_subcommand("address", "Mail addresses")->require_subcommand(1)->fallthrough();
  verb(address, a, "create", "Create an address (with its default folders)")
      ->add_option("ADDRESS", x.address)
      ->required();
  verb(address, a, "list", "List addresses")->add_option("--org", x.filter, "Only this organisation");
  verb(address, a, "delete", "Delete an address with its mail")->add_option("ADDRESS", x.address)->required();
  verb(address, a, "show", "An address's settings and how much of its quota is used")
      ->add_option("ADDRESS", x.address)
      ->required();
  auto* ap = verb(address, a, "profile", "An Apple .mobileconfig profile for the address, on standard output");
  ap->add_option("ADDRESS", x.address)->required();
  ap->add_option("--login", x.login, "The user whose device it is (with --label)");
  ap->add_option("--label", x.label, "The device's name: a new device password for it goes into the profile");
  auto* as = verb(address, a, "set", "Change an address's quota and Sent copy");
  as->add_option("ADDRESS", x.address)->required();
  as->add_option("--quota", x.quota, "Storage over all folders: octets, 500M, 2G … or none");
  as->add_option("--quota-messages", x.quota_messages, "Messages over all folders, or none");
  as->add_option("--save-sent", x.save_sent, "Keep a copy of submitted mail in Sent: yes or no");

  auto* access = admin->add_subcommand("access", "Who may use an address")->require_subcommand(1)->fallthrough();
  auto* ag = verb(access, a, "grant", "Give a user access to an address");
  ag->add_option("ADDRESS", x.address)->required();
  ag->add_option("LOGIN", x.login)->required();
  ag->add_flag("--may-change-special-folders", x.may_change_special_folders,
               "Allow the user to choose which folders are Drafts, Sent, Trash, …");
  auto* ar = verb(access, a, "revoke", "Remove a user's access (or only disconnect their devices)");
  ar->add_option("ADDRESS", x.address)->required();
  ar->add_option("LOGIN", x.login)->required();
  ar->add_flag("--devices-only", x.devices_only, "Revoke every device password but keep the access (web app)");
  verb(access, a, "list", "List the users of an address")->add_option("ADDRESS", x.address)->required();
  auto* aset = verb(access, a, "set", "Change what a user may do with an address");
  aset->add_option("ADDRESS", x.address)->required();
  aset->add_option("LOGIN", x.login)->required();
  aset->add_option("--special-folders", x.special_folders, "yes: may choose which folders are Drafts, Sent, …")
      ->required();

  auto* device = admin->add_subcommand("device-password", "Per-device passwords for IMAP, POP3 and SMTP")
                     ->require_subcommand(1)
                     ->fallthrough();
  auto* dc = verb(device, a, "create", "Generate a device password (shown once)");
  dc->add_option("ADDRESS", x.address)->required();
  dc->add_option("LOGIN", x.login)->required();
  dc->add_option("--label", x.label, "The device, e.g. \"phone\"")->required();
  auto* dl = verb(device, a, "list", "List device passwords (never the passwords)");
  dl->add_option("ADDRESS", x.address)->required();
  dl->add_option("--login", x.filter, "Only this user's");
  verb(device, a, "revoke", "Revoke one device password")->add_option("ID", x.id)->required();

  auto* trace =
      admin->add_subcommand("trace", "The message trace of an address (accepted, delivered, deferred, bounced)");
  trace->fallthrough();
  trace->add_option("ADDRESS", x.address)->required();
  trace->add_option("--since", x.since, "24h, 7d, 30m, a date (2026-11-01) or Unix seconds; default 7d");
  trace->callback([&a] {
    a.noun = "trace";
    a.verb = "show";
  });
}

void add_dns(CLI::App& app, Dns& d) {
  auto* dns = app.add_subcommand("dns", "DNS zones of the served domains, SPF tools and DKIM keys");
  dns->add_option("--config", d.args.config, "Config file")->capture_default_str();
  dns->add_flag("--json", d.args.json, "Machine-readable output");
  dns->add_option("--as", d.args.as_login, "Act with the rights of this user (an organisation's admin)");
  dns->require_subcommand(1);
  dns->fallthrough();
  auto& x = d.args;

  auto* zone = dns->add_subcommand("zone", "Zones")->require_subcommand(1)->fallthrough();
  verb(zone, d, "list", "List zones");
  verb(zone, d, "show", "A zone's records")->add_option("DOMAIN", x.domain)->required();
  verb(zone, d, "create", "Make the zone of a domain added before zones existed")
      ->add_option("DOMAIN", x.domain)
      ->required();

  auto* record = dns->add_subcommand("record", "Records of a zone")->require_subcommand(1)->fallthrough();
  auto record_fields = [&x](CLI::App* v) {
    v->add_option("NAME", x.name, "@ for the domain itself, a name in it (www), or an absolute name ending with a dot")
        ->required();
    v->add_option("TYPE", x.type, "A, AAAA, CAA, CNAME, MX, NS, SOA, SRV or TXT")->required();
    v->add_option("DATA", x.data, "The record's data, e.g. \"10 mx.example.com\" for MX")->required();
    v->add_option("--ttl", x.ttl, "Seconds (default 3600)");
  };
  auto* ra = verb(record, d, "add", "Add a record");
  ra->add_option("DOMAIN", x.domain)->required();
  record_fields(ra);
  auto* re = verb(record, d, "edit", "Replace a record (by id, as zone show lists it)");
  re->add_option("DOMAIN", x.domain)->required();
  re->add_option("ID", x.id)->required();
  record_fields(re);
  auto* rd = verb(record, d, "delete", "Delete a record");
  rd->add_option("DOMAIN", x.domain)->required();
  rd->add_option("ID", x.id)->required();

  auto* spf = dns->add_subcommand("spf", "SPF tools")->require_subcommand(1)->fallthrough();
  auto* sc = verb(spf, d, "check", "Analyse the domain's SPF record, or a proposed one: syntax, lookups, warnings");
  sc->add_option("DOMAIN", x.domain)->required();
  sc->add_option("RECORD", x.record, "A record to check instead of the zone's");
  auto* sm = verb(spf, d, "merge", "Merge several SPF policies into one record");
  sm->add_option("RECORDS", x.records, "The policies, each quoted")->required();
  sm->add_option("--domain", x.domain, "The domain the record is for (for counting lookups)");

  auto* dkim = dns->add_subcommand("dkim", "DKIM keys")->require_subcommand(1)->fallthrough();
  verb(dkim, d, "list", "A domain's DKIM keys")->add_option("DOMAIN", x.domain)->required();
  auto* dr = verb(dkim, d, "rotate", "Publish new DKIM keys; they replace the current ones after 2 days");
  dr->add_option("DOMAIN", x.domain)->required();
  dr->add_flag("--now", x.now, "Sign with the new keys at once");
  verb(dkim, d, "advance", "Move every domain's keys along their rotation now (the server does it hourly)");

  auto* check = dns->add_subcommand("check", "Diagnose a domain's public DNS and the certificate, with fixes");
  check->fallthrough();
  check->add_option("DOMAIN", x.domain)->required();
  check->callback([&d] {
    d.noun = "check";
    d.verb = "run";
  });
}

}  // namespace

int main(int argc, char** argv) {
  // Every file this process makes — the database with its -wal and -shm,
  // blobs, keys, certificates, the config — is its owner's alone.
  ::umask(077);
  CLI::App app{"Estafeta: a complete, self-hostable mail service"};
  app.require_subcommand(1);

  ServeArgs serve;
  auto* s = app.add_subcommand("serve", "Run the server");
  s->add_option("--config", serve.config, "Config file")->capture_default_str();
  s->add_option("--web-dir", serve.web_dir, "Serve the web app from this folder (a development build)")
      ->check(CLI::ExistingDirectory);

  QuickstartArgs quick;
  auto* q =
      app.add_subcommand("quickstart", "Set up a local demo on first run, print its credentials and ports, serve");
  q->add_option("--dir", quick.dir, "Data folder")->capture_default_str();
  q->add_flag("--no-serve", quick.no_serve, "Set up and print, but do not serve");
  q->add_option("--web-dir", quick.web_dir, "Serve the web app from this folder (a development build)")
      ->check(CLI::ExistingDirectory);

  Admin admin;
  add_admin(app, admin);
  Dns dns;
  add_dns(app, dns);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  if (app.got_subcommand(s)) return run_serve(serve);
  if (app.got_subcommand(q)) return run_quickstart(quick);
  if (!dns.noun.empty()) return run_dns(dns.noun, dns.verb, dns.args);
  return run_admin(admin.noun, admin.verb, admin.args);
}
