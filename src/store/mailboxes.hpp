// The part of the Store that holds an address's folders: create, find,
// rename and delete them, their special-use roles, their counts and \Recent,
// and the address's subscriptions (IMAP, POP3, the web app).
//
// Every call on one folder takes a MailboxRef, matched whole, so a stale id
// cannot reach another address's folder (store/types.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store {

// The folders every new address gets, with their RFC 6154 roles.
struct DefaultMailbox {
  const char* name;
  SpecialUse use;
};
inline constexpr DefaultMailbox kDefaultMailboxes[] = {
    {"INBOX", SpecialUse::none},  {"Drafts", SpecialUse::drafts},   {"Sent", SpecialUse::sent},
    {"Trash", SpecialUse::trash}, {"Archive", SpecialUse::archive}, {"Junk", SpecialUse::junk},
};

class Mailboxes {
 public:
  virtual ~Mailboxes() = default;

  virtual Result<Mailbox> create_mailbox(Id address_id, const std::string& name, SpecialUse use) = 0;
  virtual Result<Mailbox> mailbox(MailboxRef ref) = 0;
  virtual Result<Mailbox> find_mailbox(Id address_id, const std::string& name) = 0;
  virtual Result<Mailbox> find_special_mailbox(Id address_id, SpecialUse use) = 0;
  virtual Result<std::vector<Mailbox>> list_mailboxes(Id address_id) = 0;
  // Renames the mailbox and its children ("a" → "b" renames "a/x" to "b/x").
  // Renaming INBOX moves its messages to a new mailbox of the new name and
  // leaves INBOX empty (RFC 9051 §6.3.6). exists if the target name is taken.
  virtual Status rename_mailbox(MailboxRef mailbox, const std::string& new_name) = 0;
  // Deletes the mailbox and its messages. Its children stay.
  virtual Status delete_mailbox(MailboxRef mailbox) = 0;
  // Gives the role to this mailbox (taking it from any other mailbox of the
  // address that had it); SpecialUse::none clears it.
  virtual Status set_special_use(MailboxRef mailbox, SpecialUse use) = 0;
  // The folder's place among its siblings (nullopt: the server's order).
  virtual Status set_sort_order(MailboxRef mailbox, std::optional<std::uint32_t> order) = 0;

  // Counts for STATUS and the web app's folder list.
  virtual Result<MailboxCounts> mailbox_counts(MailboxRef mailbox) = 0;
  // \Recent (RFC 3501 §2.3.2): claims every message of the folder not
  // claimed yet for the caller's session, atomically across sessions and
  // processes, so each message is recent in one session only. Returns the
  // claimed UID range (first, last]: empty when first == last.
  virtual Result<std::pair<std::uint32_t, std::uint32_t>> claim_recent(MailboxRef mailbox) = 0;

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
};

}  // namespace estafeta::store
