#include "web/transfer_pages.hpp"

#include <charconv>
#include <ctime>
#include <memory>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/markup.hpp"
#include "web/api/http_json.hpp"

namespace estafeta::web {

namespace {

constexpr std::size_t kPiece = 256 * 1024;

// RFC 3986 unreserved characters stay; every other octet is %XX.
std::string percent_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

// RFC 6266 §4.3: an ASCII fallback name, and the real one as filename*.
std::string disposition(std::string_view name) {
  std::string ascii;
  for (unsigned char c : name) ascii += (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '_' : static_cast<char>(c);
  return fmt::format("attachment; filename=\"{}\"; filename*=UTF-8''{}", ascii, percent_encode(name));
}

bool spanish(const Request& r) {
  auto it = r.headers.find("accept-language");
  if (it == r.headers.end()) return false;
  // The first language named is the visitor's first choice.
  return ascii_lower(it->second).starts_with("es");
}

std::string size_text(std::int64_t n, bool es) {
  const char* units[] = {"B", "KB", "MB", "GB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 3) v /= 1000, ++u;
  auto text = u == 0 ? fmt::format("{} {}", n, units[0]) : fmt::format("{:.1f} {}", v, units[u]);
  if (es)
    for (auto& c : text)
      if (c == '.') c = ',';
  return text;
}

std::string date_text(std::int64_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

Response not_found(bool es) {
  Response r;
  r.status = 404;
  r.content_type = "text/plain; charset=utf-8";
  r.body = es ? "Este enlace no existe o ha caducado.\n" : "This link does not exist, or it has expired.\n";
  r.headers["cache-control"] = "no-store";
  r.headers["x-content-type-options"] = "nosniff";
  return r;
}

Response page(const store::Transfer& t, std::string_view token, bool es) {
  std::string rows;
  for (auto& f : t.files)
    rows += fmt::format("<li><a href=\"/t/{}/{}/{}\" download>{}</a> <span>{}</span></li>\n", escape_html(token), f.id,
                        percent_encode(f.name), escape_html(f.name), size_text(f.size, es));
  auto title = es ? "Archivos compartidos contigo" : "Files shared with you";
  auto until = es ? "Disponibles hasta el" : "Available until";
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = fmt::format(
      "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"robots\" content=\"noindex\"><title>{}</title>"
      "<style>body{{font:16px system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1d2330}}"
      "li{{margin:.6rem 0}}span{{color:#5b6474;margin-left:.5rem}}a{{color:#1f5fbf}}"
      "@media (prefers-color-scheme:dark){{body{{background:#15181e;color:#e6e9ef}}a{{color:#8ab4ff}}"
      "span{{color:#a8b0bd}}}}</style></head>\n"
      "<body><h1>{}</h1>\n<ul>\n{}</ul>\n<p>{} {}.</p></body></html>\n",
      es ? "es" : "en", title, title, rows, until, date_text(t.expires));
  // No script, no frame, nothing fetched but this page's own links.
  r.headers["content-security-policy"] =
      "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  r.headers["cache-control"] = "no-store";
  r.headers["referrer-policy"] = "no-referrer";
  r.headers["x-content-type-options"] = "nosniff";
  return r;
}

// A single byte range of a file of `size` octets (RFC 9110 §14.1.2:
// "bytes=first-last", "bytes=first-", "bytes=-suffix"): [first, last];
// nullopt to send the whole file (no Range, several ranges, or a form we do
// not serve: the field may be ignored, §14.2); {size, size} when it
// cannot be satisfied.
std::optional<std::pair<std::int64_t, std::int64_t>> byte_range(const Request& r, std::int64_t size,
                                                                std::string_view etag) {
  auto it = r.headers.find("range");
  if (it == r.headers.end() || size <= 0) return std::nullopt;
  // If-Range names another version (§13.1.5): the whole file.
  if (auto ir = r.headers.find("if-range"); ir != r.headers.end() && ir->second != etag) return std::nullopt;
  std::string_view v = it->second;
  if (!ascii_lower(v.substr(0, 6)).starts_with("bytes=") || v.find(',') != std::string_view::npos) return std::nullopt;
  v.remove_prefix(6);
  auto dash = v.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view s) -> std::optional<std::int64_t> {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || n < 0) return std::nullopt;
    return n;
  };
  auto first_text = v.substr(0, dash), last_text = v.substr(dash + 1);
  if (first_text.empty()) {  // the last N octets
    auto suffix = number(last_text);
    if (!suffix) return std::nullopt;
    if (*suffix == 0) return std::pair{size, size};
    return std::pair{std::max<std::int64_t>(0, size - *suffix), size - 1};
  }
  auto first = number(first_text);
  if (!first) return std::nullopt;
  if (*first >= size) return std::pair{size, size};
  auto last = last_text.empty() ? std::optional<std::int64_t>(size - 1) : number(last_text);
  if (!last || *last < *first) return std::nullopt;
  return std::pair{*first, std::min(*last, size - 1)};
}

Response download(drive::TransferService& transfers, const Request& request, std::string_view token, store::Id file,
                  bool es) {
  auto d = transfers.download(token, file);
  if (!d && d.error().kind == ErrorKind::not_found) return not_found(es);
  if (!d) {
    Response r;
    r.status = 503;
    r.body = "the file cannot be read now; try again later\n";
    return r;
  }
  Response r;
  r.content_type = "application/octet-stream";
  r.headers["content-disposition"] = disposition(d->file.name);
  r.headers["content-security-policy"] = "sandbox; default-src 'none'";
  r.headers["cache-control"] = "private, no-store";
  r.headers["referrer-policy"] = "no-referrer";
  r.headers["x-content-type-options"] = "nosniff";
  // A complete transfer's files never change: their ids and size name them.
  auto etag = fmt::format("\"{}-{}-{}\"", d->file.transfer_id, d->file.id, d->file.size);
  r.headers["etag"] = etag;
  r.headers["accept-ranges"] = "bytes";
  if (!d->reader) {  // an empty file
    if (request.method == "GET") transfers.count_download(d->file.transfer_id);
    return r;
  }
  std::int64_t first = 0, length = d->file.size;
  if (auto range = byte_range(request, d->file.size, etag)) {
    if (range->first >= d->file.size) {
      r.status = 416;  // RFC 9110 §15.5.17
      r.headers["content-range"] = fmt::format("bytes */{}", d->file.size);
      r.content_type = "text/plain; charset=utf-8";
      r.body = "range not satisfiable\n";
      return r;
    }
    first = range->first;
    length = range->second - range->first + 1;
    r.status = 206;
    r.headers["content-range"] = fmt::format("bytes {}-{}/{}", range->first, range->second, d->file.size);
    d->reader->seek(first);
  }
  if (first == 0 && request.method == "GET") transfers.count_download(d->file.transfer_id);
  r.stream_length = static_cast<std::uint64_t>(length);
  auto left = std::make_shared<std::int64_t>(length);
  r.stream = [reader = d->reader, left]() -> std::optional<std::string> {
    if (*left <= 0) return std::string();
    auto piece = reader->next(static_cast<std::size_t>(std::min<std::int64_t>(*left, kPiece)));
    // A file shorter than its record (damaged): the download ends incomplete.
    if (!piece || piece->empty()) return std::nullopt;
    *left -= static_cast<std::int64_t>(piece->size());
    return std::move(*piece);
  };
  return r;
}

}  // namespace

bool is_transfer_page(std::string_view target) { return api::path_of(target).starts_with(kTransferPrefix); }

Response transfer_page(drive::TransferService& transfers, const Request& request) {
  bool es = spanish(request);
  if (request.method != "GET" && request.method != "HEAD") {
    Response r;
    r.status = 405;
    r.body = "method not allowed\n";
    r.headers["allow"] = "GET, HEAD";
    return r;
  }
  // /t/<token>  or  /t/<token>/<file id>/<name>
  auto rest = api::path_of(request.target).substr(kTransferPrefix.size());
  auto slash = rest.find('/');
  auto token = rest.substr(0, slash);
  if (slash == std::string_view::npos) {
    auto t = transfers.by_token(token);
    if (!t) return not_found(es);
    return page(*t, token, es);
  }
  auto after = rest.substr(slash + 1);
  auto id_text = after.substr(0, after.find('/'));
  store::Id file = 0;
  auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), file);
  if (ec != std::errc() || end != id_text.data() + id_text.size() || file <= 0) return not_found(es);
  return download(transfers, request, token, file, es);
}

}  // namespace estafeta::web
