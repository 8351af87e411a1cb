// Decoding through GMime: RFC 5322 dates, RFC 2045 §6 transfer encodings
// (base64, quoted-printable, uuencode) and charset conversion with GMime's
// iconv cache and charset-name aliases.
//
// Security: all input is untrusted; decoding is chunked and capped by the
// caller's byte budget so a huge part cannot blow up memory.
#include "mime/decode.hpp"
#include "core/ascii.hpp"

#include <gmime/gmime.h>

#include <algorithm>
#include <cerrno>

#include "mime/text.hpp"

namespace estafeta::mime::detail {
namespace {

bool is_utf8_or_ascii(std::string_view cs) {
  return cs.empty() || cs == "us-ascii" || cs == "ascii" || cs == "utf-8" || cs == "utf8" || cs == "unknown-8bit" ||
         cs == "x-unknown" || cs == "default";
}

}  // namespace

void ParserOptionsDeleter::operator()(GMimeParserOptions* options) const { g_mime_parser_options_free(options); }

ParserOptionsPtr make_parser_options() { return ParserOptionsPtr(g_mime_parser_options_new()); }

std::int64_t decode_date(std::string_view text) {
  // Real dates are short; GMime's parser need not see megabytes of junk.
  const std::string input(trim(text.substr(0, 1024)));
  if (input.empty()) return 0;
  GDateTime* date = g_mime_utils_header_decode_date(input.c_str());
  if (!date) return 0;
  const std::int64_t t = g_date_time_to_unix(date);
  g_date_time_unref(date);
  return t;
}

std::string transfer_decode(std::string_view body, std::string_view encoding, std::size_t max_out) {
  const std::string name(encoding);
  const GMimeContentEncoding enc = g_mime_content_encoding_from_string(name.c_str());
  if (enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
      enc != GMIME_CONTENT_ENCODING_UUENCODE) {
    return std::string(body.substr(0, max_out));
  }
  GMimeEncoding state;
  g_mime_encoding_init_decode(&state, enc);
  constexpr std::size_t kChunk = 64 * 1024;
  std::string out, buf;
  for (std::size_t off = 0; off < body.size() && out.size() < max_out; off += kChunk) {
    const std::size_t n = std::min(kChunk, body.size() - off);
    buf.resize(g_mime_encoding_outlen(&state, n) + 16);
    const bool last = off + n == body.size();
    const std::size_t written = last ? g_mime_encoding_flush(&state, body.data() + off, n, buf.data())
                                     : g_mime_encoding_step(&state, body.data() + off, n, buf.data());
    out.append(buf.data(), std::min(written, buf.size()));
  }
  if (out.size() > max_out) out.resize(max_out);
  return out;
}

std::string charset_to_utf8(std::string_view bytes, std::string_view charset) {
  std::string cs = ascii_lower(trim(charset));
  if (is_utf8_or_ascii(cs)) return to_valid_utf8(bytes);
  // Mail labelled latin-1 is routinely windows-1252 (as browsers assume).
  if (cs == "iso-8859-1" || cs == "iso8859-1" || cs == "latin1") cs = "windows-1252";
  iconv_t cd = g_mime_iconv_open("UTF-8", g_mime_charset_iconv_name(cs.c_str()));
  if (cd == reinterpret_cast<iconv_t>(-1)) return to_valid_utf8(bytes);

  std::string out;
  out.reserve(bytes.size() + bytes.size() / 2);
  char buf[8192];
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; input is not written
  std::size_t in_left = bytes.size();
  while (in_left > 0) {
    char* o = buf;
    std::size_t o_left = sizeof buf;
    const std::size_t r = iconv(cd, &in, &in_left, &o, &o_left);
    out.append(buf, sizeof buf - o_left);
    if (r != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) continue;
    if (errno == EILSEQ) {  // skip one bad byte
      append_utf8(out, 0xFFFD);
      ++in;
      --in_left;
      continue;
    }
    break;  // EINVAL: truncated sequence at the end
  }
  char* o = buf;
  std::size_t o_left = sizeof buf;
  iconv(cd, nullptr, nullptr, &o, &o_left);  // flush shift state (and reset for the cache)
  out.append(buf, sizeof buf - o_left);
  g_mime_iconv_close(cd);
  return to_valid_utf8(out);
}

}  // namespace estafeta::mime::detail
