// SPF tooling for the zone editor (DESIGN §2.4): an analysis of any record,
// stored or proposed, and the merge of several policies into one.
//
// The analysis follows include= and redirect= through DNS (the caller's
// resolver: the local zones first, then the network) and counts what
// RFC 7208 §4.6.4 limits: 10 DNS-querying terms, 2 void lookups, 10 MX
// names per mx. Terms whose target holds macros depend on each message and
// are counted once, unresolved. Blocking (DNS): from a worker, not an
// io_context. Work is bounded: each record is read once (a loop is an
// error), the walk stops at 20 records or 40 terms.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "dns/resolver.hpp"
#include "dns/spf.hpp"

namespace estafeta::dns {

struct SpfFinding {
  enum class Level { error, warning };
  Level level = Level::error;
  std::string domain;                        // whose record it is about ("" for the record given)
  std::string term;                          // the term, when it is about one
  std::size_t position = std::string::npos;  // the term's offset in that record, when known
  std::string message;
};

// One DNS-querying term and what it costs, nested terms included.
struct SpfTermCost {
  std::string term;  // as written ("include:_spf.example.net", "redirect=x")
  int lookups = 1;   // this term and everything it pulls in
  std::vector<SpfTermCost> nested;
};

struct SpfAnalysis {
  int lookups = 0;                   // DNS-querying terms, through includes and redirects
  int void_lookups = 0;              // lookups that found nothing
  std::vector<SpfTermCost> terms;    // the record's own DNS-querying terms
  std::vector<SpfFinding> findings;  // errors first, then warnings
  bool ok() const;                   // no error
};

// Analyses `record` as published at `domain`.
SpfAnalysis analyze_spf(std::string_view record, std::string_view domain, Resolver& resolver);

struct SpfMerge {
  std::string record;              // the merged policy
  int lookups = 0;                 // its DNS-querying terms (resolved through includes when a resolver was given)
  std::vector<std::string> notes;  // what the merge changed (duplicates, redirects, qualifiers)
  // Over 10 lookups: the same policy with includes, a and mx resolved into
  // ip4:/ip6: terms. It must be made again when a provider's addresses change.
  std::optional<std::string> flattened;
};

// Merges SPF records into one: the union of their mechanisms in first-seen
// order without duplicates, redirect= turned into include:, the strictest
// "all" of the inputs last (-all > ~all > ?all > +all), the first exp=.
// With a resolver, counts the lookups through includes and, over the limit,
// offers a flattened record. Errors: invalid (a record that does not parse,
// named by its position), or fewer than one record.
Result<SpfMerge> merge_spf(const std::vector<std::string>& records, std::string_view domain, Resolver* resolver);

}  // namespace estafeta::dns
