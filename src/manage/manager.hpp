// Management operations: the rules of the account model (DESIGN §2.1, §2.2),
// shared by the admin CLI and (later) the web console.
//
// Every operation takes the Actor doing it, checks that the actor may (an
// organisation's admins and legal representatives manage their organisation
// only; the operator — the CLI on the server — manages everything), applies
// the rules the store cannot know, writes an audit entry and publishes the
// events sessions must react to (revocations, locks).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/device_password.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/event_bus.hpp"
#include "core/result.hpp"
#include "dns/resolver.hpp"
#include "dns/spf_tools.hpp"
#include "manage/diagnostic.hpp"
#include "store/store.hpp"

namespace estafeta::manage {

struct Actor {
  std::optional<store::User> user;  // empty: the operator
  std::string ip;                   // where the request came from; empty for the CLI
  std::string product = "cli";      // "cli", "console", …

  static Actor operator_cli() { return Actor{}; }
  bool is_operator() const { return !user.has_value(); }
  std::string label() const { return user ? user->login : "operator"; }
};

struct AccessView {
  store::Access access;
  store::User user;
  int live_devices = 0;
};

struct DeviceView {
  store::DevicePassword device;
  std::string login;  // the user whose access it belongs to
  std::string address;
};

// What `address set` changes; fields left empty stay as they are. In the
// quota fields an empty inner value means "no limit".
struct AddressChange {
  std::optional<std::optional<std::uint64_t>> quota_bytes;
  std::optional<std::optional<std::uint64_t>> quota_messages;
  std::optional<bool> save_sent;
  bool empty() const { return !quota_bytes && !quota_messages && !save_sent; }
};

// An address with what counts against its quota.
struct AddressView {
  store::Address address;
  store::QuotaUsage usage;
};

struct CreatedDevicePassword {
  store::DevicePassword device;
  std::string password;  // in clear: shown once, never stored
};

// What a new DNS zone starts with: the server's names and addresses
// (config: hostname and [zones]).
struct ZoneDefaults {
  std::string mail_host = "localhost";                // MX, SRV and autoconfig targets
  std::vector<std::string> nameservers{"localhost"};  // NS; the first is the SOA's MNAME
  std::string hostmaster = "hostmaster@localhost";
  std::string spf_host = "spf.localhost";
  std::vector<std::string> addresses;  // numeric; may be empty

  static ZoneDefaults from_config(const Config& config);
};

struct ZoneView {
  store::DnsZone zone;
  std::vector<store::DnsRecord> records;  // by name, then type
};

// A record as a user types it. `name`: "@" or "" for the apex, a name
// relative to the zone ("www"), or an absolute one (ending with a dot, or
// with the zone's own name). `ttl` empty: the default (3600), or the
// record's current TTL when editing. In `data`, a target name of one label
// (CNAME "www", MX "10 mail") is in the zone; one with dots is absolute.
struct RecordInput {
  std::string name;
  std::string type;
  std::optional<std::uint32_t> ttl;
  std::string data;
};

// DKIM key life (DESIGN §2.4): a rotation publishes new keys, which start
// signing once resolvers have had time to see them; the keys they replace
// keep their records while mail signed with them may still be checked.
inline constexpr store::Time kDkimPublishGrace = 2 * 24 * 3600;  // published → active
inline constexpr store::Time kDkimRetireGrace = 7 * 24 * 3600;   // retiring → retired (record withdrawn)

// A DKIM key without its private part, for listing.
struct DkimKeyView {
  store::DkimKey key;       // sealed_private cleared
  std::string record_name;  // SELECTOR._domainkey.DOMAIN
};

class Manager {
 public:
  // All references must outlive the Manager. Events (revocations, locks) go
  // to `bus`; in the server and the CLI that is the store's event log, which
  // the server relays to its sessions.
  Manager(store::Store& store, const auth::DeviceKeyring& keyring, EventSink& bus, const Clock& clock)
      : m_store(store), m_keyring(keyring), m_bus(bus), m_clock(clock) {}

  // Organisations (operator only, except listing one's own).
  Result<store::Organisation> create_organisation(const Actor& actor, const std::string& name);
  Result<std::vector<store::Organisation>> list_organisations(const Actor& actor);
  Status delete_organisation(const Actor& actor, const std::string& name);

  // Users. `password` empty: the account has no password until one is set.
  Result<store::User> create_user(const Actor& actor, const std::string& org, const std::string& login,
                                  const std::string& display_name, store::Role role, const std::string& password);
  Result<std::vector<store::User>> list_users(const Actor& actor, const std::optional<std::string>& org);
  // An admin changes a user's role or display name; the organisation's last
  // administrator keeps the role (in_use). A user may change their own name.
  Result<store::User> update_user(const Actor& actor, const std::string& login, std::optional<store::Role> role,
                                  const std::optional<std::string>& display_name);
  // A new account password (the policy of auth/password.hpp): a user their
  // own (the caller checks the current one first), or an admin of the
  // user's organisation, who resets it. Browser sessions and API tokens stay;
  // the caller ends them when that is wanted.
  Status set_password(const Actor& actor, const std::string& login, const std::string& password);
  // An admin deletes a user of the organisation, or a user their own account
  // (the caller checks the password first). Refused for the organisation's
  // last account and its last administrator. Mail addresses stay.
  Status delete_user(const Actor& actor, const std::string& login);

  // Mail services and domains.
  Result<store::MailService> create_service(const Actor& actor, const std::string& org, const std::string& name);
  Result<std::vector<store::MailService>> list_services(const Actor& actor, const std::optional<std::string>& org);
  Status set_service_locked(const Actor& actor, const std::string& name, bool locked);
  // A domain added by an operator is verified at once (the operator's
  // approval). Added by an organisation's admin, the claim is pending: the
  // domain is not local (the MX refuses its mail, submission sends it on
  // to the real owner's servers, no address can be created in it) until
  // verify_domain finds the token in DNS, or an operator approves it. A
  // pending claim older than kClaimLifetime gives way to a new claim.
  Result<store::Domain> add_domain(const Actor& actor, const std::string& service, const std::string& domain);
  // Looks up TXT records at verification_name(domain) through `resolver`;
  // one equal to verification_value(token) verifies the claim. Blocking.
  Result<store::Domain> verify_domain(const Actor& actor, const std::string& domain, dns::Resolver& resolver);
  // An operator vouches for the claim.
  Result<store::Domain> approve_domain(const Actor& actor, const std::string& domain);
  Result<std::vector<store::Domain>> list_domains(const Actor& actor, const std::optional<std::string>& service);
  Status remove_domain(const Actor& actor, const std::string& domain);

  // Addresses: `address` is local@domain with the domain already added.
  Result<store::Address> create_address(const Actor& actor, const std::string& address);
  Result<std::vector<store::Address>> list_addresses(const Actor& actor, const std::optional<std::string>& org);
  Status delete_address(const Actor& actor, const std::string& address);
  // Quota and Sent copy of an address: for its organisation's admins. The
  // new quota applies to the next delivery; mail already stored stays even
  // when it is now over the limit.
  Result<store::Address> update_address(const Actor& actor, const std::string& address, const AddressChange& change);
  // The address with its settings and usage: for its organisation's admins
  // and for the users who have access to it.
  Result<AddressView> show_address(const Actor& actor, const std::string& address);
  // The actor's organisation's addresses with their usage (the console's
  // list): for its admins and legal representatives; the operator gets
  // every organisation's.
  Result<std::vector<AddressView>> list_address_usage(const Actor& actor);
  // What the MX does with mail to the domain's addresses whose SPF check
  // fails: Junk (the default) or refuse it.
  Result<store::Domain> set_domain_spf_fail(const Actor& actor, const std::string& domain, store::SpfFailPolicy policy);
  // What the MX does with mail to the domain's addresses that fails DMARC
  // where the sender's policy is p=reject: refuse it (the default), or
  // file it in Junk only.
  Result<store::Domain> set_domain_dmarc_reject(const Actor& actor, const std::string& domain,
                                                store::DmarcRejectPolicy policy);

  // Accesses.
  Result<store::Access> grant_access(const Actor& actor, const std::string& address, const std::string& login,
                                     bool may_change_special_folders);
  // devices_only: every device password of the access is revoked, the access
  // (web app) stays. Otherwise the access itself is removed. Both end the
  // device's open sessions at once (events on the bus).
  Result<int> revoke_access(const Actor& actor, const std::string& address, const std::string& login,
                            bool devices_only);
  Result<std::vector<AccessView>> list_access(const Actor& actor, const std::string& address);
  // Whether the user may change the address's special folders (DESIGN §2.1).
  Result<store::Access> set_access_permissions(const Actor& actor, const std::string& address, const std::string& login,
                                               bool may_change_special_folders);

  // Device passwords.
  Result<CreatedDevicePassword> create_device_password(const Actor& actor, const std::string& address,
                                                       const std::string& login, const std::string& label);
  Result<std::vector<DeviceView>> list_device_passwords(const Actor& actor, const std::string& address,
                                                        const std::optional<std::string>& login);
  Status revoke_device_password(const Actor& actor, store::Id id);

  // DNS zones (DESIGN §2.4). The operator's defaults apply to zones made
  // from then on.
  void set_zone_defaults(ZoneDefaults defaults) { m_zone_defaults = std::move(defaults); }
  const ZoneDefaults& zone_defaults() const { return m_zone_defaults; }
  // A zone for a verified domain with what a mail service needs: SOA, NS,
  // MX, a strict SPF, DMARC p=none, the RFC 6186 SRV records, autoconfig
  // and autodiscover names, and DKIM keys (Ed25519 and RSA-2048) with
  // their records. exists when the domain has one.
  Result<ZoneView> create_zone(const Actor& actor, const std::string& domain);
  Result<ZoneView> show_zone(const Actor& actor, const std::string& domain);
  Result<std::vector<store::DnsZone>> list_zones(const Actor& actor);
  // Record changes, checked against the whole zone (dns::check_zone_change);
  // each one moves the SOA serial on. Errors name what is wrong.
  Result<store::DnsRecord> add_record(const Actor& actor, const std::string& domain, const RecordInput& input);
  Result<store::DnsRecord> update_record(const Actor& actor, const std::string& domain, store::Id id,
                                         const RecordInput& input);
  Status delete_record(const Actor& actor, const std::string& domain, store::Id id);
  // The SPF analysis of `record`, or of the domain's own SPF record when
  // `record` is empty; `resolver` should answer from the zones first.
  Result<dns::SpfAnalysis> analyze_spf(const Actor& actor, const std::string& domain, const std::string& record,
                                       dns::Resolver& resolver);

  // The domain diagnostic (manage/diagnostic.hpp): MX, SPF, DKIM, DMARC,
  // SRV, autoconfig and the certificate. `resolver` should be the network's.
  Result<Diagnosis> diagnose_domain(const Actor& actor, const std::string& domain, dns::Resolver& resolver,
                                    const CertificateView& certificate);

  // DKIM keys of a domain, newest first.
  Result<std::vector<DkimKeyView>> dkim_keys(const Actor& actor, const std::string& domain);
  // Publishes a new key of each algorithm. `now`: they sign at once and the
  // old ones start retiring; otherwise advance_dkim switches them after
  // kDkimPublishGrace.
  Result<std::vector<DkimKeyView>> rotate_dkim(const Actor& actor, const std::string& domain, bool now);
  // Moves every domain's keys along their life as time says (the server
  // calls it periodically): published keys older than kDkimPublishGrace
  // become active (the active ones they replace, retiring); retiring keys
  // older than kDkimRetireGrace are withdrawn from the zone. Operator only.
  // Returns the number of keys changed.
  Result<int> advance_dkim(const Actor& actor);

  // Account security (DESIGN §2.2), for an organisation's admins and legal
  // representatives (and the operator). Each change is audited.
  // Unlocks an account locked by failed logins; true when it was locked.
  Result<bool> unlock_user(const Actor& actor, const std::string& login);
  Result<store::OrgPolicy> org_policy(const Actor& actor, const std::string& org);
  Result<store::OrgPolicy> set_org_policy(const Actor& actor, const std::string& org, std::optional<bool> require_2fa,
                                          std::optional<int> min_lockout_threshold);
  // Users who lost their second factor and asked for a recovery.
  Result<std::vector<store::User>> recovery_requests(const Actor& actor, const std::optional<std::string>& org);
  // The user's next password login succeeds without the second factor and
  // turns it off, so they enrol again (auth/web_login.hpp); a locked account
  // is unlocked.
  Status approve_recovery(const Actor& actor, const std::string& login);

  // The message trace of an address (queue id, sender, recipient, status,
  // remote host, reply, time): for its organisation's admins and for the
  // users who have access to it.
  Result<std::vector<store::TraceEntry>> trace(const Actor& actor, const std::string& address, store::Time since,
                                               std::size_t limit);

 private:
  Status may_manage_org(const Actor& actor, store::Id org_id);
  Status operator_only(const Actor& actor);
  Result<store::Organisation> visible_org(const Actor& actor, const std::string& name);
  Result<store::Address> visible_address(const Actor& actor, const std::string& address);
  Result<store::User> visible_user(const Actor& actor, const std::string& login);
  // The organisation holding `domain` or the nearest domain above it
  // (verified ones; with `claims`, pending claims too); nullopt if none.
  Result<std::optional<store::Id>> holder_of(std::string domain, bool claims);
  // A domain the actor may manage, with the organisation that owns it.
  Result<std::pair<store::Domain, store::Id>> managed_domain(const Actor& actor, const std::string& domain);
  void audit(const Actor& actor, store::Id org_id, const std::string& action, const std::string& target,
             const std::string& detail = {});
  // The zone of a managed domain; not_found with how to make one.
  Result<store::DnsZone> managed_zone(const Actor& actor, const std::string& domain, store::Id* org_id = nullptr);
  // A zone for `domain` when it has none and is verified (domain add,
  // verify, approve); failures are logged, the domain stays.
  void install_zone(const Actor& actor, const store::Domain& domain, store::Id org_id);
  Result<std::vector<store::DkimKey>> new_dkim_keys(const store::Domain& domain, store::DkimKeyState state);
  // Moves the keys of one domain along (see advance_dkim).
  Result<int> advance_domain_dkim(const Actor& actor, const store::Domain& domain, store::Id org_id, bool now);

  store::Store& m_store;
  const auth::DeviceKeyring& m_keyring;
  EventSink& m_bus;  // the store's event log in a server or CLI: reaches every process
  const Clock& m_clock;
  ZoneDefaults m_zone_defaults;
};

// Domain claims: where the token goes and what the record says.
inline constexpr store::Time kClaimLifetime = 7 * 24 * 3600;
std::string verification_name(const std::string& domain);  // "_estafeta.<domain>"
std::string verification_value(const std::string& token);  // "estafeta-verify=<token>"

// Syntax checks (RFC 5321 §4.1.2, RFC 1035 §2.3.1), pure and exposed for tests.
Status check_domain_name(const std::string& domain);
Status check_local_part(const std::string& local);
Status check_login(const std::string& login);
Status check_label(const std::string& what, const std::string& text, std::size_t max);

// Quota limits as an operator types them. Sizes: octets, or a number with
// K, M, G or T (powers of 1024, "500M", "2GiB", "10kb"); counts: a number.
// "none" (or "unlimited"): no limit, nullopt.
Result<std::optional<std::uint64_t>> parse_size_limit(std::string_view text);
Result<std::optional<std::uint64_t>> parse_count_limit(std::string_view text);
// "500 MiB", "1.5 GiB", "812 bytes": for people, not for parsing back.
std::string format_size(std::uint64_t octets);

}  // namespace estafeta::manage
