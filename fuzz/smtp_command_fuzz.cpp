// Fuzzes what an SMTP client controls: command lines (split at CRLF)
// through the parser, the data after DATA through the DATA reader, a BDAT
// chunk (the octets after the command, up to its size) as a whole message,
// and what the server then does with both: the line checks, the header
// block check, the removal of forged Authentication-Results, and the
// formatting of addresses and HELO words for the wire and for headers.
//
// Properties checked (a failure traps): an address formatted for the wire
// parses back to the same mailbox; formatting it again changes nothing;
// after the removal no Authentication-Results of ours is left.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/data_reader.hpp"
#include "smtp/header_text.hpp"
#include "smtp/parser.hpp"

namespace {

using namespace estafeta::smtp;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void message(std::string text) {
  (void)check_lines(text);
  (void)malformed_header_line(text);
  (void)remove_authentication_results(text, "mx.example");
  check(remove_authentication_results(text, "mx.example") == 0);
}

void mailbox(const Mailbox& m) {
  auto address = m.address();
  check(format_envelope_address(address) == address);
  auto again = parse_path("<" + address + ">", false);
  if (again && *again) check((*again)->local == m.local && (*again)->domain == m.domain);
  (void)result_value(address);
  (void)quoted_string(address);
  (void)comment_text(address);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  while (!all.empty()) {
    auto eol = all.find("\r\n");
    auto line = all.substr(0, eol == std::string_view::npos ? all.size() : eol + 2);
    all.remove_prefix(line.size());
    auto cmd = parse_command(line);
    if (!cmd) continue;
    if (auto* hello = std::get_if<cmd::Hello>(&cmd->args)) {
      if (is_domain(hello->domain) || is_address_literal(hello->domain)) {
        (void)result_value("postmaster@" + hello->domain);
        (void)spf_value(hello->domain);
      }
    } else if (auto* mail = std::get_if<MailFrom>(&cmd->args)) {
      if (mail->sender) mailbox(*mail->sender);
    } else if (auto* rcpt = std::get_if<RcptTo>(&cmd->args)) {
      mailbox(rcpt->recipient);
    } else if (auto* bdat = std::get_if<cmd::Bdat>(&cmd->args)) {
      auto chunk = all.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(bdat->chunk_size, all.size())));
      all.remove_prefix(chunk.size());
      message(std::string(chunk));
    } else if (std::holds_alternative<cmd::Data>(cmd->args)) {
      DataReader reader(1 << 16, 4096);
      std::size_t step = line.size() % 7 + 1;
      while (!all.empty()) {
        auto part = all.substr(0, step);
        auto before = part.size();
        auto status = reader.feed(part);
        all.remove_prefix(before - part.size());
        if (status == DataReader::Status::done) {
          message(reader.take_message());
          break;
        }
      }
    }
  }
  return 0;
}
