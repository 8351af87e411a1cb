// The table scripts/embed_web.py generates (app_files_embedded.cpp in the
// build folder): every file of the built app with its precompressed forms.
#pragma once

#include <span>
#include <string_view>

namespace estafeta::web::embedded {

struct File {
  std::string_view path;  // "/index.html", "/assets/index-3f2a9c.js"
  std::string_view etag;  // quoted
  bool immutable;
  std::string_view identity;
  std::string_view gzip;    // empty when compression does not pay
  std::string_view brotli;  // likewise
};

// Empty when the binary was built without the app.
std::span<const File> files();

}  // namespace estafeta::web::embedded
