#include "imap/folder_rows.hpp"

#include <algorithm>

namespace estafeta::imap {

Result<const std::vector<store::Message>*> FolderRows::current(store::Mail& store, store::MailboxRef folder) {
  // The modseq is read first: a change that lands between it and the rows
  // read below is applied once more next time, which changes nothing.
  auto box = TRY(store.mailbox(folder));
  if (m_kept && box.highestmodseq == m_modseq) return &m_rows;
  if (m_kept && box.highestmodseq > m_modseq) {
    TRY(apply_changes(store, folder));
  } else {
    m_rows = TRY(store.list_messages_brief(folder));
  }
  m_modseq = box.highestmodseq;
  m_kept = m_rows.size() <= kMaxKept;
  return &m_rows;
}

Status FolderRows::apply_changes(store::Mail& store, store::MailboxRef folder) {
  auto changed = TRY(store.changed_since(folder, m_modseq));
  auto gone = TRY(store.expunged_since(folder, m_modseq));
  auto by_uid = [](const store::Message& m, std::uint32_t uid) { return m.uid < uid; };
  for (auto& m : changed) {  // ascending: arrivals go to the end
    m.blob_hash.clear();     // as list_messages_brief gives them
    auto at = std::lower_bound(m_rows.begin(), m_rows.end(), m.uid, by_uid);
    if (at != m_rows.end() && at->uid == m.uid)
      *at = std::move(m);
    else
      m_rows.insert(at, std::move(m));
  }
  // After the changes: a message changed and then expunged since is gone.
  if (!gone.empty())
    std::erase_if(m_rows, [&](const store::Message& m) { return std::binary_search(gone.begin(), gone.end(), m.uid); });
  return {};
}

}  // namespace estafeta::imap
