#include "manage/zone_source.hpp"

#include "core/ascii.hpp"
#include "core/log.hpp"
#include "manage/zone_records.hpp"

namespace estafeta::manage {

void StoreZones::invalidate() {
  std::lock_guard lock(m_mutex);
  m_dirty = true;
}

// A snapshot of every zone; null when the store fails (the caller keeps
// answering from what it loaded before).
std::shared_ptr<const StoreZones::Snapshot> StoreZones::load(std::uint64_t generation) {
  auto snap = std::make_shared<Snapshot>();
  snap->generation = generation;
  auto zones = m_store.list_zones(std::nullopt);
  if (!zones) {
    log::error("dns.zones_load_failed", {{"error", zones.error().message}, {"detail", zones.error().detail}});
    return nullptr;
  }
  for (auto& z : *zones) {
    auto zone = std::make_shared<dns::Zone>();
    zone->apex = z.apex;
    auto records = m_store.zone_records(z.id);
    if (!records) return nullptr;
    for (auto& r : *records) {
      auto parsed = zone_record(r);
      if (parsed)
        zone->records.push_back(std::move(*parsed));
      else
        log::warn("dns.record_skipped", {{"zone", z.apex}, {"error", parsed.error().detail}});
    }
    snap->by_apex.emplace(z.apex, std::move(zone));
  }
  return snap;
}

void StoreZones::refresh() {
  std::lock_guard reload(m_refresh_mutex);
  std::shared_ptr<const Snapshot> snap;
  bool dirty;
  {
    std::lock_guard lock(m_mutex);
    snap = m_snapshot;
    dirty = m_dirty;
    m_dirty = false;
    m_checked = std::chrono::steady_clock::now();
  }
  auto generation = m_store.zones_generation();
  if (!generation) return;
  if (snap && !dirty && *generation == snap->generation) return;
  auto loaded = load(*generation);
  if (!loaded) return;
  std::lock_guard lock(m_mutex);
  m_snapshot = std::move(loaded);
}

std::shared_ptr<const StoreZones::Snapshot> StoreZones::current() {
  if (!m_background) {
    bool due;
    {
      std::lock_guard lock(m_mutex);
      due = !m_snapshot || m_dirty || std::chrono::steady_clock::now() - m_checked >= m_recheck;
    }
    if (due) refresh();
  }
  std::lock_guard lock(m_mutex);
  return m_snapshot;
}

std::shared_ptr<const dns::Zone> StoreZones::zone_for(std::string_view query) {
  auto snap = current();
  if (!snap) return nullptr;
  auto name = ascii_lower(query);
  if (name.ends_with('.')) name.pop_back();
  // The longest apex first: the name itself, then each parent.
  for (std::string_view n = name;;) {
    if (auto it = snap->by_apex.find(n); it != snap->by_apex.end()) return it->second;
    auto dot = n.find('.');
    if (dot == std::string_view::npos) return nullptr;
    n.remove_prefix(dot + 1);
  }
}

}  // namespace estafeta::manage
