// The stored form of a message's structure (structure.hpp): JSON text, one
// document for the envelope and one for the root part, as the store keeps
// them in two columns. This file and structure_json.cpp are the only code
// that knows the format. It is the format rows already written have (the
// writer produces the same bytes for the same message), so existing
// databases read back unchanged.
//
// Envelope: {"date":S,"subject":S,"from":A,"sender":A,"reply_to":A,"to":A,
//   "cc":A,"bcc":A,"in_reply_to":S,"message_id":S}, S a string or null, A
//   null (empty list) or [{"name":S,"adl":S,"mailbox":S,"host":S},…].
// Part: {"type":S,"subtype":S,"params":[[name,value],…],"id":S,
//   "description":S,"md5":S,"location":S,"disposition":null|{"type":S,
//   "params":[…]},"language":null|[S,…],"header_start":N,"body_start":N,
//   "body_end":N} and, for a multipart, "parts":[part,…]; otherwise
//   "encoding":S, "size":N (body_end - body_start), "lines":N (text/* and
//   encapsulated messages), "message":{"envelope":…,"body":part}
//   (message/rfc822, message/global) and "opaque":true (when it is).
// Objects are written with their keys in byte order, without whitespace.
//
// Reading is tolerant: a member that is missing or of the wrong type takes
// the default of structure.hpp ("size" is not read: it follows from the
// offsets). Only text that is not a JSON object is an error.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "mime/structure.hpp"

namespace estafeta::mime {

std::string envelope_to_json(const Envelope& envelope);
std::string part_to_json(const Part& part);

// Errors: internal ("damaged message record") when `json` is not a JSON object.
Result<Envelope> envelope_from_json(std::string_view json);
Result<Part> part_from_json(std::string_view json);

}  // namespace estafeta::mime
