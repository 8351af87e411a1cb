// Tag=value lists: the syntax of DKIM signatures and key records
// (RFC 6376 §3.2) and of DMARC records (RFC 7489 §6.4, which reuses it).
//
//   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
//   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//   tag-name  = ALPHA *ALNUMPUNC                 ; ALNUMPUNC = ALPHA / DIGIT / "_"
//   tag-value = [ tval *( 1*(WSP / FWS) tval ) ] ; tval = 1*VALCHAR, %x21-3A / %x3C-7E
//
// Security: the input is attacker-controlled (a header field, a TXT record).
// Parsing is one pass over it with no recursion; the caller bounds its size.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace estafeta::dns {

struct Tag {
  std::string name;   // as written: tag names are case-sensitive (§3.2)
  std::string value;  // leading and trailing whitespace removed, inner folds kept
};

// Parses a whole list. Errors (invalid, the message says where): a tag
// without "=", a bad tag name, a character outside VALCHAR in a value, and a
// name that occurs twice — §3.2: the whole list is then invalid.
Result<std::vector<Tag>> parse_tag_list(std::string_view text);

// The value of `name`, or nullptr.
const std::string* find_tag(const std::vector<Tag>& tags, std::string_view name);

// `value` with every space, tab, CR and LF removed (base64 and
// colon-separated values may be folded anywhere, §3.5).
std::string strip_whitespace(std::string_view value);

}  // namespace estafeta::dns
