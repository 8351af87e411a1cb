// The web app's files (web/: TypeScript built by Vite), served on the HTTP
// listeners next to the API they talk to.
//
// Two sources: the files embedded into the binary at build time
// (scripts/embed_web.py writes them, with gzip and brotli forms made once,
// into a generated source), or a folder given with `serve --web-dir`, read
// on each request, for working on the app without rebuilding the server.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace estafeta::web {

enum class ContentCoding { identity, gzip, brotli };

// The codings a client takes, from its Accept-Encoding field (RFC 9110
// §12.5.3); q=0 refuses one.
struct Accepted {
  bool gzip = false;
  bool brotli = false;
};
Accepted accepted_codings(std::string_view accept_encoding);

struct AppFile {
  std::string content_type;
  std::string etag;        // a strong validator, quoted (RFC 9110 §8.8.3)
  bool immutable = false;  // its name carries a hash of its content
  ContentCoding coding = ContentCoding::identity;
  std::string body;  // in that coding
};

class AppFiles {
 public:
  virtual ~AppFiles() = default;
  // The file at `path` ("/index.html", "/assets/index-3f2a.js") in the
  // best coding the client takes; nullopt when there is none.
  virtual std::optional<AppFile> find(std::string_view path, Accepted accepted) const = 0;
};

// The files built into this binary; nullptr when it was built without the
// app (no Node.js at build time).
std::unique_ptr<AppFiles> embedded_app();
// The files of a folder (a `vite build` output), read when asked for.
std::unique_ptr<AppFiles> app_folder(std::filesystem::path root);

// The content type by file name ("text/javascript; charset=utf-8", …).
std::string_view content_type_for(std::string_view name);

}  // namespace estafeta::web
