// The selected folder's message rows (UID, flags, keywords, dates, sizes,
// modseq) for SEARCH, SORT and THREAD, kept between commands.
//
// The first use reads the whole folder; later uses ask the store only what
// changed since (changed_since and expunged_since after the modseq the rows
// were read at, RFC 7162's bookkeeping), or nothing at all when the folder's
// HIGHESTMODSEQ has not moved. Every change to a message (flags, keywords,
// arrival, expunge, from any session or protocol) takes a new modseq, so the
// rows are those the store holds at that modseq: the same answer as a full
// read, without reading 500 rows for each search.
//
// Kept only for folders of up to kMaxKept messages (more are read whole
// each time), and only once a search asks, so idle sessions hold nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/result.hpp"
#include "store/store.hpp"

namespace estafeta::imap {

class FolderRows {
 public:
  static constexpr std::size_t kMaxKept = 50'000;

  // The rows as the store has them now, ascending by UID. Valid until the
  // next call.
  Result<const std::vector<store::Message>*> current(store::Mail& store, store::MailboxRef folder);

 private:
  // Brings the rows from m_modseq up to date with what changed since.
  Status apply_changes(store::Mail& store, store::MailboxRef folder);

  std::vector<store::Message> m_rows;
  std::uint64_t m_modseq = 0;  // the folder's HIGHESTMODSEQ when the rows were last brought up to date
  bool m_kept = false;         // m_rows hold the folder as of m_modseq
};

}  // namespace estafeta::imap
