// The domain diagnostic ("security check", DESIGN §2.3): the public DNS of a
// served domain and the server's certificate, item by item, each OK, a
// warning or an error with the exact change that fixes it.
//
// Everything is asked through the caller's resolver as the Internet sees
// it (not the zones stored here: a zone that is not delegated to this
// server is a draft). Blocking (DNS): from the CLI or a worker.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace estafeta::manage {

struct CheckItem {
  enum class Level { ok, warning, error };
  std::string name;  // "mx", "spf", "dkim", "dmarc", "srv", "autoconfig", "tls"
  Level level = Level::ok;
  std::string message;  // what was found
  std::string fix;      // what to change, when not ok
};
const char* to_string(CheckItem::Level level);

struct Diagnosis {
  std::string domain;
  std::vector<CheckItem> items;
  bool ok() const;  // no error
};

// The certificate the mail listeners present (net::certificate_info).
struct CertificateView {
  std::vector<std::string> dns_names;
  std::int64_t not_after = 0;
  bool self_signed = false;
};

}  // namespace estafeta::manage
