// SEARCH keys (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162 §3.1.5 MODSEQ,
// RFC 5182 "$", RFC 4731 RETURN options).
#include <fmt/format.h>

#include "core/ascii.hpp"
#include "imap/proto/parser.hpp"

namespace estafeta::imap {

namespace {

using K = SearchKey::Kind;

struct KeyWord {
  const char* word;
  K kind;
  enum Arg { none, text, date, number, header, set } arg;
};

constexpr KeyWord kKeys[] = {
    {"ALL", K::all, KeyWord::none},
    {"ANSWERED", K::answered, KeyWord::none},
    {"DELETED", K::deleted, KeyWord::none},
    {"DRAFT", K::draft, KeyWord::none},
    {"FLAGGED", K::flagged, KeyWord::none},
    {"SEEN", K::seen, KeyWord::none},
    {"RECENT", K::recent, KeyWord::none},
    {"NEW", K::new_, KeyWord::none},
    {"OLD", K::old, KeyWord::none},
    {"UNANSWERED", K::unanswered, KeyWord::none},
    {"UNDELETED", K::undeleted, KeyWord::none},
    {"UNDRAFT", K::undraft, KeyWord::none},
    {"UNFLAGGED", K::unflagged, KeyWord::none},
    {"UNSEEN", K::unseen, KeyWord::none},
    {"KEYWORD", K::keyword, KeyWord::text},
    {"UNKEYWORD", K::unkeyword, KeyWord::text},
    {"BCC", K::bcc, KeyWord::text},
    {"BODY", K::body, KeyWord::text},
    {"CC", K::cc, KeyWord::text},
    {"FROM", K::from, KeyWord::text},
    {"SUBJECT", K::subject, KeyWord::text},
    {"TEXT", K::text, KeyWord::text},
    {"TO", K::to, KeyWord::text},
    {"HEADER", K::header, KeyWord::header},
    {"BEFORE", K::before, KeyWord::date},
    {"ON", K::on, KeyWord::date},
    {"SINCE", K::since, KeyWord::date},
    {"SENTBEFORE", K::sentbefore, KeyWord::date},
    {"SENTON", K::senton, KeyWord::date},
    {"SENTSINCE", K::sentsince, KeyWord::date},
    {"LARGER", K::larger, KeyWord::number},
    {"SMALLER", K::smaller, KeyWord::number},
    {"UID", K::uid, KeyWord::set},
};

Result<SearchKey> parse_key(Reader& r);

Result<SearchKey> parse_modseq(Reader& r) {
  // "MODSEQ" [SP entry-name SP entry-type-req] SP mod-sequence-valzer
  SearchKey k;
  k.kind = K::modseq;
  TRY(r.sp());
  if (r.peek() == '"') {
    TRY(r.string());  // entry name (per-flag modseq): we keep one modseq per message
    TRY(r.sp());
    auto type = ascii_upper(TRY(r.atom()));
    if (type != "PRIV" && type != "SHARED" && type != "ALL") return r.bad("expected priv, shared or all");
    TRY(r.sp());
  }
  k.number = TRY(r.number64());
  return k;
}

// A SEARCH string: each is compared with every message (RFC 9051 §6.4.4),
// so its length is bounded before the search starts.
Result<std::string> search_string(Reader& r) {
  auto s = TRY(r.astring());
  if (s.size() > r.limits().max_search_string)
    return r.bad(fmt::format("search string too long (at most {} octets)", r.limits().max_search_string));
  return s;
}

Result<SearchKey> parse_key(Reader& r) {
  // Every key is evaluated against every message: the whole program is
  // bounded, not only each list (ParserLimits::max_search_keys).
  TRY(r.take_search_key());
  SearchKey k;
  if (r.consume('(')) {
    TRY(r.enter());
    k.kind = K::and_;
    for (;;) {
      if (k.children.size() >= r.limits().max_items) return r.bad("too many search keys");
      k.children.push_back(TRY(parse_key(r)));
      if (r.consume(')')) break;
      TRY(r.sp());
    }
    r.leave();
    return k;
  }
  if (r.consume_word("NOT")) {
    TRY(r.enter());
    TRY(r.sp());
    k.kind = K::not_;
    k.children.push_back(TRY(parse_key(r)));
    r.leave();
    return k;
  }
  if (r.consume_word("OR")) {
    TRY(r.enter());
    k.kind = K::or_;
    TRY(r.sp());
    k.children.push_back(TRY(parse_key(r)));
    TRY(r.sp());
    k.children.push_back(TRY(parse_key(r)));
    r.leave();
    return k;
  }
  if (r.consume_word("MODSEQ")) return parse_modseq(r);
  for (auto& w : kKeys) {
    if (!r.consume_word(w.word)) continue;
    k.kind = w.kind;
    switch (w.arg) {
      case KeyWord::none: break;
      case KeyWord::text:
        TRY(r.sp());
        k.text = TRY(search_string(r));
        break;
      case KeyWord::date:
        TRY(r.sp());
        k.date = TRY(r.date());
        break;
      case KeyWord::number:
        TRY(r.sp());
        k.number = TRY(r.number64());
        break;
      case KeyWord::header:
        TRY(r.sp());
        k.field = TRY(search_string(r));
        TRY(r.sp());
        k.text = TRY(search_string(r));
        break;
      case KeyWord::set:
        TRY(r.sp());
        k.set = TRY(r.sequence_set());
        break;
    }
    return k;
  }
  if (r.peek() == '$' || r.peek() == '*' || (r.peek() >= '1' && r.peek() <= '9')) {
    k.kind = K::seqset;
    k.set = TRY(r.sequence_set());
    return k;
  }
  return r.bad("unknown search key");
}

}  // namespace

Result<SearchKey> parse_search_keys(Reader& r) {
  SearchKey all;
  all.kind = K::and_;
  do {
    if (all.children.size() >= r.limits().max_items) return r.bad("too many search keys");
    all.children.push_back(TRY(parse_key(r)));
  } while (r.consume(' '));
  return all;
}

Result<SearchArgs> parse_search_program(Reader& r, bool allow_return) {
  SearchArgs args;
  if (allow_return && r.consume_word("RETURN")) {
    args.esearch = true;
    TRY(r.sp());
    TRY(r.expect('(', "'(' after RETURN"));
    while (!r.consume(')')) {
      if (args.returns && !r.consume(' ')) return r.bad("expected a space between RETURN options");
      auto opt = ascii_upper(TRY(r.atom()));
      if (opt == "MIN")
        args.returns |= static_cast<unsigned>(SearchReturn::min);
      else if (opt == "MAX")
        args.returns |= static_cast<unsigned>(SearchReturn::max);
      else if (opt == "ALL")
        args.returns |= static_cast<unsigned>(SearchReturn::all);
      else if (opt == "COUNT")
        args.returns |= static_cast<unsigned>(SearchReturn::count);
      else if (opt == "SAVE")
        args.returns |= static_cast<unsigned>(SearchReturn::save);
      else
        return r.bad("unknown RETURN option " + opt);
    }
    TRY(r.sp());
  }
  if (r.consume_word("CHARSET")) {
    TRY(r.sp());
    args.charset = ascii_upper(TRY(r.astring()));
    TRY(r.sp());
  }
  args.key = TRY(parse_search_keys(r));
  return args;
}

}  // namespace estafeta::imap
