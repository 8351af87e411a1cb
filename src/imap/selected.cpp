#include "imap/selected.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "imap/proto/response.hpp"

namespace estafeta::imap {

Result<std::unique_ptr<SelectedMailbox>> SelectedMailbox::open(store::Mail& store, const store::Mailbox& box,
                                                               bool read_only) {
  std::unique_ptr<SelectedMailbox> s(new SelectedMailbox(box, read_only));
  // Read the modseq first: anything that changes after it is reported later.
  auto fresh = TRY(store.mailbox(box.ref()));
  s->m_box = fresh;
  s->m_known_modseq = fresh.highestmodseq;
  for (auto& m : TRY(store.list_messages_brief(box.ref()))) {
    s->m_uids.push_back(m.uid);
    if (!s->m_first_unseen && !(m.flags & store::flag_seen)) s->m_first_unseen = s->exists();
    for (auto& k : m.keywords) s->learn_keyword(k);
  }
  return s;
}

bool SelectedMailbox::learn_keyword(const std::string& keyword) {
  if (!m_known.insert(ascii_lower(keyword)).second) return false;
  m_keywords.push_back(keyword);
  return true;
}

std::string SelectedMailbox::flags_responses() const {
  std::string keywords;
  for (auto& k : m_keywords) keywords += " " + k;
  std::string out = fmt::format("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft{})\r\n", keywords);
  if (m_read_only)
    out += "* OK [PERMANENTFLAGS ()] read-only mailbox\r\n";
  else
    out += fmt::format(
        "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft{} \\*)] flags permitted\r\n", keywords);
  return out;
}

Status SelectedMailbox::claim_recent(store::Mail& store) {
  if (m_read_only) return {};
  auto [first, last] = TRY(store.claim_recent(m_box.ref()));
  if (first == last) return {};
  if (!m_recent.empty() && m_recent.back().second == first)
    m_recent.back().second = last;
  else
    m_recent.emplace_back(first, last);
  return {};
}

bool SelectedMailbox::is_recent(std::uint32_t uid) const {
  return std::any_of(m_recent.begin(), m_recent.end(), [&](auto& r) { return uid > r.first && uid <= r.second; });
}

std::uint32_t SelectedMailbox::recent_count() const {
  auto above = [&](std::uint32_t uid) { return std::upper_bound(m_uids.begin(), m_uids.end(), uid); };
  if (m_read_only) return static_cast<std::uint32_t>(m_uids.end() - above(m_box.recent_uid));
  std::ptrdiff_t n = 0;
  for (auto& [first, last] : m_recent) n += above(last) - above(first);
  return static_cast<std::uint32_t>(n);
}

std::string SelectedMailbox::flags_of(std::uint32_t uid, std::uint32_t flags,
                                      const std::vector<std::string>& keywords) const {
  auto list = flag_list(flags, keywords);
  if (!is_recent(uid)) return list;
  return list.size() > 2 ? "(\\Recent " + list.substr(1) : "(\\Recent)";
}

std::string SelectedMailbox::announce(const std::vector<std::string>& keywords) {
  bool added = false;
  for (auto& k : keywords) added |= learn_keyword(k);
  return added ? flags_responses() : std::string();
}

std::optional<std::uint32_t> SelectedMailbox::seq_of(std::uint32_t uid) const {
  auto it = std::lower_bound(m_uids.begin(), m_uids.end(), uid);
  if (it == m_uids.end() || *it != uid) return std::nullopt;
  return static_cast<std::uint32_t>(it - m_uids.begin() + 1);
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> SelectedMailbox::place(
    std::span<const std::uint32_t> ascending) const {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  out.reserve(std::min(ascending.size(), m_uids.size()));
  auto it = m_uids.begin();
  const auto end = m_uids.end();
  for (auto uid : ascending) {
    // Every UID before `it` is below uid. When *it is too, steps of 1, 2,
    // 4… from it find where the first one at least uid lies, then a search
    // within the last step.
    if (it == end) break;
    if (*it < uid) {
      auto lo = it;
      std::ptrdiff_t step = 1;
      while (end - lo > step && lo[step] < uid) {
        lo += step;
        step *= 2;
      }
      it = std::lower_bound(lo + 1, end - lo > step ? lo + step + 1 : end, uid);
      if (it == end) break;
    }
    if (*it == uid) {
      out.emplace_back(static_cast<std::uint32_t>(it - m_uids.begin() + 1), uid);
      ++it;
    }
  }
  return out;
}

bool SelectedMailbox::out_of_range(const SequenceSet& set) const {
  if (set.saved) return false;
  for (auto& r : set.ranges)
    for (auto n : {r.first, r.last})
      if (n != kStar && n > exists()) return true;
  return false;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> SelectedMailbox::resolve(
    const SequenceSet& set, bool by_uid, const std::vector<std::uint32_t>* saved) const {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  if (m_uids.empty()) return out;
  if (set.saved) return saved ? place(*saved) : out;
  // Disjoint ascending intervals: the pairs come out ascending and unique.
  SeqIntervals intervals(set, by_uid ? max_uid() : exists());
  if (by_uid) {
    for (auto [a, b] : intervals.intervals()) {
      auto lo = std::lower_bound(m_uids.begin(), m_uids.end(), a);
      auto hi = std::upper_bound(lo, m_uids.end(), b);
      for (auto it = lo; it < hi; ++it) out.emplace_back(static_cast<std::uint32_t>(it - m_uids.begin() + 1), *it);
    }
  } else {
    for (auto [a, b] : intervals.intervals()) {
      b = std::min(b, exists());
      for (std::uint32_t s = std::max<std::uint32_t>(a, 1); s <= b; ++s) out.emplace_back(s, m_uids[s - 1]);
    }
  }
  return out;
}

std::string SelectedMailbox::forget(const std::vector<std::uint32_t>& uids, bool vanished) {
  std::string out;
  std::vector<std::uint32_t> gone_seqs;
  std::vector<std::uint32_t> gone_uids;
  for (auto uid : uids)
    if (auto seq = seq_of(uid)) {
      gone_seqs.push_back(*seq);
      gone_uids.push_back(uid);
    }
  if (gone_uids.empty()) return out;
  std::sort(gone_uids.begin(), gone_uids.end());
  if (vanished) {
    out += fmt::format("* VANISHED {}\r\n", compress_set(gone_uids));
  } else {
    // Highest first: each EXPUNGE shifts only the numbers above it.
    std::sort(gone_seqs.rbegin(), gone_seqs.rend());
    for (auto s : gone_seqs) out += fmt::format("* {} EXPUNGE\r\n", s);
  }
  std::vector<std::uint32_t> kept;
  kept.reserve(m_uids.size());
  std::set_difference(m_uids.begin(), m_uids.end(), gone_uids.begin(), gone_uids.end(), std::back_inserter(kept));
  m_uids = std::move(kept);
  return out;
}

Result<store::Mailbox> SelectedMailbox::reread(store::Mail& store) {
  if (m_lost) return fail(ErrorKind::not_found, "the selected folder no longer exists");
  auto box = store.mailbox(m_box.ref());
  if (!box && box.error().kind != ErrorKind::not_found) return box;  // a store fault: try again later
  if (!box || box->uidvalidity != m_box.uidvalidity || box->name != m_box.name) {
    m_lost = true;
    return fail(ErrorKind::not_found, "the selected folder no longer exists");
  }
  return box;
}

Status SelectedMailbox::check(store::Mail& store) {
  TRY(reread(store));
  return {};
}

Result<std::string> SelectedMailbox::poll(store::Mail& store, const PollOptions& o) {
  FolderDelta delta;
  delta.since = m_known_modseq;
  delta.box = TRY(reread(store));
  if (delta.box.highestmodseq <= m_known_modseq) return std::string();
  delta.expunged = TRY(store.expunged_since(m_box.ref(), m_known_modseq));
  delta.changed = TRY(store.changed_since(m_box.ref(), m_known_modseq));
  return *apply(delta, o, &store);
}

bool SelectedMailbox::needs_claim(const FolderDelta& d, const PollOptions& o) const {
  if (!o.recent || m_read_only || d.recent_claimed || d.changed.empty()) return false;
  // The highest UID that arrives here (changed is ascending by UID): claimed
  // already when the folder was read (recent_uid only grows), or not new.
  std::uint32_t last = d.changed.back().uid;
  return last > max_uid() && last > d.box.recent_uid;
}

std::optional<std::string> SelectedMailbox::apply(const FolderDelta& d, const PollOptions& o, store::Mail* store) {
  if (d.since != m_known_modseq) return std::nullopt;
  const bool claim = needs_claim(d, o);
  if (claim && !store) return std::nullopt;
  if (m_lost) return std::string();
  const auto& box = d.box;
  if (box.uidvalidity != m_box.uidvalidity || box.name != m_box.name) {
    m_lost = true;  // as reread() finds it
    return std::string();
  }
  if (box.highestmodseq <= m_known_modseq) return std::string();
  std::string out;
  bool withheld = false;
  std::vector<std::uint32_t> gone_here;
  for (auto uid : d.expunged)
    if (seq_of(uid)) gone_here.push_back(uid);
  if (!gone_here.empty()) {
    if (o.allow_expunge)
      out += forget(gone_here, o.vanished);
    else
      withheld = true;
  }
  std::uint32_t before = exists();
  std::string fetches;
  for (auto& m : d.changed) {
    bool arrived = m.uid > max_uid();
    // A change newer than our snapshot is reported next time. Not so a
    // message that arrived: UIDs join in ascending order, and one left out
    // here could never join after a higher one taken (its later flag change
    // is then reported as a FETCH next time, which is harmless).
    if (!arrived && m.modseq > box.highestmodseq) continue;
    out += announce(m.keywords);  // before EXISTS and any FETCH that shows them
    if (arrived) {
      m_uids.push_back(m.uid);  // changed_since is ascending by UID
      continue;
    }
    auto seq = seq_of(m.uid);
    if (!seq) continue;
    if (auto r = m_reported.find(m.uid); r != m_reported.end() && r->second == m.modseq) continue;
    fetches += fmt::format("* {} FETCH (", *seq);
    if (o.uid_in_fetch) fetches += fmt::format("UID {} ", m.uid);
    fetches += "FLAGS " + flags_of(m.uid, m.flags, m.keywords);
    if (o.modseq) fetches += fmt::format(" MODSEQ ({})", m.modseq);
    fetches += ")\r\n";
  }
  if (exists() != before) {
    out += fmt::format("* {} EXISTS\r\n", exists());
    // RFC 3501 §7.3.2: RECENT follows whenever the size changes.
    if (o.recent) {
      if (m_read_only) {
        m_box.recent_uid = box.recent_uid;
      } else if (claim) {
        // Best effort: a failed claim leaves the new mail unclaimed (another
        // session may claim it), never the EXISTS above unsaid.
        std::uint32_t recent_before = recent_count();
        if (claim_recent(*store) && recent_count() != recent_before) d.recent_claimed = true;
      }
      out += fmt::format("* {} RECENT\r\n", recent_count());
    }
  }
  out += fetches;
  if (!withheld) {
    m_known_modseq = box.highestmodseq;
    std::erase_if(m_reported, [&](auto& kv) { return kv.second <= m_known_modseq; });
  }
  m_box = box;
  return out;
}

}  // namespace estafeta::imap
