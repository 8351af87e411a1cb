// libFuzzer target for delivery status notifications (smtp::make_bounce,
// smtp::status_of): a bounce is built from what remote servers answered
// (reply text, status), what the client gave (ENVID, ORCPT) and the
// original message — all untrusted. Seeds: fuzz/corpus/dsn/.
//
// Input: fields separated by LF — reply, orcpt, envid, (unused), remote host,
// then the original message. Checked: status_of always gives an enhanced
// status code "c.d.d"; the report's own header and delivery-status fields
// (everything before the original message) have no bare CR or LF and no
// line over 998 octets (RFC 5322 §2.1.1).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smtp/dsn.hpp"

namespace {

std::string_view take(std::string_view& rest) {
  auto end = rest.find('\n');
  auto field = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return field;
}

bool is_status(std::string_view s) {
  auto dot1 = s.find('.');
  auto dot2 = dot1 == std::string_view::npos ? dot1 : s.find('.', dot1 + 1);
  if (dot1 != 1 || dot2 == std::string_view::npos) return false;
  if (s[0] != '2' && s[0] != '4' && s[0] != '5') return false;
  for (std::size_t i = 2; i < s.size(); ++i)
    if (i != dot2 && (s[i] < '0' || s[i] > '9')) return false;
  return dot2 > 2 && dot2 + 1 < s.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace estafeta::smtp;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  auto reply = take(rest);
  auto status = status_of(reply);
  if (!is_status(status)) std::abort();

  BounceInput in;
  in.reporting_mta = "mx.example";
  FailedRecipient f;
  f.recipient = "rcpt@far.example";
  f.diagnostic = std::string(reply);
  f.status = status;
  f.orcpt = std::string(take(rest));
  in.envid = std::string(take(rest));
  in.sender = "ana@demo.example";  // an envelope sender the SMTP parser accepted (no controls)
  (void)take(rest);
  f.remote_mta = std::string(take(rest));
  in.failed.push_back(f);
  in.original = rest;
  in.full_message = size % 2 == 0;
  in.action = static_cast<ReportAction>(size % 4);  // failed, delayed, delivered, relayed
  auto report = make_bounce(in);

  // The report's own lines: up to its third part, the original message
  // (or its header), which is the sender's own text, kept as it was.
  auto own_end =
      std::min(report.find("Content-Type: message/rfc822\r\n"), report.find("Content-Type: text/rfc822-headers\r\n"));
  if (own_end == std::string::npos) std::abort();
  std::size_t line = 0;
  for (std::size_t i = 0; i < own_end; ++i) {
    char c = report[i];
    if (c == '\n' && (i == 0 || report[i - 1] != '\r')) std::abort();
    if (c == '\r' && (i + 1 >= report.size() || report[i + 1] != '\n')) std::abort();
    if (c == '\n')
      line = 0;
    else if (++line > 1000)
      std::abort();
  }
  return 0;
}
