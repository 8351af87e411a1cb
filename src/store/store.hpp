// The Store: Estafeta's persistent state, in mail terms.
//
// The same interfaces for every backend (SQLite embedded, PostgreSQL later); SQL
// lives only in the backend folders. Calls are blocking and thread-safe:
// network code runs them on a worker pool, never on an io_context thread.
//
// Errors: not_found when an id or name does not exist, exists on a unique
// name taken, in_use when something still depends on the target, invalid on
// a rule broken. Authorization is not checked here (see manage/); the store
// trusts its caller.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "core/result.hpp"
#include "store/accounts.hpp"
#include "store/drive.hpp"
#include "store/emails.hpp"
#include "store/logs.hpp"
#include "store/mail.hpp"
#include "store/maintenance.hpp"
#include "store/queue.hpp"
#include "store/security.hpp"
#include "store/transfers.hpp"
#include "store/types.hpp"
#include "store/zones.hpp"

namespace estafeta::store {

// The whole store, as the composition code opens it (net/services.hpp). A
// caller that needs one side takes that part alone:
//   Accounts     organisations, users, services, domains, addresses, accesses,
//                device passwords (store/accounts.hpp)
//   Mailboxes    an address's folders and subscriptions (store/mailboxes.hpp)
//   Messages     the messages in folders, their text and changes (store/messages.hpp)
//   Mail         Mailboxes and Messages together (store/mail.hpp)
//   Queue        mail accepted by SMTP, the outbound queue, the trace (store/queue.hpp)
//   Logs         the event log and the audit log (store/logs.hpp)
//   Maintenance  text indexing backlog, unreferenced blobs, integrity (store/maintenance.hpp)
//   Zones        DNS zones and DKIM keys (store/zones.hpp)
//   Emails       an address's mail as JMAP sees it: emails, threads, changes (store/emails.hpp)
//   Security     sessions, tokens, second factors, policies, login history (store/security.hpp)
//   Transfers    transfer links: large files for download by link (store/transfers.hpp)
//   Drive        the drives: each user's and each organisation's (store/drive.hpp)
class Store : public Accounts,
              public Mail,
              public Emails,
              public Queue,
              public Logs,
              public Maintenance,
              public Zones,
              public Security,
              public Transfers,
              public Drive {
 public:
  ~Store() override = default;
};

struct SqliteOptions {
  std::filesystem::path path;  // the database file
  bool create = true;          // create when absent
  // Bytes of text that may wait outside the full-text index before
  // deliveries index it themselves (Maintenance::index_pending_text). A
  // search reads its folder's waiting text beside the index, 50 MB in
  // 80-200 ms (release build, 2 cores), where indexing it costs ~12 s.
  std::uint64_t max_pending_text_bytes = 256u << 20;
};

// Opens (and migrates) an SQLite store. Refuses a database written by a newer
// version with ErrorKind::invalid and a message that says so.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace estafeta::store
