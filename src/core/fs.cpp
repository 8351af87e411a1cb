#include "core/fs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

namespace estafeta {

namespace {

std::unexpected<Error> io_error(std::string_view what, const std::filesystem::path& path) {
  return fail(ErrorKind::temporary, "storage error",
              fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  int get() const { return m_fd; }
  int release() {
    int fd = m_fd;
    m_fd = -1;
    return fd;
  }

 private:
  int m_fd;
};

}  // namespace

Status fsync_directory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("open", dir);
  if (::fsync(fd.get()) != 0) return io_error("fsync", dir);
  return {};
}

Status write_file_durably(const std::filesystem::path& path, std::string_view bytes, unsigned mode) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto tmp = path;
  tmp += fmt::format(".tmp-{:x}", rng());
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return io_error("create", tmp);
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd.get(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto err = io_error("write", tmp);
      ::unlink(tmp.c_str());
      return err;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    auto err = io_error("fsync", tmp);
    ::unlink(tmp.c_str());
    return err;
  }
  if (::close(fd.release()) != 0) {
    auto err = io_error("close", tmp);
    ::unlink(tmp.c_str());
    return err;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = io_error("rename", tmp);
    ::unlink(tmp.c_str());
    return err;
  }
  return fsync_directory(path.parent_path().empty() ? "." : path.parent_path());
}

Result<std::string> read_file(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return fail(ErrorKind::not_found, "file not found", path.string());
    return io_error("open", path);
  }
  std::string out;
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size));
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Status make_directories(const std::filesystem::path& dir, unsigned mode) {
  if (dir.empty()) return {};
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return fail(ErrorKind::invalid, fmt::format("{} exists and is not a folder", dir.string()));
  }
  auto parent = dir.parent_path();
  if (!parent.empty() && parent != dir) TRY(make_directories(parent, mode));
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) return io_error("mkdir", dir);
  return fsync_directory(parent.empty() ? "." : parent);
}

Result<std::optional<std::string>> check_private_folder(const std::filesystem::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return io_error("stat", dir);
  }
  unsigned mode = st.st_mode & 07777;
  auto fix = fmt::format("run: chmod 700 {}", dir.string());
  if (mode & S_IWOTH)
    return fail(ErrorKind::permission,
                fmt::format("data folder {} is writable by every user (mode {:04o}); refusing to use it — {}",
                            dir.string(), mode, fix));
  if (mode & 077)
    return std::optional<std::string>(fmt::format(
        "data folder {} is open to other users (mode {:04o}): mail and keys should be the owner's alone — {}",
        dir.string(), mode, fix));
  return std::optional<std::string>();
}

}  // namespace estafeta
