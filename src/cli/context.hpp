// Loading the config and opening the services, with errors printed once.
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"
#include "server/services.hpp"

namespace estafeta::cli {

// Prints "estafeta: <message>" to stderr.
void print_error(const Error& e);

// Loads the config (a config error → exit code 2 for the caller) and opens
// the services. On error prints it and returns nullptr with `exit_code` set.
// A data folder open to other users is warned about on stderr; one that
// others may write in is refused (core/fs.hpp check_private_folder).
std::unique_ptr<server::Services> open_from_config(const std::string& path, int& exit_code);

// The operator, or the user `as_login` with their own rights (--as).
// Errors: not_found, printed by the caller.
Result<manage::Actor> actor_for(server::Services& services, const std::string& as_login);

}  // namespace estafeta::cli
