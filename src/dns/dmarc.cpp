// RFC 7489 §6.3 (the record), §6.6 (the receiver's actions), §3.1
// (alignment), §3.2 (organisational domains).
#include "dns/dmarc.hpp"

#include <algorithm>
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

// A list of DMARC URIs (§6.4: "," separated; each an URI with an optional
// "!size" suffix). Only the scheme is checked: reports are not sent here.
std::optional<std::vector<std::string>> parse_uris(std::string_view value) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    auto end = value.find(',', pos);
    if (end == std::string_view::npos) end = value.size();
    auto uri = strip_whitespace(value.substr(pos, end - pos));
    auto colon = uri.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == uri.size()) return std::nullopt;
    out.push_back(uri);
    pos = end + 1;
  }
  return out;
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
  auto tags = TRY(parse_tag_list(txt));
  if (tags.empty() || tags.front().name != "v" || tags.front().value != "DMARC1")
    return fail(ErrorKind::invalid, "not a DMARC record (v=DMARC1 first)");
  Record r;
  if (auto rua = find_tag(tags, "rua")) {
    auto uris = parse_uris(*rua);
    if (!uris) return fail(ErrorKind::invalid, "rua= is not a list of URIs");
    r.aggregate_reports = std::move(*uris);
  }
  if (auto ruf = find_tag(tags, "ruf")) {
    auto uris = parse_uris(*ruf);
    if (!uris) return fail(ErrorKind::invalid, "ruf= is not a list of URIs");
    r.failure_reports = std::move(*uris);
  }
  auto p = find_tag(tags, "p");
  auto policy = p ? parse_policy(*p) : std::nullopt;
  if (!policy && r.aggregate_reports.empty())
    return fail(ErrorKind::invalid, "p= is missing or not none, quarantine or reject");
  r.policy = policy.value_or(Policy::none);  // §6.6.3: with a valid rua=, act as p=none
  if (auto sp = find_tag(tags, "sp")) {
    r.subdomain_policy = parse_policy(*sp);
    if (!r.subdomain_policy) return fail(ErrorKind::invalid, "sp= is not none, quarantine or reject");
  }
  for (auto [tag, strict] : {std::pair{"adkim", &r.strict_dkim}, std::pair{"aspf", &r.strict_spf}}) {
    if (auto v = find_tag(tags, tag)) {
      auto mode = ascii_lower(*v);
      if (mode != "r" && mode != "s") return fail(ErrorKind::invalid, std::string(tag) + "= is not r or s");
      *strict = mode == "s";
    }
  }
  if (auto pct = find_tag(tags, "pct")) {
    int n = -1;
    auto [end, ec] = std::from_chars(pct->data(), pct->data() + pct->size(), n);
    if (ec != std::errc{} || end != pct->data() + pct->size() || n < 0 || n > 100)
      return fail(ErrorKind::invalid, "pct= is not a number from 0 to 100");
    r.percent = n;
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
  if (ascii_iequals(a, b)) return true;
  return !strict && organizational_domain(a) == organizational_domain(b);
}

namespace {

enum class Lookup { found, none, temporary };

// §6.6.3: exactly one record starting with "v=DMARC1" at _dmarc.DOMAIN.
Lookup find_record(Resolver& resolver, const std::string& domain, Record& out, std::string& problem) {
  auto txt = resolver.txt("_dmarc." + domain);
  if (!txt) return txt.error().kind == ErrorKind::not_found ? Lookup::none : Lookup::temporary;
  std::vector<std::string_view> candidates;
  for (auto& t : *txt)
    if (t.starts_with("v=DMARC1")) candidates.push_back(t);
  if (candidates.size() != 1) {
    if (candidates.size() > 1) problem = "several DMARC records at _dmarc." + domain;
    return Lookup::none;
  }
  auto record = parse_record(candidates.front());
  if (!record) {
    problem = "_dmarc." + domain + ": " + record.error().message;
    return Lookup::none;
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
  if (found == Lookup::none) {
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
