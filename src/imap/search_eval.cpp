#include "imap/search_eval.hpp"
#include "core/ascii.hpp"
#include "core/utf8.hpp"
#include "mime/parsed_message.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <unordered_map>

namespace estafeta::imap {

namespace {

using K = SearchKey::Kind;

// run_search reads only the rows the index names when they are at most one
// in kBoundShare of the folder; past that a scan of the folder's rows
// (about 0.5 µs each) costs less than a lookup per row.
constexpr std::uint32_t kBoundShare = 8;

// `needle` already lower-cased (once per key, not once per message).
bool contains(std::string_view hay, std::string_view needle) {
  return ascii_lower(hay).find(needle) != std::string::npos;
}

}  // namespace

int date_zone_offset(std::string_view date) {
  // The last word, comments (RFC 5322 CFWS) left out.
  std::string text;
  int depth = 0;
  for (char c : date) {
    if (c == '(')
      ++depth;
    else if (c == ')' && depth > 0)
      --depth;
    else if (depth == 0)
      text += c;
  }
  auto end = text.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return 0;
  auto start = text.find_last_of(" \t\r\n", end);
  auto zone = std::string_view(text).substr(start == std::string::npos ? 0 : start + 1,
                                            end - (start == std::string::npos ? 0 : start + 1) + 1);
  if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-') &&
      std::all_of(zone.begin() + 1, zone.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int hours = (zone[1] - '0') * 10 + (zone[2] - '0');
    int minutes = (zone[3] - '0') * 10 + (zone[4] - '0');
    if (hours > 23 || minutes > 59) return 0;
    int offset = hours * 3600 + minutes * 60;
    return zone[0] == '-' ? -offset : offset;
  }
  // RFC 5322 §4.3 obs-zone.
  static constexpr std::pair<std::string_view, int> kObsolete[] = {{"ut", 0},   {"gmt", 0},  {"est", -5}, {"edt", -4},
                                                                   {"cst", -6}, {"cdt", -5}, {"mst", -7}, {"mdt", -6},
                                                                   {"pst", -8}, {"pdt", -7}};
  auto lower = ascii_lower(zone);
  for (auto& [name, hours] : kObsolete)
    if (lower == name) return hours * 3600;
  return 0;
}

namespace {

// Everything a key may ask of one message, loaded on first use.
class Facts {
 public:
  Facts(Context& ctx, FolderHeadlines& headlines, const store::Message& m, std::uint32_t seq)
      : m_ctx(ctx), m_headlines(headlines), m_msg(m), m_seq(seq) {}
  const store::Message& msg() const { return m_msg; }
  std::uint32_t seq() const { return m_seq; }
  const store::Headline& info() { return m_headlines.of(m_msg); }
  // The raw header, for HEADER, TO, CC and BCC.
  const std::string& header() {
    if (!m_header) m_header = raw_header(m_ctx.deps.blobs.get(info().blob_hash).value_or(""));
    return *m_header;
  }
  std::vector<std::string> field(std::string_view name) { return header_values(header(), name); }
  // The Date field's time as the writer's clock showed it (UTC time plus
  // the field's own zone offset).
  std::int64_t sent_local() {
    if (!m_sent_local) {
      auto dates = field("Date");
      m_sent_local = info().date + (dates.empty() ? 0 : date_zone_offset(dates.front()));
    }
    return *m_sent_local;
  }

 private:
  Context& m_ctx;
  FolderHeadlines& m_headlines;
  const store::Message& m_msg;
  std::uint32_t m_seq;
  std::optional<std::string> m_header;
  std::optional<std::int64_t> m_sent_local;
};

// Text keys answered by the index are computed once for the whole mailbox.
class Evaluator {
 public:
  Evaluator(Context& ctx) : m_ctx(ctx) {}

  Result<bool> match(const SearchKey& k, Facts& f) {
    auto& m = f.msg();
    auto day = [](std::int64_t t) { return t >= 0 ? t / 86400 : (t - 86399) / 86400; };
    switch (k.kind) {
      case K::all: return true;
      case K::answered: return (m.flags & store::flag_answered) != 0;
      case K::deleted: return (m.flags & store::flag_deleted) != 0;
      case K::draft: return (m.flags & store::flag_draft) != 0;
      case K::flagged: return (m.flags & store::flag_flagged) != 0;
      case K::seen: return (m.flags & store::flag_seen) != 0;
      case K::unanswered: return (m.flags & store::flag_answered) == 0;
      case K::undeleted: return (m.flags & store::flag_deleted) == 0;
      case K::undraft: return (m.flags & store::flag_draft) == 0;
      case K::unflagged: return (m.flags & store::flag_flagged) == 0;
      case K::unseen: return (m.flags & store::flag_seen) == 0;
      // \Recent is IMAP4rev1's: an IMAP4rev2 session claims nothing.
      case K::recent: return m_ctx.selected->is_recent(m.uid);
      case K::new_: return m_ctx.selected->is_recent(m.uid) && (m.flags & store::flag_seen) == 0;  // RECENT UNSEEN
      case K::old: return !m_ctx.selected->is_recent(m.uid);                                       // NOT RECENT
      case K::keyword:
      case K::unkeyword: {
        bool has = std::any_of(m.keywords.begin(), m.keywords.end(),
                               [&](auto& kw) { return ascii_lower(kw) == ascii_lower(k.text); });
        return k.kind == K::keyword ? has : !has;
      }
      case K::subject: return contains(f.info().subject, lowered(k.text));
      case K::from:
        return contains(f.info().from_name + " " + f.info().from_address, lowered(k.text)) ||
               header_has(f, "From", k.text);
      case K::to: return header_has(f, "To", k.text);
      case K::cc: return header_has(f, "Cc", k.text);
      case K::bcc: return header_has(f, "Bcc", k.text);
      case K::header:
        if (k.text.empty()) return !f.field(k.field).empty();
        return header_has(f, k.field, k.text);
      case K::body:
      case K::text: {
        auto& uids = *TRY(indexed(k));
        return std::binary_search(uids.begin(), uids.end(), m.uid);
      }
      case K::before: return day(m.internal_date) < k.date;
      case K::on: return day(m.internal_date) == k.date;
      case K::since: return day(m.internal_date) >= k.date;
      // RFC 3501 §6.4.4, RFC 9051 §6.4.4: the date of the Date field
      // "disregarding time and timezone": its day where it was written.
      case K::sentbefore: return f.info().date != 0 && day(f.sent_local()) < k.date;
      case K::senton: return f.info().date != 0 && day(f.sent_local()) == k.date;
      case K::sentsince: return f.info().date != 0 && day(f.sent_local()) >= k.date;
      case K::larger: return m.size > k.number;
      case K::smaller: return m.size < k.number;
      case K::modseq: return m.modseq >= k.number;
      case K::uid: return in_set(k.set, true, f);
      case K::seqset: return in_set(k.set, false, f);
      case K::not_: return !TRY(match(k.children[0], f));
      case K::or_: return TRY(match(k.children[0], f)) || TRY(match(k.children[1], f));
      case K::and_:
        for (auto& child : k.children)
          if (!TRY(match(child, f))) return false;
        return true;
    }
    return false;
  }

  // The UIDs (ascending) a key can match only among, when the full-text
  // index alone bounds it: TEXT, BODY, SUBJECT in a large folder, or an AND
  // with one of them (the smallest answer). nullptr when every message has
  // to be looked at.
  Result<const std::vector<std::uint32_t>*> bound(const SearchKey& k) {
    switch (k.kind) {
      case K::body:
      case K::text: return indexed(k);
      case K::subject:
        // The subjects' own index folds case beyond ASCII, so its matches
        // are a superset of SUBJECT's; each is still compared (match).
        // Trigrams need three characters, and a folder whose rows are kept
        // scans faster than it asks.
        if (m_ctx.selected->exists() <= m_ctx.options.subject_index_above || utf8_length(k.text) < 3) return nullptr;
        return indexed(k);
      case K::and_: {
        const std::vector<std::uint32_t>* best = nullptr;
        for (auto& child : k.children) {
          auto b = TRY(bound(child));
          if (b && (!best || b->size() < best->size())) best = b;
        }
        return best;
      }
      default: return nullptr;
    }
  }

  // Whether the index alone answers the key: TEXT and BODY keys, and ANDs
  // of them. The answer is then the intersection of their UIDs, and no
  // message row is needed.
  static bool index_only(const SearchKey& k) {
    if (k.kind == K::text || k.kind == K::body) return true;
    return k.kind == K::and_ && !k.children.empty() && std::all_of(k.children.begin(), k.children.end(), index_only);
  }

  // The UIDs matching an index_only key, ascending: a TEXT or BODY key's
  // own, an AND's the intersection of its children's (each one's whole
  // answer: an AND's bound is only the smallest of its children's).
  Result<std::vector<std::uint32_t>> index_answer(const SearchKey& k) {
    if (k.kind != K::and_) return *TRY(bound(k));
    auto out = TRY(index_answer(k.children.front()));
    for (std::size_t i = 1; i < k.children.size(); ++i) {
      auto theirs = TRY(index_answer(k.children[i]));
      std::vector<std::uint32_t> both;
      std::set_intersection(out.begin(), out.end(), theirs.begin(), theirs.end(), std::back_inserter(both));
      out = std::move(both);
    }
    return out;
  }

 private:
  // RFC 9051 §6.4.4: [MIME-HDRS] strings are decoded before comparing, so
  // the field matches as written or with its RFC 2047 encoded words decoded.
  bool header_has(Facts& f, std::string_view name, const std::string& text) {
    auto& needle = lowered(text);
    for (auto& v : f.field(name)) {
      if (contains(v, needle)) return true;
      if (v.find("=?") != std::string::npos && contains(mime::decode_header_text(v), needle)) return true;
    }
    return false;
  }
  // A key's text lower-cased, computed once for the whole search.
  const std::string& lowered(const std::string& text) {
    auto it = m_lowered.find(&text);
    if (it == m_lowered.end()) it = m_lowered.emplace(&text, ascii_lower(text)).first;
    return it->second;
  }
  // UID and sequence-number keys: the set coalesced once per key (memory
  // as the set's ranges, not as the folder), then a binary search per message.
  bool in_set(const SequenceSet& set, bool by_uid, Facts& f) {
    if (set.saved) {
      // "$" (RFC 5182): the saved UIDs, ascending.
      auto& saved = m_ctx.saved_uids;
      return saved && std::binary_search(saved->begin(), saved->end(), f.msg().uid);
    }
    auto key = std::make_pair(&set, by_uid);
    auto it = m_sets.find(key);
    if (it == m_sets.end()) {
      auto& view = *m_ctx.selected;
      it = m_sets.emplace(key, SeqIntervals(set, by_uid ? view.max_uid() : view.exists())).first;
    }
    return it->second.contains(by_uid ? f.msg().uid : f.seq());
  }
  // A TEXT, BODY or SUBJECT key's answer from the index, ascending, asked once per
  // search (once per key for the lookup, once per text and scope for the
  // query: not a string built for every message).
  Result<const std::vector<std::uint32_t>*> indexed(const SearchKey& k) {
    if (auto known = m_by_key.find(&k); known != m_by_key.end()) return known->second;
    auto scope = k.kind == K::body      ? store::TextScope::body
                 : k.kind == K::subject ? store::TextScope::subject
                                        : store::TextScope::whole;
    auto key = std::make_pair(k.text, scope);
    auto it = m_text.find(key);
    if (it == m_text.end()) {
      auto uids = TRY(m_ctx.deps.mail.search_text(m_ctx.selected->ref(), k.text, scope));
      if (!std::is_sorted(uids.begin(), uids.end())) std::sort(uids.begin(), uids.end());
      it = m_text.emplace(std::move(key), std::move(uids)).first;
    }
    m_by_key.emplace(&k, &it->second);
    return &it->second;
  }

  Context& m_ctx;
  std::map<std::pair<std::string, store::TextScope>, std::vector<std::uint32_t>> m_text;
  std::unordered_map<const SearchKey*, const std::vector<std::uint32_t>*> m_by_key;
  std::map<const std::string*, std::string> m_lowered;
  std::map<std::pair<const SequenceSet*, bool>, SeqIntervals> m_sets;
};

}  // namespace

const store::Headline& FolderHeadlines::of(const store::Message& m) {
  if (!m_loaded) {
    m_loaded = true;
    auto& mail = m_ctx.deps.mail;
    auto ref = m_ctx.selected->ref();
    auto all = m_only ? mail.list_headlines_with_uids(ref, *m_only) : mail.list_headlines(ref);
    for (auto& h : all.value_or(std::vector<store::Headline>{})) m_by_uid.emplace(h.uid, std::move(h));
  }
  auto it = m_by_uid.find(m.uid);
  if (it != m_by_uid.end()) return it->second;
  // Not in the folder's list (it changed meanwhile, or the query failed): its own lookup.
  auto info = m_ctx.deps.mail.blob_info(m.blob_id).value_or(store::BlobInfo{});
  store::Headline h{.uid = m.uid,
                    .blob_hash = info.hash,
                    .subject = info.subject,
                    .from_name = info.from_name,
                    .from_address = info.from_address,
                    .to = info.to,
                    .message_id = info.message_id,
                    .date = info.date};
  return m_by_uid.emplace(m.uid, std::move(h)).first->second;
}

std::string raw_header(std::string_view raw) {
  auto end = raw.find("\r\n\r\n");
  if (end == std::string_view::npos) end = raw.find("\n\n");
  return std::string(raw.substr(0, end == std::string_view::npos ? raw.size() : end));
}

std::vector<std::string> header_values(std::string_view h, std::string_view name) {
  std::vector<std::string> out;
  auto lname = ascii_lower(name);
  std::size_t pos = 0;
  std::string current;
  bool in_field = false;
  while (pos <= h.size()) {
    auto eol = h.find('\n', pos);
    if (eol == std::string_view::npos) eol = h.size();
    std::string_view line = h.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (in_field) current += line;
    } else {
      if (in_field) out.push_back(current);
      in_field = false;
      auto colon = line.find(':');
      if (colon != std::string_view::npos && ascii_lower(line.substr(0, colon)) == lname) {
        in_field = true;
        current = std::string(line.substr(colon + 1));
      }
    }
    pos = eol + 1;
  }
  if (in_field) out.push_back(current);
  return out;
}

std::string first_address(std::string_view v) {
  auto first = v.substr(0, v.find(','));
  auto lt = first.find('<');
  if (lt != std::string_view::npos) {
    auto gt = first.find('>', lt);
    return std::string(first.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1));
  }
  while (!first.empty() && (first.front() == ' ' || first.front() == '\t')) first.remove_prefix(1);
  while (!first.empty() && (first.back() == ' ' || first.back() == '\t')) first.remove_suffix(1);
  return std::string(first);
}

Result<std::vector<std::pair<std::uint32_t, std::uint32_t>>> run_search(Context& ctx, const SearchKey& key) {
  auto& view = *ctx.selected;
  Evaluator eval(ctx);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  auto bound = TRY(eval.bound(key));
  // Answered by the index alone: no message row is read (a word in every
  // one of 100,000 messages would otherwise read 100,000 rows to learn
  // nothing). Messages not yet reported to the session are left out, as
  // below.
  if (bound && Evaluator::index_only(key)) return view.place(TRY(eval.index_answer(key)));
  // When the index bounds the answer to a small part of the folder, only
  // those rows are read (one lookup each), not the folder's: a rare word in
  // 1,000,000 messages otherwise costs the million rows, and their
  // headlines (SUBJECT, FROM…) likewise. The key is still evaluated whole
  // on each of them.
  const std::vector<store::Message>* rows = nullptr;
  std::vector<store::Message> few;
  const bool bounded = bound && bound->size() <= view.exists() / kBoundShare;
  if (bounded) {
    few = TRY(ctx.deps.mail.list_messages_with_uids(view.ref(), {bound->begin(), bound->end()}));
    rows = &few;
  } else {
    rows = TRY(view.rows(ctx.deps.mail));
  }
  auto& messages = *rows;
  FolderHeadlines headlines(ctx, bounded ? bound : nullptr);
  for (auto& m : messages) {
    auto seq = view.seq_of(m.uid);
    if (!seq) continue;  // arrived after the last report: not visible yet
    Facts facts(ctx, headlines, m, *seq);
    if (TRY(eval.match(key, facts))) out.emplace_back(*seq, m.uid);
  }
  return out;
}

}  // namespace estafeta::imap
