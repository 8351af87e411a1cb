// RFC 7489 §6.3 (the record), §6.6 (the receiver's actions), §3.1
// (alignment), §3.2 (organisational domains).
#include "dns/dmarc.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>

#include <fmt/format.h>
#include <libpsl.h>

#include "core/ascii.hpp"
#include "dns/tag_list.hpp"

namespace estafeta::dns::dmarc {

namespace {

std::optional<Policy> parse_policy(std::string_view s) {
  auto v = ascii_lower(s);
  if (v == "none") return Policy::none;
  if (v == "quarantine") return Policy::quarantine;
  if (v == "reject") return Policy::reject;
  return std::nullopt;
}

// The valid URIs of a DMARC URI list (§6.4: "," separated; each an URI
// with an optional "!size" suffix); the others are left out. Only the
// scheme is checked: reports are not sent here.
std::vector<std::string> parse_uris(std::string_view value) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    auto end = value.find(',', pos);
    if (end == std::string_view::npos) end = value.size();
    auto uri = strip_whitespace(value.substr(pos, end - pos));
    auto colon = uri.find(':');
    if (colon != std::string::npos && colon != 0 && colon + 1 != uri.size()) out.push_back(uri);
    pos = end + 1;
  }
  return out;
}

// The record's tags, read leniently (§6.3: "Syntax errors in the remainder
// of the record SHOULD be discarded in favor of default values (if any) or
// ignored outright"): empty and malformed parts are skipped; a tag given
// twice keeps its first value.
std::vector<std::pair<std::string, std::string>> lenient_tags(std::string_view txt) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t pos = 0;
  while (pos <= txt.size()) {
    auto end = txt.find(';', pos);
    if (end == std::string_view::npos) end = txt.size();
    auto part = txt.substr(pos, end - pos);
    pos = end + 1;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    auto name = ascii_lower(strip_whitespace(part.substr(0, eq)));
    bool ok = !name.empty();
    for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok) continue;
    bool seen = false;
    for (auto& [n, v] : out) seen = seen || n == name;
    if (!seen) out.emplace_back(std::move(name), strip_whitespace(part.substr(eq + 1)));
  }
  return out;
}

std::optional<std::string_view> tag(const std::vector<std::pair<std::string, std::string>>& tags,
                                    std::string_view name) {
  for (auto& [n, v] : tags)
    if (n == name) return std::string_view(v);
  return std::nullopt;
}

const psl_ctx_t* suffix_list() {
  // psl_latest() picks the newest of the system file and the built-in
  // data; it is immutable once loaded and safe to share between threads.
  static const std::unique_ptr<psl_ctx_t, void (*)(psl_ctx_t*)> list(psl_latest(nullptr), psl_free);
  return list ? list.get() : psl_builtin();
}

}  // namespace

const char* to_string(Policy policy) {
  switch (policy) {
    case Policy::none: return "none";
    case Policy::quarantine: return "quarantine";
    case Policy::reject: return "reject";
  }
  return "none";
}

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::none: return "none";
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::temperror: return "temperror";
    case Verdict::permerror: return "permerror";
  }
  return "none";
}

Result<Record> parse_record(std::string_view txt) {
  // §6.3: "v" MUST be the first tag, and exactly "DMARC1".
  auto first = txt.substr(0, txt.find(';'));
  auto eq = first.find('=');
  if (eq == std::string_view::npos || strip_whitespace(first.substr(0, eq)) != "v" ||
      strip_whitespace(first.substr(eq + 1)) != "DMARC1")
    return fail(ErrorKind::invalid, "not a DMARC record (v=DMARC1 first)");
  auto tags = lenient_tags(txt);
  Record r;
  if (auto rua = tag(tags, "rua")) r.aggregate_reports = parse_uris(*rua);
  if (auto ruf = tag(tags, "ruf")) r.failure_reports = parse_uris(*ruf);
  // §6.6.3 step 6: a p= missing or not valid, or an sp= not valid: with a
  // valid rua= URI the record acts as p=none, otherwise it is no policy.
  auto p = tag(tags, "p");
  // A plain Policy and a flag: g++ 12 at -O3 takes an optional<Policy>
  // for maybe-uninitialized however it is set.
  Policy policy = Policy::none;
  bool has_policy = false;
  if (auto parsed = p ? parse_policy(*p) : std::nullopt) policy = *parsed, has_policy = true;
  auto sp = tag(tags, "sp");
  auto subdomain_policy = sp ? parse_policy(*sp) : std::nullopt;
  if (!has_policy || (sp && !subdomain_policy)) {
    if (r.aggregate_reports.empty())
      return fail(ErrorKind::invalid, !has_policy ? "p= is missing or not none, quarantine or reject"
                                                  : "sp= is not none, quarantine or reject");
    policy = Policy::none;
    subdomain_policy.reset();
  }
  r.policy = policy;
  r.subdomain_policy = subdomain_policy;
  // The other tags: a value that is not valid leaves the default.
  for (auto [name, strict] : {std::pair{"adkim", &r.strict_dkim}, std::pair{"aspf", &r.strict_spf}})
    if (auto v = tag(tags, name)) *strict = ascii_lower(*v) == "s";
  if (auto pct = tag(tags, "pct")) {
    int n = -1;
    auto [end, ec] = std::from_chars(pct->data(), pct->data() + pct->size(), n);
    if (ec == std::errc{} && end == pct->data() + pct->size() && n >= 0 && n <= 100) r.percent = n;
  }
  return r;
}

std::string organizational_domain(std::string_view domain) {
  auto name = ascii_lower(domain);
  while (!name.empty() && name.back() == '.') name.pop_back();
  const char* registrable = psl_registrable_domain(suffix_list(), name.c_str());
  return registrable ? std::string(registrable) : name;
}

bool aligned(std::string_view a, std::string_view b, bool strict) {
  if (a.empty() || b.empty()) return false;
  // A UTF-8 name and its A-labels are one domain.
  auto x = normalize_name(a), y = normalize_name(b);
  if (x == y) return true;
  return !strict && organizational_domain(x) == organizational_domain(y);
}

namespace {

// none: no DMARC record there (look at the organisational domain); broken:
// several, or one that is no policy (DMARC processing ends, §6.6.3).
enum class Lookup { found, none, broken, temporary };

// §6.6.3: exactly one record starting with "v=DMARC1" at _dmarc.DOMAIN.
Lookup find_record(Resolver& resolver, const std::string& domain, Record& out, std::string& problem) {
  auto txt = resolver.txt("_dmarc." + domain);
  if (!txt) return txt.error().kind == ErrorKind::not_found ? Lookup::none : Lookup::temporary;
  std::vector<std::string_view> candidates;
  for (auto& t : *txt)
    if (t.starts_with("v=DMARC1")) candidates.push_back(t);
  if (candidates.empty()) return Lookup::none;
  if (candidates.size() > 1) {
    problem = "several DMARC records at _dmarc." + domain;
    return Lookup::broken;
  }
  auto record = parse_record(candidates.front());
  if (!record) {
    problem = "_dmarc." + domain + ": " + record.error().message;
    return Lookup::broken;
  }
  out = std::move(*record);
  return Lookup::found;
}

Policy sampled(Policy p, int percent, int sample) {
  if (sample < percent) return p;
  // §6.6.4: out of the sample, the next less strict policy applies.
  return p == Policy::reject ? Policy::quarantine : Policy::none;
}

// The evaluation for one From domain (lower case, no trailing dot).
Evaluation evaluate_one(const std::string& from_domain, const Input& in, Resolver& resolver) {
  Evaluation e;
  e.from_domain = from_domain;
  Record record;
  std::string problem;
  auto found = find_record(resolver, e.from_domain, record, problem);
  e.policy_domain = e.from_domain;
  bool at_org = false;
  if (found == Lookup::none) {
    auto org = organizational_domain(e.from_domain);
    if (org != e.from_domain) {
      found = find_record(resolver, org, record, problem);
      e.policy_domain = org;
      at_org = true;
    }
  }
  if (found == Lookup::temporary) {
    e.verdict = Verdict::temperror;
    e.reason = "the DMARC record could not be looked up";
    return e;
  }
  if (found == Lookup::none || found == Lookup::broken) {
    e.verdict = Verdict::none;
    e.reason = problem.empty() ? "no DMARC record" : problem;
    e.policy_domain.clear();
    return e;
  }
  // §6.3 sp=: for subdomains, when the record is the organisational domain's.
  e.requested = at_org && record.subdomain_policy ? *record.subdomain_policy : record.policy;

  e.spf_aligned = in.spf == SpfResult::pass && aligned(e.from_domain, in.spf_domain, record.strict_spf);
  for (auto& d : in.dkim)
    if (d.verdict == dkim::Verdict::pass && aligned(e.from_domain, d.domain, record.strict_dkim)) e.dkim_aligned = true;
  if (e.spf_aligned || e.dkim_aligned) {
    e.verdict = Verdict::pass;
    return e;
  }
  // §6.6.2: "If neither passes and one or both of them fail due to a
  // temporary error, the Receiver ... cannot apply the advertised DMARC
  // policy" — an aligned identifier whose check failed for now.
  bool for_now = in.spf == SpfResult::temperror && aligned(e.from_domain, in.spf_domain, record.strict_spf);
  for (auto& d : in.dkim)
    for_now =
        for_now || (d.verdict == dkim::Verdict::temperror && aligned(e.from_domain, d.domain, record.strict_dkim));
  if (for_now) {
    e.verdict = Verdict::temperror;
    e.reason = "an aligned SPF or DKIM check failed for now (DNS)";
    return e;
  }
  e.verdict = Verdict::fail;
  e.applied = sampled(e.requested, record.percent, in.sample);
  e.reason = "neither SPF nor DKIM is aligned with the From domain";
  return e;
}

// How much a result weighs when several From domains are evaluated: the
// strictest applies (§6.6.1).
int weight(const Evaluation& e) {
  switch (e.verdict) {
    case Verdict::fail: return 10 + static_cast<int>(e.applied);
    case Verdict::temperror: return e.requested == Policy::none ? 2 : 5;
    case Verdict::permerror: return 4;
    case Verdict::pass: return 1;
    case Verdict::none: return 0;
  }
  return 0;
}

}  // namespace

Evaluation evaluate(const Input& in, Resolver& resolver) {
  std::vector<std::string> domains;
  for (auto d : in.from_domains) {
    d = ascii_lower(d);
    while (!d.empty() && d.back() == '.') d.pop_back();
    if (std::find(domains.begin(), domains.end(), d) == domains.end()) domains.push_back(std::move(d));
  }
  if (domains.empty()) {
    Evaluation e;
    e.reason = "no From domain";
    return e;
  }
  // §6.6.1: with several From domains, each is evaluated and the strictest
  // result applies (a second author must not carry a spoofed domain past
  // its policy). Each costs up to two lookups: past kMaxFromDomains, the
  // message is judged as failing a p=reject policy.
  if (domains.size() > kMaxFromDomains) {
    Evaluation e;
    e.verdict = Verdict::fail;
    e.from_domain = domains.front();
    e.requested = e.applied = Policy::reject;
    e.reason = fmt::format("more than {} From domains", kMaxFromDomains);
    return e;
  }
  Evaluation worst;
  for (std::size_t i = 0; i < domains.size(); ++i) {
    auto e = evaluate_one(domains[i], in, resolver);
    if (i == 0 || weight(e) > weight(worst)) worst = std::move(e);
  }
  return worst;
}

}  // namespace estafeta::dns::dmarc
