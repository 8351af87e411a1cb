// SPF analysis and merge (spf_tools.hpp), over the record grammar of
// spf_record.cpp and the limits of RFC 7208 §4.6.4.
#include "dns/spf_tools.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/ascii.hpp"

namespace estafeta::dns {

namespace {

constexpr int kMaxRecords = 20;
constexpr int kMaxMxNames = 10;

bool has_macro(std::string_view spec) { return spec.find('%') != std::string_view::npos; }

// The offset of each term of a record, in order (terms are separated by
// spaces, RFC 7208 §4.6.1).
std::vector<std::pair<std::size_t, std::string_view>> terms_of(std::string_view record) {
  std::vector<std::pair<std::size_t, std::string_view>> out;
  std::size_t pos = 0;
  while (pos < record.size()) {
    if (record[pos] == ' ') {
      ++pos;
      continue;
    }
    auto end = record.find(' ', pos);
    if (end == std::string_view::npos) end = record.size();
    out.emplace_back(pos, record.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

std::size_t position_of(std::string_view record, std::string_view term) {
  for (auto& [pos, t] : terms_of(record))
    if (t == term) return pos;
  return std::string::npos;
}

enum class Fetch { found, none, several, temporary };

// The SPF record of `domain` (§4.5: exactly one "v=spf1" TXT).
Fetch fetch_record(Resolver& resolver, const std::string& domain, std::string& out, bool& void_lookup) {
  auto txt = resolver.txt(domain);
  if (!txt) {
    void_lookup = txt.error().kind == ErrorKind::not_found;
    return void_lookup ? Fetch::none : Fetch::temporary;
  }
  void_lookup = txt->empty();
  std::vector<std::string*> spf;
  for (auto& t : *txt)
    if (is_spf_record(t)) spf.push_back(&t);
  if (spf.size() > 1) return Fetch::several;
  if (spf.empty()) return Fetch::none;
  out = *spf.front();
  return Fetch::found;
}

class Analyzer {
 public:
  Analyzer(Resolver& resolver, SpfAnalysis& out) : m_resolver(resolver), m_out(out) {}

  // Walks one record; fills `costs` with its DNS-querying terms; returns
  // the lookups it costs in all.
  int walk(std::string_view text, const std::string& domain, std::vector<SpfTermCost>& costs, bool top) {
    if (++m_records > kMaxRecords) {
      add(SpfFinding::Level::error, domain, "", std::string::npos, "too many nested records: the walk stopped here");
      return 0;
    }
    auto parsed = parse_spf_record(text);
    if (!parsed) {
      report_syntax(text, domain, parsed.error().message);
      return 0;
    }
    auto& record = *parsed;
    int total = 0;
    bool has_all = false;
    for (auto& m : record.mechanisms) {
      if (m.kind == SpfMechanismKind::all) {
        has_all = true;
        if (top) check_all(m, domain, text);
      }
      if (m.kind == SpfMechanismKind::ptr)
        add(SpfFinding::Level::warning, domain, m.text, position_of(text, m.text),
            "ptr is slow and unreliable; RFC 7208 §5.5 asks not to use it (use ip4:, ip6:, a or mx)");
      if (!m.queries_dns()) continue;
      SpfTermCost cost{m.text, 1, {}};
      std::string target = m.domain_spec.empty() ? domain : m.domain_spec;
      if (m.kind == SpfMechanismKind::include) cost.lookups += follow(target, m.text, cost.nested, text, domain, false);
      if (m.kind == SpfMechanismKind::a && !has_macro(target)) check_addresses(target, m.text, domain, text);
      if (m.kind == SpfMechanismKind::mx && !has_macro(target)) check_mx(target, m.text, domain, text);
      total += cost.lookups;
      costs.push_back(std::move(cost));
    }
    if (record.redirect) {
      std::string term = "redirect=" + *record.redirect;
      if (has_all) {
        add(SpfFinding::Level::warning, domain, term, position_of(text, term),
            "redirect= is ignored when the record has an all mechanism (RFC 7208 §6.1)");
      } else {
        SpfTermCost cost{term, 1, {}};
        cost.lookups += follow(*record.redirect, term, cost.nested, text, domain, true);
        total += cost.lookups;
        costs.push_back(std::move(cost));
      }
    }
    if (top && !has_all && !record.redirect)
      add(SpfFinding::Level::warning, domain, "", std::string::npos,
          "no all mechanism: senders the record does not list get neutral, as with ?all; end it with -all or ~all");
    if (top)
      for (auto& u : record.unknown)
        add(SpfFinding::Level::warning, domain, u.name + "=" + u.value, position_of(text, u.name + "=" + u.value),
            "unknown modifier " + u.name + "= is ignored by receivers");
    return total;
  }

 private:
  void add(SpfFinding::Level level, const std::string& domain, std::string term, std::size_t pos, std::string message) {
    m_out.findings.push_back({level, domain, std::move(term), pos, std::move(message)});
  }

  void report_syntax(std::string_view text, const std::string& domain, const std::string& message) {
    // Find the first term that does not parse alone, for its position.
    for (auto& [pos, term] : terms_of(text)) {
      if (pos == 0) continue;  // "v=spf1"
      auto alone = parse_spf_record("v=spf1 " + std::string(term));
      if (!alone) {
        add(SpfFinding::Level::error, domain, std::string(term), pos, alone.error().message);
        return;
      }
    }
    add(SpfFinding::Level::error, domain, "", std::string::npos, message);
  }

  void check_all(const SpfMechanism& m, const std::string& domain, std::string_view text) {
    auto pos = position_of(text, m.text);
    if (m.qualifier == SpfQualifier::pass)
      add(SpfFinding::Level::warning, domain, m.text, pos,
          "+all lets every server on the Internet send as this domain");
    else if (m.qualifier == SpfQualifier::neutral)
      add(SpfFinding::Level::warning, domain, m.text, pos,
          "?all says nothing about other senders; -all (reject) or ~all (suspicious) protects the domain");
  }

  void void_lookup(const std::string& domain, const std::string& term, std::string_view text,
                   const std::string& target) {
    ++m_out.void_lookups;
    add(SpfFinding::Level::warning, domain, term, position_of(text, term),
        target + " does not exist or has no records (a void lookup)");
  }

  void check_addresses(const std::string& target, const std::string& term, const std::string& domain,
                       std::string_view text) {
    auto nothing = [](const auto& r) { return r ? r->empty() : r.error().kind == ErrorKind::not_found; };
    if (nothing(m_resolver.a(target)) && nothing(m_resolver.aaaa(target))) void_lookup(domain, term, text, target);
  }

  void check_mx(const std::string& target, const std::string& term, const std::string& domain, std::string_view text) {
    auto mx = m_resolver.mx(target);
    if (!mx) {
      if (mx.error().kind == ErrorKind::not_found) void_lookup(domain, term, text, target);
      return;
    }
    if (mx->empty()) void_lookup(domain, term, text, target);
    if (static_cast<int>(mx->size()) > kMaxMxNames)
      add(SpfFinding::Level::error, domain, term, position_of(text, term),
          fmt::format("{} has {} MX records; mx allows at most {} (RFC 7208 §4.6.4)", target, mx->size(), kMaxMxNames));
  }

  // include: or redirect= to `target`: its record's cost.
  int follow(const std::string& target, const std::string& term, std::vector<SpfTermCost>& nested,
             std::string_view text, const std::string& domain, bool redirect) {
    if (has_macro(target)) {
      add(SpfFinding::Level::warning, domain, term, position_of(text, term),
          "the target depends on each message (macros): its own lookups are not counted here");
      return 0;
    }
    auto name = normalize_name(target);
    if (!m_visited.insert(name).second) {
      add(SpfFinding::Level::error, domain, term, position_of(text, term), name + " is included twice or in a loop");
      return 0;
    }
    std::string record;
    bool is_void = false;
    switch (fetch_record(m_resolver, name, record, is_void)) {
      case Fetch::found: break;
      case Fetch::temporary:
        add(SpfFinding::Level::warning, domain, term, position_of(text, term),
            "the record of " + name + " could not be fetched now");
        return 0;
      case Fetch::several:
        add(SpfFinding::Level::error, domain, term, position_of(text, term),
            name + " publishes several SPF records (permerror)");
        return 0;
      case Fetch::none:
        if (is_void) ++m_out.void_lookups;
        add(SpfFinding::Level::error, domain, term, position_of(text, term),
            name + " has no SPF record: " + (redirect ? "redirect=" : "include:") +
                " to it is a permerror (RFC 7208 §5.2, §6.1)");
        return 0;
    }
    return walk(record, name, nested, false);
  }

  Resolver& m_resolver;
  SpfAnalysis& m_out;
  std::set<std::string> m_visited;
  int m_records = 0;
};

int strictness(SpfQualifier q) {
  switch (q) {
    case SpfQualifier::fail: return 3;
    case SpfQualifier::softfail: return 2;
    case SpfQualifier::neutral: return 1;
    case SpfQualifier::pass: return 0;
  }
  return 0;
}

// The mechanism as written, with an explicit "+" dropped and lower-cased,
// for finding duplicates.
std::string mechanism_key(const SpfMechanism& m) {
  std::string text = ascii_lower(m.text);
  if (!text.empty() && text.front() == '+') text.erase(0, 1);
  return text;
}

std::string without_qualifier(const SpfMechanism& m) {
  std::string text = mechanism_key(m);
  if (!text.empty() && (text.front() == '-' || text.front() == '~' || text.front() == '?')) text.erase(0, 1);
  return text;
}

}  // namespace

bool SpfAnalysis::ok() const {
  return std::none_of(findings.begin(), findings.end(), [](auto& f) { return f.level == SpfFinding::Level::error; });
}

SpfAnalysis analyze_spf(std::string_view record, std::string_view domain, Resolver& resolver) {
  SpfAnalysis out;
  Analyzer analyzer(resolver, out);
  out.lookups = analyzer.walk(record, normalize_name(domain), out.terms, true);
  if (out.lookups > kSpfMaxDnsLookups)
    out.findings.push_back({SpfFinding::Level::error, normalize_name(domain), "", std::string::npos,
                            fmt::format("{} DNS-querying terms: at most {} are allowed (RFC 7208 §4.6.4); receivers "
                                        "answer permerror. Remove includes, or flatten them into ip4:/ip6: terms",
                                        out.lookups, kSpfMaxDnsLookups)});
  if (out.void_lookups > 2)
    out.findings.push_back(
        {SpfFinding::Level::error, normalize_name(domain), "", std::string::npos,
         fmt::format("{} lookups find nothing: at most 2 are allowed (RFC 7208 §4.6.4)", out.void_lookups)});
  std::stable_sort(out.findings.begin(), out.findings.end(), [](auto& a, auto& b) { return a.level < b.level; });
  return out;
}

namespace {

// Addresses a term stands for, for flattening: ip4/ip6 as they are, a and
// mx resolved, include: the pass terms of the included record. False when
// the term cannot be flattened (macros, ptr, exists, a DNS error).
bool flatten_term(Resolver& resolver, const SpfMechanism& m, const std::string& domain, std::vector<std::string>& out,
                  int depth) {
  if (depth > 10 || has_macro(m.domain_spec)) return false;
  std::string target = m.domain_spec.empty() ? domain : normalize_name(m.domain_spec);
  auto add_ips = [&](const std::string& host, int cidr4, int cidr6) {
    for (auto* family : {"a", "aaaa"}) {
      auto ips = std::string(family) == "a" ? resolver.a(host) : resolver.aaaa(host);
      if (!ips && ips.error().kind != ErrorKind::not_found) return false;
      if (!ips) continue;
      for (auto& ip : *ips) {
        int prefix = ip.is_v4() ? cidr4 : cidr6;
        out.push_back(fmt::format("{}:{}{}", ip.is_v4() ? "ip4" : "ip6", ip.to_string(),
                                  prefix == ip.bits() ? "" : "/" + std::to_string(prefix)));
      }
    }
    return true;
  };
  switch (m.kind) {
    case SpfMechanismKind::ip4:
    case SpfMechanismKind::ip6: {
      auto text = without_qualifier(m);
      out.push_back(text);
      return true;
    }
    case SpfMechanismKind::a: return add_ips(target, m.cidr4, m.cidr6);
    case SpfMechanismKind::mx: {
      auto mx = resolver.mx(target);
      if (!mx) return mx.error().kind == ErrorKind::not_found;
      for (auto& host : *mx)
        if (!host.host.empty() && host.host != "." && !add_ips(normalize_name(host.host), m.cidr4, m.cidr6))
          return false;
      return true;
    }
    case SpfMechanismKind::include: {
      std::string text;
      bool is_void = false;
      if (fetch_record(resolver, target, text, is_void) != Fetch::found) return false;
      auto record = parse_spf_record(text);
      if (!record || record->redirect) return false;
      for (auto& inner : record->mechanisms) {
        // Only what makes the included record pass makes the include match.
        if (inner.qualifier != SpfQualifier::pass || inner.kind == SpfMechanismKind::all) continue;
        if (!flatten_term(resolver, inner, target, out, depth + 1)) return false;
      }
      return true;
    }
    default: return false;
  }
}

}  // namespace

Result<SpfMerge> merge_spf(const std::vector<std::string>& records, std::string_view domain, Resolver* resolver) {
  if (records.empty()) return fail(ErrorKind::invalid, "nothing to merge");
  SpfMerge merge;
  std::vector<SpfMechanism> mechanisms;
  std::optional<SpfQualifier> all;
  std::optional<std::string> exp;
  std::vector<SpfModifier> unknown;
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto parsed = parse_spf_record(records[i]);
    if (!parsed) return fail(ErrorKind::invalid, fmt::format("record {}: {}", i + 1, parsed.error().message));
    for (auto m : parsed->mechanisms) {
      if (m.kind == SpfMechanismKind::all) {
        if (!all || strictness(m.qualifier) > strictness(*all)) all = m.qualifier;
        continue;
      }
      auto same = std::find_if(mechanisms.begin(), mechanisms.end(),
                               [&](auto& k) { return without_qualifier(k) == without_qualifier(m); });
      if (same != mechanisms.end()) {
        if (mechanism_key(*same) != mechanism_key(m))
          merge.notes.push_back(
              fmt::format("{} appears with two qualifiers; {} is kept", without_qualifier(m), same->text));
        else
          merge.notes.push_back(fmt::format("{} appeared more than once; kept once", same->text));
        continue;
      }
      mechanisms.push_back(m);
    }
    if (parsed->redirect) {
      SpfMechanism include;
      include.kind = SpfMechanismKind::include;
      include.domain_spec = *parsed->redirect;
      include.text = "include:" + *parsed->redirect;
      merge.notes.push_back(fmt::format("redirect={} became {}", *parsed->redirect, include.text));
      if (std::none_of(mechanisms.begin(), mechanisms.end(),
                       [&](auto& k) { return mechanism_key(k) == mechanism_key(include); }))
        mechanisms.push_back(include);
    }
    if (parsed->explanation) {
      if (!exp)
        exp = parsed->explanation;
      else if (*exp != *parsed->explanation)
        merge.notes.push_back("exp=" + *parsed->explanation + " was dropped: one exp= is kept");
    }
    for (auto& u : parsed->unknown)
      if (std::none_of(unknown.begin(), unknown.end(), [&](auto& k) { return k.name == u.name; })) unknown.push_back(u);
  }
  auto compose = [&](const std::vector<std::string>& terms) {
    std::string out = "v=spf1";
    for (auto& t : terms) out += " " + t;
    if (all) out += std::string(" ") + static_cast<char>(*all) + "all";
    if (exp) out += " exp=" + *exp;
    for (auto& u : unknown) out += " " + u.name + "=" + u.value;
    // "+all" is written "all" (the default qualifier).
    auto plus = out.find(" +all");
    if (plus != std::string::npos) out.replace(plus, 5, " all");
    return out;
  };
  std::vector<std::string> terms;
  for (auto& m : mechanisms) terms.push_back(m.text);
  merge.record = compose(terms);
  if (all)
    merge.notes.push_back(fmt::format("the strictest all of the inputs is kept: {}all", static_cast<char>(*all)));

  if (!resolver) {
    auto parsed = parse_spf_record(merge.record);
    merge.lookups = parsed ? parsed->dns_terms() : 0;
    return merge;
  }
  merge.lookups = analyze_spf(merge.record, domain, *resolver).lookups;
  if (merge.lookups <= kSpfMaxDnsLookups) return merge;
  std::vector<std::string> flat;
  std::string apex = normalize_name(domain);
  for (auto& m : mechanisms) {
    std::vector<std::string> ips;
    bool pass = m.qualifier == SpfQualifier::pass;
    if ((pass || m.kind != SpfMechanismKind::include) && flatten_term(*resolver, m, apex, ips, 0)) {
      std::string qualifier = pass ? "" : std::string(1, static_cast<char>(m.qualifier));
      for (auto& ip : ips)
        if (std::find(flat.begin(), flat.end(), qualifier + ip) == flat.end()) flat.push_back(qualifier + ip);
    } else {
      flat.push_back(m.text);  // kept as it is: it cannot be resolved ahead of time
    }
  }
  merge.flattened = compose(flat);
  merge.notes.push_back(
      fmt::format("{} lookups is over the limit of {}: the flattened record lists the addresses "
                  "themselves; make it again whenever a provider changes its servers",
                  merge.lookups, kSpfMaxDnsLookups));
  return merge;
}

}  // namespace estafeta::dns
