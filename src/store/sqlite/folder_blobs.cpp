#include "store/sqlite/folder_blobs.hpp"

#include <algorithm>

#include "store/sqlite/db.hpp"

namespace estafeta::store::sqlite {

namespace {

// Appends the folder's pairs from UID `from` on, ascending.
Status read_pairs(Database& db, Id mailbox_id, std::int64_t from, FolderBlobs::Folder& out) {
  auto st = TRY(db.prepare("SELECT uid, blob_id FROM message WHERE mailbox_id = ? AND uid >= ? ORDER BY uid"));
  st.bind_all(mailbox_id, from);
  while (TRY(st.step())) {
    out.uids.push_back(static_cast<std::uint32_t>(st.int64(0)));
    out.blobs.push_back(st.int64(1));
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<const FolderBlobs::Folder>> FolderBlobs::get(Database& db, Id mailbox_id, std::int64_t modseq,
                                                                    std::int64_t uidnext) {
  std::shared_ptr<const Folder> known;
  {
    std::lock_guard lock(m_mutex);
    if (auto it = m_kept.find(mailbox_id); it != m_kept.end()) {
      known = it->second.folder;
      it->second.used = ++m_clock;
    }
  }
  if (known && known->modseq == modseq) return known;
  auto now = std::make_shared<Folder>();
  now->modseq = modseq;
  now->uidnext = uidnext;
  if (known && known->modseq < modseq) {
    // What left since, then what arrived since.
    auto st = TRY(db.prepare("SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid"));
    st.bind_all(mailbox_id, known->modseq);
    std::vector<std::uint32_t> gone;
    while (TRY(st.step())) gone.push_back(static_cast<std::uint32_t>(st.int64(0)));
    if (gone.empty()) {
      now->uids = known->uids;
      now->blobs = known->blobs;
    } else {
      now->uids.reserve(known->uids.size());
      now->blobs.reserve(known->uids.size());
      auto g = gone.begin();
      for (std::size_t i = 0; i < known->uids.size(); ++i) {
        auto uid = known->uids[i];
        g = std::lower_bound(g, gone.end(), uid);
        if (g != gone.end() && *g == uid) continue;
        now->uids.push_back(uid);
        now->blobs.push_back(known->blobs[i]);
      }
    }
    TRY(read_pairs(db, mailbox_id, known->uidnext, *now));
  } else {
    // Not kept, or kept from a snapshot later than this one.
    TRY(read_pairs(db, mailbox_id, 1, *now));
  }
  keep(mailbox_id, now);
  return now;
}

void FolderBlobs::keep(Id mailbox_id, const std::shared_ptr<const Folder>& folder) {
  std::lock_guard lock(m_mutex);
  auto it = m_kept.find(mailbox_id);
  if (it != m_kept.end()) {
    if (it->second.folder->modseq >= folder->modseq) return;  // a later one is kept already
    m_pairs -= it->second.folder->uids.size();
    m_kept.erase(it);
  }
  auto size = folder->uids.size();
  if (size < m_min_messages || size > m_max_pairs) return;
  while (m_pairs + size > m_max_pairs) {
    auto oldest = std::min_element(m_kept.begin(), m_kept.end(),
                                   [](const auto& a, const auto& b) { return a.second.used < b.second.used; });
    m_pairs -= oldest->second.folder->uids.size();
    m_kept.erase(oldest);
  }
  m_kept.emplace(mailbox_id, Kept{folder, ++m_clock});
  m_pairs += size;
}

std::size_t FolderBlobs::kept_pairs() const {
  std::lock_guard lock(m_mutex);
  return m_pairs;
}

}  // namespace estafeta::store::sqlite
