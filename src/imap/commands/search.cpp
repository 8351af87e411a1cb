// SEARCH and UID SEARCH (RFC 9051 §6.4.4), with ESEARCH results (RFC 4731)
// and the saved result "$" (SEARCHRES, RFC 5182); SORT and UID SORT
// (RFC 5256 §3, with DISPLAYFROM/DISPLAYTO from RFC 5957); THREAD and UID
// THREAD with ORDEREDSUBJECT and REFERENCES (RFC 5256 §3).
#include <algorithm>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "imap/commands/commands.hpp"
#include "imap/proto/response.hpp"
#include "imap/proto/sort_key.hpp"
#include "imap/proto/thread.hpp"
#include "imap/search_eval.hpp"

namespace estafeta::imap {

namespace {

bool charset_ok(const std::optional<std::string>& cs) { return !cs || *cs == "UTF-8" || *cs == "US-ASCII"; }

bool has(unsigned bits, SearchReturn r) { return bits & static_cast<unsigned>(r); }

bool uses_modseq(const SearchKey& k) {
  if (k.kind == SearchKey::Kind::modseq) return true;
  return std::any_of(k.children.begin(), k.children.end(), uses_modseq);
}

// The selected folder's messages by UID, in one query (SORT, THREAD).
Result<std::unordered_map<std::uint32_t, store::Message>> folder_messages(Context& ctx) {
  std::unordered_map<std::uint32_t, store::Message> out;
  for (auto& m : *TRY(ctx.selected->rows(ctx.deps.mail))) out.emplace(m.uid, m);
  return out;
}

}  // namespace

Reply handle(Context& ctx, const std::string& tag, cmd::Search& s) {
  // RFC 5182 §2.1: a SEARCH with SAVE that ends NO sets "$" to the empty
  // sequence (one that ends BAD leaves it alone: syntax errors never get here).
  auto refuse = [&](Reply no) {
    if (has(s.args.returns, SearchReturn::save)) ctx.saved_uids.emplace();
    return no;
  };
  // RFC 6855 §3: after ENABLE UTF8=ACCEPT a SEARCH "MUST NOT" name a
  // charset; the server "SHOULD reject the command with a "BAD" response".
  // (BAD: "$" stays as it was, RFC 5182 §2.1.)
  if (ctx.enabled.utf8 && s.args.charset)
    return tagged_bad(tag, "no CHARSET after ENABLE UTF8=ACCEPT: strings are UTF-8 (RFC 6855 §3)");
  if (!charset_ok(s.args.charset)) return refuse(tagged_no(tag, "unsupported charset", "BADCHARSET (US-ASCII UTF-8)"));
  std::string enabled = uses_modseq(s.args.key) ? enable_condstore(ctx) : std::string();  // RFC 7162 §3.1
  auto found = run_search(ctx, s.args.key);
  if (!found) return refuse(from_error(tag, found.error()));
  Reply r;
  unsigned ret = s.args.returns;
  // IMAP4rev2 answers every SEARCH with ESEARCH (RFC 9051 §6.4.4).
  bool esearch = s.args.esearch || ctx.enabled.rev2;
  if (esearch && ret == 0) ret = static_cast<unsigned>(SearchReturn::all);
  std::vector<std::uint32_t> numbers;
  numbers.reserve(found->size());
  for (auto& [seq, uid] : *found) numbers.push_back(s.uid ? uid : seq);
  if (has(ret, SearchReturn::save)) {
    std::vector<std::uint32_t> uids;
    for (auto& [seq, uid] : *found) uids.push_back(uid);
    // RFC 5182 §2.1: SAVE with MIN or MAX saves only those.
    if (has(ret, SearchReturn::min) || has(ret, SearchReturn::max)) {
      std::vector<std::uint32_t> kept;
      if (!uids.empty() && has(ret, SearchReturn::min)) kept.push_back(uids.front());
      if (!uids.empty() && has(ret, SearchReturn::max) && (kept.empty() || kept.back() != uids.back()))
        kept.push_back(uids.back());
      uids = kept;
    }
    ctx.saved_uids = std::move(uids);
  }
  // RFC 7162 §3.1.5: with a MODSEQ key, the highest modseq of the results.
  std::uint64_t highest = 0;
  if (uses_modseq(s.args.key) && !found->empty()) {
    for (auto& [seq, uid] : *found)
      if (auto m = ctx.deps.mail.message(ctx.selected->ref(), uid)) highest = std::max(highest, m->modseq);
  }
  if (!esearch) {
    r.out = enabled + "* SEARCH";
    r.out.reserve(r.out.size() + numbers.size() * 8 + 64);
    for (auto n : numbers) {
      r.out += ' ';
      append_number(r.out, n);
    }
    if (highest) r.out += fmt::format(" (MODSEQ {})", highest);
    r.out += "\r\n";
  } else if (ret != static_cast<unsigned>(SearchReturn::save)) {
    r.out = enabled + fmt::format("* ESEARCH (TAG \"{}\")", tag);
    if (s.uid) r.out += " UID";
    if (!numbers.empty()) {
      if (has(ret, SearchReturn::min)) r.out += fmt::format(" MIN {}", numbers.front());
      if (has(ret, SearchReturn::max)) r.out += fmt::format(" MAX {}", numbers.back());
      if (has(ret, SearchReturn::all)) r.out += " ALL " + compress_set(numbers);
    }
    if (has(ret, SearchReturn::count)) r.out += fmt::format(" COUNT {}", numbers.size());
    if (highest) r.out += fmt::format(" MODSEQ {}", highest);
    r.out += "\r\n";
  } else {
    r.out = std::move(enabled);  // SAVE alone: no result, the enabling still said
  }
  append_updates(ctx, r, s.uid);
  append_tagged(r, tag, "OK", "SEARCH completed");
  return r;
}

Reply handle(Context& ctx, const std::string& tag, cmd::Sort& s) {
  if (s.charset != "UTF-8" && s.charset != "US-ASCII")
    return tagged_no(tag, "unsupported charset", "BADCHARSET (US-ASCII UTF-8)");
  auto found = run_search(ctx, s.search.key);
  if (!found) return from_error(tag, found.error());
  struct Row {
    std::uint32_t seq, uid;
    const store::Message* m;
    const store::Headline* info;  // only when sorting by DATE or SUBJECT
    std::string subject;          // collation form, only when sorting by SUBJECT
    AddressSortKeys addresses;    // only when sorting by an address
  };
  auto uses = [&](std::initializer_list<SortKey> keys) {
    return std::any_of(s.criteria.begin(), s.criteria.end(),
                       [&](auto& k) { return std::find(keys.begin(), keys.end(), k.key) != keys.end(); });
  };
  bool by_subject = uses({SortKey::subject});
  bool by_address = uses({SortKey::from, SortKey::to, SortKey::cc, SortKey::display_from, SortKey::display_to});
  // The folder's headlines (subject, Date, …) are read only for the keys
  // that need them: ARRIVAL and SIZE come from the messages themselves.
  bool by_headline = by_subject || uses({SortKey::date});
  auto messages = folder_messages(ctx);
  if (!messages) return from_error(tag, messages.error());
  FolderHeadlines headlines(ctx);
  std::vector<Row> rows;
  for (auto& [seq, uid] : *found) {
    auto it = messages->find(uid);
    if (it == messages->end()) continue;
    Row row{seq, uid, &it->second, by_headline ? &headlines.of(it->second) : nullptr, {}, {}};
    if (by_subject) row.subject = subject_sort_key(row.info->subject);
    if (by_address) {
      auto blob = ctx.deps.mail.blob_info(it->second.blob_id);
      if (!blob) return from_error(tag, blob.error());
      row.addresses = address_sort_keys(blob->structure.envelope);
    }
    rows.push_back(std::move(row));
  }
  auto compare = [&](const Row& a, const Row& b, SortKey key) -> int {
    auto cmp = [](const auto& x, const auto& y) { return x < y ? -1 : y < x ? 1 : 0; };
    switch (key) {
      case SortKey::arrival: return cmp(a.m->internal_date, b.m->internal_date);
      // RFC 5256 §2.2: without a usable Date, the internal date.
      case SortKey::date:
        return cmp(a.info->date ? a.info->date : a.m->internal_date, b.info->date ? b.info->date : b.m->internal_date);
      case SortKey::size: return cmp(a.m->size, b.m->size);
      case SortKey::subject: return cmp(a.subject, b.subject);
      case SortKey::from: return cmp(a.addresses.from, b.addresses.from);
      case SortKey::to: return cmp(a.addresses.to, b.addresses.to);
      case SortKey::cc: return cmp(a.addresses.cc, b.addresses.cc);
      case SortKey::display_from: return cmp(a.addresses.display_from, b.addresses.display_from);
      case SortKey::display_to: return cmp(a.addresses.display_to, b.addresses.display_to);
    }
    return 0;
  };
  // A key given twice decides nothing the second time (RFC 5256 §3: later
  // keys only break ties of earlier ones): each is compared once.
  std::vector<SortCriterion> criteria;
  for (auto& crit : s.criteria)
    if (std::none_of(criteria.begin(), criteria.end(), [&](auto& k) { return k.key == crit.key; }))
      criteria.push_back(crit);
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    for (auto& crit : criteria) {
      int r = compare(a, b, crit.key);
      if (r != 0) return crit.reverse ? r > 0 : r < 0;
    }
    return a.seq < b.seq;  // RFC 5256: ties by sequence number
  });
  Reply r;
  r.out = "* SORT";
  for (auto& row : rows) r.out += fmt::format(" {}", s.uid ? row.uid : row.seq);
  r.out += "\r\n";
  append_updates(ctx, r, s.uid);
  append_tagged(r, tag, "OK", "SORT completed");
  return r;
}

}  // namespace estafeta::imap

namespace estafeta::imap {

Reply handle(Context& ctx, const std::string& tag, cmd::Thread& t) {
  if (t.algorithm != "REFERENCES" && t.algorithm != "ORDEREDSUBJECT")
    return tagged_no(tag, "unsupported threading algorithm", "CANNOT");
  if (t.charset != "UTF-8" && t.charset != "US-ASCII")
    return tagged_no(tag, "unsupported charset", "BADCHARSET (US-ASCII UTF-8)");
  auto found = run_search(ctx, t.search.key);
  if (!found) return from_error(tag, found.error());
  auto rows = folder_messages(ctx);
  if (!rows) return from_error(tag, rows.error());
  FolderHeadlines headlines(ctx);
  std::vector<ThreadMessage> messages;
  for (auto& [seq, uid] : *found) {
    auto it = rows->find(uid);
    if (it == rows->end()) continue;
    auto* m = &it->second;
    auto& info = headlines.of(*m);
    ThreadMessage tm;
    tm.number = t.uid ? uid : seq;
    tm.subject = info.subject;
    tm.date = info.date ? info.date : m->internal_date;
    if (t.algorithm == "REFERENCES") {
      auto header = raw_header(ctx.deps.blobs.get(info.blob_hash).value_or(""));
      auto ids = parse_msg_ids(info.message_id.empty() ? "" : "<" + info.message_id + ">");
      tm.message_id = ids.empty() ? "" : ids.front();
      for (auto& v : header_values(header, "References"))
        for (auto& id : parse_msg_ids(v)) tm.references.push_back(id);
      if (tm.references.empty())
        for (auto& v : header_values(header, "In-Reply-To")) {
          auto ids2 = parse_msg_ids(v);
          if (!ids2.empty()) {
            tm.references.push_back(ids2.front());
            break;
          }
        }
    }
    messages.push_back(std::move(tm));
  }
  Reply r;
  r.out = "* THREAD " + (t.algorithm == "REFERENCES" ? thread_references(messages) : thread_orderedsubject(messages));
  if (r.out.back() == ' ') r.out.pop_back();
  r.out += "\r\n";
  append_updates(ctx, r, t.uid);
  append_tagged(r, tag, "OK", "THREAD completed");
  return r;
}

}  // namespace estafeta::imap
