// Files written piece by piece: the bytes of transfer links' files
// (store/transfers.hpp) and of the drives' (store/drive.hpp), each under
// its own root as <root>/<group>/<file> — a group is a transfer, or a
// drive. Each piece is written at the offset the store
// says has arrived and flushed before the store counts it, so that what
// the store counts survives a crash.
//
// Ids are never reused (the store's AUTOINCREMENT), so bytes left behind by
// rows that are gone (their user deleted, a crash between the row's delete
// and the file's) are found and removed by the sweepers, never mixed into
// a new file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::drive {

class PieceFiles {
 public:
  // Creates the root folder (0700) when absent.
  static Result<std::unique_ptr<PieceFiles>> open(const std::filesystem::path& root);

  // Writes `bytes` at `offset` of the file, making its group's folder and
  // the file at the first piece; durable on return (the data flushed, and
  // the folder when the file is new). A file sharing its bytes (share())
  // is never written to: invalid.
  Status write(store::Id group, store::Id file, std::int64_t offset, std::string_view bytes);
  // Makes the file the same bytes as `from`'s file (a hard link when both
  // are on one file system, else a copy), durable on return. Files never
  // change once whole, so the two may share their bytes.
  Status share(const PieceFiles& from, store::Id from_group, store::Id from_file, store::Id group, store::Id file);

  // A file open for reading from its start, one piece after another.
  class Reader {
   public:
    Reader(int fd, std::filesystem::path path) : m_fd(fd), m_path(std::move(path)) {}
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    ~Reader();
    // The next at most `max` bytes; empty at the end; not_found once the
    // file was removed (reading stops there).
    Result<std::string> next(std::size_t max);
    // Reads go on from `offset` of the file.
    void seek(std::int64_t offset) { m_offset = offset; }

   private:
    int m_fd;
    std::filesystem::path m_path;  // the name it was opened by: gone or another file, reading stops
    std::int64_t m_offset = 0;
  };
  Result<std::unique_ptr<Reader>> open_reader(store::Id group, store::Id file) const;
  // A whole file, of at most `max` bytes (limit past it).
  Result<std::string> read_all(store::Id group, store::Id file, std::size_t max) const;

  // The group's folder and whatever it holds; nothing there is no error.
  Status remove(store::Id group);
  // The group's folder when it holds nothing (a file being made in it
  // keeps it); none there is no error.
  Status remove_if_empty(store::Id group);
  // One file; none there is no error.
  Status remove_file(store::Id group, store::Id file);
  // The groups that have a folder here, and the files of one.
  Result<std::vector<store::Id>> groups() const;
  Result<std::vector<store::Id>> files(store::Id group) const;
  // Bytes the file system still has for this process.
  Result<std::uint64_t> free_bytes() const;

 private:
  explicit PieceFiles(std::filesystem::path root) : m_root(std::move(root)) {}
  std::filesystem::path folder(store::Id group) const;
  std::filesystem::path path(store::Id group, store::Id file) const;
  std::filesystem::path m_root;
};

}  // namespace estafeta::drive
