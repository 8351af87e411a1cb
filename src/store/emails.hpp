// The part of the Store that JMAP reads (RFC 8620, RFC 8621): an address's
// mail as emails, threads and folders with one change order.
//
// An email is the address's messages of one content: the same bytes in two
// folders are one email in two mailboxes, so moving a message (IMAP MOVE,
// a JMAP mailboxIds change) keeps its email id. Email ids come from a
// counter and are never reused; a thread is the emails linked by message
// ids (Message-ID, In-Reply-To, References), its id the first email's.
//
// Every change of the address's mail takes a MODSEQ from one counter per
// address (the folders' CONDSTORE MODSEQs are drawn from it too), so a JMAP
// state is that counter, and /changes asks what changed after one.
// Triggers in the schema keep all of it from every path that touches mail.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store {

// Where one email's copies are: a folder, its UID there, its flags.
struct EmailCopy {
  Id mailbox_id = 0;
  std::uint32_t uid = 0;
  std::uint32_t flags = 0;
  std::vector<std::string> keywords;
  Time internal_date = 0;
};

struct Email {
  Id id = 0;
  Id thread_id = 0;
  Id blob_id = 0;
  std::string blob_hash;
  std::uint64_t size = 0;
  std::uint64_t modseq = 0;
  std::vector<EmailCopy> copies;  // by mailbox id; never empty
  // The summary of its content (as in BlobInfo).
  std::string subject;
  std::string from_name;
  std::string from_address;
  std::string to;  // comma-separated addr-specs of To and Cc
  Time sent_at = 0;
  bool has_attachments = false;
  std::string preview;

  // The earliest internal date of its copies (JMAP receivedAt).
  Time received_at() const;
  // The flags and keywords of all copies together.
  std::uint32_t all_flags() const;
  std::vector<std::string> all_keywords() const;
};

// A folder with what a JMAP Mailbox shows besides its name and role.
struct MailboxSummary {
  Mailbox mailbox;
  std::uint32_t total_emails = 0;
  std::uint32_t unread_emails = 0;  // neither \Seen nor \Draft
  std::uint32_t total_threads = 0;
  std::uint32_t unread_threads = 0;
  bool subscribed = false;
};

// A position in an address's change order: every change up to `modseq`,
// and of the changes at exactly `modseq` those of ids up to `id` (id 0: none
// of them; kAll: all). Lets /changes hand out states between two MODSEQs
// when one MODSEQ changed more objects than a client takes at once.
struct ChangeCursor {
  static constexpr Id kAll = INT64_MAX;
  std::uint64_t modseq = 0;
  Id id = kAll;
  // Between the pages of one answer (id set): the modseq its first page
  // started from. A record created after it that no page has shown yet is
  // "created" in a later page too, not "updated" (0: modseq).
  std::uint64_t origin = 0;
  // What "created" is judged against.
  std::uint64_t from() const { return id == kAll || origin == 0 ? modseq : origin; }
  bool operator==(const ChangeCursor&) const = default;
};

struct Changes {
  std::vector<Id> created, updated, destroyed;
  ChangeCursor next;  // where the next call starts
  bool has_more = false;
  // Mailboxes: only the counts of the updated ones changed.
  bool counts_only = false;
};

struct Upload {
  Id address_id = 0;
  std::string hash;
  std::string type;
  std::uint64_t size = 0;
  Time created = 0;
  Time expires = 0;
};

// An identity the address sends as (JMAP Identity). reply_to and bcc are
// JSON text (lists of {name, email}) or empty, kept as the API gave them.
struct Identity {
  Id id = 0;
  Id address_id = 0;
  std::string name;
  std::string email;
  std::string reply_to;
  std::string bcc;
  std::string text_signature;
  std::string html_signature;
};

// A message sent through JMAP (EmailSubmission). envelope is JSON text
// ({mailFrom, rcptTo}) as the API gave it.
enum class UndoStatus { pending, final, canceled };
struct Submission {
  Id id = 0;
  Id address_id = 0;
  Id user_id = 0;
  Id identity_id = 0;
  Id email_id = 0;
  Id thread_id = 0;
  std::string blob_hash;  // the message as it was when submitted
  std::string envelope;
  Time send_at = 0;
  UndoStatus undo_status = UndoStatus::pending;
  std::string queue_id;  // once handed to the queue
  std::string refusal;   // why sending failed, when it did
};

// An address's vacation response (JMAP VacationResponse, RFC 8621 §8).
struct Vacation {
  bool enabled = false;
  std::optional<Time> from;  // answers only from then on (nullopt: already)
  std::optional<Time> to;    // and until then (nullopt: until disabled)
  std::string subject;       // empty: "Auto: " and the message's subject
  std::string text_body;
  std::string html_body;
  bool active(Time now) const { return enabled && (!from || now >= *from) && (!to || now < *to); }
};

class Emails {
 public:
  virtual ~Emails() = default;

  // The address's change counter: the state of every JMAP type.
  virtual Result<std::uint64_t> mail_state(Id address_id) = 0;
  // The emails with these ids; ids not of this address are left out.
  virtual Result<std::vector<Email>> emails(Id address_id, const std::vector<Id>& ids) = 0;
  // Every email of the address (with `mailbox`: of that folder only), in no
  // particular order: what a query filters and sorts.
  virtual Result<std::vector<Email>> list_emails(Id address_id, std::optional<Id> mailbox) = 0;
  // The ids (ascending) of the address's emails whose text holds `needle`,
  // from the full-text index IMAP SEARCH uses (Messages::search_text):
  // what a JMAP text condition asks, found before any email is loaded.
  virtual Result<std::vector<Id>> search_emails(Id address_id, const std::string& needle, TextScope scope) = 0;
  // One folder's emails, newest first (by the arrival of their copy here,
  // then by id, newest first), one per thread with `collapse`: the ids from
  // `position` on, at most `limit`, and (when `count`) how many there are
  // in all. The message list's query, read from an index: a first page
  // costs the same in a folder of any size.
  struct Page {
    std::vector<std::pair<Id, Id>> emails;  // email id, thread id
    std::optional<std::size_t> total;
  };
  virtual Result<Page> newest_in_mailbox(Id address_id, Id mailbox_id, bool collapse, std::size_t position,
                                         std::size_t limit, bool count) = 0;
  // The emails of these threads (ids), by thread, each by received_at.
  virtual Result<std::vector<std::pair<Id, std::vector<Id>>>> threads(Id address_id, const std::vector<Id>& ids) = 0;
  // The email of this content in the address, if any.
  virtual Result<std::optional<Id>> email_by_blob(Id address_id, const std::string& blob_hash) = 0;
  // Every folder of the address with its counts.
  virtual Result<std::vector<MailboxSummary>> mailbox_summaries(Id address_id) = 0;

  // Blobs uploaded for an address (RFC 8620 §6.1): recorded with the
  // time they stop being usable; one the address uploaded and that has not
  // expired can be read back, attached or imported by it.
  virtual Status add_upload(const Upload& upload) = 0;
  virtual Result<std::optional<Upload>> find_upload(Id address_id, const std::string& hash) = 0;
  // Forgets uploads expired at `now`; returns the hashes no message and no
  // other upload uses any more (their files can go).
  virtual Result<std::vector<std::string>> expire_uploads(Time now) = 0;

  // The address's identities (every address has one from its creation);
  // changes take a MODSEQ from the address's counter.
  virtual Result<std::vector<Identity>> identities(Id address_id) = 0;
  virtual Result<Identity> create_identity(const Identity& identity) = 0;  // id assigned
  virtual Status update_identity(const Identity& identity) = 0;            // by id and address_id
  virtual Status destroy_identity(Id address_id, Id id) = 0;
  virtual Result<Changes> identity_changes(Id address_id, ChangeCursor since, std::size_t max) = 0;

  // Submissions (not destroyed) of the address; changes take a MODSEQ.
  virtual Result<std::vector<Submission>> submissions(Id address_id) = 0;
  virtual Result<Submission> create_submission(const Submission& s) = 0;  // id assigned
  // Sets undo_status, queue_id and refusal of the submission (by id and
  // address_id); when `only_if_pending`, only a pending one (not found
  // otherwise), so a cancel and the sender never both win.
  virtual Status update_submission(const Submission& s, bool only_if_pending) = 0;
  virtual Status destroy_submission(Id address_id, Id id) = 0;
  virtual Result<Changes> submission_changes(Id address_id, ChangeCursor since, std::size_t max) = 0;
  // Pending submissions whose time has come, oldest first.
  virtual Result<std::vector<Submission>> due_submissions(Time now, std::size_t limit) = 0;
  // The trace lines of one queued message for the address.
  virtual Result<std::vector<TraceEntry>> trace_of(Id address_id, const std::string& queue_id) = 0;

  // The vacation response (disabled until set); setting it takes a MODSEQ
  // and forgets whom the previous one answered.
  virtual Result<Vacation> vacation(Id address_id) = 0;
  virtual Status set_vacation(Id address_id, const Vacation& vacation) = 0;
  // Notes that `sender` is answered at `now`, unless it was answered after
  // `since`: whether to answer it.
  virtual Result<bool> note_vacation_reply(Id address_id, const std::string& sender, Time now, Time since) = 0;

  // What changed after `since`, at most `max` ids in all (then has_more).
  virtual Result<Changes> email_changes(Id address_id, ChangeCursor since, std::size_t max) = 0;
  virtual Result<Changes> mailbox_changes(Id address_id, ChangeCursor since, std::size_t max) = 0;
  virtual Result<Changes> thread_changes(Id address_id, ChangeCursor since, std::size_t max) = 0;
};

}  // namespace estafeta::store
