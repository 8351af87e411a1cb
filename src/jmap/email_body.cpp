#include "jmap/email_body.hpp"

#include <algorithm>
#include <array>
#include <ctime>

#include "core/ascii.hpp"
#include "jmap/method.hpp"
#include "mime/address.hpp"
#include "mime/decode.hpp"
#include "mime/header.hpp"
#include "mime/msg_ids.hpp"
#include "mime/rfc2047.hpp"
#include "mime/text.hpp"

namespace estafeta::jmap {

namespace {

using mime::detail::decode_header_text;
using mime::detail::unfold;

// The fields RFC 5322 and RFC 2369 define, with the forms each allows
// (RFC 8621 §4.1.2); any other field allows every form.
struct KnownField {
  std::string_view name;
  bool text, addresses, message_ids, date, urls;
};
constexpr KnownField kKnownFields[] = {
    {"Date", false, false, false, true, false},
    {"From", false, true, false, false, false},
    {"Sender", false, true, false, false, false},
    {"Reply-To", false, true, false, false, false},
    {"To", false, true, false, false, false},
    {"Cc", false, true, false, false, false},
    {"Bcc", false, true, false, false, false},
    {"Message-ID", false, false, true, false, false},
    {"In-Reply-To", false, false, true, false, false},
    {"References", false, false, true, false, false},
    {"Subject", true, false, false, false, false},
    {"Comments", true, false, false, false, false},
    {"Keywords", true, false, false, false, false},
    {"Resent-Date", false, false, false, true, false},
    {"Resent-From", false, true, false, false, false},
    {"Resent-Sender", false, true, false, false, false},
    {"Resent-Reply-To", false, true, false, false, false},
    {"Resent-To", false, true, false, false, false},
    {"Resent-Cc", false, true, false, false, false},
    {"Resent-Bcc", false, true, false, false, false},
    {"Resent-Message-ID", false, false, true, false, false},
    {"Return-Path", false, false, false, false, false},
    {"Received", false, false, false, false, false},
    {"List-Id", true, false, false, false, false},
    {"List-Help", false, false, false, false, true},
    {"List-Unsubscribe", false, false, false, false, true},
    {"List-Subscribe", false, false, false, false, true},
    {"List-Post", false, false, false, false, true},
    {"List-Owner", false, false, false, false, true},
    {"List-Archive", false, false, false, false, true},
};

bool allowed(std::string_view field, HeaderProperty::Form form) {
  for (auto& k : kKnownFields) {
    if (!ascii_iequals(k.name, field)) continue;
    switch (form) {
      case HeaderProperty::raw: return true;
      case HeaderProperty::text: return k.text;
      case HeaderProperty::addresses:
      case HeaderProperty::grouped_addresses: return k.addresses;
      case HeaderProperty::message_ids: return k.message_ids;
      case HeaderProperty::date: return k.date;
      case HeaderProperty::urls: return k.urls;
    }
  }
  return true;
}

json email_address(const mime::Address& a) {
  json name = nullptr;
  if (a.name) {
    auto n = decode_header_text(*a.name);
    if (!n.empty()) name = n;
  }
  return {{"name", name}, {"email", a.addr_spec()}};
}

json grouped(const std::vector<mime::Address>& list) {
  json out = json::array();
  json current = {{"name", nullptr}, {"addresses", json::array()}};
  bool in_group = false;
  for (auto& a : list) {
    if (a.is_mailbox()) {
      current["addresses"].push_back(email_address(a));
    } else if (a.mailbox) {  // group start
      if (!current["addresses"].empty() || in_group) out.push_back(current);
      current = {{"name", decode_header_text(*a.mailbox)}, {"addresses", json::array()}};
      in_group = true;
    } else {  // group end
      out.push_back(current);
      current = {{"name", nullptr}, {"addresses", json::array()}};
      in_group = false;
    }
  }
  if (!current["addresses"].empty() || in_group) out.push_back(current);
  return out;
}

json urls(std::string_view value) {
  json out = json::array();
  std::size_t pos = 0;
  while ((pos = value.find('<', pos)) != std::string_view::npos) {
    auto end = value.find('>', pos);
    if (end == std::string_view::npos) break;
    std::string url;
    for (char c : value.substr(pos + 1, end - pos - 1))
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') url += c;
    out.push_back(url);
    pos = end + 1;
  }
  return out.empty() ? json(nullptr) : out;
}

json parsed(std::string_view raw_value, HeaderProperty::Form form) {
  switch (form) {
    case HeaderProperty::raw: return std::string(raw_value);
    case HeaderProperty::text: return std::string(mime::detail::trim(decode_header_text(unfold(raw_value))));
    case HeaderProperty::addresses: return address_list(mime::detail::parse_address_list(unfold(raw_value)));
    case HeaderProperty::grouped_addresses: return grouped(mime::detail::parse_address_list(unfold(raw_value)));
    case HeaderProperty::message_ids: {
      auto ids = mime::parse_msg_ids(raw_value);
      return ids.empty() ? json(nullptr) : json(ids);
    }
    case HeaderProperty::date: {
      auto t = mime::detail::decode_date(unfold(raw_value));
      return t == 0 ? json(nullptr) : json(utc_date(t));
    }
    case HeaderProperty::urls: return urls(raw_value);
  }
  return nullptr;
}

bool is_inline_media(std::string_view type) {
  return type.starts_with("image/") || type.starts_with("audio/") || type.starts_with("video/");
}

std::string media_type(const mime::Part& p) { return p.opaque ? "application/octet-stream" : p.type + "/" + p.subtype; }

}  // namespace

std::string utc_date(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<HeaderProperty> parse_header_property(std::string_view p) {
  if (!p.starts_with("header:")) return std::nullopt;
  p.remove_prefix(7);
  HeaderProperty out;
  if (p.ends_with(":all")) {
    out.all = true;
    p.remove_suffix(4);
  }
  auto colon = p.find(':');
  auto name = p.substr(0, colon);
  if (name.empty()) return std::nullopt;
  for (char c : name)
    if (static_cast<unsigned char>(c) <= 32 || static_cast<unsigned char>(c) >= 127) return std::nullopt;
  out.name = std::string(name);
  if (colon != std::string_view::npos) {
    auto form = p.substr(colon + 1);
    static constexpr std::pair<std::string_view, HeaderProperty::Form> kForms[] = {
        {"asRaw", HeaderProperty::raw},
        {"asText", HeaderProperty::text},
        {"asAddresses", HeaderProperty::addresses},
        {"asGroupedAddresses", HeaderProperty::grouped_addresses},
        {"asMessageIds", HeaderProperty::message_ids},
        {"asDate", HeaderProperty::date},
        {"asURLs", HeaderProperty::urls}};
    bool found = false;
    for (auto& [n, f] : kForms)
      if (n == form) {
        out.form = f;
        found = true;
      }
    if (!found) return std::nullopt;
  }
  if (!allowed(out.name, out.form)) return std::nullopt;
  return out;
}

json header_value(std::string_view raw, std::size_t begin, std::size_t end, const HeaderProperty& p) {
  auto block = mime::detail::scan_header(raw, begin, end);
  json all = json::array();
  for (auto& f : block.fields)
    if (ascii_iequals(f.name, p.name)) all.push_back(parsed(f.value, p.form));
  if (p.all) return all;
  return all.empty() ? json(nullptr) : all.back();
}

json header_list(std::string_view raw, std::size_t begin, std::size_t end) {
  auto block = mime::detail::scan_header(raw, begin, end);
  json out = json::array();
  for (auto& f : block.fields) out.push_back({{"name", std::string(f.name)}, {"value", std::string(f.value)}});
  return out;
}

json address_list(const std::vector<mime::Address>& list) {
  json out = json::array();
  for (auto& a : list)
    if (a.is_mailbox()) out.push_back(email_address(a));
  return out;
}

Body::Body(std::string_view raw, const mime::Part& root, std::string hash, std::vector<std::string> part_properties,
           std::string within)
    : m_raw(raw), m_hash(std::move(hash)), m_within(std::move(within)), m_props(std::move(part_properties)) {
  number(root, "1");
  std::vector<std::size_t> top{0};
  classify(top, "mixed", false, &m_html, &m_text);
}

void Body::number(const mime::Part& part, std::string id) {
  auto index = m_nodes.size();
  m_nodes.push_back({&part, id, {}});
  if (!part.is_multipart()) return;
  for (std::size_t i = 0; i < part.parts.size(); ++i) {
    m_nodes[index].children.push_back(m_nodes.size());
    number(part.parts[i], id == "1" && index == 0 ? std::to_string(i + 1) : id + "." + std::to_string(i + 1));
  }
}

// RFC 8621 §4.1.4, the parseStructure algorithm.
void Body::classify(const std::vector<std::size_t>& parts, std::string_view multipart_type, bool in_alternative,
                    std::vector<std::size_t>* html, std::vector<std::size_t>* text) {
  auto text_length = text ? static_cast<std::ptrdiff_t>(text->size()) : -1;
  auto html_length = html ? static_cast<std::ptrdiff_t>(html->size()) : -1;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto& node = m_nodes[parts[i]];
    const mime::Part& p = *node.part;
    auto type = media_type(p);
    bool is_inline = p.disposition_type() != "attachment" &&
                     (type == "text/plain" || type == "text/html" || is_inline_media(type)) &&
                     (i == 0 || (multipart_type != "related" && (is_inline_media(type) || p.filename().empty())));
    if (p.is_multipart()) {
      auto sub = std::string_view(p.subtype);
      classify(node.children, sub, in_alternative || sub == "alternative", html, text);
    } else if (is_inline) {
      if (multipart_type == "alternative") {
        if (type == "text/plain")
          m_text.push_back(parts[i]);
        else if (type == "text/html")
          m_html.push_back(parts[i]);
        else
          m_attachments.push_back(parts[i]);
        continue;
      } else if (in_alternative) {
        if (type == "text/plain") html = nullptr;
        if (type == "text/html") text = nullptr;
      }
      if (text) text->push_back(parts[i]);
      if (html) html->push_back(parts[i]);
      if ((!text || !html) && is_inline_media(type)) m_attachments.push_back(parts[i]);
    } else {
      m_attachments.push_back(parts[i]);
    }
  }
  if (multipart_type == "alternative" && text && html) {
    auto tl = static_cast<std::ptrdiff_t>(text->size()), hl = static_cast<std::ptrdiff_t>(html->size());
    if (text_length == tl && html_length != hl)
      for (auto k = html_length; k < hl; ++k) text->push_back((*html)[static_cast<std::size_t>(k)]);
    if (html_length == hl && text_length != tl)
      for (auto k = text_length; k < tl; ++k) html->push_back((*text)[static_cast<std::size_t>(k)]);
  }
}

json Body::part_json(std::size_t index) const {
  auto& node = m_nodes[index];
  const mime::Part& p = *node.part;
  auto wants = [&](std::string_view name) {
    return m_props.empty() || std::find(m_props.begin(), m_props.end(), name) != m_props.end();
  };
  json out = json::object();
  bool multipart = p.is_multipart();
  if (wants("partId")) out["partId"] = multipart ? json(nullptr) : json(node.id);
  if (wants("blobId"))
    out["blobId"] =
        multipart ? json(nullptr) : json(blob_id(m_hash, m_within.empty() ? node.id : m_within + "/" + node.id));
  if (wants("size")) out["size"] = multipart ? 0 : content(node.id).value_or("").size();
  if (wants("headers")) out["headers"] = header_list(m_raw, p.header_start, p.body_start);
  if (wants("name")) {
    auto n = p.filename();
    out["name"] = n.empty() ? json(nullptr) : json(n);
  }
  if (wants("type")) out["type"] = media_type(p);
  if (wants("charset")) {
    auto* c = p.param("charset");
    out["charset"] = c ? json(c->value) : (p.type == "text" && !p.opaque ? json("us-ascii") : json(nullptr));
  }
  if (wants("disposition")) out["disposition"] = p.disposition ? json(p.disposition->type) : json(nullptr);
  if (wants("cid")) {
    if (p.content_id) {
      std::string cid(mime::detail::trim(*p.content_id));
      if (cid.size() >= 2 && cid.front() == '<' && cid.back() == '>') cid = cid.substr(1, cid.size() - 2);
      out["cid"] = cid;
    } else {
      out["cid"] = nullptr;
    }
  }
  if (wants("language")) out["language"] = p.language.empty() ? json(nullptr) : json(p.language);
  if (wants("location")) out["location"] = p.location ? json(*p.location) : json(nullptr);
  for (auto& prop : m_props)
    if (auto h = parse_header_property(prop)) out[prop] = header_value(m_raw, p.header_start, p.body_start, *h);
  if (multipart) {
    json subs = json::array();
    for (auto c : node.children) subs.push_back(part_json(c));
    out["subParts"] = subs;
  }
  return out;
}

json Body::structure() const { return part_json(0); }

json Body::lists(const std::vector<std::size_t>& nodes) const {
  json out = json::array();
  for (auto n : nodes) out.push_back(part_json(n));
  return out;
}

std::optional<std::string> Body::content(std::string_view part_id) const {
  for (auto& n : m_nodes) {
    if (n.id != part_id || n.part->is_multipart()) continue;
    const mime::Part& p = *n.part;
    auto body = m_raw.substr(std::min(p.body_start, m_raw.size()), p.size());
    return mime::detail::transfer_decode(body, p.transfer_encoding, m_raw.size() + 1);
  }
  return std::nullopt;
}

std::string Body::type_of(std::string_view part_id) const {
  for (auto& n : m_nodes)
    if (n.id == part_id) return media_type(*n.part);
  return {};
}

json Body::values(bool text, bool html, bool all, std::size_t max_bytes) const {
  std::vector<std::size_t> chosen;
  auto add = [&](std::size_t n) {
    if (std::find(chosen.begin(), chosen.end(), n) == chosen.end()) chosen.push_back(n);
  };
  if (text)
    for (auto n : m_text) add(n);
  if (html)
    for (auto n : m_html) add(n);
  if (all)
    for (std::size_t n = 0; n < m_nodes.size(); ++n)
      if (!m_nodes[n].part->is_multipart() && m_nodes[n].part->type == "text" && !m_nodes[n].part->opaque) add(n);
  json out = json::object();
  for (auto n : chosen) {
    const mime::Part& p = *m_nodes[n].part;
    if (p.type != "text" || p.opaque) continue;
    auto decoded = content(m_nodes[n].id).value_or("");
    auto* charset = p.param("charset");
    auto value = mime::detail::charset_to_utf8(decoded, charset ? charset->value : "us-ascii");
    // RFC 8621 §4.1.4: line breaks as LF.
    std::string lf;
    lf.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i)
      if (!(value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n')) lf += value[i];
    value = std::move(lf);
    bool problem = value.find("\xEF\xBF\xBD") != std::string::npos;
    bool truncated = false;
    if (max_bytes > 0 && value.size() > max_bytes) {
      mime::detail::truncate_utf8(value, max_bytes);
      // RFC 8621 §4.2: HTML is not cut inside a tag.
      if (p.subtype == "html")
        if (auto open = value.rfind('<'); open != std::string::npos) {
          auto close = value.rfind('>');
          if (close == std::string::npos || close < open) value.resize(open);
        }
      truncated = true;
    }
    out[m_nodes[n].id] = {{"value", value}, {"isEncodingProblem", problem}, {"isTruncated", truncated}};
  }
  return out;
}

}  // namespace estafeta::jmap
