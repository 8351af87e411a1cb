#include "web/file_response.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "core/ascii.hpp"

namespace estafeta::web {

namespace {

constexpr std::size_t kPiece = 256 * 1024;

}  // namespace

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

std::string disposition(std::string_view name, std::string_view type) {
  std::string ascii, encoded;
  for (unsigned char c : name) {
    ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    if (std::isalnum(c) || std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos)
      encoded += static_cast<char>(c);
    else
      encoded += fmt::format("%{:02X}", c);
  }
  return fmt::format("{}; filename=\"{}\"; filename*=UTF-8''{}", type, ascii, encoded);
}

FileDownload file_download(const Request& request, std::shared_ptr<drive::PieceFiles::Reader> reader, std::int64_t size,
                           std::string_view name, const std::string& etag) {
  FileDownload out;
  auto& r = out.response;
  r.content_type = "application/octet-stream";
  r.headers["content-disposition"] = disposition(name);
  r.headers["content-security-policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'";
  r.headers["cache-control"] = "private, no-store";
  r.headers["referrer-policy"] = "no-referrer";
  r.headers["x-content-type-options"] = "nosniff";
  r.headers["etag"] = etag;
  r.headers["accept-ranges"] = "bytes";
  bool get = request.method == "GET";
  if (!reader) {  // an empty file
    out.from_start = get;
    return out;
  }
  std::int64_t first = 0, length = size;
  if (auto range = byte_range(request, size, etag)) {
    if (range->first >= size) {
      r.status = 416;  // RFC 9110 §15.5.17
      r.headers["content-range"] = fmt::format("bytes */{}", size);
      r.content_type = "text/plain; charset=utf-8";
      r.body = "range not satisfiable\n";
      return out;
    }
    first = range->first;
    length = range->second - range->first + 1;
    r.status = 206;
    r.headers["content-range"] = fmt::format("bytes {}-{}/{}", range->first, range->second, size);
    reader->seek(first);
  }
  out.from_start = first == 0 && get;
  r.stream_length = static_cast<std::uint64_t>(length);
  auto left = std::make_shared<std::int64_t>(length);
  r.stream = [reader = std::move(reader), left]() -> std::optional<std::string> {
    if (*left <= 0) return std::string();
    auto piece = reader->next(static_cast<std::size_t>(std::min<std::int64_t>(*left, kPiece)));
    // A file shorter than its record (damaged): the download ends incomplete.
    if (!piece || piece->empty()) return std::nullopt;
    *left -= static_cast<std::int64_t>(piece->size());
    return std::move(*piece);
  };
  return out;
}

}  // namespace estafeta::web
