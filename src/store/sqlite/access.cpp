// Accesses (user ↔ address) and their device passwords.
#include <fmt/format.h>

#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

Result<Access> SqliteStore::grant_access(Id address_id, Id user_id, bool may_change_special_folders) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      "INSERT INTO access (address_id, user_id, may_change_special_folders, created) VALUES (?, ?, ?, ?)"));
  auto now = unix_now();
  auto r = st.bind_all(address_id, user_id, std::int64_t{may_change_special_folders}, now).run();
  if (!r && r.error().kind == ErrorKind::exists)
    return fail(ErrorKind::exists, "the user already has access to this address");
  if (!r && r.error().kind == ErrorKind::invalid)
    return fail(ErrorKind::not_found, "no such address or user", r.error().detail);
  TRY(r);
  return Access{m_db->last_insert_id(), address_id, user_id, may_change_special_folders, now};
}

Result<Access> SqliteStore::find_access(Id address_id, Id user_id) {
  std::lock_guard lock(m_mutex);
  auto st =
      TRY(m_db->prepare(fmt::format("SELECT {} FROM access WHERE address_id = ? AND user_id = ?", kAccessColumns)));
  st.bind_all(address_id, user_id);
  return one<Access>(
      std::move(st), [](const Statement& s) { return read_access(s); }, "the user has no access to this address");
}

Result<Access> SqliteStore::access(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("SELECT {} FROM access WHERE id = ?", kAccessColumns)));
  st.bind_all(id);
  return one<Access>(
      std::move(st), [](const Statement& s) { return read_access(s); }, "no such access");
}

Result<std::vector<Access>> SqliteStore::list_accesses(Id address_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("SELECT {} FROM access WHERE address_id = ? ORDER BY id", kAccessColumns)));
  st.bind_all(address_id);
  return all<Access>(std::move(st), [](const Statement& s) { return read_access(s); });
}

Result<std::vector<Access>> SqliteStore::list_user_accesses(Id user_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("SELECT {} FROM access WHERE user_id = ? ORDER BY id", kAccessColumns)));
  st.bind_all(user_id);
  return all<Access>(std::move(st), [](const Statement& s) { return read_access(s); });
}

Status SqliteStore::set_access_permissions(Id access_id, bool may_change_special_folders) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE access SET may_change_special_folders = ? WHERE id = ?"));
  TRY(st.bind_all(std::int64_t{may_change_special_folders}, access_id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such access");
  return {};
}

Status SqliteStore::remove_access(Id access_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM access WHERE id = ?"));
  TRY(st.bind_all(access_id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such access");
  return {};
}

Result<DevicePassword> SqliteStore::create_device_password(Id access_id, const std::string& label,
                                                           const std::string& hash) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("INSERT INTO device_password (access_id, label, hash, created) VALUES (?, ?, ?, ?)"));
  auto now = unix_now();
  st.bind(1, access_id).bind(2, label).bind_blob(3, hash).bind(4, now);
  auto r = st.run();
  if (!r && r.error().kind == ErrorKind::invalid) return fail(ErrorKind::not_found, "no such access", r.error().detail);
  TRY(r);
  DevicePassword out;
  out.id = m_db->last_insert_id();
  out.access_id = access_id;
  out.label = label;
  out.hash = hash;
  out.created = now;
  return out;
}

Result<DevicePassword> SqliteStore::device_password(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("SELECT {} FROM device_password WHERE id = ?", kDeviceColumns)));
  st.bind_all(id);
  return one<DevicePassword>(
      std::move(st), [](const Statement& s) { return read_device(s); }, "no such device password");
}

Result<std::vector<DevicePassword>> SqliteStore::list_device_passwords(Id access_id) {
  std::lock_guard lock(m_mutex);
  auto st =
      TRY(m_db->prepare(fmt::format("SELECT {} FROM device_password WHERE access_id = ? ORDER BY id", kDeviceColumns)));
  st.bind_all(access_id);
  return all<DevicePassword>(std::move(st), [](const Statement& s) { return read_device(s); });
}

Status SqliteStore::revoke_device_password(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE device_password SET revoked = ? WHERE id = ? AND revoked IS NULL"));
  TRY(st.bind_all(unix_now(), id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such device password (or already revoked)");
  return {};
}

Result<int> SqliteStore::revoke_access_devices(Id access_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE device_password SET revoked = ? WHERE access_id = ? AND revoked IS NULL"));
  TRY(st.bind_all(unix_now(), access_id).run());
  return m_db->changes();
}

Result<std::vector<LoginCandidate>> SqliteStore::login_candidates(const std::string& address) {
  auto db = read();
  auto st = TRY(db->prepare(
      fmt::format("SELECT p.id, p.access_id, p.label, p.hash, p.created, p.last_used, p.last_ip, p.revoked, "
                  "x.id, x.address_id, x.user_id, x.may_change_special_folders, x.created, "
                  "{}, "
                  "u.id, u.org_id, u.login, u.display_name, u.role, u.password_hash, u.created, s.locked "
                  "FROM address a JOIN domain d ON d.id = a.domain_id JOIN mail_service s ON s.id = d.service_id "
                  "JOIN access x ON x.address_id = a.id JOIN user u ON u.id = x.user_id "
                  "JOIN device_password p ON p.access_id = x.id "
                  "WHERE a.address = ? AND p.revoked IS NULL ORDER BY p.id",
                  kAddressColumns)));
  st.bind_all(address);
  return all<LoginCandidate>(std::move(st), [](const Statement& s) {
    LoginCandidate c;
    c.device = read_device(s, 0);
    c.access = read_access(s, 8);
    c.address = read_address(s, 13);
    int u = 13 + kAddressColumnCount;  // the user's columns, then s.locked
    c.user = read_user_at(s, u);
    c.service_locked = s.int64(u + 7) != 0;
    return c;
  });
}

Status SqliteStore::touch_device_password(Id id, Time when, const std::string& ip) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE device_password SET last_used = ?, last_ip = ? WHERE id = ?"));
  TRY(st.bind_all(when, ip, id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such device password");
  return {};
}

}  // namespace estafeta::store::sqlite
