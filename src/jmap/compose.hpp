// Writing a message (RFC 5322, MIME): what Email/set create (a draft, or
// a message to send) turns a JMAP Email into. Headers with non-ASCII text
// become RFC 2047 encoded words; text parts are 7bit when they can be,
// quoted-printable otherwise (UTF-8); other parts base64.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace estafeta::jmap::compose {

struct Mailbox {
  std::string name;   // may be empty; UTF-8
  std::string email;  // addr-spec
};

// "Name <a@b>, c@d" with names quoted or encoded as needed.
std::string address_list(const std::vector<Mailbox>& list);
// An unstructured value (Subject, …) as it may be written: encoded words
// for non-ASCII, folded.
std::string unstructured(std::string_view text);

struct Part {
  std::string type = "text/plain";  // lower case
  std::string charset;              // text parts: "utf-8" when empty
  std::string name;                 // file name (attachments)
  std::string disposition;          // "attachment", "inline" or empty
  std::string cid;                  // Content-ID without <>
  std::string content;              // decoded content (text: UTF-8)
  bool exact = false;               // bytes to keep as they are (an attached file): base64 whatever the type
  std::vector<std::pair<std::string, std::string>> headers;  // more fields, values as written
  std::vector<Part> parts;                                   // multipart/*: its parts
};

// A whole part: its header fields and its encoded body, CRLF line ends.
std::string write_part(const Part& part);

// A random boundary or Message-ID left-hand side.
std::string random_token();

// True when the value can go into a header as it is (printable ASCII, no
// line breaks).
bool plain_header_safe(std::string_view v);

}  // namespace estafeta::jmap::compose
