// Message bytes, addressed by their SHA-256.
//
// Small messages (up to kInlineLimit) are kept in the database, in the same
// transaction as the rows that refer to them (Deliverer, Queue::
// accept_message): one fsync of the WAL makes a whole group of them durable,
// where a file each costs an inode, the file's fsync and its folder's fsync —
// on this kind of machine three quarters of a delivery. SQLite's own
// measurements ("Internal Versus External BLOBs") find reads of blobs under
// ~100 KB faster from the database than from files, too. Larger messages are
// content-addressed files: <root>/<aa>/<sha256 hex>. get() finds either.
//
// The 256 folders are made (and made durable) when the store opens, so put()
// never creates one: it writes a temporary file, fsyncs it, renames it into
// place and fsyncs the folder (core/fs) — two fsyncs, and once it returns
// the bytes survive a crash. One level is enough: ext4 indexes large folders,
// and a million messages make ~4,000 files per folder.
// The same bytes are stored once, however many mailboxes hold them.
// Thread-safe: concurrent put() of the same bytes converge on one file.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace estafeta::store {

class Messages;

class BlobStore {
 public:
  // Messages of at most this many bytes are kept in the database.
  static constexpr std::size_t kInlineLimit = 64 * 1024;

  // `store`: where the small messages are (may be null in tools that only
  // handle files); it must outlive the BlobStore.
  static Result<std::unique_ptr<BlobStore>> open(const std::filesystem::path& root, Messages* store = nullptr);

  static std::string hash_of(std::string_view bytes);  // hex SHA-256

  // Stores the bytes in a file; returns their hash. Durable on return.
  Result<std::string> put(std::string_view bytes);
  // The bytes, from the database or from their file.
  Result<std::string> get(const std::string& hash) const;
  bool contains(const std::string& hash) const;  // a file holds them
  Status remove(const std::string& hash);
  std::filesystem::path path_of(const std::string& hash) const;

 private:
  BlobStore(std::filesystem::path root, Messages* store) : m_root(std::move(root)), m_store(store) {}
  std::filesystem::path m_root;
  Messages* m_store;
};

}  // namespace estafeta::store
