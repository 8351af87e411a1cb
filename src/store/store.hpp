// The Store: Estafeta's persistent state, in mail terms.
//
// One interface for every backend (SQLite embedded, PostgreSQL later); SQL
// lives only in the backend folders. Calls are blocking and thread-safe:
// network code runs them on a worker pool, never on an io_context thread.
//
// Errors: not_found when an id or name does not exist, exists on a unique
// name taken, in_use when something still depends on the target, invalid on
// a rule broken. Authorization is not checked here (see manage/); the store
// trusts its caller.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event_bus.hpp"
#include "core/result.hpp"
#include "store/types.hpp"
#include "store/zones.hpp"

namespace estafeta::store {

// The folders every new address gets, with their RFC 6154 roles.
struct DefaultMailbox {
  const char* name;
  SpecialUse use;
};
inline constexpr DefaultMailbox kDefaultMailboxes[] = {
    {"INBOX", SpecialUse::none},     {"Drafts", SpecialUse::drafts},
    {"Sent", SpecialUse::sent},      {"Trash", SpecialUse::trash},
    {"Archive", SpecialUse::archive}, {"Junk", SpecialUse::junk},
};

// The whole store. Its parts in their own headers: ZoneStore (DNS zones,
// DKIM keys).
class Store : public ZoneStore {
 public:
  ~Store() override = default;

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
  // Creates the address and its default mailboxes (kDefaultMailboxes) at once.
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
  virtual Status revoke_device_password(Id id) = 0;           // not_found if absent or revoked
  virtual Result<int> revoke_access_devices(Id access_id) = 0;  // count revoked
  // Every non-revoked device password of every access to the address.
  virtual Result<std::vector<LoginCandidate>> login_candidates(const std::string& address) = 0;
  virtual Status touch_device_password(Id id, Time when, const std::string& ip) = 0;

  // --- mailboxes
  virtual Result<Mailbox> create_mailbox(Id address_id, const std::string& name, SpecialUse use) = 0;
  virtual Result<Mailbox> mailbox(MailboxRef ref) = 0;
  virtual Result<Mailbox> find_mailbox(Id address_id, const std::string& name) = 0;
  virtual Result<Mailbox> find_special_mailbox(Id address_id, SpecialUse use) = 0;
  virtual Result<std::vector<Mailbox>> list_mailboxes(Id address_id) = 0;

  // --- messages
  // Records the blob (if new) and appends one message per target, all in one
  // durable transaction: on success every target holds the message exactly
  // once with a fresh UID and MODSEQ; on failure none does.
  virtual Result<std::vector<Appended>> append_messages(const BlobInfo& blob,
                                                        const std::vector<AppendTarget>& targets) = 0;
  virtual Result<std::vector<Message>> list_messages(MailboxRef mailbox) = 0;
  // The same without blob_hash (left empty): no join, for scans of flags
  // and dates such as SEARCH.
  virtual Result<std::vector<Message>> list_messages_brief(MailboxRef mailbox) = 0;
  // The messages with first_uid <= uid <= last_uid, ascending.
  virtual Result<std::vector<Message>> list_messages_between(MailboxRef mailbox, std::uint32_t first_uid,
                                                             std::uint32_t last_uid) = 0;
  virtual Result<Message> message(MailboxRef mailbox, std::uint32_t uid) = 0;
  virtual Result<BlobInfo> blob_info(Id blob_id) = 0;  // without the text fields
  // Every message's headline, ascending UIDs: one query for a whole folder.
  virtual Result<std::vector<Headline>> list_headlines(MailboxRef mailbox) = 0;
  // The bytes of a message kept in the database; nullopt when it is not
  // (a file holds it, or no such blob). Used by BlobStore::get.
  virtual Result<std::optional<std::string>> blob_data(const std::string& hash) = 0;
  virtual Result<std::vector<Message>> find_messages_by_message_id(MailboxRef mailbox, const std::string& message_id) = 0;
  // Full-text search (substring, case-insensitive) over headers, body and
  // attachment names, or the body only; ascending UIDs. Answered from the
  // index: the cost follows the matches, not the folder's size.
  virtual Result<std::vector<std::uint32_t>> search_text(MailboxRef mailbox, const std::string& needle,
                                                         TextScope scope) = 0;
  // Moves up to `limit` messages' text into the full-text index (accepted
  // mail waits outside it, see store/text_indexer.hpp); returns how many.
  // The wait is bounded: past a ceiling (SqliteOptions::max_pending_text),
  // each new message's delivery indexes two waiting ones itself, so mail
  // arriving faster than the background indexer keeps up slows down instead
  // of leaving a search a backlog of any size to index first.
  virtual Result<std::size_t> index_pending_text(std::size_t limit) = 0;
  virtual Result<std::size_t> pending_text_count() = 0;  // messages whose text waits

  // --- mailbox changes (IMAP, the web app). Every change takes a fresh
  // MODSEQ from the mailbox's highestmodseq (RFC 7162 §3.1).

  // Sets, adds or removes flags and keywords on the given UIDs (absent UIDs
  // are skipped). With `unchanged_since`, messages whose modseq is greater
  // are not changed and come back in `FlagChange::failed` (RFC 7162 §3.1.3).
  // Messages whose flags do not actually change keep their modseq and are
  // not reported in `changed`. A change that would leave a message with
  // more than kMaxKeywordsPerMessage keywords fails whole (limit).
  virtual Result<FlagChange> store_flags(MailboxRef mailbox, const std::vector<std::uint32_t>& uids, FlagOp op,
                                         std::uint32_t flags, const std::vector<std::string>& keywords,
                                         std::optional<std::uint64_t> unchanged_since) = 0;
  // Removes the messages (absent UIDs are skipped); remembers each removed
  // UID with the new modseq for QRESYNC (VANISHED). Returns the removed UIDs.
  virtual Result<Expunged> expunge(MailboxRef mailbox, const std::vector<std::uint32_t>& uids) = 0;
  // UIDs expunged after `modseq` (RFC 7162 §3.2.5.1), ascending.
  virtual Result<std::vector<std::uint32_t>> expunged_since(MailboxRef mailbox, std::uint64_t modseq) = 0;
  // Messages whose modseq is greater than `modseq`, ascending by UID.
  virtual Result<std::vector<Message>> changed_since(MailboxRef mailbox, std::uint64_t modseq) = 0;
  // Copies the messages (same blobs, flags, keywords, internal dates) into
  // another mailbox of any address, in one transaction; with `move`, removes
  // them from the source in the same transaction (RFC 6851). UIDs map in
  // ascending source order. Absent UIDs are skipped.
  virtual Result<CopyResult> copy_messages(MailboxRef from, const std::vector<std::uint32_t>& uids, MailboxRef to,
                                           bool move) = 0;
  // Counts for STATUS and the web app's folder list.
  virtual Result<MailboxCounts> mailbox_counts(MailboxRef mailbox) = 0;
  // \Recent (RFC 3501 §2.3.2): claims every message of the folder not
  // claimed yet for the caller's session, atomically across sessions and
  // processes, so each message is recent in one session only. Returns the
  // claimed UID range (first, last]: empty when first == last.
  virtual Result<std::pair<std::uint32_t, std::uint32_t>> claim_recent(MailboxRef mailbox) = 0;
  // Renames the mailbox and its children ("a" → "b" renames "a/x" to "b/x").
  // Renaming INBOX moves its messages to a new mailbox of the new name and
  // leaves INBOX empty (RFC 9051 §6.3.6). exists if the target name is taken.
  virtual Status rename_mailbox(MailboxRef mailbox, const std::string& new_name) = 0;
  // Deletes the mailbox and its messages. Its children stay.
  virtual Status delete_mailbox(MailboxRef mailbox) = 0;
  // Subscriptions are names, not folders (RFC 9051 §6.3.7, §6.3.8; RFC
  // 3501 §6.3.6): a new folder is subscribed, a renamed one takes its
  // subscriptions (and its children's) along, a deleted one stays
  // subscribed until unsubscribed. Names are as stored ('/', UTF-8),
  // sorted; each address has its own, at most kMaxSubscriptions (past it,
  // SUBSCRIBE fails with ErrorKind::limit and a new folder is created
  // unsubscribed), so names left by deleted folders cannot pile up.
  static constexpr std::size_t kMaxSubscriptions = 10000;
  virtual Result<std::vector<std::string>> subscriptions(Id address_id) = 0;
  virtual Status set_subscribed(Id address_id, const std::string& name, bool subscribed) = 0;
  // Gives the role to this mailbox (taking it from any other mailbox of the
  // address that had it); SpecialUse::none clears it.
  virtual Status set_special_use(MailboxRef mailbox, SpecialUse use) = 0;
  // Blobs no message refers to any more: their rows and index entries are
  // removed and their hashes returned, so the caller can delete the files.
  virtual Result<std::vector<std::string>> collect_unreferenced_blobs(std::size_t limit) = 0;

  // --- mail accepted by SMTP: local copies, the outbound queue, the trace.
  // In one durable transaction: the blob row (if new), one message per
  // local target, the queue entry with its recipients (if any), and the
  // trace lines. Either all of it is there after a crash, or none.
  virtual Result<Accepted> accept_message(const BlobInfo& blob, const std::vector<AppendTarget>& local,
                                          const std::optional<OutboundMessage>& outbound,
                                          const std::vector<TraceEntry>& trace) = 0;
  // Pending recipients whose next attempt is due, oldest first.
  virtual Result<std::vector<QueuedRecipient>> due_recipients(Time now, std::size_t limit) = 0;
  // When the next pending recipient is due (nullopt: nothing pending).
  virtual Result<std::optional<Time>> next_due() = 0;
  // Records one delivery attempt's outcome. A message whose recipients are
  // all delivered or failed leaves the queue (its blob reference goes).
  // The sender has been told (once) that this recipient is delayed.
  virtual Status mark_delay_warned(Id recipient_id) = 0;
  virtual Status record_attempt(Id recipient_id, RecipientState state, Time next_attempt, const std::string& reply,
                                const std::string& remote_host) = 0;
  virtual Result<std::vector<QueuedRecipient>> queued(std::size_t limit) = 0;  // every recipient still queued
  virtual Status append_trace(const TraceEntry& entry) = 0;
  virtual Result<std::vector<TraceEntry>> trace(Id address_id, Time since, std::size_t limit) = 0;

  // --- event log: events that must reach every process and node (revocations,
  // locks). Ids ascend; readers remember the last id they saw.
  virtual Result<std::int64_t> append_event(const Event& event) = 0;
  virtual Result<std::vector<std::pair<std::int64_t, Event>>> events_after(std::int64_t id, std::size_t limit) = 0;
  virtual Result<std::int64_t> last_event_id() = 0;
  // Forgets events older than `before` (Unix seconds).
  virtual Status prune_events(Time before) = 0;

  // --- audit log
  virtual Status append_audit(const AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEntry>> query_audit(const AuditQuery& query) = 0;

  // Checks the database's consistency (PRAGMA integrity_check). Empty: fine.
  virtual Result<std::string> integrity_check() = 0;
};

struct SqliteOptions {
  std::filesystem::path path;  // the database file
  bool create = true;          // create when absent
  // Messages whose text may wait outside the full-text index before
  // deliveries index it themselves (Store::index_pending_text); a search
  // indexes its folder's waiting text first, about 1,500 messages a second.
  std::size_t max_pending_text = 2000;
};

// Opens (and migrates) an SQLite store. Refuses a database written by a newer
// version with ErrorKind::invalid and a message that says so.
Result<std::unique_ptr<Store>> open_sqlite_store(const SqliteOptions& options);

}  // namespace estafeta::store
