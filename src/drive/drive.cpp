#include "drive/drive.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/log.hpp"
#include "drive/transfers.hpp"

namespace estafeta::drive {

namespace {

// An upload nothing was written to for this long is given up (the web app
// gives up on a piece after a few tries within a minute).
constexpr std::int64_t kAbandoned = 2 * 3600;
// Tries at a free name ("a (2).pdf", "a (3).pdf", …) before giving up.
constexpr int kMaxRenames = 1000;

}  // namespace

// The drive's own limits are the store's to check, with the insert.
Status DriveService::room_for(std::int64_t bytes) {
  if (bytes < 0) return fail(ErrorKind::invalid, "a file's size cannot be negative", "", "size");
  if (bytes > m_limits.max_file_bytes)
    return fail(ErrorKind::limit, fmt::format("a file in the drive is at most {} bytes", m_limits.max_file_bytes), "",
                "size");
  // What uploads under way will still write counts as used already.
  auto free = TRY(m_files.free_bytes());
  auto coming = static_cast<std::uint64_t>(TRY(m_store.drive_bytes_to_come()));
  if (free < coming + static_cast<std::uint64_t>(bytes) + m_limits.min_free_bytes)
    return fail(ErrorKind::temporary, "the server has no room for this file now; try again later");
  return {};
}

Status DriveService::depth_allows(store::Id drive, store::Id parent_id, std::int64_t levels) {
  std::int64_t depth = 0;
  if (parent_id != 0) {
    auto path = m_store.drive_path(drive, parent_id);
    if (!path && path.error().kind != ErrorKind::not_found) return std::unexpected(path.error());
    if (!path || !path->back().folder) return fail(ErrorKind::not_found, "no such folder", "", "parent");
    depth = static_cast<std::int64_t>(path->size());
  }
  if (depth + levels > m_limits.max_depth)
    return fail(ErrorKind::invalid, fmt::format("folders go at most {} deep", m_limits.max_depth), "", "parent");
  return {};
}

Result<store::Id> DriveService::drive_of(store::Id user_id, store::DriveSpace space) {
  return m_store.drive_of(user_id, space);
}

Result<store::DriveItem> DriveService::create(store::DriveItem item) {
  // A file's taken name becomes "name (2).ext"; a folder's is refused.
  auto base = item.name;
  for (int n = 2;; ++n) {
    if (!item.folder && TRY(m_store.drive_name_taken(item.drive_id, item.parent_id, item.name))) {
      if (n > kMaxRenames) return fail(ErrorKind::exists, "that name is taken in this folder", "", "name");
      item.name = numbered_name(base, n);
      if (item.name.size() > 255) return fail(ErrorKind::invalid, "a file name is longer than 255 bytes", "", "name");
      continue;
    }
    auto made = m_store.create_drive_item(item, {.max_bytes = m_limits.max_drive_bytes,
                                                 .max_items = m_limits.max_drive_items,
                                                 .max_folder_items = m_limits.max_folder_items});
    // Taken between the check and the insert: the next number.
    if (!made && made.error().kind == ErrorKind::exists && !item.folder && n <= kMaxRenames) continue;
    return made;
  }
}

Result<store::DriveItem> DriveService::make_folder(store::Id drive, store::Id parent_id, std::string_view name) {
  auto safe = TRY(safe_file_name(name));
  TRY(depth_allows(drive, parent_id, 1));
  return create({.drive_id = drive, .parent_id = parent_id, .folder = true, .name = safe, .created = m_clock.now()});
}

Result<store::DriveItem> DriveService::make_file(store::Id drive, store::Id parent_id, std::string_view name,
                                                 std::string_view content_type, std::int64_t size) {
  auto safe = TRY(safe_file_name(name));
  TRY(depth_allows(drive, parent_id, 0));
  TRY(room_for(size));
  return create({.drive_id = drive,
                 .parent_id = parent_id,
                 .name = safe,
                 .content_type = safe_content_type(content_type),
                 .size = size,
                 .created = m_clock.now()});
}

Result<store::DriveItem> DriveService::upload(store::Id drive, store::Id id, std::int64_t offset,
                                              std::string_view bytes) {
  if (bytes.size() > m_limits.max_piece)
    return fail(ErrorKind::limit, fmt::format("a piece is at most {} bytes", m_limits.max_piece));
  // The drive's own file first: another drive's id is not found, and never
  // holds that drive's upload up.
  TRY(m_store.find_drive_item(drive, id));
  auto busy = m_writing.try_lock(id);
  if (!busy) return fail(ErrorKind::in_use, "another piece of this file is being written; send one at a time");
  auto file = TRY(m_store.find_drive_item(drive, id));
  if (file.folder) return fail(ErrorKind::not_found, "no such file");
  if (file.ready) return fail(ErrorKind::invalid, "the file is whole: it cannot change");
  if (offset != file.received)
    return fail(ErrorKind::in_use, fmt::format("the upload goes on from {} bytes", file.received), "", "offset");
  auto n = static_cast<std::int64_t>(bytes.size());
  if (n > file.size - file.received)
    return fail(ErrorKind::limit, fmt::format("the file is {} bytes; this piece goes past its end", file.size));
  if (TRY(m_files.free_bytes()) < bytes.size() + m_limits.min_free_bytes)
    return fail(ErrorKind::temporary, "the server has no room for this file now; try again later");
  TRY(m_files.write(drive, id, offset, bytes));
  auto now = m_clock.now();
  TRY(m_store.add_drive_received(drive, id, offset, n, now));
  file.received += n;
  file.touched = now;
  file.ready = file.received == file.size;
  return file;
}

Status DriveService::can_add(store::Id drive, store::Id folder_id) {
  if (folder_id != 0) {
    auto folder = m_store.find_drive_item(drive, folder_id);
    if (!folder && folder.error().kind != ErrorKind::not_found) return std::unexpected(folder.error());
    if (!folder || !folder->folder) return fail(ErrorKind::not_found, "no such folder", "", "folder");
  }
  auto used = TRY(m_store.drive_usage(drive));
  if (used.items >= m_limits.max_drive_items)
    return fail(ErrorKind::over_quota,
                fmt::format("this drive holds {} files and folders, the most allowed: delete some", used.items));
  if (used.bytes >= m_limits.max_drive_bytes)
    return fail(ErrorKind::over_quota, fmt::format("this drive holds {} of {} bytes: delete some files", used.bytes,
                                                   m_limits.max_drive_bytes));
  return {};
}

Result<store::DriveItem> DriveService::add(store::Id drive, store::Id parent_id, std::string_view name,
                                           std::string_view content_type, std::string_view bytes) {
  auto size = static_cast<std::int64_t>(bytes.size());
  auto file = TRY(make_file(drive, parent_id, name, content_type, size));
  if (size == 0) return file;
  auto busy = m_writing.try_lock(file.id);  // a new id: nobody else has it
  auto written = m_files.write(drive, file.id, 0, bytes);
  if (written) written = m_store.add_drive_received(drive, file.id, 0, size, m_clock.now());
  if (!written) {
    // Nothing half made is left: the row and whatever reached the disk.
    (void)m_store.delete_drive_item(drive, file.id);
    (void)m_files.remove_file(drive, file.id);
    return std::unexpected(written.error());
  }
  file.received = size;
  file.ready = true;
  return file;
}

Result<store::DriveItem> DriveService::find(store::Id drive, store::Id id) {
  return m_store.find_drive_item(drive, id);
}

Result<Listing> DriveService::list(store::Id drive, store::Id folder_id) {
  Listing out;
  if (folder_id != 0) {
    out.path = TRY(m_store.drive_path(drive, folder_id));
    if (!out.path.back().folder) return fail(ErrorKind::not_found, "no such folder");
  }
  out.items = TRY(m_store.list_drive_folder(drive, folder_id));
  return out;
}

Result<store::DriveItem> DriveService::move(store::Id drive, store::Id id, std::optional<store::Id> parent_id,
                                            std::optional<std::string_view> name) {
  auto item = TRY(m_store.find_drive_item(drive, id));
  auto to = parent_id.value_or(item.parent_id);
  auto new_name = name ? TRY(safe_file_name(*name)) : item.name;
  if (to != item.parent_id) {
    if (item.folder && to != 0)
      for (auto& above : TRY(m_store.drive_path(drive, to)))
        if (above.id == id) return fail(ErrorKind::invalid, "a folder cannot go into itself", "", "parent");
    auto levels = item.folder ? 1 + TRY(m_store.drive_height(drive, id)) : 0;
    TRY(depth_allows(drive, to, levels));
  }
  return m_store.move_drive_item(drive, id, to, new_name, m_clock.now());
}

Status DriveService::remove(store::Id drive, store::Id id) {
  auto item = TRY(m_store.find_drive_item(drive, id));
  IdLocks::Guard busy;
  if (!item.folder) {
    busy = m_writing.try_lock(id);
    if (!busy) return fail(ErrorKind::in_use, "a piece of this file is being written; try again");
  }
  auto gone = TRY(m_store.delete_drive_item(drive, id));
  // The rows went first: bytes a crash leaves now are the sweeper's.
  for (auto file : gone) TRY(m_files.remove_file(drive, file));
  return {};
}

Result<store::DriveUsage> DriveService::usage(store::Id drive) { return m_store.drive_usage(drive); }

Result<DriveDownload> DriveService::open(store::Id drive, store::Id id) {
  auto file = TRY(m_store.find_drive_item(drive, id));
  if (file.folder) return fail(ErrorKind::not_found, "no such file");
  if (!file.ready) return fail(ErrorKind::not_found, "the file has not arrived whole yet");
  DriveDownload out{file, nullptr};
  if (file.size > 0) out.reader = TRY(m_files.open_reader(drive, id));
  return out;
}

Result<std::string> DriveService::read(store::Id drive, store::Id id, std::size_t max) {
  auto file = TRY(m_store.find_drive_item(drive, id));
  if (file.folder) return fail(ErrorKind::not_found, "no such file");
  if (!file.ready) return fail(ErrorKind::not_found, "the file has not arrived whole yet");
  if (static_cast<std::uint64_t>(file.size) > max)
    return fail(ErrorKind::limit, fmt::format("the file is larger than {} bytes", max));
  if (file.size == 0) return std::string();
  return m_files.read_all(drive, id, max);
}

Result<std::size_t> DriveService::sweep() {
  auto abandoned = m_clock.now() - kAbandoned;
  std::size_t gone = 0;
  for (auto& file : TRY(m_store.abandoned_drive_files(abandoned))) {
    auto busy = m_writing.try_lock(file.id);
    if (!busy) continue;
    // Still abandoned (not written to since the list was read).
    if (!TRY(m_store.remove_abandoned_drive_file(file.id, abandoned))) continue;
    TRY(m_files.remove_file(file.drive_id, file.id));
    ++gone;
  }
  // Bytes whose row is gone: deleted while the process stopped, or with
  // their drive (a user or an organisation deleted).
  for (auto drive : TRY(m_files.groups())) {
    auto on_disk = TRY(m_files.files(drive));
    auto kept = TRY(m_store.existing_drive_files(drive, on_disk));
    std::set<store::Id> known(kept.begin(), kept.end());
    for (auto file : on_disk) {
      if (known.contains(file)) continue;
      auto busy = m_writing.try_lock(file);
      if (!busy) continue;
      TRY(m_files.remove_file(drive, file));
      ++gone;
    }
    // A folder left empty goes; one a new file is being written into stays.
    if (kept.empty()) TRY(m_files.remove_if_empty(drive));
  }
  if (gone) log::info("drive.swept", {{"files", gone}});
  return gone;
}

}  // namespace estafeta::drive
