#include "cli/context.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "core/fs.hpp"
#include "mime/parsed_message.hpp"

namespace estafeta::cli {

void print_error(const Error& e) {
  std::fprintf(stderr, "estafeta: %s\n", e.message.c_str());
  if (!e.detail.empty() && std::getenv("ESTAFETA_DEBUG")) std::fprintf(stderr, "  detail: %s\n", e.detail.c_str());
}

std::unique_ptr<server::Services> open_from_config(const std::string& path, int& exit_code) {
  auto config = load_config(path);
  if (!config) {
    print_error(config.error());
    exit_code = kExitUsage;
    return nullptr;
  }
  auto folder = check_private_folder(config->data_dir);
  if (!folder) {
    print_error(folder.error());
    exit_code = kExitFailed;
    return nullptr;
  }
  static bool warned = false;  // once per process (quickstart opens twice)
  if (*folder && !warned) std::fprintf(stderr, "estafeta: warning: %s\n", (*folder)->c_str());
  warned = warned || *folder;
  mime::init();
  auto services = server::open_services(std::make_shared<const Config>(std::move(*config)));
  if (!services) {
    print_error(services.error());
    exit_code = kExitFailed;
    return nullptr;
  }
  exit_code = kExitOk;
  return std::move(*services);
}

Result<manage::Actor> actor_for(server::Services& services, const std::string& as_login) {
  auto actor = manage::Actor::operator_cli();
  if (as_login.empty()) return actor;
  auto user = services.store->find_user(as_login);
  if (!user) {
    if (user.error().kind == ErrorKind::not_found)
      return fail(ErrorKind::not_found, fmt::format("no user '{}'", as_login));
    return std::unexpected(user.error());
  }
  actor.user = *user;
  return actor;
}

}  // namespace estafeta::cli
