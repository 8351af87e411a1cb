// Accesses (user ↔ address) and device passwords (DESIGN §2.1).
#include <fmt/format.h>

#include "manage/manager.hpp"

namespace estafeta::manage {

Result<store::Access> Manager::grant_access(const Actor& actor, const std::string& address, const std::string& login,
                                            bool may_change_special_folders) {
  auto a = TRY(visible_address(actor, address));
  TRY(may_manage_org(actor, a.org_id));
  auto u = TRY(visible_user(actor, login));
  if (u.org_id != a.org_id)
    return fail(ErrorKind::invalid,
                fmt::format("'{}' is not a member of the organisation that owns '{}'", login, a.address));
  // An address that is some account's own login identifier is not shared
  // (an account of another organisation with that login owns nothing here).
  if (auto owner = m_store.find_user(a.address); owner && owner->id != u.id && owner->org_id == a.org_id)
    return fail(
        ErrorKind::invalid,
        fmt::format("'{}' is the login identifier of an account; it cannot be shared with other users", a.address));
  auto x = TRY(m_store.grant_access(a.id, u.id, may_change_special_folders));
  audit(actor, a.org_id, "access.grant", a.address,
        fmt::format("user={} may_change_special_folders={}", login, may_change_special_folders));
  return x;
}

Result<int> Manager::revoke_access(const Actor& actor, const std::string& address, const std::string& login,
                                   bool devices_only) {
  auto a = TRY(visible_address(actor, address));
  TRY(may_manage_org(actor, a.org_id));
  auto u = TRY(visible_user(actor, login));
  auto x = TRY(m_store.find_access(a.id, u.id));
  int revoked = 0;
  if (devices_only) {
    revoked = TRY(m_store.revoke_access_devices(x.id));
  } else {
    for (auto& d : TRY(m_store.list_device_passwords(x.id)))
      if (!d.revoked) ++revoked;
    TRY(m_store.remove_access(x.id));
  }
  Event e{EventKind::access_revoked};
  e.access_id = x.id;
  e.address_id = a.id;
  m_bus.publish(e);
  audit(actor, a.org_id, devices_only ? "access.disconnect_devices" : "access.revoke", a.address,
        fmt::format("user={} devices_revoked={}", login, revoked));
  return revoked;
}

Result<store::Access> Manager::set_access_permissions(const Actor& actor, const std::string& address,
                                                      const std::string& login, bool may_change_special_folders) {
  auto a = TRY(visible_address(actor, address));
  TRY(may_manage_org(actor, a.org_id));
  auto u = TRY(visible_user(actor, login));
  auto access = m_store.find_access(a.id, u.id);
  if (!access) return fail(ErrorKind::not_found, fmt::format("{} has no access to {}", u.login, a.address));
  TRY(m_store.set_access_permissions(access->id, may_change_special_folders));
  access->may_change_special_folders = may_change_special_folders;
  audit(actor, a.org_id, "access.permissions", a.address,
        fmt::format("{} may_change_special_folders={}", u.login, may_change_special_folders));
  return *access;
}

Result<std::vector<AccessView>> Manager::list_access(const Actor& actor, const std::string& address) {
  auto a = TRY(visible_address(actor, address));
  TRY(may_manage_org(actor, a.org_id));
  std::vector<AccessView> out;
  for (auto& x : TRY(m_store.list_accesses(a.id))) {
    AccessView v{x, TRY(m_store.user(x.user_id)), 0};
    for (auto& d : TRY(m_store.list_device_passwords(x.id)))
      if (!d.revoked) ++v.live_devices;
    out.push_back(std::move(v));
  }
  return out;
}

Result<CreatedDevicePassword> Manager::create_device_password(const Actor& actor, const std::string& address,
                                                              const std::string& login, const std::string& label) {
  auto a = TRY(visible_address(actor, address));
  auto u = TRY(visible_user(actor, login));
  // Users make their own device passwords; admins make them for anyone.
  bool self = actor.user && actor.user->id == u.id;
  if (!self) TRY(may_manage_org(actor, a.org_id));
  TRY(check_label("a device label", label, 100));
  auto x = m_store.find_access(a.id, u.id);
  if (!x)
    return fail(ErrorKind::not_found, fmt::format("'{}' has no access to '{}'; grant it first", login, a.address));
  CreatedDevicePassword out;
  out.password = auth::DeviceKeyring::generate();
  out.device = TRY(m_store.create_device_password(x->id, label, m_keyring.hash(out.password)));
  audit(actor, a.org_id, "device_password.create", a.address,
        fmt::format("user={} label={} id={}", login, label, out.device.id));
  return out;
}

Result<std::vector<DeviceView>> Manager::list_device_passwords(const Actor& actor, const std::string& address,
                                                               const std::optional<std::string>& login) {
  auto a = TRY(visible_address(actor, address));
  std::vector<DeviceView> out;
  for (auto& x : TRY(m_store.list_accesses(a.id))) {
    auto u = TRY(m_store.user(x.user_id));
    if (login && u.login != *login) continue;
    bool self = actor.user && actor.user->id == u.id;
    if (!self && !may_manage_org(actor, a.org_id)) continue;
    for (auto& d : TRY(m_store.list_device_passwords(x.id))) out.push_back(DeviceView{d, u.login, a.address});
  }
  return out;
}

Status Manager::revoke_device_password(const Actor& actor, store::Id id) {
  auto d = TRY(m_store.device_password(id));
  auto x = TRY(m_store.access(d.access_id));
  auto a = TRY(m_store.address(x.address_id));
  bool self = actor.user && actor.user->id == x.user_id;
  if (!actor.is_operator() && actor.user->org_id != a.org_id)
    return fail(ErrorKind::not_found, "no such device password");
  if (!self) TRY(may_manage_org(actor, a.org_id));
  TRY(m_store.revoke_device_password(id));
  Event e{EventKind::device_revoked};
  e.device_password_id = id;
  e.access_id = x.id;
  e.address_id = a.id;
  m_bus.publish(e);
  audit(actor, a.org_id, "device_password.revoke", a.address, fmt::format("id={} label={}", id, d.label));
  return {};
}

}  // namespace estafeta::manage
