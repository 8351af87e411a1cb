#include "manage/diagnostic.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/ascii.hpp"
#include "dns/dkim.hpp"
#include "dns/dmarc.hpp"
#include "dns/spf.hpp"
#include "manage/manager.hpp"
#include "manage/zone_records.hpp"

namespace estafeta::manage {

const char* to_string(CheckItem::Level level) {
  switch (level) {
    case CheckItem::Level::ok: return "ok";
    case CheckItem::Level::warning: return "warning";
    case CheckItem::Level::error: return "error";
  }
  return "error";
}

bool Diagnosis::ok() const {
  return std::none_of(items.begin(), items.end(), [](auto& i) { return i.level == CheckItem::Level::error; });
}

namespace {

using Level = CheckItem::Level;

std::string host_of(std::string name) {
  name = ascii_lower(name);
  if (name.ends_with('.')) name.pop_back();
  return name;
}

bool is_spf(std::string_view txt) {
  auto start = ascii_lower(txt.substr(0, 7));
  return start == "v=spf1" || start == "v=spf1 ";
}

std::string dns_failure(const Error& e) {
  return e.kind == ErrorKind::not_found ? "the name does not exist" : "the DNS lookup failed: " + e.message;
}

// Whether a certificate name covers `host` (RFC 6125 §6.4.3: "*" as the
// whole left-most label only).
bool covers(const std::string& pattern, const std::string& host) {
  if (pattern == host) return true;
  if (!pattern.starts_with("*.")) return false;
  auto dot = host.find('.');
  return dot != std::string::npos && host.substr(dot + 1) == pattern.substr(2);
}

class Checker {
 public:
  Checker(const std::string& domain, const ZoneDefaults& defaults, dns::Resolver& resolver)
      : m_domain(domain), m_defaults(defaults), m_resolver(resolver) {}

  void add(std::string name, Level level, std::string message, std::string fix = {}) {
    m_out.items.push_back({std::move(name), level, std::move(message), std::move(fix)});
  }

  void mx() {
    auto records = m_resolver.mx(m_domain);
    auto fix = fmt::format("publish {} MX 10 {}", m_domain, m_defaults.mail_host);
    if (!records) return add("mx", Level::error, dns_failure(records.error()), fix);
    if (records->empty()) return add("mx", Level::error, "no MX record: mail to the domain goes nowhere", fix);
    std::vector<std::string> hosts;
    for (auto& r : *records) hosts.push_back(host_of(r.host));
    if (std::find(hosts.begin(), hosts.end(), m_defaults.mail_host) == hosts.end())
      return add("mx", Level::error,
                 fmt::format("the MX records point to {} and not to this server", fmt::join(hosts, ", ")),
                 fmt::format("replace them with {} MX 10 {}", m_domain, m_defaults.mail_host));
    add("mx", Level::ok, fmt::format("mail goes to {}", m_defaults.mail_host));
  }

  void spf() {
    auto ours = fmt::format("v=spf1 include:{} -all", m_defaults.spf_host);
    auto txt = m_resolver.txt(m_domain);
    if (!txt && txt.error().kind != ErrorKind::not_found) return add("spf", Level::error, dns_failure(txt.error()));
    std::vector<std::string> records;
    if (txt)
      for (auto& t : *txt)
        if (is_spf(t)) records.push_back(t);
    if (records.empty())
      return add("spf", Level::error, "no SPF record: receivers cannot tell this server may send for the domain",
                 fmt::format("publish {} TXT \"{}\"", m_domain, ours));
    if (records.size() > 1) {
      auto merged = dns::merge_spf(records, m_domain, &m_resolver);
      return add("spf", Level::error,
                 fmt::format("{} SPF records: receivers treat that as an error (RFC 7208 §4.5)", records.size()),
                 merged ? fmt::format("replace them with one: {} TXT \"{}\"", m_domain, merged->record)
                        : "merge them into one record (estafeta dns spf merge)");
    }
    auto analysis = dns::analyze_spf(records[0], m_domain, m_resolver);
    for (auto& f : analysis.findings)
      if (f.level == dns::SpfFinding::Level::error)
        return add("spf", Level::error, f.message, "correct the record; estafeta dns spf check shows each problem");
    // Does it let this server send? Evaluated for each of its addresses.
    for (auto& ip : m_defaults.addresses) {
      auto r = dns::check_mail_from(m_resolver, ip, "postmaster@" + m_domain, "");
      if (r.code != dns::SpfResult::pass)
        return add("spf", Level::error,
                   fmt::format("the SPF record does not allow this server ({}): {}", ip, dns::to_string(r.code)),
                   fmt::format("add include:{} to it", m_defaults.spf_host));
    }
    if (m_defaults.addresses.empty() &&
        ascii_lower(records[0]).find("include:" + m_defaults.spf_host) == std::string::npos)
      return add("spf", Level::error, "the SPF record does not include this server's SPF host",
                 fmt::format("add include:{} to it", m_defaults.spf_host));
    for (auto& f : analysis.findings)
      if (f.level == dns::SpfFinding::Level::warning)
        return add("spf", Level::warning, f.message, "see estafeta dns spf check");
    add("spf", Level::ok, fmt::format("one valid record, {} of 10 DNS lookups", analysis.lookups));
  }

  void dkim(const std::vector<store::DkimKey>& keys) {
    bool any = false;
    for (auto& k : keys) {
      if (k.state == store::DkimKeyState::retired) continue;
      any = true;
      auto name = dkim_record_name(k.selector, m_domain);
      auto fix = fmt::format("publish {} TXT \"{}\"", name, k.public_record);
      auto txt = m_resolver.txt(name);
      if (!txt || txt->empty()) {
        add("dkim", k.state == store::DkimKeyState::active ? Level::error : Level::warning,
            fmt::format("the {} key {} is not published{}", k.algorithm, k.selector,
                        k.state == store::DkimKeyState::active ? ": receivers cannot check its signatures" : " yet"),
            fix);
        continue;
      }
      auto want = dns::dkim::parse_key_record(k.public_record);
      bool match = false;
      for (auto& t : *txt)
        if (auto got = dns::dkim::parse_key_record(t); got && want && got->public_key == want->public_key) match = true;
      if (!match) {
        add("dkim", Level::error, fmt::format("{} holds another key than the {} key {}", name, k.algorithm, k.selector),
            fix);
        continue;
      }
      add("dkim", Level::ok,
          fmt::format("the {} key {} ({}) is published", k.algorithm, k.selector, to_string(k.state)));
    }
    if (!any)
      add("dkim", Level::error, "the domain has no DKIM key: its mail is not signed",
          fmt::format("estafeta dns zone create {} (or dkim rotate) makes its keys", m_domain));
  }

  void dmarc() {
    auto name = "_dmarc." + m_domain;
    auto fix = fmt::format("publish {} TXT \"v=DMARC1; p=none\" (then p=quarantine once reports look right)", name);
    auto txt = m_resolver.txt(name);
    if (!txt && txt.error().kind != ErrorKind::not_found) return add("dmarc", Level::error, dns_failure(txt.error()));
    std::vector<std::string> records;
    if (txt)
      for (auto& t : *txt)
        if (ascii_lower(t.substr(0, 8)) == "v=dmarc1") records.push_back(t);
    if (records.empty())
      return add("dmarc", Level::warning, "no DMARC record: receivers apply their own rules to forged mail", fix);
    if (records.size() > 1)
      return add("dmarc", Level::error, "several DMARC records: receivers ignore them all (RFC 7489 §6.6.3)",
                 "keep one");
    auto record = dns::dmarc::parse_record(records[0]);
    if (!record) return add("dmarc", Level::error, "the DMARC record is invalid: " + record.error().message, fix);
    add("dmarc", Level::ok, fmt::format("policy p={}", dns::dmarc::to_string(record->policy)));
  }

  void srv() {
    static constexpr std::pair<const char*, int> services[] = {
        {"_imaps._tcp", 993}, {"_submission._tcp", 587}, {"_submissions._tcp", 465}, {"_pop3s._tcp", 995}};
    std::vector<std::string> missing;
    for (auto& [service, port] : services) {
      auto name = fmt::format("{}.{}", service, m_domain);
      auto records = m_resolver.srv(name);
      bool found = false;
      if (records)
        for (auto& r : *records) found = found || (host_of(r.target) == m_defaults.mail_host && r.port == port);
      if (!found) missing.push_back(fmt::format("{} SRV 0 1 {} {}", name, port, m_defaults.mail_host));
    }
    if (missing.empty()) return add("srv", Level::ok, "mail clients find IMAP, submission and POP3 (RFC 6186)");
    add("srv", Level::warning, fmt::format("{} of 4 service records missing or elsewhere", missing.size()),
        "publish " + fmt::format("{}", fmt::join(missing, "; ")));
  }

  void autoconfig() {
    std::vector<std::string> missing;
    for (auto name : {"autoconfig", "autodiscover"}) {
      auto host = fmt::format("{}.{}", name, m_domain);
      auto a = m_resolver.a(host);
      auto aaaa = m_resolver.aaaa(host);
      if ((!a || a->empty()) && (!aaaa || aaaa->empty()))
        missing.push_back(fmt::format("{} CNAME {}", host, m_defaults.mail_host));
    }
    if (missing.empty()) return add("autoconfig", Level::ok, "autoconfig and autodiscover names resolve");
    add("autoconfig", Level::warning, "clients cannot configure themselves from the address alone",
        "publish " + fmt::format("{}", fmt::join(missing, "; ")));
  }

  void tls(const CertificateView& cert, std::int64_t now) {
    std::vector<std::string> uncovered;
    for (auto& host : {m_defaults.mail_host, "autoconfig." + m_domain}) {
      bool ok = std::any_of(cert.dns_names.begin(), cert.dns_names.end(), [&](auto& n) { return covers(n, host); });
      if (!ok) uncovered.push_back(host);
    }
    if (cert.not_after && cert.not_after < now)
      return add("tls", Level::error, "the certificate has expired", "install a renewed certificate ([tls] cert, key)");
    if (std::find(uncovered.begin(), uncovered.end(), m_defaults.mail_host) != uncovered.end())
      return add("tls", Level::error, fmt::format("the certificate is not valid for {}", m_defaults.mail_host),
                 fmt::format("install a certificate for {} ([tls] cert, key)", m_defaults.mail_host));
    if (cert.self_signed)
      return add("tls", Level::warning, "the certificate is self-signed: clients warn their users",
                 fmt::format("install one from a certificate authority for {}", m_defaults.mail_host));
    if (cert.not_after && cert.not_after < now + 14 * 86400)
      return add("tls", Level::warning, "the certificate expires within 14 days", "renew it");
    if (!uncovered.empty())
      return add("tls", Level::warning, fmt::format("the certificate does not cover {}", uncovered.back()),
                 "add it to the certificate (autoconfig over HTTPS)");
    add("tls", Level::ok, fmt::format("valid for {}", m_defaults.mail_host));
  }

  Diagnosis take() {
    m_out.domain = m_domain;
    return std::move(m_out);
  }

 private:
  std::string m_domain;
  const ZoneDefaults& m_defaults;
  dns::Resolver& m_resolver;
  Diagnosis m_out;
};

}  // namespace

Result<Diagnosis> Manager::diagnose_domain(const Actor& actor, const std::string& domain, dns::Resolver& resolver,
                                           const CertificateView& certificate) {
  auto [d, org_id] = TRY(managed_domain(actor, domain));
  Checker c(d.name, m_zone_defaults, resolver);
  c.mx();
  c.spf();
  c.dkim(TRY(m_store.dkim_keys(d.id)));
  c.dmarc();
  c.srv();
  c.autoconfig();
  c.tls(certificate, m_clock.now());
  return c.take();
}

}  // namespace estafeta::manage
