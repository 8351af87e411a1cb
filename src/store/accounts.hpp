// The part of the Store that says who is who: organisations, their users,
// mail services, domains, addresses, who may use each address (accesses)
// and the device passwords that log in to them.
//
// Errors as for the whole Store (store/store.hpp): not_found, exists on a
// unique name taken, in_use while something still depends on the target.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store {

class Accounts {
 public:
  virtual ~Accounts() = default;

  // --- organisations
  virtual Result<Organisation> create_organisation(const std::string& name) = 0;
  virtual Result<Organisation> organisation(Id id) = 0;
  virtual Result<Organisation> find_organisation(const std::string& name) = 0;
  virtual Result<std::vector<Organisation>> list_organisations() = 0;
  // Deletes the organisation and everything it owns (users, services,
  // domains, addresses, mailboxes, messages).
  virtual Status delete_organisation(Id id) = 0;

  // --- users
  virtual Result<User> create_user(const User& user) = 0;  // id and created are assigned
  virtual Result<User> user(Id id) = 0;
  virtual Result<User> find_user(const std::string& login) = 0;  // case-insensitive
  virtual Result<std::vector<User>> list_users(std::optional<Id> org_id) = 0;
  virtual Status set_user_password_hash(Id user_id, const std::string& hash) = 0;
  virtual Status set_user_profile(Id user_id, Role role, const std::string& display_name) = 0;
  virtual Status delete_user(Id id) = 0;

  // --- mail services
  virtual Result<MailService> create_service(Id org_id, const std::string& name) = 0;
  virtual Result<MailService> service(Id id) = 0;
  virtual Result<MailService> find_service(const std::string& name) = 0;  // names are unique
  virtual Result<std::vector<MailService>> list_services(std::optional<Id> org_id) = 0;
  virtual Status set_service_locked(Id id, bool locked) = 0;
  virtual Status delete_service(Id id) = 0;  // in_use while it has domains

  // --- domains
  // `verify_token` empty: the domain is verified at once (an operator's
  // approval); otherwise the claim is pending until set_domain_verified.
  virtual Result<Domain> add_domain(Id service_id, const std::string& name, const std::string& verify_token) = 0;
  virtual Result<Domain> find_domain(const std::string& name) = 0;
  virtual Result<std::vector<Domain>> list_domains(std::optional<Id> service_id) = 0;
  virtual Status remove_domain(Id id) = 0;  // in_use while it has addresses
  virtual Status set_domain_spf_fail(Id id, SpfFailPolicy policy) = 0;
  virtual Status set_domain_dmarc_reject(Id id, DmarcRejectPolicy policy) = 0;
  virtual Status set_domain_verified(Id id) = 0;

  // --- addresses
  // Creates the address and its default mailboxes (kDefaultMailboxes,
  // store/mailboxes.hpp) at once.
  virtual Result<Address> create_address(Id domain_id, const std::string& local_part) = 0;
  virtual Result<Address> address(Id id) = 0;
  virtual Result<Address> find_address(const std::string& address) = 0;  // case-insensitive
  virtual Result<std::vector<Address>> list_addresses(std::optional<Id> org_id) = 0;
  virtual Status delete_address(Id id) = 0;
  // Replaces the address's settings (quota, Sent copy) with `settings`.
  virtual Status set_address_settings(Id id, const AddressSettings& settings) = 0;
  // The address's quota and current usage over all its folders. Cheap (one
  // row): appends, copies, expunges and folder deletions keep the counts
  // up to date in their own transactions.
  virtual Result<QuotaUsage> address_usage(Id id) = 0;

  // --- accesses (user ↔ address)
  virtual Result<Access> grant_access(Id address_id, Id user_id, bool may_change_special_folders) = 0;
  virtual Result<Access> find_access(Id address_id, Id user_id) = 0;
  virtual Result<Access> access(Id id) = 0;
  virtual Result<std::vector<Access>> list_accesses(Id address_id) = 0;
  virtual Result<std::vector<Access>> list_user_accesses(Id user_id) = 0;
  virtual Status set_access_permissions(Id access_id, bool may_change_special_folders) = 0;
  virtual Status remove_access(Id access_id) = 0;  // deletes its device passwords too

  // --- device passwords
  virtual Result<DevicePassword> create_device_password(Id access_id, const std::string& label,
                                                        const std::string& hash) = 0;
  virtual Result<DevicePassword> device_password(Id id) = 0;
  virtual Result<std::vector<DevicePassword>> list_device_passwords(Id access_id) = 0;
  virtual Status revoke_device_password(Id id) = 0;             // not_found if absent or revoked
  virtual Result<int> revoke_access_devices(Id access_id) = 0;  // count revoked
  // Every non-revoked device password of every access to the address.
  virtual Result<std::vector<LoginCandidate>> login_candidates(const std::string& address) = 0;
  virtual Status touch_device_password(Id id, Time when, const std::string& ip) = 0;
};

}  // namespace estafeta::store
