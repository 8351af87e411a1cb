// Content-addressed message files: <root>/<aa>/<bb>/<sha256 hex>.
//
// put() writes to a temporary file, fsyncs it, renames it into place and
// fsyncs the folder (core/fs): once it returns, the bytes survive a crash.
// The same bytes are stored once, however many mailboxes hold them.
// Thread-safe: concurrent put() of the same bytes converge on one file.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace estafeta::store {

class BlobStore {
 public:
  static Result<std::unique_ptr<BlobStore>> open(const std::filesystem::path& root);

  static std::string hash_of(std::string_view bytes);  // hex SHA-256

  // Stores the bytes; returns their hash. Durable on return.
  Result<std::string> put(std::string_view bytes);
  Result<std::string> get(const std::string& hash) const;
  bool contains(const std::string& hash) const;
  Status remove(const std::string& hash);
  std::filesystem::path path_of(const std::string& hash) const;

 private:
  explicit BlobStore(std::filesystem::path root) : m_root(std::move(root)) {}
  std::filesystem::path m_root;
};

}  // namespace estafeta::store
