// BODY[section] and BINARY[section] octets (RFC 9051 §6.4.5, §6.4.5.1,
// §7.5.2; RFC 3516 §4), cut from the raw message with the offsets of the
// message's structure (the top-level header and text by scanning the raw
// header, mime::top_level_body_start), and the two content-transfer-encodings
// BINARY decodes: base64 (RFC 2045 §6.8) and quoted-printable (RFC 2045 §6.7).
//
// Part numbering (§6.4.5.1): the top-level message and every
// message/rfc822 (or message/global) part are "messages"; a number picks a
// child of a multipart body, and "1" of a non-multipart body is that body
// itself. So [1] of a single-part message is its body, and [n.1] of a
// message/rfc822 part whose message is not multipart is that message's body.
// [n.MIME] of such a body is the header that carries its Content-* fields,
// i.e. the (embedded) message's header.
//
// Security: `raw`, the structure and the section come from storage or the client;
// every offset is checked against `raw`, decoding is linear and bounded by
// the part's size.
#include <algorithm>
#include <array>
#include <cstring>

#include "core/ascii.hpp"
#include "imap/proto/fetch_render.hpp"
#include "mime/parsed_message.hpp"

namespace estafeta::imap {
namespace {

using mime::Part;

// The embedded message's root part, or nullptr for anything else.
const Part* embedded_body(const Part& part) {
  const mime::MessageStructure* m = part.encapsulated();
  return m ? &m->root : nullptr;
}

Error no_section() { return Error{ErrorKind::not_found, "no such body section", {}}; }

// The part a non-empty part path names; the top level is a message whose
// top part is `root`.
Result<const Part*> find_part(const Part& root, const std::vector<std::uint32_t>& path) {
  const Part* cur = nullptr;  // nullptr: the top-level message
  for (const std::uint32_t n : path) {
    const Part* container;
    if (!cur)
      container = &root;
    else if (const Part* b = embedded_body(*cur))
      container = b;
    else if (cur->is_multipart())
      container = cur;
    else
      return std::unexpected(no_section());  // below a leaf

    if (container->is_multipart()) {
      const std::vector<Part>& parts = container->parts;
      if (n == 0 || n > parts.size()) return std::unexpected(no_section());
      cur = &parts[n - 1];
    } else if (container != cur && n == 1) {
      cur = container;  // "1" of a non-multipart message: its body
    } else {
      return std::unexpected(no_section());
    }
  }
  return cur;
}

// raw[begin, end), checked.
Result<std::string_view> slice(std::string_view raw, std::size_t begin, std::size_t end) {
  if (begin > end || end > raw.size())
    return fail(ErrorKind::internal, "damaged message record",
                "offsets " + std::to_string(begin) + ".." + std::to_string(end) + " outside a message of " +
                    std::to_string(raw.size()) + " bytes");
  return raw.substr(begin, end - begin);
}

// HEADER.FIELDS[.NOT] (§6.4.5.1): the fields whose name matches (ASCII case
// insensitive, otherwise exact) one of `names` — or, with `negate`, matches
// none — each with its continuation lines, in header order, then the blank
// line that ends the header as it is written (CRLF, or LF in a bare-LF
// message). A header without a blank line yields none (the exception of
// §6.4.5.1); a final field line without a line break gets CRLF.
std::string header_fields(std::string_view header, const std::vector<std::string>& names, bool negate) {
  std::string out;
  bool keep = false;  // the current field is selected
  std::size_t pos = 0;
  while (pos < header.size()) {
    const void* nl = std::memchr(header.data() + pos, '\n', header.size() - pos);
    const std::size_t next = nl ? static_cast<const char*>(nl) - header.data() + 1 : header.size();
    std::string_view line = header.substr(pos, next - pos);
    pos = next;
    std::string_view content = line;
    if (content.ends_with('\n')) content.remove_suffix(1);
    if (content.ends_with('\r')) content.remove_suffix(1);
    if (content.empty()) {
      out += line;  // the blank line
      break;
    }
    if (line[0] != ' ' && line[0] != '\t') {
      const std::size_t colon = content.find(':');
      std::string_view name = content.substr(0, colon == std::string_view::npos ? 0 : colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      const bool listed =
          std::any_of(names.begin(), names.end(), [&](const std::string& n) { return ascii_iequals(n, name); });
      keep = !name.empty() && listed != negate;
    }
    // A continuation line before any field belongs to none and is dropped.
    if (keep) {
      out += line;
      if (!line.ends_with('\n')) out += "\r\n";
    }
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;  // lenient: RFC 2045 wants upper case
  return -1;
}

// RFC 2045 §6.8: characters outside the alphabet are ignored; decoding
// stops at the first "="; a lone trailing sextet carries no whole octet.
std::string decode_base64(std::string_view in) {
  static const auto kTable = [] {
    std::array<signed char, 256> t{};
    t.fill(-1);
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<signed char>(i);
    return t;
  }();
  std::string out;
  out.reserve(in.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    if (c == '=') break;
    const int v = kTable[static_cast<unsigned char>(c)];
    if (v < 0) continue;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

// RFC 2045 §6.7: "=XY" is an octet, "=" at the end of a line a soft line
// break, trailing whitespace on a line was added in transport and goes. A
// malformed "=" is kept as it is, as robust decoders do. Line breaks are
// kept as written.
std::string decode_quoted_printable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t pos = 0;
  while (pos < in.size()) {
    const void* nl = std::memchr(in.data() + pos, '\n', in.size() - pos);
    const std::size_t line_end = nl ? static_cast<const char*>(nl) - in.data() : in.size();
    std::size_t content_end = line_end;
    if (nl && content_end > pos && in[content_end - 1] == '\r') --content_end;
    std::string_view line_break = in.substr(content_end, (nl ? line_end + 1 : in.size()) - content_end);
    std::string_view line = in.substr(pos, content_end - pos);
    pos = nl ? line_end + 1 : in.size();
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    bool soft = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] != '=') {
        out += line[i];
        continue;
      }
      if (i + 1 == line.size()) {
        soft = true;
        break;
      }
      const int hi = i + 2 < line.size() ? hex_value(line[i + 1]) : -1;
      const int lo = i + 2 < line.size() ? hex_value(line[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        out += '=';
        continue;
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (!soft) out += line_break;
  }
  return out;
}

// Bare LF → CRLF (RFC 9051 §7.5.2: textual sections go with CRLF).
std::string to_crlf(std::string s) {
  const auto bare = [&](std::size_t i) { return s[i] == '\n' && (i == 0 || s[i - 1] != '\r'); };
  std::size_t extra = 0;
  for (std::size_t i = 0; i < s.size(); ++i) extra += bare(i);
  if (extra == 0) return s;
  std::string out;
  out.reserve(s.size() + extra);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (bare(i)) out += '\r';
    out += s[i];
  }
  return out;
}

struct LeafContent {
  std::string_view bytes;  // as stored
  std::string encoding;    // upper-case; "7BIT" when absent
  bool text = false;       // text/*: sent with CRLF
};

// A multipart or message/rfc822 part can only have an identity encoding
// (RFC 2045 §6.4): its BINARY is its body as stored, like BODY[part].
Result<LeafContent> part_content(std::string_view raw, const Part& body, const std::vector<std::uint32_t>& part) {
  const Part* p = TRY(find_part(body, part));
  LeafContent leaf;
  leaf.bytes = TRY(slice(raw, p->body_start, p->body_end));
  if (p->is_multipart() || embedded_body(*p)) {
    leaf.encoding = "BINARY";
    return leaf;
  }
  leaf.encoding = ascii_upper(p->transfer_encoding);
  if (leaf.encoding.empty()) leaf.encoding = "7BIT";
  leaf.text = !p->opaque && ascii_iequals(p->type, "text");
  return leaf;
}

bool identity(const std::string& encoding) { return encoding == "7BIT" || encoding == "8BIT" || encoding == "BINARY"; }

Result<std::string> decode(const LeafContent& leaf) {
  std::string out;
  if (identity(leaf.encoding))
    out.assign(leaf.bytes);
  else if (leaf.encoding == "BASE64")
    out = decode_base64(leaf.bytes);
  else if (leaf.encoding == "QUOTED-PRINTABLE")
    out = decode_quoted_printable(leaf.bytes);
  else
    return fail(ErrorKind::invalid, "cannot decode the Content-Transfer-Encoding of this part",
                std::string(kUnknownCte));
  // RFC 3516 §6: textual sections go with CRLF whatever the storage has;
  // base64 carries the sender's own octets, which are returned as they are
  // (as BINARY.SIZE counts them).
  if (leaf.text && leaf.encoding != "BASE64") out = to_crlf(std::move(out));
  return out;
}

}  // namespace

Result<std::string> section_bytes(std::string_view raw, const Part& body, const Section& section) {
  using T = Section::Text;
  if (section.part.empty() && section.text == T::none) return std::string(raw);
  if (section.part.empty() && section.text == T::mime) return std::unexpected(no_section());

  const Part* part = nullptr;
  if (!section.part.empty()) part = TRY(find_part(body, section.part));
  if (section.text == T::none) return std::string(TRY(slice(raw, part->body_start, part->body_end)));
  if (section.text == T::mime) return std::string(TRY(slice(raw, part->header_start, part->body_start)));

  // HEADER, HEADER.FIELDS[.NOT], TEXT: of the top-level message (found in
  // `raw` itself: no structure needed), or of the message a message/rfc822
  // part holds.
  std::string_view header;
  if (!part) {
    const std::size_t body_start = mime::top_level_body_start(raw);
    if (section.text == T::text) return std::string(raw.substr(body_start));  // to the end of the message
    header = raw.substr(0, body_start);
  } else {
    const Part* message = embedded_body(*part);
    if (!message) return std::unexpected(no_section());
    if (section.text == T::text) return std::string(TRY(slice(raw, message->body_start, message->body_end)));
    header = TRY(slice(raw, message->header_start, message->body_start));
  }
  if (section.text == T::header) return std::string(header);
  return header_fields(header, section.fields, section.text == T::header_fields_not);
}

Result<std::string> binary_bytes(std::string_view raw, const Part& body, const std::vector<std::uint32_t>& part) {
  if (part.empty()) return std::string(raw);
  return decode(TRY(part_content(raw, body, part)));
}

Result<std::uint64_t> binary_size(std::string_view raw, const Part& body, const std::vector<std::uint32_t>& part) {
  if (part.empty()) return raw.size();
  const LeafContent leaf = TRY(part_content(raw, body, part));
  if (identity(leaf.encoding) && !leaf.text) return leaf.bytes.size();
  return TRY(decode(leaf)).size();
}

}  // namespace estafeta::imap
