#include "imap/proto/sort_key.hpp"

#include "imap/proto/fetch_render.hpp"
#include "imap/proto/thread.hpp"
#include "mime/parsed_message.hpp"

namespace estafeta::imap {

namespace {

// The first address of an envelope field, or nullptr.
const mime::Address* first_address(const std::vector<mime::Address>& field) {
  return field.empty() ? nullptr : &field.front();
}

// RFC 5256 §3: the addr-mailbox, unquoted as ENVELOPE shows it.
std::string first_mailbox(const std::vector<mime::Address>& field) {
  const mime::Address* a = first_address(field);
  return a ? addr_mailbox(*a) : std::string();
}

// RFC 5957 §3.
std::string display_value(const std::vector<mime::Address>& field) {
  const mime::Address* a = first_address(field);
  if (!a) return {};
  auto name = mime::decode_header_text(a->name.value_or(""));
  if (!name.empty()) return name;
  auto mailbox = addr_mailbox(*a);
  if (!mailbox.empty() && a->host && !a->host->empty()) return mailbox + "@" + *a->host;
  return mailbox;
}

}  // namespace

AddressSortKeys address_sort_keys(const mime::Envelope& envelope) {
  auto key = [](std::string s) { return mime::unicode_casemap(s); };
  return {key(first_mailbox(envelope.from)), key(first_mailbox(envelope.to)), key(first_mailbox(envelope.cc)),
          key(display_value(envelope.from)), key(display_value(envelope.to))};
}

std::string subject_sort_key(std::string_view decoded_subject) {
  return mime::unicode_casemap(base_subject(decoded_subject).text);
}

}  // namespace estafeta::imap
