#include "store/event_log.hpp"

#include "core/log.hpp"

namespace estafeta::store {

void EventLogSink::publish(const Event& event) {
  if (auto r = m_store.append_event(event); !r)
    log::error("event_log.write_failed", {{"kind", static_cast<int>(event.kind)}, {"detail", r.error().detail}});
}

}  // namespace estafeta::store
