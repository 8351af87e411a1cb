#include "smtp/message_auth.hpp"

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "smtp/header_text.hpp"

namespace estafeta::smtp {

namespace {

// A domain, selector or signature prefix as an RFC 8601 pvalue: an RFC
// 2045 token as it is (no tspecials: a base64 "/" or "=" is one), anything
// else quoted.
std::string pvalue(std::string_view text) {
  static constexpr std::string_view kTspecials = "()<>@,;:\\\"/[]?=";
  bool token = !text.empty();
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    token = token && u > 0x20 && u < 0x7f && kTspecials.find(c) == std::string_view::npos;
  }
  return token ? std::string(text) : quoted_string(text);
}

}  // namespace

MessageAuth authenticate_message(const MessageAuthJob& job, dns::Resolver& resolver) {
  MessageAuth out;
  out.dkim = dns::dkim::verify(*job.message, resolver, job.now);
  dns::dmarc::Input input;
  input.from_domains = job.from_domains;
  input.spf = job.spf;
  input.spf_domain = job.spf_domain;
  input.dkim = out.dkim;
  input.sample = job.sample;
  out.dmarc = dns::dmarc::evaluate(input, resolver);
  return out;
}

MessageAuth checks_not_run() {
  MessageAuth out;
  out.ran = false;
  out.dmarc.verdict = dns::dmarc::Verdict::temperror;
  out.dmarc.reason = "the checks could not run now";
  return out;
}

std::string dkim_dmarc_results(const MessageAuth& auth) {
  std::string out;
  if (!auth.ran) return "; dkim=temperror (the checks could not run now); dmarc=temperror";
  if (auth.dkim.empty()) out += "; dkim=none";
  for (auto& v : auth.dkim) {
    out += fmt::format("; dkim={}", dns::dkim::to_string(v.verdict));
    if (!v.reason.empty()) out += " (" + comment_text(v.reason, 120) + ")";
    if (!v.domain.empty()) out += " header.d=" + pvalue(v.domain);
    if (!v.selector.empty()) out += " header.s=" + pvalue(v.selector);
    if (!v.b_prefix.empty()) out += " header.b=" + pvalue(v.b_prefix);
  }
  auto& d = auth.dmarc;
  out += fmt::format("; dmarc={}", dns::dmarc::to_string(d.verdict));
  if (d.verdict != dns::dmarc::Verdict::none)
    out += fmt::format(" (p={}{})", dns::dmarc::to_string(d.requested),
                       d.verdict == dns::dmarc::Verdict::pass ? "" : " " + comment_text(d.reason, 120));
  if (!d.from_domain.empty()) out += " header.from=" + pvalue(d.from_domain);
  return out;
}

}  // namespace estafeta::smtp
