// check_host() (RFC 7208 §4): domain checks (§4.3), record lookup and
// selection (§4.4, §4.5), evaluation in order (§4.6, §4.7), mechanisms (§5),
// redirect= and exp= (§6), the processing limits (§4.6.4): 10 DNS-querying
// terms and 2 void lookups per check, 10 MX names (more: permerror) and 10
// PTR names (more: ignored) per lookup. DNS errors give temperror (§4.4, §5)
// except in ptr's address checks (§5.5) and for exp= (§6.2).
#include <ctime>
#include <optional>

#include "dns/spf.hpp"

namespace estafeta::dns {

namespace {

using Code = SpfResult::Code;

constexpr std::size_t kMaxMxNames = 10;   // §4.6.4
constexpr std::size_t kMaxPtrNames = 10;  // §4.6.4, §5.5

SpfResult error_result(const Error& error) {
  SpfResult result;
  result.code = error.kind == ErrorKind::temporary ? Code::temperror : Code::permerror;
  result.problem = error.message;
  return result;
}

Code code_for(SpfQualifier qualifier) {
  switch (qualifier) {
    case SpfQualifier::pass: return Code::pass;
    case SpfQualifier::fail: return Code::fail;
    case SpfQualifier::softfail: return Code::softfail;
    case SpfQualifier::neutral: return Code::neutral;
  }
  return Code::neutral;
}

// `name` is `domain` or one of its subdomains (case-insensitive).
bool within(std::string_view name, std::string_view domain) {
  std::string n = normalize_name(name), d = normalize_name(domain);
  if (n == d) return true;
  return n.size() > d.size() && n.ends_with(d) && n[n.size() - d.size() - 1] == '.';
}

// §4.3: a malformed domain, a single label or an address literal gives "none".
bool is_checkable_domain(std::string_view domain) {
  if (!is_queryable_name(domain) || domain.front() == '[') return false;
  if (domain.back() == '.') domain.remove_suffix(1);
  return domain.find('.') != std::string_view::npos;
}

std::string printable(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return text;
}

// One check_host() call with everything its nested checks share: the
// inputs, the limits' counters and the validated PTR names.
class Evaluation {
 public:
  Evaluation(Resolver& resolver, const SpfOptions& options, IpAddress ip, std::string local_part,
             std::string sender_domain, std::string helo, std::int64_t now)
      : m_resolver(resolver),
        m_options(options),
        m_ip(ip),
        m_local(std::move(local_part)),
        m_sender_domain(std::move(sender_domain)),
        m_sender(m_local + "@" + m_sender_domain),
        m_helo(std::move(helo)),
        m_now(now) {}

  SpfResult run(std::string_view domain) {
    SpfResult result = check(domain, true);
    if (result.code == Code::fail && result.explanation.empty() && !m_options.default_explanation.empty()) {
      auto text = expand_macros(m_options.default_explanation, context(domain), MacroUse::explanation);
      result.explanation = text ? *text : m_options.default_explanation;
    }
    result.explanation = printable(std::move(result.explanation));
    result.dns_lookups = m_terms;
    result.void_lookups = m_voids;
    return result;
  }

 private:
  // check_host() for one domain; `explain`: fetch exp= on fail (not for
  // include, §6.2).
  SpfResult check(std::string_view domain, bool explain) {
    SpfResult result;
    if (!is_checkable_domain(domain)) {
      result.problem = "malformed domain";
      return result;
    }
    auto text = find_record(domain);
    if (!text) return error_result(text.error());
    if (!*text) return result;  // none
    auto record = parse_spf_record(**text);
    if (!record) return error_result(record.error());

    for (const auto& mechanism : record->mechanisms) {
      auto matched = matches(mechanism, domain);
      if (!matched) return error_result(matched.error());
      if (!*matched) continue;
      result.code = code_for(mechanism.qualifier);
      result.mechanism = mechanism.text;
      if (result.code == Code::fail && explain) result.explanation = explanation(*record, domain);
      return result;
    }
    if (record->redirect) {  // §6.1: only when no mechanism matched
      if (auto ok = count_term(); !ok) return error_result(ok.error());
      auto target = expand_domain_spec(*record->redirect, context(domain));
      if (!target) return error_result(target.error());
      SpfResult inner = check(*target, explain);
      if (inner.code == Code::none)
        return error_result(Error{ErrorKind::invalid, "redirect target " + printable(*target) + " has no SPF record"});
      return inner;
    }
    result.code = Code::neutral;  // §4.7
    return result;
  }

  // §4.4, §4.5: the one TXT record starting "v=spf1"; nullopt for none.
  Result<std::optional<std::string>> find_record(std::string_view domain) {
    auto answer = m_resolver.txt(domain);
    if (!answer) {
      if (answer.error().kind == ErrorKind::not_found) return std::nullopt;
      return fail(ErrorKind::temporary, "DNS error looking up TXT of " + printable(std::string(domain)));
    }
    std::optional<std::string> found;
    for (auto& txt : *answer) {
      if (!is_spf_record(txt)) continue;
      if (found) return fail(ErrorKind::invalid, "more than one SPF record for " + printable(std::string(domain)));
      found = std::move(txt);
    }
    return found;
  }

  Result<bool> matches(const SpfMechanism& m, std::string_view domain) {
    using K = SpfMechanismKind;
    if (m.kind == K::all) return true;
    if (m.kind == K::ip4 || m.kind == K::ip6) return m_ip.in_network(m.network, m_ip.is_v4() ? m.cidr4 : m.cidr6);

    TRY(count_term());
    std::string target =
        m.domain_spec.empty() ? std::string(domain) : TRY(expand_domain_spec(m.domain_spec, context(domain)));
    switch (m.kind) {
      case K::include: return include(target);
      case K::a: {
        if (!is_queryable_name(target)) return false;  // treated as no such name
        auto ips = TRY(addresses(target));
        if (ips.empty()) TRY(count_void());
        return any_in_network(ips, m);
      }
      case K::mx: return mx(target, m);
      case K::ptr: {
        const auto& names = validated_names();
        if (m_ptr_void) TRY(count_void());
        for (const auto& name : names)
          if (within(name, target)) return true;
        return false;
      }
      case K::exists: {
        if (!is_queryable_name(target)) return false;
        auto ips = m_resolver.a(target);  // §5.7: always A, whatever the client's family
        if (!ips && ips.error().kind != ErrorKind::not_found)
          return fail(ErrorKind::temporary, "DNS error looking up A of " + printable(target));
        if (!ips || ips->empty()) {
          TRY(count_void());
          return false;
        }
        return true;
      }
      default: return false;
    }
  }

  // §5.2: the nested result mapped to match / no match / error.
  Result<bool> include(const std::string& target) {
    SpfResult inner = check(target, false);
    switch (inner.code) {
      case Code::pass: return true;
      case Code::fail:
      case Code::softfail:
      case Code::neutral: return false;
      case Code::temperror: return fail(ErrorKind::temporary, inner.problem);
      case Code::permerror: return fail(ErrorKind::invalid, inner.problem);
      case Code::none: return fail(ErrorKind::invalid, "included domain " + printable(target) + " has no SPF record");
    }
    return false;
  }

  // §5.4: the addresses of every MX host, at most 10 hosts.
  Result<bool> mx(const std::string& target, const SpfMechanism& m) {
    if (!is_queryable_name(target)) return false;
    auto hosts = m_resolver.mx(target);
    if (!hosts && hosts.error().kind != ErrorKind::not_found)
      return fail(ErrorKind::temporary, "DNS error looking up MX of " + printable(target));
    if (!hosts || hosts->empty()) {
      TRY(count_void());
      return false;
    }
    if (hosts->size() > kMaxMxNames) return fail(ErrorKind::limit, "more than 10 MX names for " + printable(target));
    for (const auto& host : *hosts) {
      std::string name = normalize_name(host.host);
      if (!is_queryable_name(name)) continue;  // null MX (RFC 7505) or unusable
      if (any_in_network(TRY(addresses(name)), m)) return true;
    }
    return false;
  }

  // A or AAAA records of `name`, by the client's family; empty for NXDOMAIN.
  Result<std::vector<IpAddress>> addresses(const std::string& name) {
    auto ips = m_ip.is_v4() ? m_resolver.a(name) : m_resolver.aaaa(name);
    if (ips) return std::move(*ips);
    if (ips.error().kind == ErrorKind::not_found) return std::vector<IpAddress>{};
    return fail(ErrorKind::temporary,
                std::string("DNS error looking up ") + (m_ip.is_v4() ? "A" : "AAAA") + " of " + printable(name));
  }

  bool any_in_network(const std::vector<IpAddress>& ips, const SpfMechanism& m) const {
    int prefix = m_ip.is_v4() ? m.cidr4 : m.cidr6;
    for (const auto& ip : ips)
      if (m_ip.in_network(ip, prefix)) return true;
    return false;
  }

  // §5.5: names of the client whose addresses include it; looked up once.
  // DNS errors give no names; m_ptr_void notes an empty answer.
  const std::vector<std::string>& validated_names() {
    if (m_validated) return *m_validated;
    m_validated.emplace();
    auto names = m_resolver.ptr(m_ip);
    if (!names) {
      m_ptr_void = names.error().kind == ErrorKind::not_found;
      return *m_validated;
    }
    m_ptr_void = names->empty();
    for (std::size_t i = 0; i < names->size() && i < kMaxPtrNames; ++i) {
      std::string name = normalize_name((*names)[i]);
      if (!is_queryable_name(name)) continue;
      auto ips = addresses(name);
      if (!ips) continue;  // §5.5: a DNS error skips this name
      for (const auto& ip : *ips) {
        if (ip == m_ip) {
          m_validated->push_back(name);
          break;
        }
      }
    }
    return *m_validated;
  }

  // %{p} (§7.3): <domain> itself, else a subdomain of it, else any.
  std::string validated_name_for(std::string_view domain) {
    const auto& names = validated_names();
    if (names.empty()) return "unknown";
    for (const auto& name : names)
      if (normalize_name(name) == normalize_name(domain)) return name;
    for (const auto& name : names)
      if (within(name, domain)) return name;
    return names.front();
  }

  // §6.2: the expanded TXT text named by exp=, or "" when anything fails.
  std::string explanation(const SpfRecord& record, std::string_view domain) {
    if (!m_options.explain || !record.explanation) return {};
    MacroContext ctx = context(domain);
    auto name = expand_domain_spec(*record.explanation, ctx);
    if (!name || !is_queryable_name(*name)) return {};
    auto txt = m_resolver.txt(*name);
    if (!txt || txt->size() != 1) return {};
    auto text = expand_macros(txt->front(), ctx, MacroUse::explanation);
    return text ? *text : std::string();
  }

  MacroContext context(std::string_view domain) {
    MacroContext ctx;
    ctx.sender = m_sender;
    ctx.local_part = m_local;
    ctx.sender_domain = m_sender_domain;
    ctx.domain = domain;
    ctx.ip = m_ip;
    ctx.helo = m_helo;
    ctx.receiver = m_options.receiver;
    ctx.timestamp = m_now;
    ctx.validated_name = [this, d = std::string(domain)] { return validated_name_for(d); };
    return ctx;
  }

  Status count_term() {
    if (++m_terms > kSpfMaxDnsLookups) return fail(ErrorKind::limit, "more than 10 DNS-querying terms");
    return {};
  }

  Status count_void() {
    if (++m_voids > m_options.max_void_lookups)
      return fail(ErrorKind::limit, "more than " + std::to_string(m_options.max_void_lookups) + " void lookups");
    return {};
  }

  Resolver& m_resolver;
  const SpfOptions& m_options;
  const IpAddress m_ip;
  const std::string m_local;
  const std::string m_sender_domain;
  const std::string m_sender;
  const std::string m_helo;
  const std::int64_t m_now;
  int m_terms = 0;
  int m_voids = 0;
  std::optional<std::vector<std::string>> m_validated;
  bool m_ptr_void = false;
};

}  // namespace

const char* to_string(SpfResult::Code code) {
  switch (code) {
    case Code::none: return "none";
    case Code::neutral: return "neutral";
    case Code::pass: return "pass";
    case Code::fail: return "fail";
    case Code::softfail: return "softfail";
    case Code::temperror: return "temperror";
    case Code::permerror: return "permerror";
  }
  return "?";
}

SpfResult check_host(Resolver& resolver, const std::string& ip, const std::string& domain, const std::string& sender,
                     const std::string& helo, const SpfOptions& options) {
  auto address = IpAddress::parse(ip);
  if (!address) return error_result(Error{ErrorKind::invalid, "invalid client address"});
  // §4.3: a sender without a local-part is "postmaster@domain".
  auto at = sender.rfind('@');
  std::string local = at == std::string::npos ? std::string() : sender.substr(0, at);
  std::string sender_domain = at == std::string::npos ? sender : sender.substr(at + 1);
  if (local.empty()) local = "postmaster";
  std::int64_t now = options.now != 0 ? options.now : static_cast<std::int64_t>(std::time(nullptr));
  std::string_view checked = domain;
  if (!checked.empty() && checked.back() == '.') checked.remove_suffix(1);
  Evaluation evaluation(resolver, options, address->unmapped(), std::move(local), std::move(sender_domain), helo, now);
  return evaluation.run(checked);
}

SpfResult check_mail_from(Resolver& resolver, const std::string& ip, const std::string& mail_from,
                          const std::string& helo, const SpfOptions& options) {
  if (mail_from.empty()) return check_host(resolver, ip, helo, "postmaster@" + helo, helo, options);
  auto at = mail_from.rfind('@');
  std::string domain = at == std::string::npos ? mail_from : mail_from.substr(at + 1);
  return check_host(resolver, ip, domain, mail_from, helo, options);
}

}  // namespace estafeta::dns
