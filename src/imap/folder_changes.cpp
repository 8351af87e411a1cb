#include "imap/folder_changes.hpp"

namespace estafeta::imap {

FolderChanges::Entries::iterator FolderChanges::locate(store::MailboxRef folder, std::uint32_t uidvalidity,
                                                       std::uint64_t since) const {
  for (auto it = m_entries.begin(); it != m_entries.end(); ++it)
    if (it->folder == folder && it->uidvalidity == uidvalidity && it->since == since) return it;
  return m_entries.end();
}

std::shared_ptr<const FolderDelta> FolderChanges::find(store::MailboxRef folder, std::uint32_t uidvalidity,
                                                       std::uint64_t since, std::uint64_t at_least) const {
  std::lock_guard lock(m_mutex);
  auto it = locate(folder, uidvalidity, since);
  if (it == m_entries.end() || it->reading || !it->delta || it->delta->box.highestmodseq < at_least) return nullptr;
  m_entries.splice(m_entries.begin(), m_entries, it);
  return it->delta;
}

Result<std::shared_ptr<FolderDelta>> FolderChanges::read_store(store::Mail& store, store::MailboxRef folder,
                                                               std::uint64_t since) {
  auto delta = std::make_shared<FolderDelta>();
  delta->since = since;
  delta->box = TRY(store.mailbox(folder));
  if (delta->box.highestmodseq > since) {
    delta->expunged = TRY(store.expunged_since(folder, since));
    delta->changed = TRY(store.changed_since(folder, since));
  }
  return delta;
}

Result<std::shared_ptr<const FolderDelta>> FolderChanges::read(store::Mail& store, store::MailboxRef folder,
                                                               std::uint32_t uidvalidity, std::uint64_t since,
                                                               std::uint64_t at_least) {
  std::unique_lock lock(m_mutex);
  for (;;) {
    auto it = locate(folder, uidvalidity, since);
    if (it == m_entries.end()) break;
    if (it->reading) {
      // Another session is reading this very delta: wait for it (as long
      // as one read takes), then look again.
      m_read_done.wait(lock);
      continue;
    }
    if (it->delta && it->delta->box.highestmodseq >= at_least) {
      m_entries.splice(m_entries.begin(), m_entries, it);
      return std::shared_ptr<const FolderDelta>(it->delta);
    }
    m_entries.erase(it);  // read before the change this caller was told of
    break;
  }
  m_entries.push_front(Entry{.folder = folder, .uidvalidity = uidvalidity, .since = since});
  lock.unlock();

  // Whatever happens, the entry stops being read and its waiters wake.
  struct Finish {
    FolderChanges& self;
    store::MailboxRef folder;
    std::uint32_t uidvalidity;
    std::uint64_t since;
    std::shared_ptr<const FolderDelta> kept;
    ~Finish() {
      std::lock_guard lock(self.m_mutex);
      auto it = self.locate(folder, uidvalidity, since);
      if (kept)
        it->delta = std::move(kept), it->reading = false;
      else
        self.m_entries.erase(it);
      // Beyond capacity, the least recently used go (never one being read).
      for (auto old = self.m_entries.end(); self.m_entries.size() > kCapacity && old != self.m_entries.begin();) {
        --old;
        if (!old->reading) old = self.m_entries.erase(old);
      }
      self.m_read_done.notify_all();
    }
  } finish{*this, folder, uidvalidity, since, nullptr};

  auto fresh = read_store(store, folder, since);
  if (!fresh) return std::unexpected(fresh.error());
  if ((*fresh)->expunged.size() + (*fresh)->changed.size() <= kMaxKeptChanges) finish.kept = *fresh;
  return std::shared_ptr<const FolderDelta>(std::move(*fresh));
}

}  // namespace estafeta::imap
