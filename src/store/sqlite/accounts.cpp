// Organisations, users, mail services, domains and addresses (with their
// settings, and an address's quota usage).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "core/ascii.hpp"
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

namespace {

// Turns the generic "already exists" of a UNIQUE violation into a message
// that names the thing.
template <class T>
Result<T> name_conflict(Result<T> r, std::string message) {
  if (!r && r.error().kind == ErrorKind::exists) r.error().message = std::move(message);
  return r;
}

Status name_conflict(Status r, std::string message) {
  if (!r && r.error().kind == ErrorKind::exists) r.error().message = std::move(message);
  return r;
}

}  // namespace

// --- organisations

Result<Organisation> SqliteStore::create_organisation(const std::string& name) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("INSERT INTO organisation (name, created) VALUES (?, ?)"));
  auto now = unix_now();
  TRY(name_conflict(st.bind_all(name, now).run(), fmt::format("an organisation named '{}' already exists", name)));
  return Organisation{m_db->last_insert_id(), name, now};
}

Result<Organisation> SqliteStore::organisation(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("SELECT {} FROM organisation WHERE id = ?", kOrgColumns)));
  st.bind_all(id);
  return one<Organisation>(std::move(st), read_org, "no such organisation");
}

Result<Organisation> SqliteStore::find_organisation(const std::string& name) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("SELECT {} FROM organisation WHERE name = ?", kOrgColumns)));
  st.bind_all(name);
  return one<Organisation>(std::move(st), read_org, "no such organisation");
}

Result<std::vector<Organisation>> SqliteStore::list_organisations() {
  std::lock_guard lock(m_mutex);
  return all<Organisation>(m_db->prepare(fmt::format("SELECT {} FROM organisation ORDER BY name", kOrgColumns)),
                           read_org);
}

Status SqliteStore::delete_organisation(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM organisation WHERE id = ?"));
  TRY(st.bind_all(id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such organisation");
  return {};
}

// --- users

Result<User> SqliteStore::create_user(const User& u) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      "INSERT INTO user (org_id, login, display_name, role, password_hash, created) VALUES (?, ?, ?, ?, ?, ?)"));
  User out = u;
  out.created = unix_now();
  TRY(name_conflict(
      st.bind_all(u.org_id, u.login, u.display_name, std::string(to_string(u.role)), u.password_hash, out.created)
          .run(),
      fmt::format("the login '{}' is already taken", u.login)));
  out.id = m_db->last_insert_id();
  return out;
}

Result<User> SqliteStore::user(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("SELECT {} FROM user WHERE id = ?", kUserColumns)));
  st.bind_all(id);
  return one<User>(std::move(st), read_user, "no such user");
}

Result<User> SqliteStore::find_user(const std::string& login) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("SELECT {} FROM user WHERE login = ?", kUserColumns)));
  st.bind_all(login);
  return one<User>(std::move(st), read_user, "no such user");
}

Result<std::vector<User>> SqliteStore::list_users(std::optional<Id> org_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(
      m_db->prepare(fmt::format("SELECT {} FROM user WHERE ?1 IS NULL OR org_id = ?1 ORDER BY login", kUserColumns)));
  st.bind(1, org_id);
  return all<User>(std::move(st), read_user);
}

Status SqliteStore::set_user_password_hash(Id user_id, const std::string& hash) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE user SET password_hash = ? WHERE id = ?"));
  TRY(st.bind_all(hash, user_id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such user");
  return {};
}

Status SqliteStore::set_user_profile(Id user_id, Role role, const std::string& display_name) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE user SET role = ?, display_name = ? WHERE id = ?"));
  TRY(st.bind_all(std::string(to_string(role)), display_name, user_id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such user");
  return {};
}

Status SqliteStore::delete_user(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM user WHERE id = ?"));
  TRY(st.bind_all(id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such user");
  return {};
}

// --- mail services

Result<MailService> SqliteStore::create_service(Id org_id, const std::string& name) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("INSERT INTO mail_service (org_id, name, created) VALUES (?, ?, ?)"));
  auto now = unix_now();
  TRY(name_conflict(st.bind_all(org_id, name, now).run(),
                    fmt::format("a mail service named '{}' already exists", name)));
  return MailService{m_db->last_insert_id(), org_id, name, false, now};
}

Result<MailService> SqliteStore::service(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("SELECT {} FROM mail_service WHERE id = ?", kServiceColumns)));
  st.bind_all(id);
  return one<MailService>(std::move(st), read_service, "no such mail service");
}

Result<MailService> SqliteStore::find_service(const std::string& name) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format("SELECT {} FROM mail_service WHERE name = ?", kServiceColumns)));
  st.bind_all(name);
  return one<MailService>(std::move(st), read_service, "no such mail service");
}

Result<std::vector<MailService>> SqliteStore::list_services(std::optional<Id> org_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      fmt::format("SELECT {} FROM mail_service WHERE ?1 IS NULL OR org_id = ?1 ORDER BY name", kServiceColumns)));
  st.bind(1, org_id);
  return all<MailService>(std::move(st), read_service);
}

Status SqliteStore::set_service_locked(Id id, bool locked) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE mail_service SET locked = ? WHERE id = ?"));
  TRY(st.bind_all(std::int64_t{locked}, id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such mail service");
  return {};
}

Status SqliteStore::delete_service(Id id) {
  std::lock_guard lock(m_mutex);
  auto count = TRY(m_db->prepare("SELECT count(*) FROM domain WHERE service_id = ?"));
  count.bind_all(id);
  TRY(count.step());
  if (count.int64(0) > 0) return fail(ErrorKind::in_use, "the mail service still has domains; remove them first");
  auto st = TRY(m_db->prepare("DELETE FROM mail_service WHERE id = ?"));
  TRY(st.bind_all(id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such mail service");
  return {};
}

// --- domains

Result<Domain> SqliteStore::add_domain(Id service_id, const std::string& name, const std::string& verify_token) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(
      m_db->prepare("INSERT INTO domain (service_id, name, created, verified, verify_token) VALUES (?, ?, ?, ?, ?)"));
  auto now = unix_now();
  auto normal = ascii_lower(name);
  bool verified = verify_token.empty();
  TRY(name_conflict(st.bind_all(service_id, normal, now, std::int64_t{verified}, verify_token).run(),
                    fmt::format("the domain '{}' is already in use", normal)));
  return Domain{.id = m_db->last_insert_id(),
                .service_id = service_id,
                .name = normal,
                .created = now,
                .verified = verified,
                .verify_token = verify_token};
}

Result<Domain> SqliteStore::find_domain(const std::string& name) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format("SELECT {} FROM domain WHERE name = ?", kDomainColumns)));
  st.bind_all(name);
  return one<Domain>(std::move(st), read_domain, "no such domain");
}

Result<std::vector<Domain>> SqliteStore::list_domains(std::optional<Id> service_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(
      fmt::format("SELECT {} FROM domain WHERE ?1 IS NULL OR service_id = ?1 ORDER BY name", kDomainColumns)));
  st.bind(1, service_id);
  return all<Domain>(std::move(st), read_domain);
}

Status SqliteStore::remove_domain(Id id) {
  std::lock_guard lock(m_mutex);
  auto count = TRY(m_db->prepare("SELECT count(*) FROM address WHERE domain_id = ?"));
  count.bind_all(id);
  TRY(count.step());
  if (count.int64(0) > 0) return fail(ErrorKind::in_use, "the domain still has addresses; delete them first");
  auto st = TRY(m_db->prepare("DELETE FROM domain WHERE id = ?"));
  TRY(st.bind_all(id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such domain");
  return {};
}

Status SqliteStore::set_domain_verified(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE domain SET verified = 1, verify_token = '' WHERE id = ?"));
  TRY(st.bind_all(id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such domain");
  return {};
}

Status SqliteStore::set_domain_spf_fail(Id id, SpfFailPolicy policy) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE domain SET spf_fail = ? WHERE id = ?"));
  TRY(st.bind_all(std::string(to_string(policy)), id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such domain");
  return {};
}

Status SqliteStore::set_domain_dmarc_reject(Id id, DmarcRejectPolicy policy) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE domain SET dmarc_reject = ? WHERE id = ?"));
  TRY(st.bind_all(std::string(to_string(policy)), id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such domain");
  return {};
}

// --- addresses

Result<Address> SqliteStore::address_where(Database& db, std::string_view where, std::int64_t id,
                                           const std::string* text) {
  auto st = TRY(db.prepare(fmt::format(
      "SELECT {} FROM address a JOIN domain d ON d.id = a.domain_id JOIN mail_service s ON s.id = d.service_id "
      "WHERE {}",
      kAddressColumns, where)));
  if (text)
    st.bind(1, *text);
  else
    st.bind(1, id);
  return one<Address>(
      std::move(st), [](const Statement& s) { return read_address(s); }, "no such address");
}

Result<Address> SqliteStore::create_address(Id domain_id, const std::string& local_part) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto dom = TRY(m_db->prepare(fmt::format("SELECT {} FROM domain WHERE id = ?", kDomainColumns)));
  dom.bind_all(domain_id);
  auto domain = TRY(one<Domain>(std::move(dom), read_domain, "no such domain"));
  auto full = local_part + "@" + domain.name;
  auto now = unix_now();
  auto st = TRY(m_db->prepare("INSERT INTO address (domain_id, address, created) VALUES (?, ?, ?)"));
  TRY(name_conflict(st.bind_all(domain_id, full, now).run(), fmt::format("the address '{}' already exists", full)));
  auto id = m_db->last_insert_id();
  for (auto& m : kDefaultMailboxes) TRY(create_mailbox_locked(id, m.name, m.use, now));
  auto out = TRY(address_where(*m_db, "a.id = ?", id, nullptr));
  TRY(tx.commit());
  return out;
}

// Lookups of one address (SMTP's RCPT, logins): on a reader, never
// waiting behind a delivery's commit for the writer.
Result<Address> SqliteStore::address(Id id) {
  auto db = read();
  return address_where(*db, "a.id = ?", id, nullptr);
}

Result<Address> SqliteStore::find_address(const std::string& address) {
  auto db = read();
  return address_where(*db, "a.address = ?", 0, &address);
}

Result<std::vector<Address>> SqliteStore::list_addresses(std::optional<Id> org_id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare(fmt::format(
      "SELECT {} FROM address a JOIN domain d ON d.id = a.domain_id JOIN mail_service s ON s.id = d.service_id "
      "WHERE ?1 IS NULL OR s.org_id = ?1 ORDER BY a.address",
      kAddressColumns)));
  st.bind(1, org_id);
  return all<Address>(std::move(st), [](const Statement& s) { return read_address(s); });
}

Status SqliteStore::delete_address(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM address WHERE id = ?"));
  TRY(st.bind_all(id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such address");
  return {};
}

Status SqliteStore::set_address_settings(Id id, const AddressSettings& settings) {
  auto limit = [](std::optional<std::uint64_t> v) -> std::optional<std::int64_t> {
    if (!v) return std::nullopt;
    return static_cast<std::int64_t>(std::min<std::uint64_t>(*v, INT64_MAX));
  };
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE address SET quota_bytes = ?, quota_messages = ?, save_sent = ? WHERE id = ?"));
  st.bind(1, limit(settings.quota_bytes));
  st.bind(2, limit(settings.quota_messages));
  st.bind(3, std::int64_t{settings.save_sent});
  st.bind(4, id);
  TRY(st.run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such address");
  return {};
}

Result<QuotaUsage> SqliteStore::address_usage(Id id) {
  // The counts are kept by triggers (schema migration 5), so this reads one row.
  auto db = read();
  auto st = TRY(db->prepare("SELECT quota_bytes, quota_messages, used_bytes, used_messages FROM address WHERE id = ?"));
  st.bind_all(id);
  auto count = [](const Statement& s, int col) {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(s.int64(col), 0));
  };
  return one<QuotaUsage>(
      std::move(st),
      [&](const Statement& s) {
        return QuotaUsage{opt_uint64(s, 0), opt_uint64(s, 1), count(s, 2), count(s, 3)};
      },
      "no such address");
}

}  // namespace estafeta::store::sqlite
