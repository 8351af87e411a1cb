// The drives (DESIGN §2.5): each user's own, and their organisation's that
// all its users share — folders and files, where the web app saves
// attachments and whole messages (.eml), from where it attaches files to a
// message or sends them as a transfer link, and where an .eml opens as a
// message.
//
// A file is uploaded piece by piece (as a transfer link's) and becomes
// readable when its last byte has arrived; a file saved from mail arrives
// whole. Names are made safe as for a download (safe_file_name) and unique
// in their folder ignoring ASCII case: a new file whose name is taken is
// called "name (2).ext"; a folder, a rename or a move onto a taken name is
// refused (exists).
//
// Bounded: bytes and items per drive, bytes per file, folders' depth, bytes
// per piece, disk kept free; one piece of a file written at a time.
// Authorization: a caller reaches a drive through drive_of (the user's own,
// or the organisation's the user is in); every other call names that drive,
// and the store scopes it by the drive: an id of another drive is not found.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/id_locks.hpp"
#include "core/result.hpp"
#include "drive/piece_files.hpp"
#include "store/drive.hpp"

namespace estafeta::drive {

struct DriveLimits {
  std::int64_t max_drive_bytes = 10LL << 30;  // a drive's files together, uploads under way included
  std::int64_t max_drive_items = 100000;      // a drive's files and folders
  std::int64_t max_folder_items = 10000;      // in one folder (what one listing shows)
  std::int64_t max_file_bytes = 3LL << 30;    // one file
  std::int64_t max_depth = 32;                // folders within folders (the top's are at 1)
  std::size_t max_piece = 8u << 20;           // bytes one upload request carries
  // A file is refused (for now) unless the disk keeps this much free beside
  // it: mail and the database need room more than the drive does.
  std::uint64_t min_free_bytes = 1ULL << 30;
};

// A folder's content and where it is.
struct Listing {
  std::vector<store::DriveItem> path;  // from the top down to the folder itself; empty at the top
  std::vector<store::DriveItem> items;
};

// A ready file, open for reading from its start.
struct DriveDownload {
  store::DriveItem file;
  std::shared_ptr<PieceFiles::Reader> reader;  // null for an empty file
};

class DriveService {
 public:
  DriveService(store::Drive& store, PieceFiles& files, const Clock& clock, DriveLimits limits = {})
      : m_store(store), m_files(files), m_clock(clock), m_limits(limits) {}

  const DriveLimits& limits() const { return m_limits; }
  // The bytes on disk, for sharing a ready file (TransferService::create_shared):
  // a drive's file is the file `id` of group `drive id`.
  const PieceFiles& files() const { return m_files; }

  // The drive the user reaches in that space (made on first use): the id
  // every other call takes.
  Result<store::Id> drive_of(store::Id user_id, store::DriveSpace space);

  Result<store::DriveItem> make_folder(store::Id drive, store::Id parent_id, std::string_view name);
  // A file to upload piece by piece (an empty one is ready at once).
  Result<store::DriveItem> make_file(store::Id drive, store::Id parent_id, std::string_view name,
                                     std::string_view content_type, std::int64_t size);
  // Stores a piece of a file at `offset` (what has arrived so far); the file
  // as it stands after it (ready once whole). in_use when `offset` is not
  // that (the error says where to go on) or another piece of the file is
  // being written.
  Result<store::DriveItem> upload(store::Id drive, store::Id id, std::int64_t offset, std::string_view bytes);
  // Whether a file may be added to the folder now (it is the drive's, the
  // drive is not full): checked before reading what would go in.
  Status can_add(store::Id drive, store::Id folder_id);
  // A whole file at once (an attachment or a message saved from mail).
  Result<store::DriveItem> add(store::Id drive, store::Id parent_id, std::string_view name,
                               std::string_view content_type, std::string_view bytes);

  Result<store::DriveItem> find(store::Id drive, store::Id id);
  // A folder (0: the top) and where it is.
  Result<Listing> list(store::Id drive, store::Id folder_id);
  // Renames and/or moves an item (nullopt: keeps that).
  Result<store::DriveItem> move(store::Id drive, store::Id id, std::optional<store::Id> parent_id,
                                std::optional<std::string_view> name);
  // Removes an item, a folder with all it holds.
  Status remove(store::Id drive, store::Id id);
  Result<store::DriveUsage> usage(store::Id drive);

  // A ready file, open for reading.
  Result<DriveDownload> open(store::Id drive, store::Id id);
  // A ready file's bytes, when it has at most `max` (limit otherwise).
  Result<std::string> read(store::Id drive, store::Id id, std::size_t max);

  // Removes uploads not written to for two hours, and bytes on disk whose
  // file is gone (a crash between the two deletes, a deleted user or organisation); how
  // many files went.
  Result<std::size_t> sweep();

 private:
  Result<store::DriveItem> create(store::DriveItem item);
  Status room_for(std::int64_t bytes);
  // Whether `levels` of folders (0 for a file) fit below `parent_id`.
  Status depth_allows(store::Id drive, store::Id parent_id, std::int64_t levels);

  store::Drive& m_store;
  PieceFiles& m_files;
  const Clock& m_clock;
  DriveLimits m_limits;
  IdLocks m_writing;  // files with a piece being written
};

}  // namespace estafeta::drive
