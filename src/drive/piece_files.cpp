#include "drive/piece_files.hpp"

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

Error fs_error(const char* what, const std::filesystem::path& path, const std::error_code& ec) {
  return Error{ErrorKind::temporary, "storage error", fmt::format("{} {}: {}", what, path.string(), ec.message())};
}

// The numeric names in a folder: groups in the root, files in a group.
Result<std::vector<store::Id>> numbered(const std::filesystem::path& dir) {
  std::vector<store::Id> out;
  std::error_code ec;
  auto it = std::filesystem::directory_iterator(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return out;
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    auto name = it->path().filename().string();
    store::Id id = 0;
    auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (err == std::errc() && end == name.data() + name.size() && id > 0) out.push_back(id);
  }
  if (ec) return std::unexpected(fs_error("list", dir, ec));
  return out;
}

Status flush_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("open", path));
  bool ok = ::fsync(fd) == 0;
  auto e = ok ? Error{} : io_error("flush", path);
  ::close(fd);
  if (!ok) return std::unexpected(e);
  return {};
}

}  // namespace

Result<std::unique_ptr<PieceFiles>> PieceFiles::open(const std::filesystem::path& root) {
  TRY(make_directories(root));
  return std::unique_ptr<PieceFiles>(new PieceFiles(root));
}

std::filesystem::path PieceFiles::folder(store::Id group) const { return m_root / std::to_string(group); }

std::filesystem::path PieceFiles::path(store::Id group, store::Id file) const {
  return folder(group) / std::to_string(file);
}

Status PieceFiles::write(store::Id group, store::Id file, std::int64_t offset, std::string_view bytes) {
  auto dir = folder(group);
  auto target = path(group, file);
  bool fresh = offset == 0;
  if (fresh) {
    TRY(make_directories(dir));
    // A new file, never the inode a whole file shares with others (share()):
    // what an earlier try left is unlinked, not written over.
    if (::unlink(target.c_str()) != 0 && errno != ENOENT) return std::unexpected(io_error("unlink", target));
  }
  int fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC | (fresh ? O_CREAT | O_EXCL : 0), 0600);
  if (fd < 0) return std::unexpected(io_error("open", target));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_nlink != 1) {
    ::close(fd);
    return fail(ErrorKind::invalid, "the file is whole: it cannot change");
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto e = io_error("write", target);
      ::close(fd);
      return std::unexpected(e);
    }
    done += static_cast<std::size_t>(n);
  }
  // A piece sent again after a crash lost its count rewrites the same
  // place; anything beyond it (never counted) is cut off.
  if (::ftruncate(fd, static_cast<off_t>(offset + bytes.size())) != 0 || ::fdatasync(fd) != 0) {
    auto e = io_error("flush", target);
    ::close(fd);
    return std::unexpected(e);
  }
  ::close(fd);
  if (fresh) TRY(fsync_directory(dir));
  return {};
}

Status PieceFiles::share(const PieceFiles& from, store::Id from_group, store::Id from_file, store::Id group,
                         store::Id file) {
  auto source = from.path(from_group, from_file);
  auto dir = folder(group);
  auto target = path(group, file);
  TRY(make_directories(dir));
  std::error_code ec;
  std::filesystem::remove(target, ec);  // what a crash left of an earlier try
  if (::link(source.c_str(), target.c_str()) != 0) {
    if (errno == ENOENT) return fail(ErrorKind::not_found, "no such file");
    if (errno != EXDEV && errno != EPERM && errno != EMLINK) return std::unexpected(io_error("link", target));
    // Another file system (or one without hard links): a copy, flushed.
    if (!std::filesystem::copy_file(source, target, std::filesystem::copy_options::overwrite_existing, ec))
      return std::unexpected(fs_error("copy", target, ec));
    TRY(flush_file(target));
  }
  return fsync_directory(dir);
}

PieceFiles::Reader::~Reader() { ::close(m_fd); }

Result<std::string> PieceFiles::Reader::next(std::size_t max) {
  // A file removed since it was opened (its link or drive file deleted) is
  // read no further, even when another name still shares its bytes.
  struct stat opened {
  }, named{};
  if (::fstat(m_fd, &opened) == 0 &&
      (::stat(m_path.c_str(), &named) != 0 || named.st_ino != opened.st_ino || named.st_dev != opened.st_dev))
    return fail(ErrorKind::not_found, "no such file");
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

Result<std::unique_ptr<PieceFiles::Reader>> PieceFiles::open_reader(store::Id group, store::Id file) const {
  auto target = path(group, file);
  int fd = ::open(target.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return fail(ErrorKind::not_found, "no such file");
  if (fd < 0) return std::unexpected(io_error("open", target));
  return std::make_unique<Reader>(fd, target);
}

Result<std::string> PieceFiles::read_all(store::Id group, store::Id file, std::size_t max) const {
  auto reader = TRY(open_reader(group, file));
  std::string out;
  for (;;) {
    auto piece = TRY(reader->next(1u << 20));
    if (piece.empty()) return out;
    if (out.size() + piece.size() > max)
      return fail(ErrorKind::limit, fmt::format("the file is larger than {} bytes", max));
    out += piece;
  }
}

Status PieceFiles::remove(store::Id group) {
  std::error_code ec;
  std::filesystem::remove_all(folder(group), ec);
  if (ec) return std::unexpected(fs_error("remove", folder(group), ec));
  return {};
}

Status PieceFiles::remove_if_empty(store::Id group) {
  auto dir = folder(group);
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
    return std::unexpected(io_error("remove", dir));
  return {};
}

Status PieceFiles::remove_file(store::Id group, store::Id file) {
  std::error_code ec;
  std::filesystem::remove(path(group, file), ec);
  if (ec) return std::unexpected(fs_error("remove", path(group, file), ec));
  return {};
}

Result<std::vector<store::Id>> PieceFiles::groups() const { return numbered(m_root); }

Result<std::vector<store::Id>> PieceFiles::files(store::Id group) const { return numbered(folder(group)); }

Result<std::uint64_t> PieceFiles::free_bytes() const {
  struct statvfs st {};
  if (::statvfs(m_root.c_str(), &st) != 0) return std::unexpected(io_error("statvfs", m_root));
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

}  // namespace estafeta::drive
