// FETCH attributes (RFC 9051 §6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ).
#include <fmt/format.h>

#include "core/ascii.hpp"
#include "imap/proto/parser.hpp"

namespace estafeta::imap {

namespace {

using K = FetchAttr::Kind;

// section-spec inside "[ ]": part numbers, then HEADER / HEADER.FIELDS[.NOT] (…) / TEXT / MIME.
Result<Section> section(Reader& r, bool binary) {
  Section s;
  TRY(r.expect('[', "'['"));
  if (r.consume(']')) return s;
  bool need_text = false;
  while (r.peek() >= '1' && r.peek() <= '9') {
    if (s.part.size() >= 64) return r.bad("section too deep");
    s.part.push_back(TRY(r.nz_number()));
    if (!r.consume('.')) {
      need_text = false;
      break;
    }
    need_text = true;
    if (!(r.peek() >= '1' && r.peek() <= '9')) break;
  }
  if (binary) {
    if (need_text) return r.bad("BINARY takes part numbers only");
    TRY(r.expect(']', "']'"));
    return s;
  }
  if (!need_text && r.consume(']')) return s;
  if (r.consume_word("HEADER.FIELDS.NOT"))
    s.text = Section::Text::header_fields_not;
  else if (r.consume_word("HEADER.FIELDS"))
    s.text = Section::Text::header_fields;
  else if (r.consume_word("HEADER"))
    s.text = Section::Text::header;
  else if (r.consume_word("TEXT"))
    s.text = Section::Text::text;
  else if (r.consume_word("MIME")) {
    if (s.part.empty()) return r.bad("MIME needs a part number");
    s.text = Section::Text::mime;
  } else
    return r.bad("bad section");
  if (s.text == Section::Text::header_fields || s.text == Section::Text::header_fields_not) {
    TRY(r.sp());
    TRY(r.expect('(', "'(' before the header field names"));
    for (;;) {
      TRY(r.take_header_fields(1));
      s.fields.push_back(ascii_upper(TRY(r.astring())));
      if (r.consume(')')) break;
      TRY(r.sp());
    }
  }
  TRY(r.expect(']', "']'"));
  return s;
}

Result<std::optional<Partial>> partial(Reader& r) {
  if (!r.consume('<')) return std::optional<Partial>{};
  Partial p;
  p.offset = TRY(r.number());
  TRY(r.expect('.', "'.' in a partial range"));
  auto len = TRY(r.number());
  if (len == 0) return r.bad("a partial range needs a non-zero length");
  p.length = len;
  TRY(r.expect('>', "'>'"));
  return std::optional<Partial>(p);
}

Result<FetchAttr> attr(Reader& r) {
  FetchAttr a;
  struct Simple {
    const char* word;
    K kind;
  };
  // Longest words first so that RFC822.SIZE is not read as RFC822.
  static constexpr Simple kSimple[] = {
      {"ENVELOPE", K::envelope},
      {"FLAGS", K::flags},
      {"INTERNALDATE", K::internaldate},
      {"RFC822.HEADER", K::rfc822_header},
      {"RFC822.SIZE", K::rfc822_size},
      {"RFC822.TEXT", K::rfc822_text},
      {"RFC822", K::rfc822},
      {"BODYSTRUCTURE", K::bodystructure},
      {"UID", K::uid},
      {"MODSEQ", K::modseq},
  };
  for (auto& s : kSimple)
    if (r.consume_word(s.word)) {
      a.kind = s.kind;
      return a;
    }
  if (r.consume_word("BINARY.SIZE")) {
    a.kind = K::binary_size;
    a.section = TRY(section(r, true));
    return a;
  }
  bool binary = false;
  if (r.consume_word("BINARY.PEEK"))
    binary = a.peek = true;
  else if (r.consume_word("BINARY"))
    binary = true;
  else if (r.consume_word("BODY.PEEK"))
    a.peek = true;
  else if (!r.consume_word("BODY"))
    return r.bad("unknown FETCH attribute");
  if (!binary && !a.peek && r.peek() != '[') {
    a.kind = K::body;
    return a;
  }
  a.kind = binary ? K::binary : K::body_section;
  a.section = TRY(section(r, binary));
  a.partial = TRY(partial(r));
  return a;
}

}  // namespace

Result<std::vector<FetchAttr>> parse_fetch_attrs(Reader& r) {
  auto simple = [](K k) { return FetchAttr{k, false, {}, std::nullopt}; };
  if (r.consume_word("ALL"))
    return std::vector<FetchAttr>{simple(K::flags), simple(K::internaldate), simple(K::rfc822_size),
                                  simple(K::envelope)};
  if (r.consume_word("FAST"))
    return std::vector<FetchAttr>{simple(K::flags), simple(K::internaldate), simple(K::rfc822_size)};
  if (r.consume_word("FULL"))
    return std::vector<FetchAttr>{simple(K::flags), simple(K::internaldate), simple(K::rfc822_size),
                                  simple(K::envelope), simple(K::body)};
  std::vector<FetchAttr> out;
  if (!r.consume('(')) {
    out.push_back(TRY(attr(r)));
    return out;
  }
  for (;;) {
    if (out.size() >= r.limits().max_items) return r.bad("too many FETCH attributes");
    out.push_back(TRY(attr(r)));
    if (r.consume(')')) return out;
    TRY(r.sp());
  }
}

}  // namespace estafeta::imap
