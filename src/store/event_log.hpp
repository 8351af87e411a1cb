// The store's event log as an EventSink: events written here reach every
// process that reads the log (the server relays them to its in-process bus).
#pragma once

#include "core/event_bus.hpp"
#include "store/logs.hpp"

namespace estafeta::store {

class EventLogSink final : public EventSink {
 public:
  explicit EventLogSink(Logs& store) : m_store(store) {}  // the store must outlive the sink
  void publish(const Event& event) override;

 private:
  Logs& m_store;
};

}  // namespace estafeta::store
