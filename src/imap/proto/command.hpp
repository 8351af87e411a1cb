// IMAP commands as typed values: what the parser produces and the command
// handlers consume (RFC 9051 §6, RFC 3501, and the extensions Estafeta
// announces). No I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace estafeta::imap {

// "*" in a sequence set. 0, which no sequence number or UID can be
// (nz-number): an explicit 4294967295 is a number like any other, and
// only "*" means the last message or the highest UID (RFC 9051 §9).
inline constexpr std::uint32_t kStar = 0;

struct SeqRange {
  std::uint32_t first = 0;  // kStar for "*"
  std::uint32_t last = 0;   // == first for a single number
  bool operator==(const SeqRange&) const = default;
};

// sequence-set, or "$" (the saved result, RFC 5182).
struct SequenceSet {
  std::vector<SeqRange> ranges;
  bool saved = false;
  bool operator==(const SequenceSet&) const = default;
};

// section-spec of BODY[…] / BINARY[…] (RFC 9051 §6.4.5).
struct Section {
  enum class Text { none, header, header_fields, header_fields_not, text, mime };
  std::vector<std::uint32_t> part;  // "1.2.3"
  Text text = Text::none;
  std::vector<std::string> fields;  // for header_fields(_not), upper-cased
  bool operator==(const Section&) const = default;
};

struct Partial {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool operator==(const Partial&) const = default;
};

struct FetchAttr {
  enum class Kind {
    envelope,
    flags,
    internaldate,
    rfc822,
    rfc822_header,
    rfc822_size,
    rfc822_text,
    body,  // BODY (structure, non-extensible)
    bodystructure,
    body_section,  // BODY[…] / BODY.PEEK[…]
    binary,        // BINARY[…] / BINARY.PEEK[…]
    binary_size,
    uid,
    modseq,
  };
  Kind kind = Kind::flags;
  bool peek = false;
  Section section;
  std::optional<Partial> partial;
  bool operator==(const FetchAttr&) const = default;
};

struct SearchKey;
using SearchKeys = std::vector<SearchKey>;

struct SearchKey {
  enum class Kind {
    all,
    answered,
    deleted,
    draft,
    flagged,
    seen,
    recent,
    new_,
    old,
    unanswered,
    undeleted,
    undraft,
    unflagged,
    unseen,
    keyword,
    unkeyword,  // text
    bcc,
    body,
    cc,
    from,
    subject,
    text,
    to,      // text
    header,  // field, text
    before,
    on,
    since,
    sentbefore,
    senton,
    sentsince,  // date
    larger,
    smaller,  // number
    uid,
    seqset,  // set
    modseq,  // number (RFC 7162)
    not_,
    or_,
    and_,  // children
  };
  Kind kind = Kind::all;
  std::string text;   // string argument; for header: the value
  std::string field;  // header field name
  std::uint64_t number = 0;
  std::int64_t date = 0;  // days since 1970-01-01 (dates without time)
  SequenceSet set;
  SearchKeys children;  // not_: 1, or_: 2, and_: n
};

enum class SearchReturn : unsigned { min = 1, max = 2, all = 4, count = 8, save = 16 };

struct SearchArgs {
  std::optional<std::string> charset;
  bool esearch = false;  // RETURN (…) given (RFC 4731)
  unsigned returns = 0;  // SearchReturn bits; 0 with esearch = ALL
  SearchKey key;         // an and_ of the top-level keys
};

enum class SortKey { arrival, cc, date, from, size, subject, to, display_from, display_to };
struct SortCriterion {
  SortKey key = SortKey::arrival;
  bool reverse = false;
};

enum class StoreMode { replace, add, remove };

struct StatusItem {
  enum class Kind {
    messages,
    uidnext,
    uidvalidity,
    unseen,
    deleted,
    deleted_storage,
    size,
    highestmodseq,
    recent,
    appendlimit,  // RFC 7889 §3.1
  };
  Kind kind;
};

// One struct per command shape. Names follow the RFC.
namespace cmd {
struct Capability {};
struct Noop {};
struct Logout {};
struct StartTls {};
struct Authenticate {
  std::string mechanism;
  std::optional<std::string> initial;
};  // initial: base64, "=" for empty
struct Login {
  std::string user;
  std::string password;
};
struct Enable {
  std::vector<std::string> capabilities;
};  // upper-cased
struct Select {
  std::string mailbox;
  bool read_only = false;  // EXAMINE
  bool condstore = false;
  // QRESYNC (uidvalidity modseq [known-uids [seq-match]])
  struct Qresync {
    std::uint32_t uidvalidity = 0;
    std::uint64_t modseq = 0;
    std::optional<SequenceSet> known_uids;
    std::optional<std::pair<SequenceSet, SequenceSet>> seq_match;
  };
  std::optional<Qresync> qresync;
};
struct Create {
  std::string mailbox;
  std::vector<std::string> special_use;
};
struct Delete {
  std::string mailbox;
};
struct Rename {
  std::string from;
  std::string to;
};
struct Subscribe {
  std::string mailbox;
  bool subscribe = true;
};
struct List {
  bool lsub = false;
  std::vector<std::string> select_opts;  // SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE (upper)
  std::string reference;
  std::vector<std::string> patterns;
  std::vector<std::string> return_opts;  // SUBSCRIBED, CHILDREN, SPECIAL-USE, STATUS (upper)
  std::vector<StatusItem> status_items;  // RETURN (STATUS (…)) (RFC 5819)
  bool extended = false;                 // any LIST-EXTENDED syntax used
};
struct Namespace {};
struct Status {
  std::string mailbox;
  std::vector<StatusItem> items;
};
struct Append {
  std::string mailbox;
  std::vector<std::string> flags;
  std::optional<std::int64_t> internal_date;  // Unix seconds
  std::string message;
  bool binary = false;  // literal8
  bool utf8 = false;    // sent as UTF8 (literal8) (RFC 6855 §4)
};
struct Idle {};
struct Check {};
struct Close {};
struct Unselect {};
struct Expunge {
  std::optional<SequenceSet> uids;
};  // UID EXPUNGE
struct Search {
  bool uid = false;
  SearchArgs args;
};
struct Fetch {
  bool uid = false;
  SequenceSet set;
  std::vector<FetchAttr> attrs;
  std::optional<std::uint64_t> changed_since;
  bool vanished = false;
};
struct Store {
  bool uid = false;
  SequenceSet set;
  StoreMode mode = StoreMode::replace;
  bool silent = false;
  std::vector<std::string> flags;
  std::optional<std::uint64_t> unchanged_since;
};
struct Copy {
  bool uid = false;
  bool move = false;
  SequenceSet set;
  std::string mailbox;
};
struct Id {
  std::vector<std::pair<std::string, std::optional<std::string>>> params;
};  // empty: NIL
struct GetQuota {
  std::string root;
};
struct GetQuotaRoot {
  std::string mailbox;
};
struct SetQuota {  // RFC 9208 §4.1.3
  std::string root;
  std::vector<std::pair<std::string, std::uint64_t>> limits;  // resource name (upper-cased), limit
};
struct Sort {
  bool uid = false;
  std::vector<SortCriterion> criteria;
  std::string charset;
  SearchArgs search;
};
struct Thread {
  bool uid = false;
  std::string algorithm;
  std::string charset;
  SearchArgs search;
};
}  // namespace cmd

using Args = std::variant<cmd::Capability, cmd::Noop, cmd::Logout, cmd::StartTls, cmd::Authenticate, cmd::Login,
                          cmd::Enable, cmd::Select, cmd::Create, cmd::Delete, cmd::Rename, cmd::Subscribe, cmd::List,
                          cmd::Namespace, cmd::Status, cmd::Append, cmd::Idle, cmd::Check, cmd::Close, cmd::Unselect,
                          cmd::Expunge, cmd::Search, cmd::Fetch, cmd::Store, cmd::Copy, cmd::Id, cmd::GetQuota,
                          cmd::GetQuotaRoot, cmd::SetQuota, cmd::Sort, cmd::Thread>;

// The states of a connection (RFC 9051 §3).
enum class State { not_authenticated, authenticated, selected, logout };

// The states a command is allowed in (RFC 9051 §6): bits of State.
enum StateSet : unsigned {
  kNotAuthenticated = 1u << static_cast<unsigned>(State::not_authenticated),
  kAuthenticated = 1u << static_cast<unsigned>(State::authenticated),
  kSelected = 1u << static_cast<unsigned>(State::selected),
  kAnyState = kNotAuthenticated | kAuthenticated | kSelected,
  kAfterLogin = kAuthenticated | kSelected,
};

struct Command {
  std::string tag;
  std::string name;  // upper-cased, "UID FETCH" for UID commands
  Args args;         // its type says which handler runs it
  StateSet allowed = kAnyState;
  bool allowed_in(State s) const { return allowed & (1u << static_cast<unsigned>(s)); }
};

}  // namespace estafeta::imap
