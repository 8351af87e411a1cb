// The public side of transfer links (drive/transfers.hpp): /t/<secret> is
// a page listing the files with their sizes and the link's end, in the
// visitor's language (Spanish or English, by Accept-Language);
// /t/<secret>/<file id>/<name> downloads one file, streamed from disk.
//
// Nothing a sender uploads is ever rendered here: downloads are
// application/octet-stream attachments under a sandboxing CSP, names are
// HTML-escaped on the page and encoded per RFC 6266 in the header. A
// wrong, expired or incomplete link is one 404 for all.
#pragma once

#include <string_view>

#include "drive/transfers.hpp"
#include "web/message.hpp"

namespace estafeta::web {

inline constexpr std::string_view kTransferPrefix = "/t/";

bool is_transfer_page(std::string_view target);
// Blocking (store, disk): from the worker pool.
Response transfer_page(drive::TransferService& transfers, const Request& request);

}  // namespace estafeta::web
