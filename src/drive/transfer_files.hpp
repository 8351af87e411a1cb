// The bytes of transfer links' files (store/transfers.hpp keeps what they
// are): <root>/<transfer id>/<file id>, written piece by piece at the
// offset the store says has arrived, each piece flushed before the store
// counts it, so that what the store counts survives a crash.
//
// Ids are never reused (the store's AUTOINCREMENT), so a folder left by a
// transfer whose row is gone (its user deleted) is found and removed by
// the sweeper (drive/transfers.hpp), never mixed into a new transfer.
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

class TransferFiles {
 public:
  // Creates the root folder (0700) when absent.
  static Result<std::unique_ptr<TransferFiles>> open(const std::filesystem::path& root);

  // Writes `bytes` at `offset` of the file, making its folder and file at
  // the first piece; durable on return (the data flushed, and the folder
  // when the file is new).
  Status write(store::Id transfer, store::Id file, std::int64_t offset, std::string_view bytes);

  // A file open for reading from its start, one piece after another.
  class Reader {
   public:
    explicit Reader(int fd) : m_fd(fd) {}
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
    std::int64_t m_offset = 0;
  };
  Result<std::unique_ptr<Reader>> open_reader(store::Id transfer, store::Id file) const;

  // The transfer's folder and whatever it holds; nothing there is no error.
  Status remove(store::Id transfer);
  // The transfers that have a folder here.
  Result<std::vector<store::Id>> folders() const;
  // Bytes the file system still has for this process.
  Result<std::uint64_t> free_bytes() const;

 private:
  explicit TransferFiles(std::filesystem::path root) : m_root(std::move(root)) {}
  std::filesystem::path folder(store::Id transfer) const;
  std::filesystem::path m_root;
};

}  // namespace estafeta::drive
