// libFuzzer target for the SASL exchange (auth::SaslExchange, RFC 4616
// PLAIN and the LOGIN mechanism) that IMAP, POP3 and SMTP share: whatever a
// client sends before it is authenticated. Seeds: fuzz/corpus/sasl/.
//
// Input: the first byte picks the mechanism and whether an initial response
// comes with the command; the rest is split at LF into the client's lines.
// Checked: the exchange ends within the lines given (a challenge per line at
// most), and credentials never carry a NUL (PLAIN's separator) or a line end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "auth/sasl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using estafeta::auth::SaslExchange;
  if (size == 0) return 0;
  auto mechanism = (data[0] & 1) ? SaslExchange::Mechanism::login : SaslExchange::Mechanism::plain;
  bool with_initial = (data[0] & 2) != 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  auto next_line = [&]() -> std::string_view {
    auto end = rest.find('\n');
    auto line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    return line;
  };

  SaslExchange exchange(mechanism);
  auto step = exchange.start(with_initial ? std::optional<std::string_view>(next_line()) : std::nullopt);
  int challenges = 0;
  while (step.kind == SaslExchange::Step::Kind::challenge) {
    if (++challenges > 3) std::abort();  // PLAIN asks once at most, LOGIN twice
    if (rest.empty()) return 0;
    step = exchange.next(next_line());
  }
  if (step.kind == SaslExchange::Step::Kind::credentials) {
    for (char c : step.address + step.password)
      if (c == '\0' || c == '\r' || c == '\n') std::abort();
  }
  return 0;
}
