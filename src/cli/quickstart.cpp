// `estafeta quickstart`: the embedded default in one command. On first run
// it writes a config, makes the data folder, a self-signed certificate and a
// demo organisation with one admin, one address and one device password, and
// prints them; on every run it prints the ports, then serves.
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "auth/device_password.hpp"
#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "core/fs.hpp"
#include "net/certificate.hpp"
#include "server/serve.hpp"

namespace estafeta::cli {

namespace {

constexpr const char* kDemoOrg = "Demo";
constexpr const char* kDemoService = "demo-mail";
constexpr const char* kDemoDomain = "demo.example";
constexpr const char* kDemoAdmin = "admin@demo.example";
constexpr const char* kDemoAddress = "hello@demo.example";

// Loopback ports above 1024 so no root is needed; the standard ports are
// the same protocols on 143, 993, 110, 995, 25, 587, 465, 80, 443.
constexpr const char* kConfigText = R"toml(# Estafeta configuration (written by `estafeta quickstart`).
# Relative paths are relative to this file's folder.
data_dir = "."
hostname = "localhost"

[log]
level = "info"      # trace, debug, info, warn, error
format = "text"     # text (key=value) or json

# [tls]             # absent: a self-signed certificate in tls/ is made and reused
# cert = "/etc/ssl/mail.pem"
# key = "/etc/ssl/mail.key"

[[listener]]
protocol = "imap"
address = "127.0.0.1:1143"
plaintext_auth = true   # loopback only: lets local tools log in without STARTTLS

[[listener]]
protocol = "imaps"
address = "127.0.0.1:1993"

[[listener]]
protocol = "pop3"
address = "127.0.0.1:1110"
plaintext_auth = true

[[listener]]
protocol = "pop3s"
address = "127.0.0.1:1995"

[[listener]]
protocol = "smtp"
address = "127.0.0.1:2525"

[[listener]]
protocol = "submission"
address = "127.0.0.1:1587"
plaintext_auth = true

[[listener]]
protocol = "submissions"
address = "127.0.0.1:1465"

[[listener]]
protocol = "http"
address = "127.0.0.1:8080"

[[listener]]
protocol = "https"
address = "127.0.0.1:8443"
)toml";

struct Demo {
  std::string admin_password;
  std::string device_password;
};

Result<Demo> create_demo(server::Services& s) {
  auto& m = *s.manager;
  auto actor = manage::Actor::operator_cli();
  actor.product = "quickstart";
  Demo demo;
  demo.admin_password = auth::DeviceKeyring::generate();
  TRY(m.create_organisation(actor, kDemoOrg));
  TRY(m.create_user(actor, kDemoOrg, kDemoAdmin, "Demo Admin", store::Role::admin, demo.admin_password));
  TRY(m.create_service(actor, kDemoOrg, kDemoService));
  TRY(m.add_domain(actor, kDemoService, kDemoDomain));
  TRY(m.create_address(actor, kDemoAddress));
  TRY(m.grant_access(actor, kDemoAddress, kDemoAdmin, true));
  demo.device_password = TRY(m.create_device_password(actor, kDemoAddress, kDemoAdmin, "quickstart")).password;
  return demo;
}

void print_ports(const Config& config) {
  std::printf("\nListeners (config: %s):\n", config.source.string().c_str());
  for (auto& l : config.listeners) std::printf("  %-12s %s:%u\n", to_string(l.protocol), l.host.c_str(), l.port);
  // Where a browser finds the web mail: the https listener if there is one.
  const ListenerConfig* web = nullptr;
  for (auto& l : config.listeners)
    if (l.protocol == Protocol::https || (l.protocol == Protocol::http && !web)) web = &l;
  if (web) {
    bool any = web->host == "0.0.0.0" || web->host == "::" || web->host.empty();
    bool v6 = !any && web->host.find(':') != std::string::npos;
    std::printf("\nWeb mail: %s://%s%s%s:%u/%s\n", web->protocol == Protocol::https ? "https" : "http", v6 ? "[" : "",
                any ? "localhost" : web->host.c_str(), v6 ? "]" : "", web->port,
                web->protocol == Protocol::https ? "   (the self-signed certificate above: accept it once)" : "");
  }
}

}  // namespace

int run_quickstart(const QuickstartArgs& args) {
  std::filesystem::path dir = args.dir;
  auto config_path = dir / "estafeta.toml";
  bool first = !std::filesystem::exists(config_path);
  if (first) {
    if (auto r = make_directories(dir, 0700); !r) {
      print_error(r.error());
      return kExitFailed;
    }
    if (auto r = write_file_durably(config_path, kConfigText, 0600); !r) {
      print_error(r.error());
      return kExitFailed;
    }
  }
  int code = kExitOk;
  auto services = open_from_config(config_path.string(), code);
  if (!services) return code;
  auto& config = *services->config;

  auto cert = net::ensure_certificate(config.tls.cert, config.tls.key, config.data_dir / "tls", config.hostname);
  if (!cert) {
    print_error(cert.error());
    return kExitFailed;
  }
  std::printf("Estafeta — data in %s\n", std::filesystem::absolute(config.data_dir).lexically_normal().c_str());
  std::printf("TLS certificate %s (%s)\n  SHA-256 %s\n", cert->cert.c_str(),
              cert->generated ? "self-signed, made now" : "existing",
              net::certificate_fingerprint(cert->cert).value_or("?").c_str());

  bool has_orgs = services->store->list_organisations().value_or(std::vector<store::Organisation>{}).size() > 0;
  if (!has_orgs) {
    auto demo = create_demo(*services);
    if (!demo) {
      print_error(demo.error());
      return kExitFailed;
    }
    std::printf("\nDemo organisation '%s' created. These credentials are shown once:\n", kDemoOrg);
    std::printf("  console/web login   %s\n  password            %s\n", kDemoAdmin, demo->admin_password.c_str());
    std::printf("  mail address        %s\n  device password     %s   (IMAP/POP3/SMTP: username = the address)\n",
                kDemoAddress, demo->device_password.c_str());
  } else {
    std::printf(
        "\nExisting data: credentials were printed at first start. A new device password:\n"
        "  estafeta admin --config %s device-password create %s %s --label laptop\n",
        config_path.c_str(), kDemoAddress, kDemoAdmin);
  }
  print_ports(config);
  std::fflush(stdout);
  if (args.no_serve) return kExitOk;
  services.reset();  // serve opens its own
  return run_serve(ServeArgs{.config = config_path.string(), .web_dir = args.web_dir});
}

}  // namespace estafeta::cli
