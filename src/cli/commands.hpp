// The subcommands, as plain functions over typed arguments. main.cpp (the
// only file that includes CLI11) parses the command line into these structs.
//
// Exit codes: 0 done; 1 the operation was refused or failed (the message
// says why); 2 bad usage or a bad config file.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace estafeta::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

inline constexpr const char* kDefaultConfig = "data/estafeta.toml";

struct AdminArgs {
  std::string config = kDefaultConfig;
  bool json = false;
  std::string as_login;  // --as: act as this user; empty: the operator

  std::string org;
  std::string login;
  std::string name;
  std::string role = "member";
  bool password_stdin = false;
  std::string service;
  std::string domain;
  std::string address;
  std::string label;
  long long id = 0;
  bool may_change_special_folders = false;
  bool devices_only = false;
  std::optional<std::string> filter;  // --org / --service / --login on list verbs
  std::string since;                  // trace: "24h", "7d", "2026-11-01" or Unix seconds; empty: 7 days
  // address set: as typed, checked by the verb ("500M" / "none", a count / "none", "yes" / "no").
  std::optional<std::string> quota;
  std::optional<std::string> quota_messages;
  std::optional<std::string> save_sent;
  std::string spf_fail;                    // domain set: "junk" or "reject"
  std::string dmarc_reject;                // domain set: "reject" or "quarantine"
  std::optional<std::string> require_2fa;  // org policy: "yes" or "no"
  std::optional<int> min_lockout;          // org policy: the lowest lockout threshold users may set
  std::optional<std::string> new_role;     // user set
  std::optional<std::string> new_name;     // user set
  std::string special_folders;             // access set: "yes" or "no"
};

// "org create", "user list", … as two words.
int run_admin(const std::string& noun, const std::string& verb, const AdminArgs& args);

struct DnsArgs {
  std::string config = kDefaultConfig;
  bool json = false;
  std::string as_login;

  std::string domain;
  std::string name;  // a record's name as typed ("@", "www", "host.example.com.")
  std::string type;
  std::string data;
  std::optional<unsigned> ttl;
  long long id = 0;
  std::string record;                // spf check: a proposed record (empty: the zone's)
  std::vector<std::string> records;  // spf merge
  bool now = false;                  // dkim rotate: switch at once
};

// "zone show", "record add", "spf check", "dkim rotate", … as two words.
int run_dns(const std::string& noun, const std::string& verb, const DnsArgs& args);

struct ServeArgs {
  std::string config = kDefaultConfig;
  std::string web_dir;  // the web app from this folder instead of the built-in one
};
int run_serve(const ServeArgs& args);

struct QuickstartArgs {
  std::string dir = "data";
  bool no_serve = false;  // set up and print, but do not start serving
  std::string web_dir;
};
int run_quickstart(const QuickstartArgs& args);

}  // namespace estafeta::cli
