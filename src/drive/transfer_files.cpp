#include "drive/transfer_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "core/fs.hpp"

namespace estafeta::drive {

namespace {

Error io_error(const char* what, const std::filesystem::path& path) {
  return Error{ErrorKind::temporary, "storage error",
               fmt::format("{} {}: {}", what, path.string(), std::strerror(errno))};
}

}  // namespace

Result<std::unique_ptr<TransferFiles>> TransferFiles::open(const std::filesystem::path& root) {
  TRY(make_directories(root));
  return std::unique_ptr<TransferFiles>(new TransferFiles(root));
}

std::filesystem::path TransferFiles::folder(store::Id transfer) const { return m_root / std::to_string(transfer); }

Status TransferFiles::write(store::Id transfer, store::Id file, std::int64_t offset, std::string_view bytes) {
  auto dir = folder(transfer);
  auto path = dir / std::to_string(file);
  bool fresh = offset == 0;
  if (fresh) TRY(make_directories(dir));
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | (fresh ? O_CREAT : 0), 0600);
  if (fd < 0) return std::unexpected(io_error("open", path));
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto e = io_error("write", path);
      ::close(fd);
      return std::unexpected(e);
    }
    done += static_cast<std::size_t>(n);
  }
  // A piece sent again after a crash lost its count rewrites the same
  // place; anything beyond it (never counted) is cut off.
  if (::ftruncate(fd, static_cast<off_t>(offset + bytes.size())) != 0 || ::fdatasync(fd) != 0) {
    auto e = io_error("flush", path);
    ::close(fd);
    return std::unexpected(e);
  }
  ::close(fd);
  if (fresh) TRY(fsync_directory(dir));
  return {};
}

TransferFiles::Reader::~Reader() { ::close(m_fd); }

Result<std::string> TransferFiles::Reader::next(std::size_t max) {
  // A file removed since it was opened (its link deleted) is read no further.
  struct stat st {};
  if (::fstat(m_fd, &st) == 0 && st.st_nlink == 0) return fail(ErrorKind::not_found, "no such file");
  std::string out(max, '\0');
  for (;;) {
    auto n = ::pread(m_fd, out.data(), max, static_cast<off_t>(m_offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorKind::temporary, "storage error", std::strerror(errno));
    out.resize(static_cast<std::size_t>(n));
    m_offset += n;
    return out;
  }
}

Result<std::unique_ptr<TransferFiles::Reader>> TransferFiles::open_reader(store::Id transfer, store::Id file) const {
  auto path = folder(transfer) / std::to_string(file);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return fail(ErrorKind::not_found, "no such file");
  if (fd < 0) return std::unexpected(io_error("open", path));
  return std::make_unique<Reader>(fd);
}

Status TransferFiles::remove(store::Id transfer) {
  std::error_code ec;
  std::filesystem::remove_all(folder(transfer), ec);
  if (ec)
    return fail(ErrorKind::temporary, "storage error",
                fmt::format("remove {}: {}", folder(transfer).string(), ec.message()));
  return {};
}

Result<std::vector<store::Id>> TransferFiles::folders() const {
  std::vector<store::Id> out;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(m_root, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    auto name = it->path().filename().string();
    store::Id id = 0;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (err == std::errc() && end == name.data() + name.size() && id > 0) out.push_back(id);
  }
  if (ec) return fail(ErrorKind::temporary, "storage error", fmt::format("list {}: {}", m_root.string(), ec.message()));
  return out;
}

Result<std::uint64_t> TransferFiles::free_bytes() const {
  struct statvfs st {};
  if (::statvfs(m_root.c_str(), &st) != 0) return std::unexpected(io_error("statvfs", m_root));
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

}  // namespace estafeta::drive
