#include "web/app_files.hpp"

#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <system_error>

#include "core/ascii.hpp"
#include "core/hex.hpp"
#include "web/app_files_embedded.hpp"

namespace estafeta::web {

namespace {

// A file the app's build writes is far smaller; a larger one in a
// --web-dir folder is not served rather than read whole into memory.
constexpr std::uintmax_t kMaxFolderFile = 32 * 1024 * 1024;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a coding's list item allows it: no q, or q above zero.
bool allowed(std::string_view params) {
  for (std::string_view rest = params; !rest.empty();) {
    auto semi = rest.find(';');
    auto p = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      auto q = p.substr(2);
      return !(q == "0" || (q.starts_with("0.") && q.find_first_not_of("0", 2) == std::string_view::npos));
    }
  }
  return true;
}

class EmbeddedApp final : public AppFiles {
 public:
  std::optional<AppFile> find(std::string_view path, Accepted accepted) const override {
    auto files = embedded::files();
    auto it = std::find_if(files.begin(), files.end(), [&](const embedded::File& f) { return f.path == path; });
    if (it == files.end()) return std::nullopt;
    AppFile out{
        .content_type = std::string(content_type_for(path)), .etag = std::string(it->etag), .immutable = it->immutable};
    if (accepted.brotli && !it->brotli.empty()) {
      out.coding = ContentCoding::brotli;
      out.body = it->brotli;
    } else if (accepted.gzip && !it->gzip.empty()) {
      out.coding = ContentCoding::gzip;
      out.body = it->gzip;
    } else {
      out.body = it->identity;
    }
    return out;
  }
};

// Names under the folder: segments of letters, digits and "._-@~+", none
// of them "." or "..", so no path leaves the folder or names a hidden file.
bool safe_path(std::string_view path) {
  if (path.size() < 2 || path.front() != '/' || path.size() > 512) return false;
  for (std::string_view rest = path.substr(1); !rest.empty();) {
    auto slash = rest.find('/');
    auto seg = rest.substr(0, slash);
    if (seg.empty() || seg.front() == '.') return false;
    for (unsigned char c : seg)
      if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@' || c == '~' || c == '+')) return false;
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  return path.back() != '/';
}

class FolderApp final : public AppFiles {
 public:
  explicit FolderApp(std::filesystem::path root) : m_root(std::move(root)) {}

  std::optional<AppFile> find(std::string_view path, Accepted) const override {
    if (!safe_path(path)) return std::nullopt;
    auto file = m_root / std::filesystem::path(path.substr(1));
    std::error_code ec;
    auto status = std::filesystem::symlink_status(file, ec);
    if (ec || !std::filesystem::is_regular_file(status)) return std::nullopt;
    auto size = std::filesystem::file_size(file, ec);
    if (ec || size > kMaxFolderFile) return std::nullopt;
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    AppFile out{.content_type = std::string(content_type_for(path)), .immutable = path.starts_with("/assets/")};
    out.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return std::nullopt;
    unsigned char hash[16];
    crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(out.body.data()), out.body.size(),
                       nullptr, 0);
    out.etag = "\"" + to_hex(std::string_view(reinterpret_cast<const char*>(hash), sizeof hash)) + "\"";
    return out;
  }

 private:
  std::filesystem::path m_root;
};

}  // namespace

Accepted accepted_codings(std::string_view field) {
  Accepted a;
  for (std::string_view rest = field; !rest.empty();) {
    auto comma = rest.find(',');
    auto item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    auto semi = item.find(';');
    auto name = ascii_lower(trim(item.substr(0, semi)));
    bool ok = allowed(semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1));
    if (name == "gzip" || name == "x-gzip") a.gzip = ok;
    if (name == "br") a.brotli = ok;
  }
  return a;
}

std::string_view content_type_for(std::string_view name) {
  auto dot = name.rfind('.');
  auto ext = dot == std::string_view::npos ? std::string() : ascii_lower(name.substr(dot + 1));
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/vnd.microsoft.icon"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"txt", "text/plain; charset=utf-8"},
      {"wasm", "application/wasm"},
  };
  for (auto& [e, type] : kTypes)
    if (e == ext) return type;
  return "application/octet-stream";
}

std::unique_ptr<AppFiles> embedded_app() {
  if (embedded::files().empty()) return nullptr;
  return std::make_unique<EmbeddedApp>();
}

std::unique_ptr<AppFiles> app_folder(std::filesystem::path root) {
  return std::make_unique<FolderApp>(std::move(root));
}

}  // namespace estafeta::web
