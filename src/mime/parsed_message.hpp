// What the store keeps about a message's content, computed once at delivery.
//
// `parse_message` reads the raw RFC 5322 bytes (our own boundary scanner for
// exact offsets, GMime for field values, charsets and transfer encodings)
// and returns:
//  - the message's structure (structure.hpp): its envelope (raw header
//    strings) and its MIME part tree with each part's byte offsets in the
//    raw message, so no protocol has to parse the message again,
//  - decoded text for the full-text index and for message lists.
// It never fails on malformed MIME: broken input yields the best structure
// that can be recovered (as every real MUA does); only max_size is an error.
//
// No I/O, no Asio: plain C++ callable from any worker thread, provided
// `mime::init()` ran once on the main thread before other threads started.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "mime/structure.hpp"

namespace estafeta::mime {

struct Limits {
  std::size_t max_size = 64u * 1024 * 1024;        // bytes
  std::size_t max_depth = 32;                      // nesting of multiparts / message/rfc822; deeper is opaque
  std::size_t max_parts = 2000;                    // part objects in the whole tree, at most
  std::size_t max_search_text = 4u * 1024 * 1024;  // bytes of body text indexed
};

// Decoded fields for lists, sorting and the web app.
struct Summary {
  std::string subject;          // RFC 2047 decoded, UTF-8
  std::string from_name;        // decoded display name of the first From
  std::string from_address;     // addr-spec of the first From
  std::vector<std::string> to;  // addr-specs of To and Cc
  std::int64_t date = 0;        // Date: header as Unix time; 0 when absent or unparsable
  std::string message_id;       // without angle brackets; empty when absent
  std::string in_reply_to;      // first msg-id, without angle brackets
  std::string references;       // raw References value, unfolded
  bool has_attachments = false;
  std::string preview;  // first ~200 characters of the text, whitespace collapsed
};

// Text fed to the full-text index (UTF-8).
struct SearchText {
  std::string headers;      // decoded Subject, From, To, Cc, Bcc, Reply-To values
  std::string body;         // decoded text/plain parts, and text/html without tags
  std::string attachments;  // attachment file names
};

struct ParsedMessage {
  MessageStructure structure;  // see docs below
  Summary summary;
  SearchText text;
};

// structure: see structure.hpp. Envelope strings are raw header values:
//   encoded words are left for the client; 8-bit bytes that are not UTF-8
//   are read as windows-1252 so every string is valid UTF-8. Names are
//   unquoted; a mailbox without a domain has host "" (nullopt would read as
//   a group marker); "user@host (Name)" yields name "Name".
//
//   Limits: a part that is not descended into is opaque (structure.hpp):
//   reported as application/octet-stream without parameters — a multipart
//   or message/rfc822 nested deeper than max_depth, a message/rfc822 with a
//   base64 or quoted-printable encoding, and, when max_parts is reached,
//   the remaining parts of a multipart taken together (that one has no
//   header: header_start == body_start). The tree never holds more than
//   max(1, max_parts) parts.
//
// summary: from_name and the addresses come from the first From mailbox;
//   references has its whitespace runs collapsed to single spaces.
// text: headers holds one line per header (Subject, then "Name <addr>, …"
//   for From, To, Cc, Bcc, Reply-To); attachments one file name per line.
//   body: in a multipart/alternative only the first alternative that holds
//   text/plain is read (else the last); parts with Content-Disposition
//   attachment are not body text. Cut at max_search_text bytes on a UTF-8
//   boundary; preview is the first 200 characters of it.

// Must be called once on the main thread before any thread parses.
// Idempotent (std::call_once); parse_message also calls it.
void init();

// Fails only with ErrorKind::limit when raw.size() > limits.max_size.
// `raw` need not outlive the call. Thread-safe after init().
Result<ParsedMessage> parse_message(std::string_view raw, const Limits& limits = {});

// Where the top-level body starts in `raw` (after the header's blank line,
// or where a lenient reading ends the header): the root part's body_start
// in the structure, found without parsing the rest.
std::size_t top_level_body_start(std::string_view raw);

// Unstructured header text (a Subject, a display name of the envelope)
// → UTF-8, RFC 2047 encoded words decoded as summary.subject is.
std::string decode_header_text(std::string_view text);

// i;unicode-casemap (RFC 5051 §2), the collation IMAP SORT and THREAD use
// (RFC 5256 §7): each character titlecased, then the string in
// normalisation form KD; two strings collate as the octets of their
// results. Bytes that are not UTF-8 are kept as they are.
std::string unicode_casemap(std::string_view text);

// The addr-specs of every mailbox in the named header fields of the
// message's top-level header (e.g. "From"), in order; groups flattened.
// Cheap: reads the header only, no MIME parse.
std::vector<std::string> header_addresses(std::string_view raw, std::string_view field);

}  // namespace estafeta::mime
