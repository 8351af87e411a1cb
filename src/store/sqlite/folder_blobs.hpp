// The (UID, blob id) pairs of large folders, kept in memory between the
// full-text searches that match much of a folder (search_text): a word in
// every one of a million messages would otherwise read the folder's million
// rows again for each search.
//
// A folder's pairs are kept as of its HIGHESTMODSEQ. Every arrival and
// every expunge takes a new MODSEQ (changes.cpp: next_modseq), so pairs
// read at the HIGHESTMODSEQ a snapshot shows are still the folder's in
// that snapshot; at a later one, the arrivals (UIDs from the UIDNEXT the
// pairs were read at: UIDs only grow) are added and the UIDs expunged
// since (the expunged table, by MODSEQ) removed, which reads only what
// changed. A message's content never changes, nor does a UID name another
// message, nor is a folder id given twice.
//
// Kept for folders of at least `min_messages` (smaller ones are read
// faster than they are worth keeping), and at most `max_pairs` pairs in
// all (12 bytes each), the least recently used folder dropped first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store::sqlite {

class Database;

class FolderBlobs {
 public:
  static constexpr std::size_t kMinMessages = 20'000;
  static constexpr std::size_t kMaxPairs = 4'000'000;

  struct Folder {
    std::int64_t modseq = 0;
    std::int64_t uidnext = 0;
    std::vector<std::uint32_t> uids;  // ascending
    std::vector<Id> blobs;            // blobs[i]: the content of uids[i]
  };

  explicit FolderBlobs(std::size_t min_messages = kMinMessages, std::size_t max_pairs = kMaxPairs)
      : m_min_messages(min_messages), m_max_pairs(max_pairs) {}

  // The folder's pairs as the snapshot `db` reads them (a read transaction
  // is open on it), where the folder's HIGHESTMODSEQ is `modseq` and its
  // UIDNEXT `uidnext`. The caller has checked that the folder is its own.
  Result<std::shared_ptr<const Folder>> get(Database& db, Id mailbox_id, std::int64_t modseq, std::int64_t uidnext);

  // Pairs kept now, in all folders.
  std::size_t kept_pairs() const;

 private:
  void keep(Id mailbox_id, const std::shared_ptr<const Folder>& folder);

  struct Kept {
    std::shared_ptr<const Folder> folder;
    std::uint64_t used = 0;  // m_clock when last asked for
  };
  const std::size_t m_min_messages;
  const std::size_t m_max_pairs;
  mutable std::mutex m_mutex;
  std::unordered_map<Id, Kept> m_kept;  // GUARDED_BY(m_mutex)
  std::uint64_t m_clock = 0;            // GUARDED_BY(m_mutex)
  std::size_t m_pairs = 0;              // GUARDED_BY(m_mutex)
};

}  // namespace estafeta::store::sqlite
