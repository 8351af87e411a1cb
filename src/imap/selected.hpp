// The selected mailbox as this session knows it: the message sequence
// numbers it has announced (seq ↔ UID), and the changes by others still to
// announce (RFC 9051 §7.4.1 EXPUNGE, §7.3.1 EXISTS, §7.5.2 FETCH FLAGS;
// RFC 7162 §3.2.10 VANISHED).
//
// Changes are found by asking the store what changed after the last modseq
// this session reported (changed_since / expunged_since), so a session never
// misses a change whatever its source (another session, SMTP, the web app).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "imap/folder_changes.hpp"
#include "imap/folder_rows.hpp"
#include "imap/proto/command.hpp"
#include "imap/proto/sequence_set.hpp"
#include "store/store.hpp"

namespace estafeta::imap {

struct PollOptions {
  bool allow_expunge = true;  // false while answering FETCH, STORE, SEARCH (RFC 9051 §7.5.1)
  bool vanished = false;      // QRESYNC enabled: VANISHED instead of EXPUNGE
  bool modseq = false;        // CONDSTORE enabled: MODSEQ in unsolicited FETCH
  bool uid_in_fetch = true;   // include UID in unsolicited FETCH (always allowed)
  bool recent = false;        // IMAP4rev1: \Recent and RECENT (RFC 9051 removed them)
};

class SelectedMailbox {
 public:
  static Result<std::unique_ptr<SelectedMailbox>> open(store::Mail& store, const store::Mailbox& box, bool read_only);

  const store::Mailbox& mailbox() const { return m_box; }
  store::Id id() const { return m_box.id; }
  store::MailboxRef ref() const { return m_box.ref(); }
  bool read_only() const { return m_read_only; }
  std::uint32_t exists() const { return static_cast<std::uint32_t>(m_uids.size()); }
  std::uint32_t max_uid() const { return m_uids.empty() ? 0 : m_uids.back(); }
  std::uint64_t known_modseq() const { return m_known_modseq; }
  const std::vector<std::uint32_t>& uids() const { return m_uids; }

  // The sequence number of the first message without \Seen when the folder
  // was opened (SELECT's OK [UNSEEN n], RFC 3501 §6.3.1); nullopt when every
  // message was seen.
  std::optional<std::uint32_t> first_unseen() const { return m_first_unseen; }

  std::uint32_t uid_at(std::uint32_t seq) const { return m_uids.at(seq - 1); }
  std::optional<std::uint32_t> seq_of(std::uint32_t uid) const;
  // The (seq, uid) pairs of those of the ascending UIDs present here: one
  // pass over both lists, galloping over the gaps, so a million UIDs cost a
  // walk, not a million binary searches, and ten cost ten short searches.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> place(std::span<const std::uint32_t> ascending) const;

  // The (seq, uid) pairs a sequence set names, ascending, only those present.
  // "*" is the last message (or, for UIDs, the highest UID; RFC 9051 §6.4.8:
  // with UIDs, n:* matches the last message even when n is greater).
  // The ranges are coalesced first (SeqIntervals): O(ranges log ranges +
  // the messages named), however often the client repeats a range.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> resolve(const SequenceSet& set, bool by_uid,
                                                               const std::vector<std::uint32_t>* saved) const;
  // True when a message sequence number in the set is beyond EXISTS (BAD for non-UID commands).
  bool out_of_range(const SequenceSet& set) const;

  // Every message row of the folder as the store has it now (not as this
  // session last reported it), ascending by UID: what SEARCH, SORT and
  // THREAD evaluate. Kept between commands (FolderRows).
  Result<const std::vector<store::Message>*> rows(store::Mail& store) { return m_rows.current(store, ref()); }

  // The untagged responses for what changed since the last report.
  Result<std::string> poll(store::Mail& store, const PollOptions& options);
  // The same from a delta already read (FolderChanges): `delta.since` must
  // be known_modseq(). `store` is for the \Recent claim (claim_recent);
  // without one, nullopt when the delta brings mail this session must try
  // to claim. nullopt too when the delta starts elsewhere. A delta showing
  // the folder gone or replaced makes the selection lost().
  std::optional<std::string> apply(const FolderDelta& delta, const PollOptions& options, store::Mail* store);

  // Whether the folder is still the one this session selected: it exists
  // under the session's address with the same name and UIDVALIDITY. When
  // it is not (another session deleted or renamed it), the selection is
  // lost for good (lost()), and the session must end: what the client
  // holds (name, sequence numbers, UIDs) no longer names what it did (RFC
  // 9051 §2.3.1.1). poll() checks the same.
  Status check(store::Mail& store);
  bool lost() const { return m_lost; }
  // This session renamed the folder (or a parent of it) itself: it stays selected.
  void renamed(std::string name) { m_box.name = std::move(name); }

  // This session expunged these UIDs itself: drop them and return the
  // EXPUNGE (descending sequence numbers) or VANISHED responses.
  std::string forget(const std::vector<std::uint32_t>& uids, bool vanished);
  // This session changed a message's flags and told its client already: the
  // next poll does not repeat that FETCH.
  void reported(std::uint32_t uid, std::uint64_t modseq) { m_reported[uid] = modseq; }

  // Keywords (RFC 9051 §2.3.2) are announced before use: a client keeps the
  // list of FLAGS and must never meet one outside it (RFC 3501 §7.2.6,
  // RFC 9051 §7.3.5). The FLAGS and PERMANENTFLAGS responses of SELECT,
  // listing the system flags and every keyword the folder holds:
  std::string flags_responses() const;
  // The same again when `keywords` holds one not announced yet (then it
  // is), "" otherwise. Keywords compare without case.
  std::string announce(const std::vector<std::string>& keywords);

  // \Recent (IMAP4rev1, RFC 3501 §2.3.2): a read-write selection claims
  // the messages no session has claimed (Store::claim_recent) and they are
  // recent here alone; new mail is claimed as the session learns of it.
  Status claim_recent(store::Mail& store);
  bool is_recent(std::uint32_t uid) const;
  // The RECENT count: the messages claimed here; for a read-only selection,
  // those nobody has claimed.
  std::uint32_t recent_count() const;
  // A flag list with \Recent first when the message is recent here (never
  // in an IMAP4rev2 session: it claims nothing, and ENABLE comes before
  // any selection).
  std::string flags_of(std::uint32_t uid, std::uint32_t flags, const std::vector<std::string>& keywords) const;

 private:
  SelectedMailbox(store::Mailbox box, bool read_only) : m_box(std::move(box)), m_read_only(read_only) {}
  // The folder as the store has it now; not_found (and lost()) once it is gone.
  Result<store::Mailbox> reread(store::Mail& store);

  // The folder as last read; m_box.ref() scopes every store call.
  store::Mailbox m_box;
  bool m_read_only;
  bool m_lost = false;
  std::vector<std::uint32_t> m_uids;                  // ascending; index = seq - 1
  std::uint64_t m_known_modseq = 0;                   // every change up to here has been reported
  std::optional<std::uint32_t> m_first_unseen;        // as opened (first_unseen())
  std::map<std::uint32_t, std::uint64_t> m_reported;  // own changes past m_known_modseq, already told
  std::vector<std::string> m_keywords;                // announced, in the order first seen
  std::unordered_set<std::string> m_known;            // the same, lower-cased: keywords compare without case
  // The UID ranges (first, last] claimed here, ascending; consecutive
  // claims merge, so a session usually holds one range however large.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> m_recent;
  FolderRows m_rows;
  // Whether applying `delta` must ask the store for a \Recent claim.
  bool needs_claim(const FolderDelta& delta, const PollOptions& options) const;
  // Adds the keyword to those announced; whether it was new.
  bool learn_keyword(const std::string& keyword);
};

}  // namespace estafeta::imap
