// `estafeta admin NOUN VERB …`: the operator's management commands, a thin
// layer over manage::Manager. Human output by default, --json for scripts.
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "auth/password.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "cli/table.hpp"
#include "manage/autoconfig.hpp"

namespace estafeta::cli {

namespace {

using manage::Actor;
using nlohmann::json;

struct Ctx {
  server::Services& services;
  manage::Manager& m;
  const AdminArgs& args;
  Actor actor = Actor::operator_cli();
};

int report(const Error& e) {
  print_error(e);
  return kExitFailed;
}
// A value the command line gave that the verb refuses (exit 2).
int usage(const std::string& text) {
  std::fprintf(stderr, "estafeta: %s\n", text.c_str());
  return kExitUsage;
}

// Prints JSON or the human text of a finished action.
int done(const Ctx& c, const json& j, const std::string& human) {
  if (c.args.json)
    std::printf("%s\n", j.dump(2).c_str());
  else
    std::printf("%s\n", human.c_str());
  return kExitOk;
}

json to_json(const store::Organisation& o) { return {{"id", o.id}, {"name", o.name}, {"created", o.created}}; }
json to_json(const store::User& u) {
  return {{"id", u.id},
          {"org_id", u.org_id},
          {"login", u.login},
          {"name", u.display_name},
          {"role", to_string(u.role)},
          {"has_password", !u.password_hash.empty()},
          {"created", u.created}};
}
json to_json(const store::MailService& s) {
  return {{"id", s.id}, {"org_id", s.org_id}, {"name", s.name}, {"locked", s.locked}, {"created", s.created}};
}
json to_json(const store::Domain& d) {
  json j = {{"id", d.id},
            {"service_id", d.service_id},
            {"name", d.name},
            {"spf_fail", to_string(d.spf_fail)},
            {"dmarc_reject", to_string(d.dmarc_reject)},
            {"verified", d.verified}};
  if (!d.verified) {
    j["verification_name"] = manage::verification_name(d.name);
    j["verification_value"] = manage::verification_value(d.verify_token);
  }
  return j;
}
json limit_json(const std::optional<std::uint64_t>& v) { return v ? json(*v) : json(nullptr); }
json to_json(const store::Address& a) {
  return {{"id", a.id},
          {"address", a.address},
          {"org_id", a.org_id},
          {"service_id", a.service_id},
          {"created", a.created},
          {"quota_bytes", limit_json(a.settings.quota_bytes)},
          {"quota_messages", limit_json(a.settings.quota_messages)},
          {"save_sent", a.settings.save_sent}};
}
std::string size_limit_text(const std::optional<std::uint64_t>& v) { return v ? manage::format_size(*v) : "none"; }
std::string count_limit_text(const std::optional<std::uint64_t>& v) { return v ? std::to_string(*v) : "none"; }
json to_json(const store::DevicePassword& d) {
  json j = {{"id", d.id}, {"label", d.label}, {"created", d.created}, {"last_ip", d.last_ip}};
  j["last_used"] = d.last_used ? json(*d.last_used) : json(nullptr);
  j["revoked"] = d.revoked ? json(*d.revoked) : json(nullptr);
  return j;
}

template <class T>
json to_json_list(const std::vector<T>& items) {
  json arr = json::array();
  for (auto& i : items) arr.push_back(to_json(i));
  return arr;
}

// --- org
int org_create(Ctx& c) {
  auto o = c.m.create_organisation(c.actor, c.args.name);
  if (!o) return report(o.error());
  return done(c, to_json(*o), fmt::format("organisation '{}' created (id {})", o->name, o->id));
}
int org_list(Ctx& c) {
  auto list = c.m.list_organisations(c.actor);
  if (!list) return report(list.error());
  if (c.args.json) return done(c, to_json_list(*list), "");
  std::vector<std::vector<std::string>> rows;
  for (auto& o : *list) rows.push_back({std::to_string(o.id), o.name, format_time(o.created)});
  print_table({"ID", "NAME", "CREATED"}, rows, "no organisations");
  return kExitOk;
}
int org_delete(Ctx& c) {
  if (auto r = c.m.delete_organisation(c.actor, c.args.name); !r) return report(r.error());
  return done(c, {{"deleted", c.args.name}},
              fmt::format("organisation '{}' deleted with everything it owned", c.args.name));
}

// --- user

// Echo off on the terminal while a password is typed, and back on however
// the reading ends: a return, an error (the destructor), or a signal that
// stops or ends the process (the handler restores the terminal first, then
// lets the signal act; after a stop and continue, echo goes off again).
// The handler uses only async-signal-safe calls (tcsetattr, signal,
// sigprocmask, raise).
namespace no_echo {
termios g_saved{};
termios g_quiet{};
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};

extern "C" void on_signal(int sig) {
  int saved_errno = errno;
  ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);  // the default action happens here
  // Still alive: it was a stop, and we were continued.
  ::signal(sig, on_signal);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &g_quiet);
  errno = saved_errno;
}

class Guard {
 public:
  Guard() {
    if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &g_saved) != 0) return;
    g_quiet = g_saved;
    g_quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK | ECHONL);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;  // a read interrupted by a stop goes on after continue
    sigemptyset(&sa.sa_mask);
    for (std::size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &sa, &m_old[i]);
    m_active = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_quiet) == 0;
  }
  ~Guard() {
    if (!m_active) return;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
    for (std::size_t i = 0; i < std::size(kSignals); ++i) ::sigaction(kSignals[i], &m_old[i], nullptr);
    std::fputc('\n', stderr);  // the Enter the user typed was not echoed
  }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  bool m_active = false;
  struct sigaction m_old[std::size(kSignals)]{};
};
}  // namespace no_echo

std::optional<std::string> read_password_stdin() {
  no_echo::Guard quiet;  // before the prompt: nothing typed after it is echoed
  if (::isatty(STDIN_FILENO)) std::fprintf(stderr, "password: ");
  std::string line;
  if (!std::getline(std::cin, line)) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}
int user_create(Ctx& c) {
  auto role = store::parse_role(c.args.role);
  if (!role) {
    std::fprintf(stderr, "estafeta: --role must be admin, legal or member\n");
    return kExitUsage;
  }
  std::string password;
  if (c.args.password_stdin) {
    auto p = read_password_stdin();
    if (!p) {
      std::fprintf(stderr, "estafeta: no password on standard input\n");
      return kExitFailed;
    }
    password = *p;
    // An empty line is a password too short, not "no password".
    if (auto policy = auth::check_password_policy(password); !policy) return report(policy.error());
  }
  auto u = c.m.create_user(c.actor, c.args.org, c.args.login, c.args.name, *role, password);
  if (!u) return report(u.error());
  return done(c, to_json(*u),
              fmt::format("user '{}' created in '{}' as {}{}", u->login, c.args.org, to_string(u->role),
                          password.empty() ? " (no password set)" : ""));
}
int user_password(Ctx& c) {
  auto password = read_password_stdin();
  if (!password) {
    std::fprintf(stderr, "estafeta: no password on standard input\n");
    return kExitFailed;
  }
  if (auto r = c.m.set_password(c.actor, c.args.login, *password); !r) return report(r.error());
  return done(c, {{"login", c.args.login}, {"password_set", true}},
              fmt::format("user '{}': new password set", c.args.login));
}
int user_list(Ctx& c) {
  auto list = c.m.list_users(c.actor, c.args.filter);
  if (!list) return report(list.error());
  if (c.args.json) return done(c, to_json_list(*list), "");
  std::vector<std::vector<std::string>> rows;
  for (auto& u : *list)
    rows.push_back({std::to_string(u.id), u.login, u.display_name, to_string(u.role), std::to_string(u.org_id)});
  print_table({"ID", "LOGIN", "NAME", "ROLE", "ORG"}, rows, "no users");
  return kExitOk;
}
int user_delete(Ctx& c) {
  if (auto r = c.m.delete_user(c.actor, c.args.login); !r) return report(r.error());
  return done(c, {{"deleted", c.args.login}}, fmt::format("user '{}' deleted", c.args.login));
}

int user_set(Ctx& c) {
  std::optional<store::Role> role;
  if (c.args.new_role) {
    role = store::parse_role(*c.args.new_role);
    if (!role) return usage("--role must be admin, legal or member");
  }
  if (!role && !c.args.new_name) return usage("user set needs --role or --name");
  auto u = c.m.update_user(c.actor, c.args.login, role, c.args.new_name);
  if (!u) return report(u.error());
  return done(c, to_json(*u), fmt::format("user '{}': {}, '{}'", u->login, to_string(u->role), u->display_name));
}

int user_unlock(Ctx& c) {
  auto was = c.m.unlock_user(c.actor, c.args.login);
  if (!was) return report(was.error());
  return done(c, {{"login", c.args.login}, {"was_locked", *was}},
              *was ? fmt::format("user '{}' unlocked", c.args.login)
                   : fmt::format("user '{}' was not locked; failed logins reset", c.args.login));
}
int user_recovery_list(Ctx& c) {
  auto list = c.m.recovery_requests(c.actor, c.args.filter);
  if (!list) return report(list.error());
  if (c.args.json) return done(c, to_json_list(*list), "");
  std::vector<std::vector<std::string>> rows;
  for (auto& u : *list) rows.push_back({u.login, u.display_name, std::to_string(u.org_id)});
  print_table({"LOGIN", "NAME", "ORG"}, rows, "no recovery requests");
  return kExitOk;
}
int user_recovery_approve(Ctx& c) {
  if (auto r = c.m.approve_recovery(c.actor, c.args.login); !r) return report(r.error());
  return done(c, {{"login", c.args.login}, {"approved", true}},
              fmt::format("recovery of '{}' approved: their next password login turns the second factor off, "
                          "and they enrol again",
                          c.args.login));
}

// --- organisation policy
int org_policy(Ctx& c) {
  std::optional<bool> require;
  if (c.args.require_2fa) {
    if (*c.args.require_2fa != "yes" && *c.args.require_2fa != "no") return usage("--require-2fa must be yes or no");
    require = *c.args.require_2fa == "yes";
  }
  auto p = (require || c.args.min_lockout) ? c.m.set_org_policy(c.actor, c.args.name, require, c.args.min_lockout)
                                           : c.m.org_policy(c.actor, c.args.name);
  if (!p) return report(p.error());
  return done(c,
              {{"organisation", c.args.name},
               {"require_2fa", p->require_2fa},
               {"min_lockout_threshold", p->min_lockout_threshold}},
              fmt::format("organisation '{}': two-factor authentication {}; lockout threshold at least {}", c.args.name,
                          p->require_2fa ? "required" : "optional", p->min_lockout_threshold));
}

// --- service
int service_create(Ctx& c) {
  auto s = c.m.create_service(c.actor, c.args.org, c.args.name);
  if (!s) return report(s.error());
  return done(c, to_json(*s), fmt::format("mail service '{}' created (id {})", s->name, s->id));
}
int service_list(Ctx& c) {
  auto list = c.m.list_services(c.actor, c.args.filter);
  if (!list) return report(list.error());
  if (c.args.json) return done(c, to_json_list(*list), "");
  std::vector<std::vector<std::string>> rows;
  for (auto& s : *list)
    rows.push_back({std::to_string(s.id), s.name, s.locked ? "locked" : "active", std::to_string(s.org_id)});
  print_table({"ID", "NAME", "STATE", "ORG"}, rows, "no mail services");
  return kExitOk;
}
int service_lock(Ctx& c, bool locked) {
  if (auto r = c.m.set_service_locked(c.actor, c.args.name, locked); !r) return report(r.error());
  return done(c, {{"service", c.args.name}, {"locked", locked}},
              fmt::format("mail service '{}' {}", c.args.name,
                          locked ? "locked: no mail session is accepted for its addresses" : "unlocked"));
}

// --- domain
int domain_add(Ctx& c) {
  auto d = c.m.add_domain(c.actor, c.args.service, c.args.domain);
  if (!d) return report(d.error());
  if (d->verified) return done(c, to_json(*d), fmt::format("domain '{}' added to '{}'", d->name, c.args.service));
  return done(c, to_json(*d),
              fmt::format("domain '{}' claimed for '{}'; it takes mail once verified: publish the DNS record\n"
                          "  {} TXT \"{}\"\nthen run 'estafeta admin domain verify {}'",
                          d->name, c.args.service, manage::verification_name(d->name),
                          manage::verification_value(d->verify_token), d->name));
}
int domain_verify(Ctx& c) {
  auto d = c.m.verify_domain(c.actor, c.args.domain, *c.services.fresh_resolver);
  if (!d) return report(d.error());
  return done(c, to_json(*d), fmt::format("domain '{}' verified", d->name));
}
int domain_approve(Ctx& c) {
  auto d = c.m.approve_domain(c.actor, c.args.domain);
  if (!d) return report(d.error());
  return done(c, to_json(*d), fmt::format("domain '{}' approved", d->name));
}
int domain_list(Ctx& c) {
  auto list = c.m.list_domains(c.actor, c.args.filter);
  if (!list) return report(list.error());
  if (c.args.json) return done(c, to_json_list(*list), "");
  std::vector<std::vector<std::string>> rows;
  for (auto& d : *list)
    rows.push_back({std::to_string(d.id), d.name, std::to_string(d.service_id), to_string(d.spf_fail),
                    d.verified ? "verified" : "pending"});
  print_table({"ID", "DOMAIN", "SERVICE", "SPF-FAIL", "STATUS"}, rows, "no domains");
  return kExitOk;
}
int domain_remove(Ctx& c) {
  if (auto r = c.m.remove_domain(c.actor, c.args.domain); !r) return report(r.error());
  return done(c, {{"removed", c.args.domain}}, fmt::format("domain '{}' removed", c.args.domain));
}
int domain_set(Ctx& c) {
  if (c.args.spf_fail.empty() && c.args.dmarc_reject.empty()) {
    std::fprintf(stderr, "estafeta: give --spf-fail or --dmarc-reject\n");
    return kExitUsage;
  }
  auto spf = store::parse_spf_fail_policy(c.args.spf_fail);
  if (!c.args.spf_fail.empty() && !spf) {
    std::fprintf(stderr, "estafeta: --spf-fail must be junk or reject\n");
    return kExitUsage;
  }
  auto dmarc = store::parse_dmarc_reject_policy(c.args.dmarc_reject);
  if (!c.args.dmarc_reject.empty() && !dmarc) {
    std::fprintf(stderr, "estafeta: --dmarc-reject must be reject or quarantine\n");
    return kExitUsage;
  }
  std::string human;
  Result<store::Domain> d = fail(ErrorKind::internal, "nothing changed");
  if (spf) {
    d = c.m.set_domain_spf_fail(c.actor, c.args.domain, *spf);
    if (!d) return report(d.error());
    human = fmt::format("domain '{}': mail failing SPF is {}", d->name,
                        *spf == store::SpfFailPolicy::reject ? "refused (550 5.7.23)" : "filed in Junk");
  }
  if (dmarc) {
    d = c.m.set_domain_dmarc_reject(c.actor, c.args.domain, *dmarc);
    if (!d) return report(d.error());
    human += fmt::format("{}domain '{}': mail failing DMARC under p=reject is {}", human.empty() ? "" : "\n", d->name,
                         *dmarc == store::DmarcRejectPolicy::reject ? "refused (550 5.7.1)" : "filed in Junk");
  }
  return done(c, to_json(*d), human);
}

// --- address
int address_create(Ctx& c) {
  auto a = c.m.create_address(c.actor, c.args.address);
  if (!a) return report(a.error());
  return done(c, to_json(*a),
              fmt::format("address '{}' created with INBOX, Drafts, Sent, Trash, Archive, Junk", a->address));
}
int address_list(Ctx& c) {
  auto list = c.m.list_addresses(c.actor, c.args.filter);
  if (!list) return report(list.error());
  if (c.args.json) return done(c, to_json_list(*list), "");
  std::vector<std::vector<std::string>> rows;
  for (auto& a : *list)
    rows.push_back({std::to_string(a.id), a.address, std::to_string(a.org_id), format_time(a.created),
                    size_limit_text(a.settings.quota_bytes), count_limit_text(a.settings.quota_messages),
                    a.settings.save_sent ? "yes" : "no"});
  print_table({"ID", "ADDRESS", "ORG", "CREATED", "QUOTA", "MESSAGES", "SENT-COPY"}, rows, "no addresses");
  return kExitOk;
}
// An Apple configuration profile for the address on standard output; with
// --login and --label, a new device password for that user's access
// (labelled with the device) goes inside it.
int address_profile(Ctx& c) {
  auto v = c.m.show_address(c.actor, c.args.address);
  if (!v) return report(v.error());
  manage::ProfileOptions o;
  o.address = v->address.address;
  if (!c.args.label.empty()) {
    if (c.args.login.empty()) {
      std::fprintf(stderr, "estafeta: --label needs --login: whose access the device password belongs to\n");
      return kExitUsage;
    }
    auto created = c.m.create_device_password(c.actor, o.address, c.args.login, c.args.label);
    if (!created) return report(created.error());
    o.password = created->password;
    if (auto user = c.services.store->find_user(c.args.login)) o.display_name = user->display_name;
  }
  if (auto org = c.services.store->organisation(v->address.org_id)) o.organisation = org->name;
  manage::MailEndpoints e;
  e.host = c.services.config->hostname;
  std::fputs(manage::apple_profile(o, e).c_str(), stdout);
  return kExitOk;
}

int address_show(Ctx& c) {
  auto v = c.m.show_address(c.actor, c.args.address);
  if (!v) return report(v.error());
  auto& a = v->address;
  auto& u = v->usage;
  json j = to_json(a);
  j["used_bytes"] = u.bytes;
  j["used_messages"] = u.messages;
  auto share = [](std::uint64_t used, const std::optional<std::uint64_t>& limit) {
    if (!limit) return std::string();
    if (*limit == 0) return std::string(used ? ", over the limit" : "");
    return fmt::format(", {}%", used * 100 / *limit);
  };
  return done(c, j,
              fmt::format("address    {}\nquota      {} ({} used{})\nmessages   {} ({} stored{})\nsent copy  {}",
                          a.address, size_limit_text(a.settings.quota_bytes), manage::format_size(u.bytes),
                          share(u.bytes, u.limit_bytes), count_limit_text(a.settings.quota_messages), u.messages,
                          share(u.messages, u.limit_messages), a.settings.save_sent ? "yes" : "no"));
}

int address_set(Ctx& c) {
  manage::AddressChange change;
  if (c.args.quota) {
    auto q = manage::parse_size_limit(*c.args.quota);
    if (!q) return usage("--quota: " + q.error().message);
    change.quota_bytes = *q;
  }
  if (c.args.quota_messages) {
    auto q = manage::parse_count_limit(*c.args.quota_messages);
    if (!q) return usage("--quota-messages: " + q.error().message);
    change.quota_messages = *q;
  }
  if (c.args.save_sent) {
    if (*c.args.save_sent == "yes")
      change.save_sent = true;
    else if (*c.args.save_sent == "no")
      change.save_sent = false;
    else
      return usage("--save-sent must be yes or no");
  }
  if (change.empty()) return usage("address set needs --quota, --quota-messages or --save-sent");
  auto a = c.m.update_address(c.actor, c.args.address, change);
  if (!a) return report(a.error());
  return done(c, to_json(*a),
              fmt::format("address '{}': quota {}, messages {}, sent copy {}", a->address,
                          size_limit_text(a->settings.quota_bytes), count_limit_text(a->settings.quota_messages),
                          a->settings.save_sent ? "kept" : "not kept"));
}

int address_delete(Ctx& c) {
  if (auto r = c.m.delete_address(c.actor, c.args.address); !r) return report(r.error());
  return done(c, {{"deleted", c.args.address}},
              fmt::format("address '{}' deleted with its folders and messages", c.args.address));
}

// --- access
int access_set(Ctx& c) {
  if (c.args.special_folders != "yes" && c.args.special_folders != "no")
    return usage("--special-folders must be yes or no");
  auto x = c.m.set_access_permissions(c.actor, c.args.address, c.args.login, c.args.special_folders == "yes");
  if (!x) return report(x.error());
  return done(c,
              {{"address", c.args.address},
               {"login", c.args.login},
               {"may_change_special_folders", x->may_change_special_folders}},
              fmt::format("{} {} change the special folders of {}", c.args.login,
                          x->may_change_special_folders ? "may" : "may not", c.args.address));
}

int access_grant(Ctx& c) {
  auto x = c.m.grant_access(c.actor, c.args.address, c.args.login, c.args.may_change_special_folders);
  if (!x) return report(x.error());
  return done(c,
              {{"id", x->id},
               {"address", c.args.address},
               {"login", c.args.login},
               {"may_change_special_folders", x->may_change_special_folders}},
              fmt::format("'{}' now has access to '{}'{}", c.args.login, c.args.address,
                          x->may_change_special_folders ? " (may change special folders)" : ""));
}
int access_revoke(Ctx& c) {
  auto n = c.m.revoke_access(c.actor, c.args.address, c.args.login, c.args.devices_only);
  if (!n) return report(n.error());
  return done(c,
              {{"address", c.args.address},
               {"login", c.args.login},
               {"devices_only", c.args.devices_only},
               {"devices_revoked", *n}},
              c.args.devices_only
                  ? fmt::format("{} device password(s) of '{}' on '{}' revoked; the access itself is kept", *n,
                                c.args.login, c.args.address)
                  : fmt::format("access of '{}' to '{}' removed ({} device password(s) revoked)", c.args.login,
                                c.args.address, *n));
}
int access_list(Ctx& c) {
  auto list = c.m.list_access(c.actor, c.args.address);
  if (!list) return report(list.error());
  if (c.args.json) {
    json arr = json::array();
    for (auto& v : *list)
      arr.push_back({{"id", v.access.id},
                     {"login", v.user.login},
                     {"name", v.user.display_name},
                     {"may_change_special_folders", v.access.may_change_special_folders},
                     {"devices", v.live_devices}});
    return done(c, arr, "");
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& v : *list)
    rows.push_back({std::to_string(v.access.id), v.user.login, v.user.display_name,
                    v.access.may_change_special_folders ? "yes" : "no", std::to_string(v.live_devices)});
  print_table({"ID", "LOGIN", "NAME", "SPECIAL-FOLDERS", "DEVICES"}, rows, "nobody has access to this address");
  return kExitOk;
}

// --- device-password
int device_create(Ctx& c) {
  auto d = c.m.create_device_password(c.actor, c.args.address, c.args.login, c.args.label);
  if (!d) return report(d.error());
  json j = to_json(d->device);
  j["password"] = d->password;
  j["address"] = c.args.address;
  j["login"] = c.args.login;
  return done(c, j,
              fmt::format("device password for '{}' on '{}' (id {}, label '{}'):\n\n    {}\n\n"
                          "It is shown this once and never again. Use the full address as the username.",
                          c.args.login, c.args.address, d->device.id, d->device.label, d->password));
}
int device_list(Ctx& c) {
  auto list = c.m.list_device_passwords(c.actor, c.args.address, c.args.filter);
  if (!list) return report(list.error());
  if (c.args.json) {
    json arr = json::array();
    for (auto& v : *list) {
      auto j = to_json(v.device);
      j["login"] = v.login;
      arr.push_back(j);
    }
    return done(c, arr, "");
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& v : *list)
    rows.push_back({std::to_string(v.device.id), v.login, v.device.label, format_time(v.device.created),
                    v.device.last_used ? format_time(*v.device.last_used) : "never",
                    v.device.last_ip.empty() ? "-" : v.device.last_ip,
                    v.device.revoked ? "revoked " + format_time(*v.device.revoked) : "active"});
  print_table({"ID", "LOGIN", "LABEL", "CREATED", "LAST USED", "LAST IP", "STATE"}, rows, "no device passwords");
  return kExitOk;
}
int device_revoke(Ctx& c) {
  if (auto r = c.m.revoke_device_password(c.actor, c.args.id); !r) return report(r.error());
  return done(c, {{"revoked", c.args.id}}, fmt::format("device password {} revoked", c.args.id));
}

// "24h", "7d", "30m", "2026-11-01" or Unix seconds → Unix seconds.
std::optional<store::Time> parse_since(const std::string& s, store::Time now) {
  if (s.empty()) return now - 7 * 86400;
  char unit = s.back();
  if (unit == 'h' || unit == 'd' || unit == 'm') {
    try {
      auto n = std::stoll(s.substr(0, s.size() - 1));
      if (n < 0) return std::nullopt;
      return now - n * (unit == 'h' ? 3600 : unit == 'd' ? 86400 : 60);
    } catch (...) {
      return std::nullopt;
    }
  }
  std::tm tm{};
  if (s.size() == 10 && strptime(s.c_str(), "%Y-%m-%d", &tm)) return static_cast<store::Time>(timegm(&tm));
  if (s.find_first_not_of("0123456789") == std::string::npos && s.size() < 12) return std::stoll(s);
  return std::nullopt;
}

int trace_show(Ctx& c) {
  auto since = parse_since(c.args.since, c.services.clock->now());
  if (!since) {
    std::fprintf(stderr, "estafeta: --since takes 24h, 7d, 30m, a date (2026-11-01) or Unix seconds\n");
    return kExitUsage;
  }
  auto lines = c.m.trace(c.actor, c.args.address, *since, 1000);
  if (!lines) return report(lines.error());
  if (c.args.json) {
    json arr = json::array();
    for (auto& t : *lines)
      arr.push_back({{"time", t.time},
                     {"queue_id", t.queue_id},
                     {"direction", store::to_string(t.direction)},
                     {"sender", t.sender},
                     {"recipient", t.recipient},
                     {"status", store::to_string(t.status)},
                     {"remote_host", t.remote_host},
                     {"reply", t.reply}});
    return done(c, arr, "");
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& t : *lines)
    rows.push_back({format_time(t.time), t.queue_id, store::to_string(t.direction), t.sender.empty() ? "<>" : t.sender,
                    t.recipient, store::to_string(t.status), t.remote_host.empty() ? "-" : t.remote_host,
                    t.reply.empty() ? "-" : t.reply});
  print_table({"TIME", "QUEUE ID", "DIR", "SENDER", "RECIPIENT", "STATUS", "REMOTE", "REPLY"}, rows,
              "no messages in this period");
  return kExitOk;
}

struct Verb {
  const char* noun;
  const char* verb;
  int (*fn)(Ctx&);
};

constexpr Verb kVerbs[] = {
    {"org", "create", org_create},
    {"org", "list", org_list},
    {"org", "delete", org_delete},
    {"user", "create", user_create},
    {"user", "list", user_list},
    {"user", "delete", user_delete},
    {"user", "set", user_set},
    {"user", "password", user_password},
    {"user", "unlock", user_unlock},
    {"user", "recovery-list", user_recovery_list},
    {"user", "recovery-approve", user_recovery_approve},
    {"org", "policy", org_policy},
    {"service", "create", service_create},
    {"service", "list", service_list},
    {"service", "lock", [](Ctx& c) { return service_lock(c, true); }},
    {"service", "unlock", [](Ctx& c) { return service_lock(c, false); }},
    {"domain", "add", domain_add},
    {"domain", "list", domain_list},
    {"domain", "remove", domain_remove},
    {"domain", "set", domain_set},
    {"domain", "verify", domain_verify},
    {"domain", "approve", domain_approve},
    {"address", "create", address_create},
    {"address", "list", address_list},
    {"address", "delete", address_delete},
    {"address", "show", address_show},
    {"address", "set", address_set},
    {"address", "profile", address_profile},
    {"access", "grant", access_grant},
    {"access", "set", access_set},
    {"access", "revoke", access_revoke},
    {"access", "list", access_list},
    {"device-password", "create", device_create},
    {"device-password", "list", device_list},
    {"device-password", "revoke", device_revoke},
    {"trace", "show", trace_show},
};

}  // namespace

int run_admin(const std::string& noun, const std::string& verb, const AdminArgs& args) {
  const Verb* found = nullptr;
  for (auto& v : kVerbs)
    if (noun == v.noun && verb == v.verb) found = &v;
  if (!found) {
    std::fprintf(stderr, "estafeta: unknown admin command '%s %s'\n", noun.c_str(), verb.c_str());
    return kExitUsage;
  }
  int code = kExitOk;
  auto services = open_from_config(args.config, code);
  if (!services) return code;
  Ctx c{*services, *services->manager, args};
  // --as: the user's own rights, as the web console will give them.
  auto actor = actor_for(*services, args.as_login);
  if (!actor) return report(actor.error());
  c.actor = *actor;
  return found->fn(c);
}

}  // namespace estafeta::cli
