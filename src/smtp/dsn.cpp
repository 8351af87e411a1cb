#include "smtp/dsn.hpp"

#include <random>

#include <fmt/format.h>

#include "core/clock.hpp"
#include "smtp/parser.hpp"

namespace estafeta::smtp {

namespace {

std::string header_of(std::string_view message) {
  auto end = message.find("\r\n\r\n");
  return std::string(message.substr(0, end == std::string_view::npos ? message.size() : end + 2));
}

// Header text may not break lines or carry controls (a diagnostic comes
// from a remote server; ENVID and ORCPT are xtext the client decoded to
// any octets, RFC 3461 §4).
// Cut to 900 octets (on a UTF-8 boundary), so that a field with its name
// stays within RFC 5322's 998 (a remote reply may be as long as 1,000).
std::string one_line(std::string_view s) {
  constexpr std::size_t kMax = 900;
  if (s.size() > kMax) {
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut);
  }
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    out += c == '\r' || c == '\n' || c == '\t' ? ' ' : (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return out;
}

}  // namespace

namespace {

// RFC 3463 §2: class "." subject "." detail, subject and detail of one to
// three digits.
bool is_enhanced_status(std::string_view code) {
  if (code.size() < 5 || (code[0] != '2' && code[0] != '4' && code[0] != '5') || code[1] != '.') return false;
  auto dot = code.find('.', 2);
  if (dot == std::string_view::npos) return false;
  auto digits = [](std::string_view d) {
    return !d.empty() && d.size() <= 3 && d.find_first_not_of("0123456789") == std::string_view::npos;
  };
  return digits(code.substr(2, dot - 2)) && digits(code.substr(dot + 1));
}

}  // namespace

std::string status_of(std::string_view reply) {
  if (reply.size() >= 9 && reply[3] == ' ') {
    auto end = reply.find(' ', 4);
    auto code = reply.substr(4, end == std::string_view::npos ? std::string_view::npos : end - 4);
    if (is_enhanced_status(code)) return std::string(code);
  }
  if (!reply.empty() && (reply[0] == '4' || reply[0] == '5')) return fmt::format("{}.0.0", reply[0]);
  return "5.0.0";
}

std::string dsn_mail_parameters(const std::string& envid, bool ret_full) {
  std::string out = ret_full ? " RET=FULL" : " RET=HDRS";
  if (!envid.empty()) out += " ENVID=" + xtext_encode(envid);
  return out;
}

std::string dsn_rcpt_parameters(bool never, bool success, bool failure, bool delay, const std::string& orcpt) {
  std::string notify;
  if (never) {
    notify = "NEVER";
  } else {
    for (auto [on, word] : {std::pair{success, "SUCCESS"}, {failure, "FAILURE"}, {delay, "DELAY"}})
      if (on) notify += notify.empty() ? word : std::string(",") + word;
  }
  std::string out = notify.empty() ? "" : " NOTIFY=" + notify;
  // Kept as "type;address" decoded: the type is an atom, the address xtext.
  if (auto semicolon = orcpt.find(';'); semicolon != std::string::npos && semicolon > 0)
    out += " ORCPT=" + orcpt.substr(0, semicolon) + ";" + xtext_encode(orcpt.substr(semicolon + 1));
  return out;
}

std::string make_bounce(const BounceInput& in) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  auto boundary = fmt::format("estafeta-report-{:016x}", rng());
  std::string out;
  out += fmt::format("From: Mail Delivery System <MAILER-DAEMON@{}>\r\n", in.reporting_mta);
  out += fmt::format("To: <{}>\r\n", format_envelope_address(in.sender));
  using A = ReportAction;
  switch (in.action) {
    case A::failed: out += "Subject: Undelivered Mail Returned to Sender\r\n"; break;
    case A::delayed: out += "Subject: Delayed Mail (still being retried)\r\n"; break;
    case A::delivered: out += "Subject: Delivery Report: your message was delivered\r\n"; break;
    case A::relayed: out += "Subject: Delivery Report: your message was passed on\r\n"; break;
  }
  out += fmt::format("Date: {}\r\n", rfc5322_date(in.now));
  out += fmt::format("Message-ID: <{:016x}@{}>\r\n", rng(), in.reporting_mta);
  out += "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n";
  out += fmt::format("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"{}\"\r\n\r\n",
                     boundary);
  out += "This is a MIME-encapsulated message.\r\n\r\n";
  // 1. For people.
  out += fmt::format("--{}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", boundary);
  switch (in.action) {
    case A::failed: out += "Your message could not be delivered to these recipients:\r\n\r\n"; break;
    case A::delayed:
      out += fmt::format(
          "Your message has not been delivered yet to these recipients. The mail system\r\n"
          "keeps trying until {}; you do not need to send it again.\r\n\r\n",
          rfc5322_date(in.retry_until));
      break;
    case A::delivered: out += "Your message was delivered to these recipients, as you asked to be told:\r\n\r\n"; break;
    case A::relayed:
      out +=
          "Your message was passed on to the mail systems of these recipients. They send\r\n"
          "no delivery reports, so this is the last one you will get about them:\r\n\r\n";
      break;
  }
  for (auto& f : in.failed)
    out += fmt::format("  <{}>: {}\r\n", format_envelope_address(f.recipient),
                       one_line(f.diagnostic.empty() ? f.status : f.diagnostic));
  out += "\r\n";
  // 2. For programs (RFC 3464 §2.2, §2.3).
  out += fmt::format("--{}\r\nContent-Type: message/delivery-status\r\n\r\n", boundary);
  out += fmt::format("Reporting-MTA: dns; {}\r\n", in.reporting_mta);
  if (!in.envid.empty()) out += fmt::format("Original-Envelope-Id: {}\r\n", one_line(in.envid));
  out += fmt::format("Arrival-Date: {}\r\n", rfc5322_date(in.arrival));
  for (auto& f : in.failed) {
    out += "\r\n";
    if (!f.orcpt.empty()) out += fmt::format("Original-Recipient: {}\r\n", one_line(f.orcpt));
    out += fmt::format("Final-Recipient: rfc822; {}\r\n", format_envelope_address(f.recipient));
    constexpr const char* kActions[] = {"failed", "delayed", "delivered", "relayed"};
    out += fmt::format("Action: {}\r\n", kActions[static_cast<int>(in.action)]);
    out += fmt::format("Status: {}\r\n", f.status);
    if (!f.remote_mta.empty()) out += fmt::format("Remote-MTA: dns; {}\r\n", one_line(f.remote_mta));
    if (!f.diagnostic.empty()) out += fmt::format("Diagnostic-Code: smtp; {}\r\n", one_line(f.diagnostic));
    out += fmt::format("Last-Attempt-Date: {}\r\n", rfc5322_date(in.now));
    if (in.action == A::delayed) out += fmt::format("Will-Retry-Until: {}\r\n", rfc5322_date(in.retry_until));
  }
  out += "\r\n";
  // 3. The message, or its header (RET=HDRS).
  if (in.full_message && in.action == A::failed) {
    out += fmt::format("--{}\r\nContent-Type: message/rfc822\r\n\r\n", boundary);
    out += in.original;
    if (!in.original.ends_with("\r\n")) out += "\r\n";
  } else {
    out += fmt::format("--{}\r\nContent-Type: text/rfc822-headers\r\n\r\n", boundary);
    out += header_of(in.original);
  }
  out += fmt::format("\r\n--{}--\r\n", boundary);
  return out;
}

}  // namespace estafeta::smtp
