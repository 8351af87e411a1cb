// The part of the Store that keeps the drives (DESIGN §2.5): each user's
// own, and one per organisation that all its users share — folders and
// files, where the web app saves attachments and messages (.eml) and from
// where it attaches files or sends them as a link. The store keeps the tree,
// each file's name, type, size and how much of it has arrived; the bytes are
// files of their own (drive/piece_files.hpp), in a folder named by the drive.
//
// A caller reaches a drive only through drive_of (their own, or their
// organisation's, found from the user's row). Names are unique within a
// folder, ignoring ASCII case (as the file systems the files are saved to).
// Every other query names the drive, so an id of another drive finds nothing
// (not_found).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store {

// The drives a user reaches: their own, and their organisation's.
enum class DriveSpace { personal, organisation };

struct DriveItem {
  Id id = 0;
  Id drive_id = 0;
  Id parent_id = 0;  // 0: at the top of the drive
  bool folder = false;
  std::string name;
  std::string content_type;   // files: as given when made
  std::int64_t size = 0;      // files: declared when made
  std::int64_t received = 0;  // files: bytes stored so far, from the start
  bool ready = false;         // files: whole, readable (folders: always)
  Time created = 0;
  Time modified = 0;  // made, renamed or moved
  Time touched = 0;   // files: the last piece written
};

// What one drive may hold, checked in the same transaction as each
// new item (two at once cannot both pass).
struct DriveQuota {
  std::int64_t max_bytes = 0;         // the declared sizes of every file together
  std::int64_t max_items = 0;         // files and folders
  std::int64_t max_folder_items = 0;  // in one folder
};

struct DriveUsage {
  std::int64_t bytes = 0;  // the declared sizes of every file, those being uploaded included
  std::int64_t items = 0;  // files and folders
};

class Drive {
 public:
  virtual ~Drive() = default;

  // The drive the user reaches in that space, made on first use (its id is
  // never reused); not_found when there is no such user.
  virtual Result<Id> drive_of(Id user_id, DriveSpace space) = 0;

  // A new folder or file (nothing received yet; an empty file is ready);
  // exists when the name is taken in the folder, not_found when the parent
  // is not one of the drive's folders, over_quota past `quota`.
  virtual Result<DriveItem> create_drive_item(const DriveItem& item, const DriveQuota& quota) = 0;
  virtual Result<DriveItem> find_drive_item(Id drive_id, Id id) = 0;
  // A folder's items (0: the top), folders first, then by name.
  virtual Result<std::vector<DriveItem>> list_drive_folder(Id drive_id, Id folder_id) = 0;
  // The folders from the top down to `id` (itself included).
  virtual Result<std::vector<DriveItem>> drive_path(Id drive_id, Id id) = 0;
  // How many levels of folders are below `id` (0: none, or a file).
  virtual Result<std::int64_t> drive_height(Id drive_id, Id id) = 0;
  // Whether a name is taken in the drive's folder (ignoring ASCII case).
  virtual Result<bool> drive_name_taken(Id drive_id, Id folder_id, const std::string& name) = 0;
  // `bytes` more of a file being uploaded, written after its first
  // `offset`; the file is ready (readable) once its last byte is in, in the
  // same write. in_use when `offset` is not what has arrived, limit past
  // the file's size.
  virtual Status add_drive_received(Id drive_id, Id id, std::int64_t offset, std::int64_t bytes, Time now) = 0;
  // Renames or moves an item: exists when the name is taken there, invalid
  // into itself or a folder below it, not_found when the folder is not the drive's.
  virtual Result<DriveItem> move_drive_item(Id drive_id, Id id, Id folder_id, const std::string& name, Time now) = 0;
  // Removes an item, and a folder with all it holds; the files removed
  // (their bytes are the caller's to remove).
  virtual Result<std::vector<Id>> delete_drive_item(Id drive_id, Id id) = 0;
  virtual Result<DriveUsage> drive_usage(Id drive_id) = 0;
  // The bytes uploads under way have still to write, every drive's together.
  virtual Result<std::int64_t> drive_bytes_to_come() = 0;
  // Files not ready that nothing was written to since `abandoned`: for the
  // sweeper, which removes each (remove_abandoned_drive_file), then its bytes.
  virtual Result<std::vector<DriveItem>> abandoned_drive_files(Time abandoned) = 0;
  // Removes the file if it is still abandoned by the same rule; whether it was.
  virtual Result<bool> remove_abandoned_drive_file(Id id, Time abandoned) = 0;
  // Which of these files exist (the sweeper's check of bytes on disk).
  virtual Result<std::vector<Id>> existing_drive_files(Id drive_id, const std::vector<Id>& ids) = 0;
};

}  // namespace estafeta::store
