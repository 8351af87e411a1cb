// The size of a message as it goes out in lines that each end in CRLF.
//
// Messages are stored as they came, and some came with bare LF line ends
// or without a line end after their last line (an IMAP APPEND, an imported
// file). POP3 sends every line with CRLF, the last one included (RFC 1939
// §3), and its sizes must be the octets it sends, byte-stuffing aside
// (RFC 1939 §5, §11): this is that size.
#pragma once

#include <cstdint>
#include <string_view>

namespace estafeta::mime {

// `bytes` with every bare LF made CRLF and, unless it is empty or ends in
// LF, a CRLF added at the end.
std::uint64_t crlf_size(std::string_view bytes);

}  // namespace estafeta::mime
