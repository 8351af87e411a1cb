// Stored files as downloads: a transfer link's (web/transfer_pages.hpp) and
// a drive's (web/api/drive.cpp). Always an attachment of
// application/octet-stream under a sandboxing CSP, whatever the file holds:
// nothing a user uploads runs with this origin. One byte range is served
// (RFC 9110 §14), the file streamed from disk in pieces.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "drive/piece_files.hpp"
#include "web/message.hpp"

namespace estafeta::web {

// Content-Disposition with the file's name: an ASCII fallback, and the
// real one as filename* (RFC 6266 §4.3, RFC 8187).
std::string disposition(std::string_view name, std::string_view type = "attachment");

// The single byte range a request asks of a file of `size` octets (RFC
// 9110 §14.1.2: "bytes=first-last", "bytes=first-", "bytes=-suffix"):
// [first, last] within the file; nullopt to send the whole file (no Range,
// several ranges, a form not served, or If-Range naming another version
// than `etag`: the field may be ignored, §14.2); {size, size} when it
// cannot be satisfied (416).
std::optional<std::pair<std::int64_t, std::int64_t>> byte_range(const Request& request, std::int64_t size,
                                                                std::string_view etag);

struct FileDownload {
  Response response;
  bool from_start = false;  // a GET of the file's first byte on (what download counters count)
};

// The file (`size` octets, `reader` null when empty) as `request` asks for
// it: whole, one range of it (206), or 416 past its end. `etag` names this
// version of the file (files do not change: its ids and size).
FileDownload file_download(const Request& request, std::shared_ptr<drive::PieceFiles::Reader> reader, std::int64_t size,
                           std::string_view name, const std::string& etag);

}  // namespace estafeta::web
