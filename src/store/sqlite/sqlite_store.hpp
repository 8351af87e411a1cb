// The embedded SQLite backend of the Store.
//
// One writer connection in WAL mode with synchronous=FULL: a commit is on
// disk when it returns. Every write takes m_mutex, so writes are serialised
// and the connection is never used from two threads at once; accepted mail
// is committed in groups (accept.cpp). Reads use their own connections.
//
// One class implements every part of the Store (store/store.hpp), as the
// parts share the writer, its lock, the readers and the group commit; each
// part's methods live in the files named at its section below.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/sqlite/folder_blobs.hpp"
#include "store/store.hpp"

namespace estafeta::store::sqlite {

class SqliteStore final : public Store {
 public:
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);

  // Accounts (accounts.cpp: organisations to addresses; access.cpp: accesses, device passwords)
  Result<Organisation> create_organisation(const std::string& name) override;
  Result<Organisation> organisation(Id id) override;
  Result<Organisation> find_organisation(const std::string& name) override;
  Result<std::vector<Organisation>> list_organisations() override;
  Status delete_organisation(Id id) override;
  Result<User> create_user(const User& user) override;
  Result<User> user(Id id) override;
  Result<User> find_user(const std::string& login) override;
  Result<std::vector<User>> list_users(std::optional<Id> org_id) override;
  Status set_user_password_hash(Id user_id, const std::string& hash) override;
  Status set_user_profile(Id user_id, Role role, const std::string& display_name) override;
  Status delete_user(Id id) override;
  Result<MailService> create_service(Id org_id, const std::string& name) override;
  Result<MailService> service(Id id) override;
  Result<MailService> find_service(const std::string& name) override;
  Result<std::vector<MailService>> list_services(std::optional<Id> org_id) override;
  Status set_service_locked(Id id, bool locked) override;
  Status delete_service(Id id) override;
  Result<Domain> add_domain(Id service_id, const std::string& name, const std::string& verify_token) override;
  Result<Domain> find_domain(const std::string& name) override;
  Result<std::vector<Domain>> list_domains(std::optional<Id> service_id) override;
  Status remove_domain(Id id) override;
  Status set_domain_spf_fail(Id id, SpfFailPolicy policy) override;
  Status set_domain_dmarc_reject(Id id, DmarcRejectPolicy policy) override;
  Status set_domain_verified(Id id) override;
  Result<Address> create_address(Id domain_id, const std::string& local_part) override;
  Result<Address> address(Id id) override;
  Result<Address> find_address(const std::string& address) override;
  Result<std::vector<Address>> list_addresses(std::optional<Id> org_id) override;
  Status delete_address(Id id) override;
  Status set_address_settings(Id id, const AddressSettings& settings) override;
  Result<QuotaUsage> address_usage(Id id) override;
  Result<Access> grant_access(Id address_id, Id user_id, bool may_change_special_folders) override;
  Result<Access> find_access(Id address_id, Id user_id) override;
  Result<Access> access(Id id) override;
  Result<std::vector<Access>> list_accesses(Id address_id) override;
  Result<std::vector<Access>> list_user_accesses(Id user_id) override;
  Status set_access_permissions(Id access_id, bool may_change_special_folders) override;
  Status remove_access(Id access_id) override;
  Result<DevicePassword> create_device_password(Id access_id, const std::string& label,
                                                const std::string& hash) override;
  Result<DevicePassword> device_password(Id id) override;
  Result<std::vector<DevicePassword>> list_device_passwords(Id access_id) override;
  Status revoke_device_password(Id id) override;
  Result<int> revoke_access_devices(Id access_id) override;
  Result<std::vector<LoginCandidate>> login_candidates(const std::string& address) override;
  Status touch_device_password(Id id, Time when, const std::string& ip) override;

  // Emails (emails.cpp)
  Result<std::uint64_t> mail_state(Id address_id) override;
  Result<std::vector<Email>> emails(Id address_id, const std::vector<Id>& ids) override;
  Result<std::vector<Email>> list_emails(Id address_id, std::optional<Id> mailbox) override;
  Result<Page> newest_in_mailbox(Id address_id, Id mailbox_id, bool collapse, std::size_t position, std::size_t limit,
                                 bool count) override;
  Result<std::vector<std::pair<Id, std::vector<Id>>>> threads(Id address_id, const std::vector<Id>& ids) override;
  Result<std::optional<Id>> email_by_blob(Id address_id, const std::string& blob_hash) override;
  Result<std::vector<MailboxSummary>> mailbox_summaries(Id address_id) override;
  Status add_upload(const Upload& upload) override;
  Result<std::optional<Upload>> find_upload(Id address_id, const std::string& hash) override;
  Result<std::vector<std::string>> expire_uploads(Time now) override;
  Result<std::vector<Identity>> identities(Id address_id) override;
  Result<Identity> create_identity(const Identity& identity) override;
  Status update_identity(const Identity& identity) override;
  Status destroy_identity(Id address_id, Id id) override;
  Result<Changes> identity_changes(Id address_id, ChangeCursor since, std::size_t max) override;
  Result<std::vector<Submission>> submissions(Id address_id) override;
  Result<Submission> create_submission(const Submission& s) override;
  Status update_submission(const Submission& s, bool only_if_pending) override;
  Status destroy_submission(Id address_id, Id id) override;
  Result<Changes> submission_changes(Id address_id, ChangeCursor since, std::size_t max) override;
  Result<std::vector<Submission>> due_submissions(Time now, std::size_t limit) override;
  Result<std::vector<TraceEntry>> trace_of(Id address_id, const std::string& queue_id) override;
  Result<Vacation> vacation(Id address_id) override;
  Status set_vacation(Id address_id, const Vacation& vacation) override;
  Result<bool> note_vacation_reply(Id address_id, const std::string& sender, Time now, Time since) override;
  Result<Changes> email_changes(Id address_id, ChangeCursor since, std::size_t max) override;
  Result<Changes> mailbox_changes(Id address_id, ChangeCursor since, std::size_t max) override;
  Result<Changes> thread_changes(Id address_id, ChangeCursor since, std::size_t max) override;

  // Mailboxes (mail.cpp; changes.cpp: rename, delete, roles, counts, \Recent, subscriptions)
  Result<Mailbox> create_mailbox(Id address_id, const std::string& name, SpecialUse use) override;
  Result<Mailbox> mailbox(MailboxRef ref) override;
  Result<Mailbox> find_mailbox(Id address_id, const std::string& name) override;
  Result<Mailbox> find_special_mailbox(Id address_id, SpecialUse use) override;
  Result<std::vector<Mailbox>> list_mailboxes(Id address_id) override;
  Status rename_mailbox(MailboxRef mailbox, const std::string& new_name) override;
  Status delete_mailbox(MailboxRef mailbox) override;
  Status set_special_use(MailboxRef mailbox, SpecialUse use) override;
  Status set_sort_order(MailboxRef mailbox, std::optional<std::uint32_t> order) override;
  Result<MailboxCounts> mailbox_counts(MailboxRef mailbox) override;
  Result<std::pair<std::uint32_t, std::uint32_t>> claim_recent(MailboxRef mailbox) override;
  Result<std::vector<std::string>> subscriptions(Id address_id) override;
  Status set_subscribed(Id address_id, const std::string& name, bool subscribed) override;

  // Messages (mail.cpp; text_index.cpp: search_text; changes.cpp: the changes)
  Result<std::vector<Appended>> append_messages(const BlobInfo& blob,
                                                const std::vector<AppendTarget>& targets) override;
  Result<std::vector<Message>> list_messages(MailboxRef mailbox) override;
  Result<std::vector<Message>> list_messages_brief(MailboxRef mailbox) override;
  Result<std::vector<Message>> list_messages_with_uids(MailboxRef mailbox,
                                                       const std::vector<std::uint32_t>& uids) override;
  Result<std::vector<Message>> list_messages_between(MailboxRef mailbox, std::uint32_t first_uid,
                                                     std::uint32_t last_uid) override;
  Result<Message> message(MailboxRef mailbox, std::uint32_t uid) override;
  Result<BlobInfo> blob_info(Id blob_id) override;
  Result<std::vector<Headline>> list_headlines(MailboxRef mailbox) override;
  Result<std::vector<Headline>> list_headlines_with_uids(MailboxRef mailbox,
                                                         const std::vector<std::uint32_t>& uids) override;
  Result<std::optional<std::string>> blob_data(const std::string& hash) override;
  Result<std::vector<Message>> find_messages_by_message_id(MailboxRef mailbox, const std::string& message_id) override;
  Result<std::vector<std::uint32_t>> search_text(MailboxRef mailbox, const std::string& needle,
                                                 TextScope scope) override;
  Result<std::vector<Id>> search_emails(Id address_id, const std::string& needle, TextScope scope) override;
  Result<FlagChange> store_flags(MailboxRef mailbox, const std::vector<std::uint32_t>& uids, FlagOp op,
                                 std::uint32_t flags, const std::vector<std::string>& keywords,
                                 std::optional<std::uint64_t> unchanged_since) override;
  Result<Expunged> expunge(MailboxRef mailbox, const std::vector<std::uint32_t>& uids) override;
  Result<Expunged> expunge_deleted(MailboxRef mailbox, std::uint32_t last_uid,
                                   const std::vector<std::uint32_t>* uids) override;
  Result<std::vector<std::uint32_t>> expunged_since(MailboxRef mailbox, std::uint64_t modseq) override;
  Result<std::vector<Message>> changed_since(MailboxRef mailbox, std::uint64_t modseq) override;
  Result<CopyResult> copy_messages(MailboxRef from, const std::vector<std::uint32_t>& uids, MailboxRef to,
                                   bool move) override;

  // Queue (accept.cpp: accept_message; queue.cpp)
  Result<Accepted> accept_message(const BlobInfo& blob, const std::vector<AppendTarget>& local,
                                  const std::optional<OutboundMessage>& outbound,
                                  const std::vector<TraceEntry>& trace) override;
  Result<std::vector<QueuedRecipient>> due_recipients(Time now, std::size_t limit) override;
  Result<std::optional<Time>> next_due() override;
  Status mark_delay_warned(Id recipient_id) override;
  Status record_attempt(Id recipient_id, RecipientState state, Time next_attempt, const std::string& reply,
                        const std::string& remote_host) override;
  Result<std::vector<QueuedRecipient>> queued(std::size_t limit) override;
  Result<std::pair<std::size_t, Time>> queue_size() override;
  Status append_trace(const TraceEntry& entry) override;
  Result<std::vector<TraceEntry>> trace(Id address_id, Time since, std::size_t limit) override;

  // Logs (logs.cpp)
  Result<std::int64_t> append_event(const Event& event) override;
  Result<std::vector<std::pair<std::int64_t, Event>>> events_after(std::int64_t id, std::size_t limit) override;
  Result<std::int64_t> last_event_id() override;
  Status prune_events(Time before) override;
  Status append_audit(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> query_audit(const AuditQuery& query) override;

  // Security (security.cpp)
  Result<WebSession> create_web_session(const WebSession& session) override;
  Result<WebSession> find_web_session(const std::string& token_hash, Time now) override;
  Status touch_web_session(Id id, Time now) override;
  Result<std::vector<WebSession>> list_web_sessions(Id user_id, Time now) override;
  Status delete_web_session(Id user_id, Id id) override;
  Result<int> delete_web_sessions(Id user_id, Id keep) override;
  Result<ApiToken> create_api_token(const ApiToken& token) override;
  Result<ApiToken> find_api_token(const std::string& token_hash) override;
  Status touch_api_token(Id id, Time now, const std::string& ip) override;
  Result<std::vector<ApiToken>> list_api_tokens(Id user_id) override;
  Status delete_api_token(Id user_id, Id id) override;
  Result<SecuritySettings> security_settings(Id user_id) override;
  Status set_security_settings(const SecuritySettings& settings) override;
  Result<std::string> preferences(Id user_id) override;
  Status set_preferences(Id user_id, const std::string& json, Time now) override;
  Status set_emergency_codes(Id user_id, const std::vector<std::string>& code_hashes) override;
  Result<bool> use_emergency_code(Id user_id, const std::string& code_hash) override;
  Result<int> emergency_codes_left(Id user_id) override;
  Result<OrgPolicy> org_policy(Id org_id) override;
  Status set_org_policy(const OrgPolicy& policy) override;
  Status record_login(const LoginRecord& record) override;
  Result<std::vector<LoginRecord>> login_history(Id user_id, Id before_id, std::size_t limit) override;
  Status prune_login_history(Time before) override;

  // Transfers (transfers.cpp)
  Result<Transfer> create_transfer(const Transfer& transfer) override;
  Result<Transfer> find_transfer(Id user_id, Id id) override;
  Result<Transfer> find_transfer_by_token(const std::string& token_hash, Time now) override;
  Result<std::vector<Transfer>> list_transfers(Id user_id, Time now) override;
  Status add_received(Id user_id, Id transfer_id, Id file_id, std::int64_t offset, std::int64_t bytes,
                      Time now) override;
  Status complete_transfer(Id user_id, Id id) override;
  Status delete_transfer(Id user_id, Id id) override;
  Status count_download(Id id) override;
  Result<std::int64_t> transfer_bytes(Id user_id, Time now) override;
  Result<std::int64_t> count_transfers(Id user_id, Time now) override;
  Result<std::int64_t> transfer_bytes_to_come(Time now) override;
  Result<std::vector<Id>> ended_transfers(Time now, Time abandoned) override;
  Result<bool> remove_ended_transfer(Id id, Time now, Time abandoned) override;
  Result<bool> transfer_exists(Id id) override;

  // Drive (drive.cpp)
  Result<Id> drive_of(Id user_id, DriveSpace space) override;
  Result<DriveItem> create_drive_item(const DriveItem& item, const DriveQuota& quota) override;
  Result<DriveItem> find_drive_item(Id drive_id, Id id) override;
  Result<std::vector<DriveItem>> list_drive_folder(Id drive_id, Id folder_id) override;
  Result<std::vector<DriveItem>> drive_path(Id drive_id, Id id) override;
  Result<std::int64_t> drive_height(Id drive_id, Id id) override;
  Result<bool> drive_name_taken(Id drive_id, Id folder_id, const std::string& name) override;
  Status add_drive_received(Id drive_id, Id id, std::int64_t offset, std::int64_t bytes, Time now) override;
  Result<DriveItem> move_drive_item(Id drive_id, Id id, Id folder_id, const std::string& name, Time now) override;
  Result<std::vector<Id>> delete_drive_item(Id drive_id, Id id) override;
  Result<DriveUsage> drive_usage(Id drive_id) override;
  Result<std::int64_t> drive_bytes_to_come() override;
  Result<std::vector<DriveItem>> abandoned_drive_files(Time abandoned) override;
  Result<bool> remove_abandoned_drive_file(Id id, Time abandoned) override;
  Result<std::vector<Id>> existing_drive_files(Id drive_id, const std::vector<Id>& ids) override;

  // Maintenance (text_index.cpp; changes.cpp: collect_unreferenced_blobs; sqlite_store.cpp: integrity_check)
  Result<std::size_t> index_pending_text(std::size_t limit) override;
  Result<TextBacklog> text_backlog() override;
  TextBacklog known_text_backlog() const override;
  Result<std::vector<std::string>> collect_unreferenced_blobs(std::size_t limit) override;
  Result<std::string> integrity_check() override;

  // Zones (zones.cpp)
  Result<DnsZone> create_zone(Id domain_id, std::uint32_t serial, const std::vector<DnsRecord>& records) override;
  Result<DnsZone> zone_of_domain(Id domain_id) override;
  Result<DnsZone> find_zone(const std::vector<std::string>& apexes) override;
  Result<std::vector<DnsZone>> list_zones(std::optional<Id> org_id) override;
  Result<std::vector<DnsRecord>> zone_records(Id zone_id) override;
  Result<std::vector<DnsRecord>> edit_zone(Id zone_id, const ZonePlan& plan) override;
  Status delete_zone(Id zone_id) override;
  Result<std::uint64_t> zones_generation() override;
  Result<DkimKey> add_dkim_key(const DkimKey& key) override;
  Result<std::vector<DkimKey>> dkim_keys(Id domain_id) override;
  Status set_dkim_key_state(Id key_id, DkimKeyState state, Time when) override;
  Result<std::vector<DkimKey>> signing_keys(const std::string& domain) override;

 private:
  explicit SqliteStore(std::unique_ptr<Database> db) : m_db(std::move(db)) {}

  // Group commit of accepted mail (accept.cpp).
  struct PendingAccept;
  void commit_group(const std::vector<PendingAccept*>& batch);

  // Helpers that expect m_mutex held (and, for the writes, a transaction open).
  Result<Accepted> accept_locked(const BlobInfo& blob, const std::vector<AppendTarget>& local,
                                 const std::optional<OutboundMessage>& outbound, const std::vector<TraceEntry>& trace);
  Result<Id> insert_blob(const BlobInfo& blob);
  // Moves the `limit` oldest waiting texts into the index (m_mutex held, a
  // transaction open); how many moved.
  Result<std::size_t> index_oldest_locked(std::size_t limit);
  // Moves these blobs' waiting text into the index (their subjects into
  // subject_text), in the caller's transaction; how many moved.
  Result<std::size_t> index_blobs_locked(const std::vector<Id>& blob_ids);
  // Text of `bytes` waits for the index (a delivery's, in its transaction):
  // past the ceiling, the two oldest waiting texts are indexed.
  Status text_waits_locked(std::uint64_t bytes);
  // Waiting text that went (indexed, or its blob collected): out of the counts.
  void forget_pending_text(std::size_t messages, std::uint64_t bytes);
  Result<std::vector<Appended>> append_locked(Id blob_id, std::uint64_t size, const std::vector<AppendTarget>& targets);
  Status trace_locked(const TraceEntry& entry);
  Result<Mailbox> create_mailbox_locked(Id address_id, const std::string& name, SpecialUse use, Time now);
  // Subscribes `name` unless the address holds kMaxSubscriptions already;
  // whether a row was added (false also when it was there).
  Result<bool> subscribe_locked(Id address_id, const std::string& name);
  Result<Address> address_where(Database& db, std::string_view where, std::int64_t id, const std::string* text);

  // A connection for reads: WAL lets readers run beside the writer and each
  // other, so read-only calls from several sessions use both cores.
  struct Reader {
    std::mutex mutex;
    std::unique_ptr<Database> db;  // GUARDED_BY(mutex)
  };
  struct ReadLease {
    std::unique_lock<std::mutex> lock;
    Database* db;
    Database* operator->() const { return db; }
    Database& operator*() const { return *db; }
  };
  // A free reader (or waits for one); the writer when there are none.
  ReadLease read();

  std::mutex m_mutex;
  std::unique_ptr<Database> m_db;  // GUARDED_BY(m_mutex): every write, and reads that need the latest state
  // Messages and bytes of text waiting outside the index, as this process
  // last counted (other processes may add some, a rolled-back delivery may
  // have counted its own; every text_backlog() sets them again, and so does
  // indexing that finds nothing left).
  std::atomic<std::uint64_t> m_pending_bytes{0};
  std::atomic<std::size_t> m_pending_messages{0};
  std::uint64_t m_max_pending_bytes = SqliteOptions{}.max_pending_text_bytes;
  std::vector<std::unique_ptr<Reader>> m_readers;
  FolderBlobs m_folder_blobs;  // search_text's many matches: the folder's (uid, blob) pairs

  std::mutex m_group_mutex;
  std::condition_variable m_group_cv;
  std::vector<PendingAccept*> m_group;  // GUARDED_BY(m_group_mutex): waiting for the next group
  bool m_group_leader = false;          // GUARDED_BY(m_group_mutex): a group is being committed
  std::atomic<unsigned> m_next_reader{0};
};

}  // namespace estafeta::store::sqlite
