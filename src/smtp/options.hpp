// What an SMTP session is (MX or submission) and the limits it applies, as
// its transport sets them from the listener and [limits].
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace estafeta::smtp {

enum class Role { mx, submission };

struct SessionOptions {
  Role role = Role::mx;
  std::string hostname;
  std::string peer_ip;
  bool tls_active = false;
  bool starttls_available = false;
  bool plaintext_auth = false;  // loopback test listeners only
  std::uint64_t max_message_size = 50ull * 1024 * 1024;
  bool spf_by_transport = false;  // SPF verdicts come through set_spf() (see above)
  // DKIM and DMARC results come through set_message_auth() (Next::message_auth).
  bool message_auth_by_transport = false;
  std::size_t max_recipients = 100;
  int max_errors = 10;  // commands refused 5xx, unknown recipients aside
  // Unknown recipients a session may name before it is closed: a list's
  // stale addresses are not errors of the client, but a session that names
  // many is guessing addresses (a directory harvest).
  int max_unknown_recipients = 50;
};

}  // namespace estafeta::smtp
