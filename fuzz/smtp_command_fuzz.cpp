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
    switch (cmd->verb) {
      case Command::Verb::helo:
      case Command::Verb::ehlo:
        if (is_domain(cmd->domain) || is_address_literal(cmd->domain)) {
          (void)result_value("postmaster@" + cmd->domain);
          (void)spf_value(cmd->domain);
        }
        break;
      case Command::Verb::mail:
        if (cmd->mail.sender) mailbox(*cmd->mail.sender);
        break;
      case Command::Verb::rcpt:
        mailbox(cmd->rcpt.recipient);
        break;
      case Command::Verb::bdat: {
        auto chunk = all.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(cmd->chunk_size, all.size())));
        all.remove_prefix(chunk.size());
        message(std::string(chunk));
        break;
      }
      case Command::Verb::data: {
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
        break;
      }
      default:
        break;
    }
  }
  return 0;
}
