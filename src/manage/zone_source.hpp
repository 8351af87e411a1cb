// The zones of the store as the DNS server and the zone-first resolver see
// them: a snapshot of every zone, reloaded when the store's zone generation
// moves (any process's change), checked at most every `recheck`.
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
  explicit StoreZones(store::ZoneStore& store, std::chrono::milliseconds recheck = std::chrono::milliseconds(250))
      : m_store(store), m_recheck(recheck) {}

  std::shared_ptr<const dns::Zone> zone_for(std::string_view name) override;
  // A change was made in this process: the next query reloads.
  void invalidate();

 private:
  struct Snapshot {
    std::uint64_t generation = 0;
    std::map<std::string, std::shared_ptr<const dns::Zone>, std::less<>> by_apex;
  };
  std::shared_ptr<const Snapshot> current();
  std::shared_ptr<const Snapshot> load(std::uint64_t generation);

  store::ZoneStore& m_store;
  std::chrono::milliseconds m_recheck;
  std::mutex m_mutex;
  std::shared_ptr<const Snapshot> m_snapshot;
  std::chrono::steady_clock::time_point m_checked;
  bool m_dirty = true;
};

}  // namespace estafeta::manage
