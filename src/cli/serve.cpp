// `estafeta serve --config PATH [--web-dir DIR]`.
#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/context.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "net/certificate.hpp"
#include "server/serve.hpp"

namespace estafeta::cli {

int run_serve(const ServeArgs& args) {
  int code = kExitOk;
  auto services = open_from_config(args.config, code);
  if (!services) return code;
  auto& config = *services->config;
  log::setup(config.log);
  if (auto folder = check_private_folder(config.data_dir); folder && *folder)
    log::warn("data_dir.open_to_others", {{"warning", **folder}});
  auto cert = net::ensure_certificate(config.tls.cert, config.tls.key, config.data_dir / "tls", config.hostname);
  if (!cert) {
    print_error(cert.error());
    return kExitFailed;
  }
  if (cert->generated) log::info("tls.self_signed_created", {{"cert", cert->cert.string()}});
  server::ServeOptions options;
  options.certificate = *cert;
  options.web_dir = args.web_dir;
  if (auto r = server::serve(*services, options); !r) {
    print_error(r.error());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace estafeta::cli
