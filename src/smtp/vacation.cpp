#include "smtp/vacation.hpp"

#include <random>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/base64.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "mime/header.hpp"
#include "mime/parsed_message.hpp"
#include "smtp/notice.hpp"

namespace estafeta::smtp {

namespace {

std::string field(std::string_view message, std::string_view name) {
  auto block = mime::detail::scan_header(message, 0, message.size());
  auto* f = mime::detail::find_field(block.fields, name);
  return f ? mime::detail::unfold(f->value) : std::string();
}

bool has_field(std::string_view message, std::string_view name) {
  auto block = mime::detail::scan_header(message, 0, message.size());
  return mime::detail::find_field(block.fields, name) != nullptr;
}

bool ascii_text(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80 || (c < 0x20 && c != '\t')) return false;
  return true;
}

std::string encoded(std::string_view text) {
  if (ascii_text(text)) return std::string(text);
  return "=?utf-8?B?" + base64_encode(text) + "?=";
}

std::string base64_body(std::string_view text) {
  auto b = base64_encode(text);
  std::string out;
  for (std::size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  return out;
}

// A sender that is a program or a list, not a person (RFC 3834 §2).
bool automatic_sender(const std::string& sender) {
  auto local = ascii_lower(sender.substr(0, sender.rfind('@')));
  return local == "mailer-daemon" || local == "postmaster" || local.starts_with("owner-") ||
         local.ends_with("-request") || local == "noreply" || local == "no-reply" || local == "listserv" ||
         local == "majordomo";
}

}  // namespace

std::optional<std::string> vacation_reply(const store::Vacation& v, const std::string& recipient,
                                          const std::string& sender, std::string_view message,
                                          const std::string& hostname, std::int64_t now) {
  if (!v.active(now) || sender.empty() || sender.find('@') == std::string::npos) return std::nullopt;
  if (automatic_sender(sender) || ascii_lower(sender) == ascii_lower(recipient)) return std::nullopt;
  auto auto_submitted = ascii_lower(field(message, "Auto-Submitted"));
  if (!auto_submitted.empty() && !auto_submitted.starts_with("no")) return std::nullopt;
  auto precedence = ascii_lower(field(message, "Precedence"));
  if (precedence == "bulk" || precedence == "list" || precedence == "junk") return std::nullopt;
  for (auto name : {"List-Id", "List-Unsubscribe", "List-Post", "List-Help", "X-Auto-Response-Suppress"})
    if (has_field(message, name)) return std::nullopt;
  bool named = false;
  for (auto name : {"To", "Cc"})
    for (auto& a : mime::header_addresses(message, name)) named = named || ascii_lower(a) == ascii_lower(recipient);
  if (!named) return std::nullopt;

  auto subject = v.subject.empty() ? "Auto: " + field(message, "Subject") : v.subject;
  auto message_id = field(message, "Message-ID");
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  out += "From: <" + recipient + ">\r\n";
  out += "To: <" + sender + ">\r\n";
  out += "Subject: " + (v.subject.empty() ? subject : encoded(subject)) + "\r\n";
  out += "Date: " + rfc5322_date(now) + "\r\n";
  out += fmt::format("Message-ID: <{:016x}@{}>\r\n", rng(), hostname);
  if (!message_id.empty() && message_id.find_first_of("\r\n") == std::string::npos) {
    out += "In-Reply-To: " + message_id + "\r\n";
    auto references = field(message, "References");
    out += "References: " + (references.empty() ? message_id : references + " " + message_id) + "\r\n";
  }
  out += "Auto-Submitted: auto-replied\r\n";
  out += "MIME-Version: 1.0\r\n";
  auto text = v.text_body.empty() && !v.html_body.empty() ? std::string() : v.text_body;
  if (!v.html_body.empty()) {
    auto boundary = fmt::format("=_vacation_{:016x}", rng());
    out += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    if (!text.empty())
      out += "--" + boundary +
             "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
             base64_body(text);
    out += "--" + boundary + "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
           base64_body(v.html_body) + "--" + boundary + "--\r\n";
  } else {
    out += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_body(text);
  }
  return out;
}

void answer_vacations(const Deps& deps, const std::string& sender, const std::vector<store::Address>& recipients,
                      std::string_view message, std::int64_t now) {
  if (!deps.emails || sender.empty()) return;
  for (auto& r : recipients) {
    auto v = deps.emails->vacation(r.id);
    if (!v || !v->active(now)) continue;
    auto reply = vacation_reply(*v, r.address, sender, message, deps.hostname, now);
    if (!reply) continue;
    auto due = deps.emails->note_vacation_reply(r.id, ascii_lower(sender), now, now - kVacationPeriod);
    if (!due || !*due) continue;
    auto sent = send_notice(deps, sender, *reply, r.id, now);
    if (sent)
      log::info("vacation.replied", {{"address", r.address}, {"to", sender}});
    else
      log::warn("vacation.reply_failed", {{"address", r.address}, {"to", sender}, {"detail", sent.error().detail}});
  }
}

}  // namespace estafeta::smtp
