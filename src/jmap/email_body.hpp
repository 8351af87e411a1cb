// An Email's content as JMAP shows it (RFC 8621 §4.1): header fields in
// their parsed forms (§4.1.2), the body structure with part and blob ids,
// the textBody/htmlBody/attachments lists (§4.1.4) and body values.
// Works on the stored structure (mime/structure.hpp) and the raw bytes.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/structure.hpp"

namespace estafeta::jmap {

using json = nlohmann::json;

// "YYYY-MM-DDTHH:MM:SSZ".
std::string utc_date(std::int64_t unix_time);

// A "header:Name[:asForm][:all]" property, checked (RFC 8621 §4.1.3).
struct HeaderProperty {
  std::string name;  // as asked
  enum Form { raw, text, addresses, grouped_addresses, message_ids, date, urls } form = raw;
  bool all = false;
};
// nullopt: not a header property, or a form not allowed for that field.
std::optional<HeaderProperty> parse_header_property(std::string_view property);
// Its value from the header fields raw[begin, end).
json header_value(std::string_view raw, std::size_t begin, std::size_t end, const HeaderProperty& p);
// Every field of raw[begin, end) as {name, value} (raw values).
json header_list(std::string_view raw, std::size_t begin, std::size_t end);

// EmailAddress objects of an address list (groups flattened).
json address_list(const std::vector<mime::Address>& list);

// The body of one message: its parts with ids, and the three lists.
class Body {
 public:
  // `within`: for a message that is itself part of the hash's message, that
  // part's id, under which the blob ids of its parts are named.
  Body(std::string_view raw, const mime::Part& root, std::string hash, std::vector<std::string> part_properties,
       std::string within = {});

  json structure() const;  // bodyStructure
  json text_body() const { return lists(m_text); }
  json html_body() const { return lists(m_html); }
  json attachments() const { return lists(m_attachments); }
  // bodyValues for the chosen parts.
  json values(bool text, bool html, bool all, std::size_t max_bytes) const;
  // The decoded content of the part with this id, nullopt when there is none.
  std::optional<std::string> content(std::string_view part_id) const;
  // The part's media type ("text/plain"), or empty.
  std::string type_of(std::string_view part_id) const;

 private:
  struct Node {
    const mime::Part* part;
    std::string id;  // "1", "1.2"
    std::vector<std::size_t> children;
  };
  json part_json(std::size_t node) const;
  json lists(const std::vector<std::size_t>& nodes) const;
  void number(const mime::Part& part, std::string id);
  void classify(const std::vector<std::size_t>& parts, std::string_view multipart_type, bool in_alternative,
                std::vector<std::size_t>* html, std::vector<std::size_t>* text);

  std::string_view m_raw;
  std::string m_hash;
  std::string m_within;
  std::vector<std::string> m_props;
  std::vector<Node> m_nodes;  // [0] is the root
  std::vector<std::size_t> m_text, m_html, m_attachments;
};

}  // namespace estafeta::jmap
