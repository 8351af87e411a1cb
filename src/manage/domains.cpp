// Domain claims: an organisation adds a domain, and it becomes local only
// once the organisation has shown that it controls the domain's DNS (a TXT
// record with the claim's token) or an operator approves it.
//
// Security: a domain local to one organisation takes the mail that every
// other organisation's users send to it (submission delivers local mail at
// once), so claiming a domain one does not hold would intercept that mail.
// A pending claim is not local anywhere (smtp/session.cpp): mail to it goes
// out to the domain's real servers. The token is public (it is published in
// DNS); what proves control is being able to publish it.
#include <sodium.h>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/hex.hpp"
#include "manage/manager.hpp"

namespace estafeta::manage {

namespace {

std::string new_token() {
  if (sodium_init() < 0) std::abort();
  unsigned char bytes[16];  // 128 bits: not guessable before the claim is made
  randombytes_buf(bytes, sizeof bytes);
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

std::string normal_name(const std::string& domain) {
  auto name = ascii_lower(domain);
  if (name.ends_with('.')) name.pop_back();
  return name;
}

}  // namespace

std::string verification_name(const std::string& domain) { return "_estafeta." + domain; }
std::string verification_value(const std::string& token) { return "estafeta-verify=" + token; }

Result<std::optional<store::Id>> Manager::holder_of(std::string domain, bool claims) {
  while (true) {
    auto d = m_store.find_domain(domain);
    if (!d && d.error().kind != ErrorKind::not_found) return std::unexpected(d.error());
    if (d && (d->verified || claims)) return std::optional<store::Id>(TRY(m_store.service(d->service_id)).org_id);
    // Up one label, as long as two are left ("a.b.example" → "b.example").
    auto dot = domain.find('.');
    if (dot == std::string::npos || domain.find('.', dot + 1) == std::string::npos) return std::optional<store::Id>();
    domain.erase(0, dot + 1);
  }
}

Result<store::Domain> Manager::add_domain(const Actor& actor, const std::string& service, const std::string& domain) {
  auto s = TRY(m_store.find_service(service));
  if (!actor.is_operator() && actor.user->org_id != s.org_id) return fail(ErrorKind::not_found, "no such mail service");
  TRY(may_manage_org(actor, s.org_id));
  auto name = normal_name(domain);
  TRY(check_domain_name(name));
  // A name under another organisation's proven domain is theirs to use:
  // a claim on it would keep them from it (and its logins) for days.
  if (auto dot = name.find('.'); !actor.is_operator() && dot != std::string::npos)
    if (auto holder = TRY(holder_of(name.substr(dot + 1), false)); holder && *holder != s.org_id)
      return fail(ErrorKind::exists, fmt::format("'{}' is under a domain of another organisation", name));
  // A stale pending claim (never proven) does not keep the domain from
  // the organisation that really holds it.
  if (auto held = m_store.find_domain(name);
      held && !held->verified && held->created + kClaimLifetime < m_clock.now()) {
    TRY(m_store.remove_domain(held->id));
    audit(actor, s.org_id, "domain.claim_expired", name);
  }
  auto token = actor.is_operator() ? std::string() : new_token();
  auto d = TRY(m_store.add_domain(s.id, name, token));
  audit(actor, s.org_id, d.verified ? "domain.add" : "domain.claim", name, fmt::format("service={}", service));
  install_zone(actor, d, s.org_id);
  return d;
}

Result<store::Domain> Manager::verify_domain(const Actor& actor, const std::string& domain, dns::Resolver& resolver) {
  auto [d, org_id] = TRY(managed_domain(actor, domain));
  if (d.verified) return d;
  auto records = resolver.txt(verification_name(d.name));
  if (!records && records.error().kind != ErrorKind::not_found)
    return fail(ErrorKind::temporary,
                fmt::format("the DNS lookup of {} failed; try again later", verification_name(d.name)),
                records.error().detail);
  auto wanted = verification_value(d.verify_token);
  bool found = false;
  if (records)
    for (auto& r : *records) found = found || r == wanted;
  if (!found)
    return fail(ErrorKind::invalid,
                fmt::format("no TXT record \"{}\" at {} yet (DNS changes can take a while to appear)", wanted,
                            verification_name(d.name)));
  TRY(m_store.set_domain_verified(d.id));
  audit(actor, org_id, "domain.verify", d.name);
  d.verified = true;
  d.verify_token.clear();
  install_zone(actor, d, org_id);
  return d;
}

Result<store::Domain> Manager::approve_domain(const Actor& actor, const std::string& domain) {
  TRY(operator_only(actor));
  auto [d, org_id] = TRY(managed_domain(actor, domain));
  if (!d.verified) {
    TRY(m_store.set_domain_verified(d.id));
    audit(actor, org_id, "domain.approve", d.name);
    d.verified = true;
    d.verify_token.clear();
    install_zone(actor, d, org_id);
  }
  return d;
}

}  // namespace estafeta::manage
