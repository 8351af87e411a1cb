// The zones of the store as the DNS server and the zone-first resolver see
// them: a snapshot of every zone, reloaded when the store's zone generation
// moves (any process's change).
//
// Two ways to keep it fresh: on demand (zone_for checks the generation at
// most every `recheck`: the CLI, tests), or in the background (zone_for
// never touches the store, so it may run on an io thread; the owner calls
// refresh() from a worker every few hundred milliseconds: the server).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>

#include "dns/authority.hpp"
#include "store/zones.hpp"

namespace estafeta::manage {

class StoreZones final : public dns::ZoneSource {
 public:
  explicit StoreZones(store::Zones& store, std::chrono::milliseconds recheck = std::chrono::milliseconds(250))
      : m_store(store), m_recheck(recheck) {}

  // Refreshed by refresh() alone.
  struct Background {};
  StoreZones(store::Zones& store, Background) : m_store(store), m_background(true) {}

  std::shared_ptr<const dns::Zone> zone_for(std::string_view name) override;
  // A change was made in this process: the next check reloads.
  void invalidate();
  // Reloads when the store's zones changed. Blocking (the store).
  void refresh();

 private:
  struct Snapshot {
    std::uint64_t generation = 0;
    std::map<std::string, std::shared_ptr<const dns::Zone>, std::less<>> by_apex;
  };
  std::shared_ptr<const Snapshot> current();
  std::shared_ptr<const Snapshot> load(std::uint64_t generation);

  store::Zones& m_store;
  std::chrono::milliseconds m_recheck{0};
  bool m_background = false;
  std::mutex m_refresh_mutex;  // one reload at a time
  std::mutex m_mutex;          // m_snapshot, m_checked, m_dirty
  std::shared_ptr<const Snapshot> m_snapshot;
  std::chrono::steady_clock::time_point m_checked;
  bool m_dirty = true;
};

}  // namespace estafeta::manage
