// The part of the Store that keeps logs: the event log, through which
// events reach every process and node (store/event_log.hpp), and the audit
// log of who did what, when and from where (DESIGN §2.2 activity log).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/event_bus.hpp"
#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store {

class Logs {
 public:
  virtual ~Logs() = default;

  // --- event log: events that must reach every process and node (revocations,
  // locks). Ids ascend; readers remember the last id they saw.
  virtual Result<std::int64_t> append_event(const Event& event) = 0;
  virtual Result<std::vector<std::pair<std::int64_t, Event>>> events_after(std::int64_t id, std::size_t limit) = 0;
  virtual Result<std::int64_t> last_event_id() = 0;
  // Forgets events older than `before` (Unix seconds).
  virtual Status prune_events(Time before) = 0;

  // --- audit log
  virtual Status append_audit(const AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEntry>> query_audit(const AuditQuery& query) = 0;
};

}  // namespace estafeta::store
