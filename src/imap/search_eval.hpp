// Evaluating SEARCH keys (RFC 9051 §6.4.4) against the selected mailbox.
//
// Flag, size, date, UID and sequence keys are answered from the message
// rows; SUBJECT/FROM/TO/CC from the decoded summary kept at delivery; BODY
// and TEXT from the full-text index (substring, case-insensitive, RFC 9051
// §6.4.4: "case-insensitive substring"); HEADER, TO, CC, BCC and anything the
// summary lacks from the raw header of the message, as written or with its
// RFC 2047 encoded words decoded (RFC 9051 §6.4.4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "imap/context.hpp"

namespace estafeta::imap {

// The values of a header field (case-insensitive name), unfolded, from a raw
// message header.
std::vector<std::string> header_values(std::string_view header, std::string_view name);
// The raw header of a message (up to the blank line).
std::string raw_header(std::string_view message);
// The addr-spec of the first address in a header value ("A <a@b>, c@d" → "a@b").
std::string first_address(std::string_view value);
// The offset from UTC, in seconds, of an RFC 5322 §3.3 date-time ("Sat, 24
// Mar 2007 23:00:00 +0200" → 7200), obsolete zones (§4.3: "EST", "GMT", …)
// included; 0 for "-0000", military letters and anything unreadable.
int date_zone_offset(std::string_view date);

// Subjects, senders, recipients and dates of the selected folder's
// messages, read in one query the first time one is asked for (not one
// lookup per message), for SEARCH, SORT and THREAD.
class FolderHeadlines {
 public:
  // `only`: the UIDs that will be asked for, when they are few (read by
  // UID, not the whole folder); null for any message of the folder.
  explicit FolderHeadlines(Context& ctx, const std::vector<std::uint32_t>* only = nullptr) : m_ctx(ctx), m_only(only) {}
  const store::Headline& of(const store::Message& m);

 private:
  Context& m_ctx;
  const std::vector<std::uint32_t>* m_only;
  bool m_loaded = false;
  std::unordered_map<std::uint32_t, store::Headline> m_by_uid;
};

// The (seq, uid) pairs of the selected mailbox that match, ascending.
Result<std::vector<std::pair<std::uint32_t, std::uint32_t>>> run_search(Context& ctx, const SearchKey& key);

}  // namespace estafeta::imap
