#include "core/result.hpp"

namespace estafeta {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::not_found: return "not found";
    case ErrorKind::exists: return "already exists";
    case ErrorKind::permission: return "permission denied";
    case ErrorKind::over_quota: return "over quota";
    case ErrorKind::throttled: return "throttled";
    case ErrorKind::temporary: return "temporary failure";
    case ErrorKind::in_use: return "in use";
    case ErrorKind::limit: return "limit exceeded";
    case ErrorKind::invalid: return "invalid";
    case ErrorKind::internal: return "internal error";
  }
  return "unknown";
}

}  // namespace estafeta
