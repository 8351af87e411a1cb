// DNS zones, their records and DKIM keys (store/zones.hpp).
#include <fmt/format.h>

#include "core/ascii.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

namespace {

// Needs: FROM dns_zone z JOIN domain d ON d.id = z.domain_id JOIN mail_service s ON s.id = d.service_id
constexpr const char* kZoneColumns = "z.id, z.domain_id, s.org_id, d.name, z.serial, z.created";
constexpr const char* kZoneFrom =
    "dns_zone z JOIN domain d ON d.id = z.domain_id JOIN mail_service s ON s.id = d.service_id";

DnsZone read_zone(const Statement& s) {
  return {.id = s.int64(0),
          .domain_id = s.int64(1),
          .org_id = s.int64(2),
          .apex = s.text(3),
          .serial = static_cast<std::uint32_t>(s.int64(4)),
          .created = s.int64(5)};
}

constexpr const char* kRecordColumns = "id, zone_id, name, type, ttl, data, created";
DnsRecord read_record(const Statement& s) {
  return {.id = s.int64(0),
          .zone_id = s.int64(1),
          .name = s.text(2),
          .type = s.text(3),
          .ttl = static_cast<std::uint32_t>(s.int64(4)),
          .data = s.text(5),
          .created = s.int64(6)};
}

constexpr const char* kDkimColumns =
    "k.id, k.domain_id, k.selector, k.algorithm, k.sealed_private, k.public_record, "
    "k.state, k.created, k.changed";
DkimKey read_dkim(const Statement& s) {
  return {.id = s.int64(0),
          .domain_id = s.int64(1),
          .selector = s.text(2),
          .algorithm = s.text(3),
          .sealed_private = s.text(4),
          .public_record = s.text(5),
          .state = parse_dkim_key_state(s.text(6)).value_or(DkimKeyState::retired),
          .created = s.int64(7),
          .changed = s.int64(8)};
}

Status insert_record(Database& db, Id zone_id, const DnsRecord& r, Time now, std::vector<DnsRecord>* added) {
  auto st =
      TRY(db.prepare("INSERT INTO dns_record (zone_id, name, type, ttl, data, created) VALUES (?, ?, ?, ?, ?, ?)"));
  TRY(st.bind_all(zone_id, ascii_lower(r.name), r.type, std::int64_t{r.ttl}, r.data, now).run());
  if (added) {
    auto copy = r;
    copy.name = ascii_lower(r.name);
    copy.id = db.last_insert_id();
    copy.zone_id = zone_id;
    copy.created = now;
    added->push_back(std::move(copy));
  }
  return {};
}

}  // namespace

Result<DnsZone> SqliteStore::create_zone(Id domain_id, std::uint32_t serial, const std::vector<DnsRecord>& records) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto now = unix_now();
  auto st = TRY(m_db->prepare("INSERT INTO dns_zone (domain_id, serial, created) VALUES (?, ?, ?)"));
  auto inserted = st.bind_all(domain_id, std::int64_t{serial}, now).run();
  if (!inserted && inserted.error().kind == ErrorKind::exists)
    return fail(ErrorKind::exists, "the domain has a zone already");
  TRY(inserted);
  auto zone_id = m_db->last_insert_id();
  for (auto& r : records) TRY(insert_record(*m_db, zone_id, r, now, nullptr));
  auto zst = TRY(m_db->prepare(fmt::format("SELECT {} FROM {} WHERE z.id = ?", kZoneColumns, kZoneFrom)));
  zst.bind_all(zone_id);
  auto zone = TRY(one<DnsZone>(std::move(zst), read_zone, "no such zone"));
  TRY(tx.commit());
  return zone;
}

Result<DnsZone> SqliteStore::zone_of_domain(Id domain_id) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format("SELECT {} FROM {} WHERE z.domain_id = ?", kZoneColumns, kZoneFrom)));
  st.bind_all(domain_id);
  return one<DnsZone>(std::move(st), read_zone, "the domain has no zone");
}

Result<DnsZone> SqliteStore::find_zone(const std::vector<std::string>& apexes) {
  if (apexes.empty()) return fail(ErrorKind::not_found, "no such zone");
  std::string marks;
  for (std::size_t i = 0; i < apexes.size(); ++i) marks += i ? ", ?" : "?";
  auto db = read();
  auto st = TRY(db->prepare(fmt::format("SELECT {} FROM {} WHERE d.name IN ({}) ORDER BY length(d.name) DESC LIMIT 1",
                                        kZoneColumns, kZoneFrom, marks)));
  for (std::size_t i = 0; i < apexes.size(); ++i) st.bind(static_cast<int>(i + 1), std::string_view(apexes[i]));
  return one<DnsZone>(std::move(st), read_zone, "no such zone");
}

Result<std::vector<DnsZone>> SqliteStore::list_zones(std::optional<Id> org_id) {
  auto db = read();
  auto st = TRY(db->prepare(
      fmt::format("SELECT {} FROM {} WHERE ?1 IS NULL OR s.org_id = ?1 ORDER BY d.name", kZoneColumns, kZoneFrom)));
  st.bind(1, org_id);
  return all<DnsZone>(std::move(st), read_zone);
}

Result<std::vector<DnsRecord>> SqliteStore::zone_records(Id zone_id) {
  auto db = read();
  auto st = TRY(
      db->prepare(fmt::format("SELECT {} FROM dns_record WHERE zone_id = ? ORDER BY name, type, id", kRecordColumns)));
  st.bind_all(zone_id);
  return all<DnsRecord>(std::move(st), read_record);
}

Result<std::vector<DnsRecord>> SqliteStore::edit_zone(Id zone_id, const ZonePlan& plan) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto zst = TRY(m_db->prepare(fmt::format("SELECT {} FROM {} WHERE z.id = ?", kZoneColumns, kZoneFrom)));
  zst.bind_all(zone_id);
  auto zone = TRY(one<DnsZone>(std::move(zst), read_zone, "no such zone"));
  auto rst = TRY(m_db->prepare(
      fmt::format("SELECT {} FROM dns_record WHERE zone_id = ? ORDER BY name, type, id", kRecordColumns)));
  rst.bind_all(zone_id);
  auto records = TRY(all<DnsRecord>(std::move(rst), read_record));
  auto edit = TRY(plan(zone, records));
  auto now = unix_now();
  std::vector<DnsRecord> added;
  for (auto id : edit.remove) {
    auto st = TRY(m_db->prepare("DELETE FROM dns_record WHERE id = ? AND zone_id = ?"));
    TRY(st.bind_all(id, zone_id).run());
    if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such record in this zone");
  }
  for (auto& r : edit.update) {
    auto st =
        TRY(m_db->prepare("UPDATE dns_record SET name = ?, type = ?, ttl = ?, data = ? WHERE id = ? AND zone_id = ?"));
    TRY(st.bind_all(ascii_lower(r.name), r.type, std::int64_t{r.ttl}, r.data, r.id, zone_id).run());
    if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such record in this zone");
  }
  for (auto& r : edit.add) TRY(insert_record(*m_db, zone_id, r, now, &added));
  if (edit.serial) {
    auto st = TRY(m_db->prepare("UPDATE dns_zone SET serial = ? WHERE id = ?"));
    TRY(st.bind_all(std::int64_t{edit.serial}, zone_id).run());
  }
  TRY(tx.commit());
  return added;
}

Status SqliteStore::delete_zone(Id zone_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM dns_zone WHERE id = ?"));
  TRY(st.bind_all(zone_id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such zone");
  return {};
}

Result<std::uint64_t> SqliteStore::zones_generation() {
  auto db = read();
  auto st = TRY(db->prepare("SELECT value FROM counter WHERE name = 'zones'"));
  if (!TRY(st.step())) return fail(ErrorKind::internal, "store error", "zones counter missing");
  return static_cast<std::uint64_t>(st.int64(0));
}

Result<DkimKey> SqliteStore::add_dkim_key(const DkimKey& key) {
  std::lock_guard lock(m_mutex);
  auto now = key.created ? key.created : unix_now();
  auto st = TRY(m_db->prepare(
      "INSERT INTO dkim_key (domain_id, selector, algorithm, sealed_private, public_record, state, created, changed) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
  st.bind_all(key.domain_id, key.selector, key.algorithm);
  st.bind_blob(4, key.sealed_private);
  st.bind(5, std::string_view(key.public_record));
  st.bind(6, std::string_view(to_string(key.state)));
  st.bind(7, now);
  st.bind(8, now);
  auto inserted = st.run();
  if (!inserted && inserted.error().kind == ErrorKind::exists)
    return fail(ErrorKind::exists, fmt::format("the selector '{}' is in use for this domain", key.selector));
  TRY(inserted);
  auto out = key;
  out.id = m_db->last_insert_id();
  out.created = out.changed = now;
  return out;
}

Result<std::vector<DkimKey>> SqliteStore::dkim_keys(Id domain_id) {
  auto db = read();
  auto st =
      TRY(db->prepare(fmt::format("SELECT {} FROM dkim_key k WHERE k.domain_id = ? ORDER BY k.id", kDkimColumns)));
  st.bind_all(domain_id);
  return all<DkimKey>(std::move(st), read_dkim);
}

Status SqliteStore::set_dkim_key_state(Id key_id, DkimKeyState state, Time when) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE dkim_key SET state = ?, changed = ? WHERE id = ?"));
  TRY(st.bind_all(std::string(to_string(state)), when, key_id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such DKIM key");
  return {};
}

Result<std::vector<DkimKey>> SqliteStore::signing_keys(const std::string& domain) {
  auto db = read();
  auto st =
      TRY(db->prepare(fmt::format("SELECT {} FROM dkim_key k JOIN domain d ON d.id = k.domain_id WHERE d.name = ? AND "
                                  "k.state = 'active' ORDER BY k.id",
                                  kDkimColumns)));
  st.bind_all(ascii_lower(domain));
  return all<DkimKey>(std::move(st), read_dkim);
}

}  // namespace estafeta::store::sqlite
