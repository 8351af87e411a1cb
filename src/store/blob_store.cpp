#include "store/blob_store.hpp"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/fs.hpp"
#include "core/hex.hpp"
#include "store/messages.hpp"

namespace estafeta::store {

namespace {
bool valid_hash(const std::string& hash) {
  return hash.size() == 64 && hash.find_first_not_of("0123456789abcdef") == std::string::npos;
}
}  // namespace

Result<std::unique_ptr<BlobStore>> BlobStore::open(const std::filesystem::path& root, Messages* store) {
  if (sodium_init() < 0) return fail(ErrorKind::internal, "crypto library failed to start");
  TRY(make_directories(root));
  // The folders, then one fsync of the root that holds their entries.
  bool made = false;
  for (int i = 0; i < 256; ++i) {
    auto dir = root / fmt::format("{:02x}", i);
    if (::mkdir(dir.c_str(), 0700) == 0)
      made = true;
    else if (errno != EEXIST)
      return fail(ErrorKind::temporary, "storage error",
                  fmt::format("mkdir {}: {}", dir.string(), std::strerror(errno)));
  }
  if (made) TRY(fsync_directory(root));
  return std::unique_ptr<BlobStore>(new BlobStore(root, store));
}

std::string BlobStore::hash_of(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return to_hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::filesystem::path BlobStore::path_of(const std::string& hash) const { return m_root / hash.substr(0, 2) / hash; }

Result<std::string> BlobStore::put(std::string_view bytes) {
  auto hash = hash_of(bytes);
  auto path = path_of(hash);
  // Present already: a complete file, since files appear only by rename.
  if (::access(path.c_str(), F_OK) == 0) return hash;
  TRY(write_file_durably(path, bytes, 0600));
  return hash;
}

Result<std::string> BlobStore::get(const std::string& hash) const {
  if (!valid_hash(hash)) return fail(ErrorKind::invalid, "bad blob id", hash);
  if (m_store) {
    auto small = TRY(m_store->blob_data(hash));
    if (small) return std::move(*small);
  }
  return read_file(path_of(hash));
}

bool BlobStore::contains(const std::string& hash) const {
  return valid_hash(hash) && ::access(path_of(hash).c_str(), F_OK) == 0;
}

Status BlobStore::remove(const std::string& hash) {
  if (!valid_hash(hash)) return fail(ErrorKind::invalid, "bad blob id", hash);
  auto path = path_of(hash);
  if (::unlink(path.c_str()) != 0) return fail(ErrorKind::not_found, "blob not found", path.string());
  return fsync_directory(path.parent_path());
}

}  // namespace estafeta::store
