// The part of the Store that holds the messages of folders: append them,
// list and read them, search their text, and change them (flags, expunge,
// copy and move) with the modseqs that CONDSTORE and QRESYNC follow.
//
// A message's bytes are a blob (store/blob_store.hpp), stored once however
// many folders hold it; BlobInfo is what was computed from them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store {

class Messages {
 public:
  virtual ~Messages() = default;

  // --- reading and appending
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
  // The messages among `uids` (any order; absent ones skipped), ascending,
  // brief as above: one index lookup per UID, whatever the folder holds.
  virtual Result<std::vector<Message>> list_messages_with_uids(MailboxRef mailbox,
                                                               const std::vector<std::uint32_t>& uids) = 0;
  virtual Result<Message> message(MailboxRef mailbox, std::uint32_t uid) = 0;
  virtual Result<BlobInfo> blob_info(Id blob_id) = 0;  // without the text fields
  // Every message's headline, ascending UIDs: one query for a whole folder.
  virtual Result<std::vector<Headline>> list_headlines(MailboxRef mailbox) = 0;
  // The headlines of the messages among `uids` (any order; absent ones
  // skipped), ascending: one index lookup per UID, as list_messages_with_uids.
  virtual Result<std::vector<Headline>> list_headlines_with_uids(MailboxRef mailbox,
                                                                 const std::vector<std::uint32_t>& uids) = 0;
  // The bytes of a message kept in the database; nullopt when it is not
  // (a file holds it, or no such blob). Used by BlobStore::get.
  virtual Result<std::optional<std::string>> blob_data(const std::string& hash) = 0;
  virtual Result<std::vector<Message>> find_messages_by_message_id(MailboxRef mailbox,
                                                                   const std::string& message_id) = 0;
  // Full-text search (substring, case-insensitive) over headers, body and
  // attachment names, or the body only; ascending UIDs. Answered from the
  // index: the cost follows the matches, not the folder's size.
  virtual Result<std::vector<std::uint32_t>> search_text(MailboxRef mailbox, const std::string& needle,
                                                         TextScope scope) = 0;

  // --- changes (IMAP, the web app). Every change takes a fresh MODSEQ from
  // the mailbox's highestmodseq (RFC 7162 §3.1).

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
  // Removes, in one transaction, the messages flagged \Deleted at that
  // moment with a UID up to `last_uid` (all of them, or those among `uids`):
  // IMAP EXPUNGE and UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315 §2.1). A flag
  // taken off meanwhile by another session keeps its message.
  virtual Result<Expunged> expunge_deleted(MailboxRef mailbox, std::uint32_t last_uid,
                                           const std::vector<std::uint32_t>* uids) = 0;
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
};

}  // namespace estafeta::store
