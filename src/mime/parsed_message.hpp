// What the store keeps about a message's content, computed once at delivery.
//
// `parse_message` reads the raw RFC 5322 bytes with GMime and returns:
//  - the IMAP ENVELOPE fields as JSON (raw header strings, RFC 9051 §7.5.2),
//  - the MIME body structure as JSON with each part's byte offsets in the raw
//    message, so BODY[section] and BODYSTRUCTURE never re-parse the message,
//  - decoded text for the full-text index and for message lists.
// It never fails on malformed MIME: broken input yields the best structure
// GMime can recover (as every real MUA does); only a hard limit is an error.
//
// No I/O, no Asio: plain C++ callable from any worker thread, provided
// `mime::init()` ran once on the main thread before other threads started.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace estafeta::mime {

struct Limits {
  std::size_t max_size = 64u * 1024 * 1024;  // bytes
  std::size_t max_depth = 32;                // nesting of multiparts / message/rfc822
  std::size_t max_parts = 2000;              // parts in the whole tree
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
  std::string preview;          // first ~200 characters of the text, whitespace collapsed
};

// Text fed to the full-text index (UTF-8).
struct SearchText {
  std::string headers;      // decoded Subject, From, To, Cc, Bcc, Reply-To values
  std::string body;         // decoded text/plain parts, and text/html without tags
  std::string attachments;  // attachment file names
};

struct ParsedMessage {
  std::string envelope_json;       // see docs below
  std::string bodystructure_json;  // see docs below
  Summary summary;
  SearchText text;
};

// envelope_json: {"date":S,"subject":S,"from":A,"sender":A,"reply_to":A,"to":A,
//   "cc":A,"bcc":A,"in_reply_to":S,"message_id":S} where S is a raw header
//   string or null, A is null or a list of {"name":S,"adl":S,"mailbox":S,"host":S}
//   with RFC 9051 group syntax ({"mailbox":"group",host:null} … {mailbox:null,host:null}).
//   Sender and Reply-To default to From as RFC 9051 §7.5.2 requires.
//
// bodystructure_json, one object per part:
//   {"type":"text","subtype":"plain","params":[["charset","utf-8"],…],
//    "id":S,"description":S,"encoding":"7bit","size":N,"lines":N (text/* and message/rfc822),
//    "md5":S,"disposition":null|{"type":"attachment","params":[[k,v],…]},
//    "language":null|[S…],"location":S,
//    "header_start":N,"body_start":N,"body_end":N,   // byte offsets in the raw message
//    "parts":[…] (multipart/*), "message":{"envelope":{…},"body":{…}} (message/rfc822)}
//   For multipart the type is "multipart" and size/lines/encoding are absent.

// Must be called once on the main thread before any thread parses.
void init();

Result<ParsedMessage> parse_message(std::string_view raw, const Limits& limits = {});

}  // namespace estafeta::mime
