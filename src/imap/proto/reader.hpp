// The lexical layer of the IMAP command parser (RFC 9051 §9): a cursor over
// one complete command (literals inline, as the framer hands it over), with
// one function per grammar production. No I/O; every failure is a value
// with a message for the BAD response.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ascii.hpp"
#include "core/result.hpp"
#include "imap/proto/command.hpp"

namespace estafeta::imap {

// Limits on one command, known before any work: the handlers' cost grows
// with what the client repeats, so each repeatable element is bounded here,
// per list and (for those that multiply) over the whole command.
struct ParserLimits {
  std::size_t max_depth = 32;            // nesting of parentheses (search keys, lists)
  std::size_t max_ranges = 10000;        // ranges in all the sequence sets of one command
  std::size_t max_items = 1000;          // items in one list
  std::size_t max_search_keys = 256;     // search keys in one program, NOT/OR/() included
  std::size_t max_search_string = 1024;  // one SEARCH string (text, header name or value)
  std::size_t max_header_fields = 1000;  // HEADER.FIELDS names in all the sections of one FETCH
  std::size_t max_flags = 100;           // flags and keywords in one STORE or APPEND
  std::size_t max_keyword = 128;         // octets of one keyword
  std::size_t max_pattern = 1024;        // octets of a LIST reference or pattern
  std::size_t max_patterns = 4096;       // octets of all the patterns of one LIST
  std::size_t max_wildcards = 32;        // wildcard runs in one LIST pattern ("**%" is one)
};

// The grammar a session speaks, as ENABLE widened it.
struct Dialect {
  // UTF-8 in quoted strings (RFC 6855 §3 after ENABLE UTF8=ACCEPT, RFC 9051
  // §4.3.1 after ENABLE IMAP4rev2), and in the atoms read as mailbox names
  // or search strings: 8-bit text there must be well-formed UTF-8. Without
  // it, 8-bit octets are read as sent (RFC 3501 §9 has them only in
  // literals, but clients put passwords and search strings in quotes).
  bool utf8 = false;
};

class Reader {
 public:
  Reader(std::string_view text, const ParserLimits& limits, Dialect dialect = {})
      : m_text(text), m_limits(limits), m_dialect(dialect) {}

  bool at_end() const { return m_pos >= m_text.size(); }
  char peek() const { return at_end() ? '\0' : m_text[m_pos]; }
  bool consume(char c);
  // Case-insensitive keyword (not followed by another atom character).
  bool consume_word(std::string_view word);
  Status expect(char c, const char* what);
  Status sp();
  // The end of the command: CRLF (or a bare LF).
  Status end();

  Result<std::string> atom();     // 1*ATOM-CHAR
  Result<std::string> tag();      // 1*<ASTRING-CHAR except "+">
  Result<std::string> astring();  // atom with "]" / quoted / literal (8-bit: see Dialect)
  Result<std::string> string();   // quoted / literal
  Result<std::optional<std::string>> nstring();
  Result<std::string> list_mailbox();                   // 1*list-char / string (may hold % and *)
  Result<std::string> literal(bool* binary = nullptr);  // {n}/{n+} (and ~{n} when binary != nullptr)
  Result<std::uint32_t> nz_number();
  Result<std::uint32_t> number();
  Result<std::uint64_t> number64();
  Result<std::uint64_t> mod_sequence_value();  // 1 to 2^63-1 (RFC 7162 §7)
  Result<SequenceSet> sequence_set();
  Result<std::string> flag();                    // \Seen … or a keyword atom (7-bit)
  Result<std::vector<std::string>> flag_list();  // "(" [flag *(SP flag)] ")"
  Result<std::int64_t> date();                   // date-text or quoted → days since epoch
  Result<std::int64_t> date_time();              // "dd-Mon-yyyy hh:mm:ss +zzzz" → Unix seconds

  // Nesting guard for recursive productions.
  Status enter();
  void leave() { --m_depth; }
  // Per-command budgets: one more search key, `n` more header field names.
  Status take_search_key();
  Status take_header_fields(std::size_t n);

  std::unexpected<Error> bad(std::string message) const;
  std::size_t position() const { return m_pos; }
  const ParserLimits& limits() const { return m_limits; }

 private:
  Result<std::string> quoted();
  // In the UTF-8 dialect, BAD for octets with the high bit set in `s` (the
  // text of a quoted string or an atom; `what`: "a quoted string" …) that
  // are not well-formed UTF-8 (RFC 6855 §3).
  Status eight_bit(std::string_view s, const char* what) const;
  std::string_view m_text;
  std::size_t m_pos = 0;
  std::size_t m_depth = 0;
  std::size_t m_ranges = 0;  // in every sequence set so far
  std::size_t m_search_keys = 0;
  std::size_t m_header_fields = 0;
  const ParserLimits& m_limits;
  Dialect m_dialect;
};

}  // namespace estafeta::imap
