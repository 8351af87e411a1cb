#include "imap/proto/sort_key.hpp"

#include <nlohmann/json.hpp>

#include "imap/proto/thread.hpp"
#include "mime/parsed_message.hpp"

namespace estafeta::imap {

namespace {

using nlohmann::json;

std::string text_of(const json& address, const char* part) {
  auto it = address.find(part);
  return it != address.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The first address structure of an envelope field, or null.
const json* first_address(const json& envelope, const char* field) {
  auto it = envelope.find(field);
  if (it == envelope.end() || !it->is_array() || it->empty() || !it->front().is_object()) return nullptr;
  return &it->front();
}

std::string addr_mailbox(const json& envelope, const char* field) {
  auto* a = first_address(envelope, field);
  return a ? text_of(*a, "mailbox") : std::string();
}

// RFC 5957 §3.
std::string display_value(const json& envelope, const char* field) {
  auto* a = first_address(envelope, field);
  if (!a) return {};
  auto name = mime::decode_header_text(text_of(*a, "name"));
  if (!name.empty()) return name;
  auto mailbox = text_of(*a, "mailbox");
  auto host = a->find("host");
  if (!mailbox.empty() && host != a->end() && host->is_string() && !host->get_ref<const std::string&>().empty())
    return mailbox + "@" + host->get<std::string>();
  return mailbox;
}

}  // namespace

AddressSortKeys address_sort_keys(std::string_view envelope_json) {
  auto envelope = json::parse(envelope_json, nullptr, false);
  if (!envelope.is_object()) return {};
  auto key = [](std::string s) { return mime::unicode_casemap(s); };
  return {key(addr_mailbox(envelope, "from")), key(addr_mailbox(envelope, "to")), key(addr_mailbox(envelope, "cc")),
          key(display_value(envelope, "from")), key(display_value(envelope, "to"))};
}

std::string subject_sort_key(std::string_view decoded_subject) {
  return mime::unicode_casemap(base_subject(decoded_subject).text);
}

}  // namespace estafeta::imap
