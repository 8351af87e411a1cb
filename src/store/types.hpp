// The entities of the store, as plain values. Ids are SQLite rowids.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/structure.hpp"

namespace estafeta::store {

using Id = std::int64_t;
using Time = std::int64_t;  // Unix seconds

enum class Role { admin, legal, member };
const char* to_string(Role role);
std::optional<Role> parse_role(std::string_view text);  // "admin" | "legal" | "member"

struct Organisation {
  Id id = 0;
  std::string name;
  Time created = 0;
};

struct User {
  Id id = 0;
  Id org_id = 0;
  std::string login;  // the login identifier (often an e-mail address); unique
  std::string display_name;
  Role role = Role::member;
  std::string password_hash;  // Argon2id string; empty: no password set yet
  Time created = 0;
};

struct MailService {
  Id id = 0;
  Id org_id = 0;
  std::string name;
  bool locked = false;  // locked: no IMAP/POP3/SMTP session for any of its addresses
  Time created = 0;
};

// What the MX does with a message whose SPF check fails (RFC 7208 §8.4):
// file it in the recipient's Junk folder, or refuse it at RCPT with
// 550 5.7.23 (RFC 7372 §3.2). A softfail always goes to Junk.
enum class SpfFailPolicy { junk, reject };
const char* to_string(SpfFailPolicy policy);
std::optional<SpfFailPolicy> parse_spf_fail_policy(std::string_view text);  // "junk" | "reject"

// What the MX does with mail whose From domain's DMARC policy is p=reject
// and which fails DMARC: refuse it (550 5.7.1), or only file it in Junk.
enum class DmarcRejectPolicy { reject, quarantine };
const char* to_string(DmarcRejectPolicy policy);
std::optional<DmarcRejectPolicy> parse_dmarc_reject_policy(std::string_view text);  // "reject" | "quarantine"

// A domain is local (the MX takes its mail, submission delivers to it at
// once, addresses may be created in it) only once its organisation has
// proven control of it: a DNS TXT record with the claim's token, or an
// operator's approval. Until then the claim is pending and the domain is,
// for mail, someone else's.
struct Domain {
  Id id = 0;
  Id service_id = 0;
  std::string name;  // lower case
  Time created = 0;
  SpfFailPolicy spf_fail = SpfFailPolicy::junk;
  bool verified = true;
  std::string verify_token;  // pending claims: the value to publish (public, not a secret)
  DmarcRejectPolicy dmarc_reject = DmarcRejectPolicy::reject;
};

// What an administrator sets per address (estafeta admin address set).
struct AddressSettings {
  // Over every folder of the address; nullopt: no limit.
  std::optional<std::uint64_t> quota_bytes;
  std::optional<std::uint64_t> quota_messages;
  bool save_sent = true;  // submission keeps a copy of what is sent in the Sent folder
  bool operator==(const AddressSettings&) const = default;
};

struct Address {
  Id id = 0;
  Id domain_id = 0;
  Id service_id = 0;
  Id org_id = 0;
  std::string address;  // local@domain, domain lower case
  Time created = 0;
  AddressSettings settings;
};

// An address's quota and what counts against it: every message in every
// folder, by its size (a blob shared by two folders counts twice, as each
// copy is a message the user can see and delete).
struct QuotaUsage {
  std::optional<std::uint64_t> limit_bytes;
  std::optional<std::uint64_t> limit_messages;
  std::uint64_t bytes = 0;
  std::uint64_t messages = 0;

  bool limited() const { return limit_bytes || limit_messages; }
  // Whether adding `add_messages` messages of `add_bytes` octets in all
  // stays within every limit.
  bool fits(std::uint64_t add_bytes, std::uint64_t add_messages) const;
  // Whether `add_bytes` octets could ever fit, even in an empty mailbox.
  bool could_ever_fit(std::uint64_t add_bytes) const { return !limit_bytes || add_bytes <= *limit_bytes; }
};

struct Access {
  Id id = 0;
  Id address_id = 0;
  Id user_id = 0;
  bool may_change_special_folders = true;
  Time created = 0;
};

struct DevicePassword {
  Id id = 0;
  Id access_id = 0;
  std::string label;
  std::string hash;  // keyed hash of the password (binary), never the password
  Time created = 0;
  std::optional<Time> last_used;
  std::string last_ip;
  std::optional<Time> revoked;
};

// A device password as the login path sees it: enough to decide and to log.
struct LoginCandidate {
  DevicePassword device;
  Access access;
  Address address;
  User user;
  bool service_locked = false;
};

// RFC 6154 special-use roles.
enum class SpecialUse { none, drafts, sent, trash, archive, junk, all, flagged };
const char* to_string(SpecialUse use);                               // "\\Drafts" … ; "" for none
std::optional<SpecialUse> parse_special_use(std::string_view text);  // accepts "\\Drafts" or "drafts"

// What a full-text search looks at: the whole message (headers, body,
// attachment names: IMAP TEXT), the body only (IMAP BODY, RFC 9051 §6.4.4),
// or the decoded subject (IMAP SUBJECT; its own index, matched with Unicode
// case folding: a superset of SUBJECT's ASCII-insensitive matches).
enum class TextScope { whole, body, subject };

// A folder as sessions hold it: its id and the address that owns it. Every
// Store call on a folder matches both in its query, so an id that went
// stale (the folder was deleted) can never reach another address's rows;
// ids are never reused either (schema 8).
struct MailboxRef {
  Id address_id = 0;
  Id id = 0;
  bool operator==(const MailboxRef&) const = default;
};

struct Mailbox {
  Id id = 0;
  Id address_id = 0;
  std::string name;  // hierarchy separator '/', UTF-8 (IMAP converts)
  SpecialUse special_use = SpecialUse::none;
  std::uint32_t uidvalidity = 0;
  std::uint32_t uidnext = 1;
  std::uint64_t highestmodseq = 1;
  Time created = 0;
  // \Recent (RFC 3501 §2.3.2): the messages up to this UID have been
  // claimed by a session (Mailboxes::claim_recent); those above, by none yet.
  std::uint32_t recent_uid = 0;
  // Its place among its siblings as a user set it (JMAP sortOrder);
  // nullopt: the server's order.
  std::optional<std::uint32_t> sort_order;

  MailboxRef ref() const { return {address_id, id}; }
};

// System flags as bits; keywords are kept apart as strings.
enum Flag : std::uint32_t {
  flag_seen = 1,
  flag_answered = 2,
  flag_flagged = 4,
  flag_deleted = 8,
  flag_draft = 16,
};

// Keywords one message may hold: they are read with every message row and
// sent in every FLAGS response, so adding more is refused (ErrorKind::limit).
inline constexpr std::size_t kMaxKeywordsPerMessage = 100;

struct Message {
  Id id = 0;
  Id mailbox_id = 0;
  std::uint32_t uid = 0;
  Id blob_id = 0;
  std::string blob_hash;  // hex SHA-256 of the bytes: the blob store key
  std::uint32_t flags = 0;
  std::vector<std::string> keywords;
  Time internal_date = 0;
  std::uint64_t size = 0;
  std::uint64_t modseq = 0;
  // The size with every line ending in CRLF, the last one included
  // (mime/line_ends.hpp; POP3's size); unknown for messages stored before
  // it was kept, and in the brief lists.
  std::optional<std::uint64_t> crlf_size;
};

// What a search or a message list needs of a message besides its flags:
// a few summary fields, without the envelope and body structure.
struct Headline {
  std::uint32_t uid = 0;
  std::string blob_hash;
  std::string subject;
  std::string from_name;
  std::string from_address;
  std::string to;          // comma-separated addr-specs
  std::string message_id;  // without angle brackets
  Time date = 0;           // the Date: header; 0 when absent or unreadable
};

// Everything computed from a message's bytes, once, whatever mailbox holds it.
struct BlobInfo {
  std::string hash;  // hex SHA-256
  std::uint64_t size = 0;
  std::optional<std::uint64_t> crlf_size;  // mime/line_ends.hpp; set by the delivery
  mime::MessageStructure structure;        // envelope and MIME parts, with offsets into the bytes
  std::string subject;
  std::string from_name;
  std::string from_address;
  std::string to;  // comma-separated addr-specs
  Time date = 0;
  std::string message_id;
  // The In-Reply-To and References values, unfolded (threads).
  std::string in_reply_to;
  std::string references;
  bool has_attachments = false;
  std::string preview;
  // Full-text index input.
  std::string text_headers;
  std::string text_body;
  std::string text_attachments;
  // Queue::accept_message only: the message itself when it is kept in the
  // database (BlobStore::kInlineLimit); empty when a file holds it.
  std::string_view inline_bytes;
};

struct AppendTarget {
  MailboxRef mailbox;
  std::uint32_t flags = 0;
  std::vector<std::string> keywords;
  Time internal_date = 0;
};

struct Appended {
  Id mailbox_id = 0;
  Id address_id = 0;
  Id message_id = 0;
  std::uint32_t uid = 0;
  std::uint32_t uidvalidity = 0;
  std::uint64_t modseq = 0;
};

enum class FlagOp { replace, add, remove };

struct FlagChange {
  std::vector<Message> changed;       // after the change, with their new modseq
  std::vector<std::uint32_t> failed;  // UIDs refused by UNCHANGEDSINCE
  std::uint64_t highestmodseq = 0;    // the mailbox's, after the change
};

struct Expunged {
  std::vector<std::uint32_t> uids;  // removed, ascending
  std::uint64_t modseq = 0;         // the modseq of this expunge (0 if nothing was removed)
};

struct CopyResult {
  std::uint32_t uidvalidity = 0;                              // of the target mailbox
  std::vector<std::pair<std::uint32_t, std::uint32_t>> uids;  // source UID → new UID
  std::vector<std::uint32_t> removed;                         // with move: UIDs removed from the source
  std::uint64_t source_modseq = 0;                            // with move: the source's new highestmodseq
  std::uint64_t target_modseq = 0;
};

struct MailboxCounts {
  std::uint32_t messages = 0;
  std::uint32_t unseen = 0;
  std::uint32_t deleted = 0;
  std::uint64_t size = 0;          // octets of all messages
  std::uint64_t deleted_size = 0;  // octets of the messages flagged \Deleted
  std::uint32_t recent = 0;        // above Mailbox::recent_uid: no session has claimed them yet
};

// --- the outbound queue and the message trace (RFC 5321 §4.5.4, RFC 3461)

struct OutboundRecipient {
  std::string address;  // local@domain
  std::string domain;   // lower case: what MX lookups and routes key on
  std::string orcpt;    // DSN ORCPT ("rfc822;…"), may be empty
  bool notify_never = false, notify_success = false, notify_failure = true, notify_delay = true;
};

struct OutboundMessage {
  std::string public_id;     // the id the client was told ("queued as …")
  std::string sender;        // the envelope sender; empty: the null reverse-path (no bounce)
  std::string envid;         // DSN ENVID
  bool ret_full = true;      // DSN RET: full message (true) or headers only
  Id sender_address_id = 0;  // the local address that submitted it (0: none), for the trace and bounces
  std::vector<OutboundRecipient> recipients;
};

enum class RecipientState { pending, delivered, failed };

// One recipient of a queued message, as the delivery worker sees it.
struct QueuedRecipient {
  Id id = 0;
  Id queue_id = 0;
  std::string recipient;
  std::string domain;
  std::string orcpt;
  bool notify_never = false, notify_success = false, notify_failure = true, notify_delay = true;
  bool delay_warned = false;  // the sender has been told the recipient is delayed
  RecipientState state = RecipientState::pending;
  int attempts = 0;
  Time next_attempt = 0;
  std::string last_reply;
  std::string remote_host;
  // From the message:
  std::string public_id;
  std::string sender;
  std::string envid;
  bool ret_full = true;
  Id sender_address_id = 0;
  std::string blob_hash;
  std::uint64_t size = 0;
  Time created = 0;
};

// Which way a traced message went for the address: received ("in") or sent
// ("out").
enum class TraceDirection { in, out };
const char* to_string(TraceDirection direction);  // "in" | "out", as stored and shown
std::optional<TraceDirection> parse_trace_direction(std::string_view text);

// What became of a traced message for one recipient.
enum class TraceStatus {
  accepted,   // taken in by us
  queued,     // waiting in the outbound queue
  delivered,  // in the recipient's folder, or taken by the remote MX
  deferred,   // a temporary failure: the queue tries again
  bounced,    // a permanent failure (or too late): the sender is told
  rejected,   // refused during the SMTP dialogue
};
// "accepted", "queued", "delivered", "deferred", "bounced", "rejected": as
// stored and shown.
const char* to_string(TraceStatus status);
std::optional<TraceStatus> parse_trace_status(std::string_view text);

struct TraceEntry {
  Id id = 0;
  Id address_id = 0;     // the address this line is visible to (sender or recipient side)
  std::string queue_id;  // the id given in "250 … queued as X"
  TraceDirection direction = TraceDirection::in;
  std::string sender;
  std::string recipient;
  TraceStatus status = TraceStatus::accepted;
  std::string remote_host;
  std::string reply;  // the remote (or our) reply text
  Time time = 0;
};

struct Accepted {
  std::vector<Appended> local;  // one per local target
  Id queue_id = 0;              // 0 when nothing was queued
};

struct AuditEntry {
  Id id = 0;
  Id org_id = 0;  // 0: operator-level action outside any organisation
  std::optional<Id> actor_user_id;
  std::string actor;   // login, "operator", or "address/device"
  std::string action;  // e.g. "access.grant", "imap.login"
  std::string target;
  std::string product;  // "mail", "console", "cli", "imap", …
  std::string ip;
  std::string detail;
  Time time = 0;
};

struct AuditQuery {
  std::optional<Id> org_id;
  std::optional<Id> actor_user_id;
  std::optional<Time> since;
  std::optional<Time> until;
  std::string product;  // empty: any
  std::string action_prefix;
  std::string text;  // empty: any; otherwise in the actor, action, target or detail (any case)
  Id before_id = 0;  // paging: only entries listed after this one (0: from the newest)
  std::size_t limit = 100;
};

}  // namespace estafeta::store
