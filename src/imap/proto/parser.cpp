// tag SP command CRLF → Command (RFC 9051 §9 "command"), dispatched from a
// table of command names; one small function per command's arguments.
#include "imap/proto/parser.hpp"
#include "core/ascii.hpp"
#include "imap/proto/mailbox_names.hpp"

#include <fmt/format.h>

namespace estafeta::imap {

namespace {

using ParseFn = Result<Args> (*)(Reader&);

template <class T>
Result<Args> none(Reader&) {
  return Args{T{}};
}

Result<Args> p_authenticate(Reader& r) {
  cmd::Authenticate a;
  TRY(r.sp());
  a.mechanism = ascii_upper(TRY(r.atom()));
  if (r.consume(' ')) {
    if (r.consume('='))
      a.initial = "=";
    else
      a.initial = TRY(r.atom());
  }
  return Args{a};
}

Result<Args> p_login(Reader& r) {
  cmd::Login l;
  TRY(r.sp());
  l.user = TRY(r.astring());
  TRY(r.sp());
  l.password = TRY(r.astring());
  return Args{l};
}

Result<Args> p_enable(Reader& r) {
  cmd::Enable e;
  do {
    TRY(r.sp());
    if (e.capabilities.size() >= r.limits().max_items) return r.bad("too many capabilities");
    e.capabilities.push_back(ascii_upper(TRY(r.atom())));
  } while (r.peek() == ' ');
  return Args{e};
}

Result<Args> select_like(Reader& r, bool read_only) {
  cmd::Select s;
  s.read_only = read_only;
  TRY(r.sp());
  s.mailbox = TRY(r.astring());
  if (!r.consume(' ')) return Args{s};
  TRY(r.expect('(', "'(' before SELECT parameters"));
  for (bool first = true; !r.consume(')'); first = false) {
    if (!first) TRY(r.sp());
    if (r.consume_word("CONDSTORE")) {
      s.condstore = true;
    } else if (r.consume_word("QRESYNC")) {
      cmd::Select::Qresync q;
      TRY(r.sp());
      TRY(r.expect('(', "'(' after QRESYNC"));
      q.uidvalidity = TRY(r.nz_number());
      TRY(r.sp());
      q.modseq = TRY(r.mod_sequence_value());
      if (r.consume(' ')) {
        if (r.peek() != '(') {
          q.known_uids = TRY(r.sequence_set());
          if (r.consume(' ')) {
            TRY(r.expect('(', "'(' before the sequence match data"));
            auto seqs = TRY(r.sequence_set());
            TRY(r.sp());
            auto uids = TRY(r.sequence_set());
            TRY(r.expect(')', "')'"));
            q.seq_match = std::pair{seqs, uids};
          }
        } else {
          TRY(r.expect('(', "'('"));
          auto seqs = TRY(r.sequence_set());
          TRY(r.sp());
          auto uids = TRY(r.sequence_set());
          TRY(r.expect(')', "')'"));
          q.seq_match = std::pair{seqs, uids};
        }
      }
      TRY(r.expect(')', "')' after the QRESYNC parameters"));
      s.qresync = q;
    } else {
      return r.bad("unknown SELECT parameter");
    }
  }
  return Args{s};
}
Result<Args> p_select(Reader& r) { return select_like(r, false); }
Result<Args> p_examine(Reader& r) { return select_like(r, true); }

Result<Args> p_create(Reader& r) {
  cmd::Create c;
  TRY(r.sp());
  c.mailbox = TRY(r.astring());
  if (r.consume(' ')) {
    // RFC 6154 §3: "(" "USE" SP "(" use-attr *(SP use-attr) ")" ")"
    TRY(r.expect('(', "'(' before CREATE parameters"));
    if (!r.consume_word("USE")) return r.bad("unknown CREATE parameter");
    TRY(r.sp());
    c.special_use = TRY(r.flag_list());
    TRY(r.expect(')', "')'"));
  }
  return Args{c};
}

Result<Args> p_delete(Reader& r) {
  TRY(r.sp());
  return Args{cmd::Delete{TRY(r.astring())}};
}

Result<Args> p_rename(Reader& r) {
  cmd::Rename n;
  TRY(r.sp());
  n.from = TRY(r.astring());
  TRY(r.sp());
  n.to = TRY(r.astring());
  return Args{n};
}

Result<Args> p_subscribe(Reader& r) {
  TRY(r.sp());
  return Args{cmd::Subscribe{TRY(r.astring()), true}};
}
Result<Args> p_unsubscribe(Reader& r) {
  TRY(r.sp());
  return Args{cmd::Subscribe{TRY(r.astring()), false}};
}

Result<std::vector<StatusItem>> status_items(Reader& r) {
  using SK = StatusItem::Kind;
  static constexpr std::pair<const char*, SK> kItems[] = {
      {"MESSAGES", SK::messages},
      {"UIDNEXT", SK::uidnext},
      {"UIDVALIDITY", SK::uidvalidity},
      {"UNSEEN", SK::unseen},
      {"DELETED-STORAGE", SK::deleted_storage},
      {"DELETED", SK::deleted},
      {"SIZE", SK::size},
      {"HIGHESTMODSEQ", SK::highestmodseq},
      {"RECENT", SK::recent},
      {"APPENDLIMIT", SK::appendlimit},  // RFC 7889 §3.1
  };
  std::vector<StatusItem> out;
  TRY(r.expect('(', "'(' before the status items"));
  for (;;) {
    bool found = false;
    for (auto& [word, kind] : kItems)
      if (r.consume_word(word)) {
        out.push_back({kind});
        found = true;
        break;
      }
    if (!found) return r.bad("unknown STATUS item");
    if (out.size() > 16) return r.bad("too many STATUS items");
    if (r.consume(')')) return out;
    TRY(r.sp());
  }
}

Result<Args> p_status(Reader& r) {
  cmd::Status s;
  TRY(r.sp());
  s.mailbox = TRY(r.astring());
  TRY(r.sp());
  s.items = TRY(status_items(r));
  return Args{s};
}

Result<Args> list_like(Reader& r, bool lsub) {
  cmd::List l;
  l.lsub = lsub;
  TRY(r.sp());
  if (!lsub && r.consume('(')) {
    l.extended = true;
    while (!r.consume(')')) {
      if (!l.select_opts.empty()) TRY(r.sp());
      if (l.select_opts.size() >= 16) return r.bad("too many LIST selection options");
      l.select_opts.push_back(ascii_upper(TRY(r.atom())));
    }
    TRY(r.sp());
  }
  l.reference = TRY(r.astring());
  if (l.reference.size() > r.limits().max_pattern)
    return r.bad(fmt::format("LIST reference too long (at most {} octets)", r.limits().max_pattern));
  TRY(r.sp());
  std::size_t pattern_bytes = 0;
  auto pattern = [&]() -> Status {
    l.patterns.push_back(TRY(r.list_mailbox()));
    // Matching costs the pattern's length for every character of every
    // folder name (mailbox_names.hpp): bounded before any matching.
    auto& p = l.patterns.back();
    if (p.size() > r.limits().max_pattern)
      return r.bad(fmt::format("LIST pattern too long (at most {} octets)", r.limits().max_pattern));
    if (wildcard_runs(p) > r.limits().max_wildcards)
      return r.bad(fmt::format("too many wildcards in a LIST pattern (at most {})", r.limits().max_wildcards));
    pattern_bytes += p.size();
    if (pattern_bytes > r.limits().max_patterns)
      return r.bad(fmt::format("LIST patterns too long (at most {} octets in all)", r.limits().max_patterns));
    return {};
  };
  if (!lsub && r.consume('(')) {
    l.extended = true;
    for (;;) {
      if (l.patterns.size() >= r.limits().max_items) return r.bad("too many patterns");
      TRY(pattern());
      if (r.consume(')')) break;
      TRY(r.sp());
    }
  } else {
    TRY(pattern());
  }
  if (!lsub && r.consume(' ')) {
    if (!r.consume_word("RETURN")) return r.bad("expected RETURN");
    l.extended = true;
    TRY(r.sp());
    TRY(r.expect('(', "'(' after RETURN"));
    while (!r.consume(')')) {
      if (!l.return_opts.empty()) TRY(r.sp());
      if (l.return_opts.size() >= 16) return r.bad("too many RETURN options");
      auto opt = ascii_upper(TRY(r.atom()));
      if (opt == "STATUS") {
        TRY(r.sp());
        l.status_items = TRY(status_items(r));
      }
      l.return_opts.push_back(opt);
    }
  }
  return Args{l};
}
Result<Args> p_list(Reader& r) { return list_like(r, false); }
Result<Args> p_lsub(Reader& r) { return list_like(r, true); }

Result<Args> p_append(Reader& r) {
  cmd::Append a;
  TRY(r.sp());
  a.mailbox = TRY(r.astring());
  TRY(r.sp());
  if (r.peek() == '(') {
    a.flags = TRY(r.flag_list());
    TRY(r.sp());
  }
  if (r.peek() == '"') {
    a.internal_date = TRY(r.date_time());
    TRY(r.sp());
  }
  // RFC 6855 §4: utf8-literal = "UTF8" SP "(" literal8 ")", the same data
  // wrapped; whether the session may use it is the handler's to say (NO).
  if (r.consume_word("UTF8")) {
    a.utf8 = true;
    TRY(r.sp());
    TRY(r.expect('(', "'(' after UTF8"));
  }
  a.message = TRY(r.literal(&a.binary));
  if (a.utf8) TRY(r.expect(')', "')'"));
  return Args{a};
}

Result<Args> p_expunge(Reader&) { return Args{cmd::Expunge{}}; }

Result<Args> p_uid_expunge(Reader& r) {
  TRY(r.sp());
  return Args{cmd::Expunge{TRY(r.sequence_set())}};
}

Result<Args> search(Reader& r, bool uid) {
  TRY(r.sp());
  return Args{cmd::Search{uid, TRY(parse_search_program(r, true))}};
}
Result<Args> p_search(Reader& r) { return search(r, false); }
Result<Args> p_uid_search(Reader& r) { return search(r, true); }

Result<Args> fetch(Reader& r, bool uid) {
  cmd::Fetch f;
  f.uid = uid;
  TRY(r.sp());
  f.set = TRY(r.sequence_set());
  TRY(r.sp());
  f.attrs = TRY(parse_fetch_attrs(r));
  if (r.consume(' ')) {
    // RFC 7162 §3.1.4, RFC 7162 §3.2.6: (CHANGEDSINCE n [VANISHED])
    TRY(r.expect('(', "'(' before FETCH modifiers"));
    for (bool first = true; !r.consume(')'); first = false) {
      if (!first) TRY(r.sp());
      if (r.consume_word("CHANGEDSINCE")) {
        TRY(r.sp());
        f.changed_since = TRY(r.mod_sequence_value());
      } else if (r.consume_word("VANISHED")) {
        if (!uid) return r.bad("VANISHED is only allowed with UID FETCH");
        f.vanished = true;
      } else {
        return r.bad("unknown FETCH modifier");
      }
    }
    if (f.vanished && !f.changed_since) return r.bad("VANISHED needs CHANGEDSINCE");
  }
  return Args{f};
}
Result<Args> p_fetch(Reader& r) { return fetch(r, false); }
Result<Args> p_uid_fetch(Reader& r) { return fetch(r, true); }

Result<Args> store(Reader& r, bool uid) {
  cmd::Store s;
  s.uid = uid;
  TRY(r.sp());
  s.set = TRY(r.sequence_set());
  TRY(r.sp());
  if (r.consume('(')) {
    if (!r.consume_word("UNCHANGEDSINCE")) return r.bad("unknown STORE modifier");
    TRY(r.sp());
    s.unchanged_since = TRY(r.number64());
    TRY(r.expect(')', "')'"));
    TRY(r.sp());
  }
  if (r.consume('+'))
    s.mode = StoreMode::add;
  else if (r.consume('-'))
    s.mode = StoreMode::remove;
  if (!r.consume_word("FLAGS.SILENT")) {
    if (!r.consume_word("FLAGS")) return r.bad("expected FLAGS, +FLAGS or -FLAGS");
  } else {
    s.silent = true;
  }
  TRY(r.sp());
  if (r.peek() == '(') {
    s.flags = TRY(r.flag_list());
  } else {
    do {
      if (s.flags.size() >= r.limits().max_flags)
        return r.bad(fmt::format("too many flags (at most {})", r.limits().max_flags));
      s.flags.push_back(TRY(r.flag()));
    } while (r.consume(' '));
  }
  return Args{s};
}
Result<Args> p_store(Reader& r) { return store(r, false); }
Result<Args> p_uid_store(Reader& r) { return store(r, true); }

Result<Args> copy(Reader& r, bool uid, bool move) {
  cmd::Copy c;
  c.uid = uid;
  c.move = move;
  TRY(r.sp());
  c.set = TRY(r.sequence_set());
  TRY(r.sp());
  c.mailbox = TRY(r.astring());
  return Args{c};
}
Result<Args> p_copy(Reader& r) { return copy(r, false, false); }
Result<Args> p_move(Reader& r) { return copy(r, false, true); }
Result<Args> p_uid_copy(Reader& r) { return copy(r, true, false); }
Result<Args> p_uid_move(Reader& r) { return copy(r, true, true); }

Result<Args> p_id(Reader& r) {
  cmd::Id id;
  TRY(r.sp());
  if (r.consume_word("NIL")) return Args{id};
  TRY(r.expect('(', "'(' or NIL"));
  if (r.consume(')')) return Args{id};
  for (;;) {
    // RFC 2971 §3.3: at most 30 pairs, field names of at most 30 octets,
    // values of at most 1024.
    if (id.params.size() >= 30) return r.bad("too many ID parameters");
    auto key = TRY(r.string());
    if (key.size() > 30) return r.bad("ID field name too long (at most 30 octets)");
    TRY(r.sp());
    auto value = TRY(r.nstring());
    if (value && value->size() > 1024) return r.bad("ID value too long (at most 1024 octets)");
    id.params.emplace_back(std::move(key), std::move(value));
    if (r.consume(')')) return Args{id};
    TRY(r.sp());
  }
}

Result<Args> p_getquota(Reader& r) {
  TRY(r.sp());
  return Args{cmd::GetQuota{TRY(r.astring())}};
}
Result<Args> p_getquotaroot(Reader& r) {
  TRY(r.sp());
  return Args{cmd::GetQuotaRoot{TRY(r.astring())}};
}

// RFC 9208 §7: "SETQUOTA" SP quota-root-name SP
//   "(" [resource-name SP resource-limit *(SP resource-name SP resource-limit)] ")"
Result<Args> p_setquota(Reader& r) {
  cmd::SetQuota q;
  TRY(r.sp());
  q.root = TRY(r.astring());
  TRY(r.sp());
  TRY(r.expect('(', "'(' before the resource limits"));
  if (r.consume(')')) return Args{q};
  for (;;) {
    if (q.limits.size() >= 16) return r.bad("too many resource limits");
    auto name = ascii_upper(TRY(r.atom()));
    TRY(r.sp());
    q.limits.emplace_back(std::move(name), TRY(r.number64()));
    if (r.consume(')')) return Args{q};
    TRY(r.sp());
  }
}

Result<Args> sort(Reader& r, bool uid) {
  // RFC 5256 §3: SORT SP sort-criteria SP search-criteria
  cmd::Sort s;
  s.uid = uid;
  TRY(r.sp());
  TRY(r.expect('(', "'(' before the sort criteria"));
  static constexpr std::pair<const char*, SortKey> kKeys[] = {
      {"ARRIVAL", SortKey::arrival},
      {"CC", SortKey::cc},
      {"DATE", SortKey::date},
      {"FROM", SortKey::from},
      {"SIZE", SortKey::size},
      {"SUBJECT", SortKey::subject},
      {"TO", SortKey::to},
      {"DISPLAYFROM", SortKey::display_from},
      {"DISPLAYTO", SortKey::display_to},
  };
  for (;;) {
    SortCriterion c;
    if (r.consume_word("REVERSE")) {
      c.reverse = true;
      TRY(r.sp());
    }
    bool found = false;
    for (auto& [word, key] : kKeys)
      if (r.consume_word(word)) {
        c.key = key;
        found = true;
        break;
      }
    if (!found) return r.bad("unknown sort key");
    if (s.criteria.size() >= 16) return r.bad("too many sort keys");
    s.criteria.push_back(c);
    if (r.consume(')')) break;
    TRY(r.sp());
  }
  TRY(r.sp());
  s.charset = ascii_upper(TRY(r.astring()));
  TRY(r.sp());
  s.search.key = TRY(parse_search_keys(r));
  return Args{s};
}
Result<Args> p_sort(Reader& r) { return sort(r, false); }
Result<Args> p_uid_sort(Reader& r) { return sort(r, true); }

Result<Args> thread(Reader& r, bool uid) {
  cmd::Thread t;
  t.uid = uid;
  TRY(r.sp());
  t.algorithm = ascii_upper(TRY(r.atom()));
  TRY(r.sp());
  t.charset = ascii_upper(TRY(r.astring()));
  TRY(r.sp());
  t.search.key = TRY(parse_search_keys(r));
  return Args{t};
}
Result<Args> p_thread(Reader& r) { return thread(r, false); }
Result<Args> p_uid_thread(Reader& r) { return thread(r, true); }

// The command table (RFC 9051 §6 and the extensions' sections): a name,
// its argument grammar, the states it is allowed in. The handler is found
// by the type the grammar produces (imap/commands/commands.hpp), so a
// command is declared here once; the compiler refuses an Args type that has
// no handler.
struct Entry {
  const char* name;
  ParseFn parse;
  StateSet allowed;
};

constexpr Entry kCommands[] = {
    {"CAPABILITY", none<cmd::Capability>, kAnyState},
    {"NOOP", none<cmd::Noop>, kAnyState},
    {"LOGOUT", none<cmd::Logout>, kAnyState},
    {"ID", p_id, kAnyState},  // RFC 2971
    {"STARTTLS", none<cmd::StartTls>, kNotAuthenticated},
    {"AUTHENTICATE", p_authenticate, kNotAuthenticated},
    {"LOGIN", p_login, kNotAuthenticated},
    {"ENABLE", p_enable, kAuthenticated},  // RFC 5161 §3.1: not once selected
    {"SELECT", p_select, kAfterLogin},
    {"EXAMINE", p_examine, kAfterLogin},
    {"CREATE", p_create, kAfterLogin},
    {"DELETE", p_delete, kAfterLogin},
    {"RENAME", p_rename, kAfterLogin},
    {"SUBSCRIBE", p_subscribe, kAfterLogin},
    {"UNSUBSCRIBE", p_unsubscribe, kAfterLogin},
    {"LIST", p_list, kAfterLogin},
    {"LSUB", p_lsub, kAfterLogin},
    {"NAMESPACE", none<cmd::Namespace>, kAfterLogin},
    {"STATUS", p_status, kAfterLogin},
    {"APPEND", p_append, kAfterLogin},
    {"IDLE", none<cmd::Idle>, kAfterLogin},  // RFC 2177
    {"GETQUOTA", p_getquota, kAfterLogin},   // RFC 9208
    {"GETQUOTAROOT", p_getquotaroot, kAfterLogin},
    {"SETQUOTA", p_setquota, kAfterLogin},
    {"CHECK", none<cmd::Check>, kSelected},
    {"CLOSE", none<cmd::Close>, kSelected},
    {"UNSELECT", none<cmd::Unselect>, kSelected},  // RFC 3691
    {"EXPUNGE", p_expunge, kSelected},
    {"SEARCH", p_search, kSelected},
    {"FETCH", p_fetch, kSelected},
    {"STORE", p_store, kSelected},
    {"COPY", p_copy, kSelected},
    {"MOVE", p_move, kSelected},  // RFC 6851
    {"SORT", p_sort, kSelected},  // RFC 5256
    {"THREAD", p_thread, kSelected},
};

// After "UID " (RFC 9051 §6.4.9; UID EXPUNGE: RFC 4315 §2.1).
constexpr Entry kUidCommands[] = {
    {"FETCH", p_uid_fetch, kSelected}, {"SEARCH", p_uid_search, kSelected}, {"STORE", p_uid_store, kSelected},
    {"COPY", p_uid_copy, kSelected},   {"MOVE", p_uid_move, kSelected},     {"EXPUNGE", p_uid_expunge, kSelected},
    {"SORT", p_uid_sort, kSelected},   {"THREAD", p_uid_thread, kSelected},
};

}  // namespace

std::expected<Command, ParseFailure> parse_command(std::string_view text, const ParserLimits& limits, Dialect dialect) {
  Reader r(text, limits, dialect);
  auto tag = r.tag();
  if (!tag) return std::unexpected(ParseFailure{"*", "expected a tag"});
  Command c;
  c.tag = *tag;
  auto failure = [&](const Error& e) { return std::unexpected(ParseFailure{c.tag, e.message}); };
  // A tag not followed by a space was not a valid tag at all ("a*b"): answer untagged.
  if (auto s = r.sp(); !s) return std::unexpected(ParseFailure{"*", "invalid tag"});
  auto name = r.atom();
  if (!name) return failure(Error{ErrorKind::invalid, "expected a command name"});
  c.name = ascii_upper(*name);
  const Entry* found = nullptr;
  if (c.name == "UID") {
    if (!r.consume(' ')) return failure(Error{ErrorKind::invalid, "expected a command after UID"});
    auto sub = r.atom();
    if (!sub) return failure(Error{ErrorKind::invalid, "expected a command after UID"});
    auto u = ascii_upper(*sub);
    for (auto& e : kUidCommands)
      if (u == e.name) found = &e;
    if (!found) return failure(Error{ErrorKind::invalid, fmt::format("UID {} is not a command", u)});
    c.name = "UID " + u;
  } else {
    for (auto& e : kCommands)
      if (c.name == e.name) found = &e;
    if (!found) return failure(Error{ErrorKind::invalid, "unknown command"});
  }
  auto args = found->parse(r);
  if (!args) return failure(args.error());
  if (auto end = r.end(); !end) return failure(end.error());
  c.args = std::move(*args);
  c.allowed = found->allowed;
  return c;
}

}  // namespace estafeta::imap
