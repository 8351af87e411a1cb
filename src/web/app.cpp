#include "web/app.hpp"

#include <string>

#include "web/api/http_json.hpp"

namespace estafeta::web {

namespace {

Response not_found() {
  Response r;
  r.status = 404;
  r.body = "not found\n";
  r.headers["x-content-type-options"] = "nosniff";
  return r;
}

// A representation's strong validator: the content's, marked by coding
// (RFC 9110 §8.8.3: the coded forms are different representations).
std::string etag_of(const AppFile& file) {
  std::string tag = file.etag;
  if (tag.size() < 2) return tag;
  if (file.coding == ContentCoding::gzip) tag.insert(tag.size() - 1, "-gz");
  if (file.coding == ContentCoding::brotli) tag.insert(tag.size() - 1, "-br");
  return tag;
}

// RFC 9110 §13.1.2: "*" or a list of entity tags, compared weakly.
bool none_match(std::string_view field, std::string_view etag) {
  auto strip = [](std::string_view t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (t.starts_with("W/")) t.remove_prefix(2);
    return t;
  };
  for (std::string_view rest = field; !rest.empty();) {
    auto comma = rest.find(',');
    auto tag = strip(rest.substr(0, comma));
    if (tag == "*" || tag == strip(etag)) return true;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return false;
}

std::string_view header(const Request& request, const char* name) {
  auto it = request.headers.find(name);
  return it == request.headers.end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace

Response serve_app(const AppFiles& files, const Request& request) {
  // The app's files are only read; no other method names anything here.
  if (request.method != "GET" && request.method != "HEAD") return not_found();
  std::string path(api::path_of(request.target));
  if (path == "/") path = "/index.html";
  auto accepted = accepted_codings(header(request, "accept-encoding"));
  auto file = files.find(path, accepted);
  if (!file) {
    // A file that is not there is a 404; any other path is one of the
    // app's own pages, which index.html shows.
    auto last = path.substr(path.rfind('/') + 1);
    if (path.starts_with("/assets/") || last.find('.') != std::string::npos) return not_found();
    file = files.find("/index.html", accepted);
    if (!file) return not_found();
  }

  Response r;
  r.content_type = file->content_type;
  auto etag = etag_of(*file);
  r.headers["etag"] = etag;
  r.headers["vary"] = "Accept-Encoding";
  r.headers["cache-control"] = file->immutable ? "public, max-age=31536000, immutable" : "no-cache";
  r.headers["x-content-type-options"] = "nosniff";
  r.headers["referrer-policy"] = "no-referrer";
  r.headers["cross-origin-opener-policy"] = "same-origin";
  r.headers["cross-origin-resource-policy"] = "same-origin";
  r.headers["content-security-policy"] = std::string(kAppPolicy);
  r.headers["x-frame-options"] = "DENY";
  r.headers["permissions-policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
  if (file->coding == ContentCoding::gzip) r.headers["content-encoding"] = "gzip";
  if (file->coding == ContentCoding::brotli) r.headers["content-encoding"] = "br";
  if (auto inm = header(request, "if-none-match"); !inm.empty() && none_match(inm, etag)) {
    r.status = 304;
    r.headers.erase("content-encoding");
    return r;
  }
  r.body = std::move(file->body);
  return r;
}

}  // namespace estafeta::web
