// What changed in a folder after a given modseq, read from the store once
// and shared by every session of this process that stands at that modseq.
//
// A delivery to an address whose sessions sit in IDLE wakes each of them
// to report what changed since it last reported (SelectedMailbox::apply).
// Those sessions usually all stand at the same modseq, so they need the
// same answer: one read for all of them instead of one each (DESIGN §6,
// one APPEND reaching 100,000 IDLE connections in under a second). A
// session that finds a fitting delta here applies it on its own strand
// without waiting for the worker pool; the first one to miss reads it.
//
// Scoping: a delta is keyed by the folder's full reference (its address
// and its id) and its UIDVALIDITY, and holds only what the store answers
// for that reference: a session can only ever find what its own store
// calls would return, and never a delta of an earlier folder that had the
// same id (UIDVALIDITY comes from a counter: no two folders share one).
// Thread-safe: sessions run on many threads.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.hpp"
#include "store/mail.hpp"

namespace estafeta::imap {

struct FolderDelta {
  std::uint64_t since = 0;
  store::Mailbox box;                   // the folder as read: changes reach up to box.highestmodseq
  std::vector<std::uint32_t> expunged;  // expunged_since(since), ascending
  std::vector<store::Message> changed;  // changed_since(since), ascending by UID
  // A read-write IMAP4rev1 session of this process claimed the \Recent
  // messages this delta brought (Store::claim_recent): the others need not
  // ask the store, which would give them nothing.
  mutable std::atomic<bool> recent_claimed{false};
};

class FolderChanges {
 public:
  // At most this many deltas are kept (the least recently used go first),
  // and none with more than kMaxKeptChanges changes: a session far behind
  // reads its own.
  static constexpr std::size_t kCapacity = 256;
  static constexpr std::size_t kMaxKeptChanges = 1000;

  // A kept delta of `folder` (the one of that UIDVALIDITY) after `since`
  // that reaches `at_least` (the modseq of the change a session was told
  // of), or null. Never waits.
  std::shared_ptr<const FolderDelta> find(store::MailboxRef folder, std::uint32_t uidvalidity, std::uint64_t since,
                                          std::uint64_t at_least) const;

  // A delta of `folder` after `since` that reaches `at_least`: a kept one,
  // or one read now. Callers asking for the same folder and `since` while
  // it is being read wait for that read rather than repeat it (blocking:
  // for the worker pool). A folder that is gone is the store's not_found.
  Result<std::shared_ptr<const FolderDelta>> read(store::Mail& store, store::MailboxRef folder,
                                                  std::uint32_t uidvalidity, std::uint64_t since,
                                                  std::uint64_t at_least);

 private:
  struct Entry {
    store::MailboxRef folder;
    std::uint32_t uidvalidity = 0;
    std::uint64_t since = 0;
    bool reading = true;
    std::shared_ptr<const FolderDelta> delta;  // once read (null after a failed read)
  };
  using Entries = std::list<Entry>;  // most recently used first

  // The entry of (folder, uidvalidity, since), or end(). REQUIRES: m_mutex held.
  Entries::iterator locate(store::MailboxRef folder, std::uint32_t uidvalidity, std::uint64_t since) const;
  static Result<std::shared_ptr<FolderDelta>> read_store(store::Mail& store, store::MailboxRef folder,
                                                         std::uint64_t since);

  mutable std::mutex m_mutex;
  std::condition_variable m_read_done;
  mutable Entries m_entries;  // GUARDED_BY(m_mutex); find() moves what it hits to the front
};

}  // namespace estafeta::imap
