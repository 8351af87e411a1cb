#include "web/transfer_pages.hpp"

#include <charconv>
#include <ctime>
#include <memory>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/markup.hpp"
#include "web/api/http_json.hpp"
#include "web/file_response.hpp"

namespace estafeta::web {

namespace {

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
  // A complete transfer's files never change: their ids and size name them.
  auto etag = fmt::format("\"{}-{}-{}\"", d->file.transfer_id, d->file.id, d->file.size);
  auto out = file_download(request, std::move(d->reader), d->file.size, d->file.name, etag);
  if (out.from_start) transfers.count_download(d->file.transfer_id);
  return std::move(out.response);
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
