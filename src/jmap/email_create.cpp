// Email/set create (RFC 8621 §4.6): a JMAP Email object written as a
// message (jmap/compose.hpp) and stored in its mailboxes like an IMAP
// APPEND, through the Deliverer (parsed, indexed, announced).
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/clock.hpp"
#include "jmap/compose.hpp"
#include "jmap/email_body.hpp"
#include "jmap/method.hpp"

namespace estafeta::jmap {

namespace {

using Failure = std::unexpected<json>;

Failure invalid(std::string why, json properties) {
  return Failure(json{{"type", "invalidProperties"}, {"description", std::move(why)}, {"properties", properties}});
}

bool header_safe(std::string_view v) { return compose::plain_header_safe(v); }

// EmailAddress[] → mailboxes; nullopt when malformed.
std::optional<std::vector<compose::Mailbox>> addresses(const json& v) {
  if (!v.is_array()) return std::nullopt;
  std::vector<compose::Mailbox> out;
  for (auto& a : v) {
    if (!a.is_object() || !a.contains("email") || !a["email"].is_string()) return std::nullopt;
    compose::Mailbox m;
    m.email = a["email"].get<std::string>();
    if (a.contains("name") && a["name"].is_string()) m.name = a["name"].get<std::string>();
    if (m.email.empty() || !header_safe(m.email) || m.email.find_first_of("<>, ") != std::string::npos)
      return std::nullopt;
    for (char c : m.name)
      if (c == '\r' || c == '\n') return std::nullopt;
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<std::string> message_ids(const json& v) {
  if (!v.is_array() || v.empty()) return std::nullopt;
  std::string out;
  for (auto& id : v) {
    if (!id.is_string()) return std::nullopt;
    auto s = id.get<std::string>();
    if (s.empty() || !header_safe(s) || s.find_first_of("<> ") != std::string::npos) return std::nullopt;
    if (!out.empty()) out += " ";
    out += "<" + s + ">";
  }
  return out;
}

struct Builder {
  Call& call;
  const Account& account;
  const json& values;  // bodyValues
  json not_found = json::array();

  std::optional<std::string> blob(const std::string& id) { return blob_bytes(call, account, id); }

  std::expected<compose::Part, json> part(const json& p, int depth) {
    if (!p.is_object()) return invalid("a body part is an object", json::array({"bodyStructure"}));
    if (depth > 10) return invalid("body parts nest too deep", json::array({"bodyStructure"}));
    compose::Part out;
    for (auto& [k, v] : p.items()) {
      if (k == "type") {
        if (!v.is_string() || v.get<std::string>().find('/') == std::string::npos || !header_safe(v.get<std::string>()))
          return invalid("type is a media type", json::array({"type"}));
        out.type = ascii_lower(v.get<std::string>());
      } else if (k == "charset") {
        if (!v.is_null() && (!v.is_string() || !header_safe(v.get<std::string>())))
          return invalid("charset", json::array({"charset"}));
      } else if (k == "name") {
        if (!v.is_null() && !v.is_string()) return invalid("name", json::array({"name"}));
        if (v.is_string()) out.name = v.get<std::string>();
      } else if (k == "disposition") {
        if (!v.is_null() && (!v.is_string() || !header_safe(v.get<std::string>())))
          return invalid("disposition", json::array({"disposition"}));
        if (v.is_string()) out.disposition = ascii_lower(v.get<std::string>());
      } else if (k == "cid") {
        if (!v.is_null() && (!v.is_string() || !header_safe(v.get<std::string>())))
          return invalid("cid", json::array({"cid"}));
        if (v.is_string()) out.cid = v.get<std::string>();
      } else if (k == "language" || k == "location") {
        // Written as Content-Language / Content-Location.
        if (k == "location" && v.is_string() && header_safe(v.get<std::string>()))
          out.headers.emplace_back("Content-Location", v.get<std::string>());
        if (k == "language" && v.is_array()) {
          std::string tags;
          for (auto& t : v)
            if (t.is_string() && header_safe(t.get<std::string>()))
              tags += (tags.empty() ? "" : ", ") + t.get<std::string>();
          if (!tags.empty()) out.headers.emplace_back("Content-Language", tags);
        }
      } else if (k == "partId" || k == "blobId" || k == "subParts" || k == "size") {
        // below
      } else if (auto h = parse_header_property(k); h && !h->all && h->form == HeaderProperty::raw) {
        if (!v.is_string() || !header_safe(v.get<std::string>()) || ascii_lower(h->name).starts_with("content-"))
          return invalid("header values are single-line ASCII; Content-* fields come from the part", json::array({k}));
        out.headers.emplace_back(h->name, v.get<std::string>());
      } else {
        return invalid(fmt::format("'{}' cannot be set on a body part", k), json::array({k}));
      }
    }
    int sources = p.contains("partId") + p.contains("blobId") + p.contains("subParts");
    if (sources != 1) return invalid("a body part has one of partId, blobId or subParts", json::array({"partId"}));
    if (p.contains("subParts")) {
      if (!p["subParts"].is_array() || p["subParts"].empty())
        return invalid("subParts is a non-empty list", json::array({"subParts"}));
      if (!p.contains("type")) out.type = "multipart/mixed";
      if (!out.type.starts_with("multipart/")) return invalid("subParts need a multipart type", json::array({"type"}));
      for (auto& c : p["subParts"]) out.parts.push_back(TRY(part(c, depth + 1)));
      return out;
    }
    if (out.type.starts_with("multipart/")) return invalid("a multipart part needs subParts", json::array({"type"}));
    if (p.contains("partId")) {
      if (!p["partId"].is_string()) return invalid("partId", json::array({"partId"}));
      auto id = p["partId"].get<std::string>();
      if (!values.contains(id) || !values[id].is_object() || !values[id].contains("value") ||
          !values[id]["value"].is_string())
        return invalid(fmt::format("no bodyValues entry for part '{}'", id), json::array({"bodyValues"}));
      for (const char* flag : {"isTruncated", "isEncodingProblem"})
        if (values[id].contains(flag) && !values[id][flag].is_boolean())
          return invalid(fmt::format("{} is true or false", flag), json::array({"bodyValues"}));
      if (values[id].value("isTruncated", false) || values[id].value("isEncodingProblem", false))
        return invalid("a body value to write cannot be truncated or have an encoding problem",
                       json::array({"bodyValues"}));
      if (!p.contains("type")) out.type = "text/plain";
      if (!out.type.starts_with("text/")) return invalid("a partId part is text/*", json::array({"type"}));
      out.content = values[id]["value"].get<std::string>();
      return out;
    }
    if (!p["blobId"].is_string()) return invalid("blobId", json::array({"blobId"}));
    auto bytes = blob(p["blobId"].get<std::string>());
    if (!bytes) {
      not_found.push_back(p["blobId"]);
      return std::unexpected(json{{"type", "blobNotFound"}, {"notFound", not_found}});
    }
    if (!p.contains("type")) out.type = "application/octet-stream";
    out.content = std::move(*bytes);
    out.exact = true;
    return out;
  }
};

}  // namespace

std::expected<json, json> create_email(Call& call, const Account& account, const std::set<store::Id>& mine,
                                       const json& props) {
  if (!props.is_object()) return invalid("an Email is an object", json::array());
  static const std::set<std::string_view> kSettable = {
      "mailboxIds",    "keywords",   "receivedAt", "messageId", "inReplyTo",  "references", "sender",
      "from",          "to",         "cc",         "bcc",       "replyTo",    "subject",    "sentAt",
      "bodyStructure", "bodyValues", "textBody",   "htmlBody",  "attachments"};
  for (auto& [k, v] : props.items())
    if (!kSettable.contains(k) && !k.starts_with("header:"))
      return invalid(fmt::format("'{}' cannot be set on creation", k), json::array({k}));

  // Mailboxes and keywords.
  if (!props.contains("mailboxIds") || !props["mailboxIds"].is_object() || props["mailboxIds"].empty())
    return invalid("an email is in at least one mailbox", json::array({"mailboxIds"}));
  std::vector<store::AppendTarget> targets;
  for (auto& [id, on] : props["mailboxIds"].items()) {
    std::optional<store::Id> n;
    if (id.starts_with("#")) {
      auto it = call.created_ids.find(id.substr(1));
      if (it != call.created_ids.end()) n = parse_id(it->second, 'm');
    } else {
      n = parse_id(id, 'm');
    }
    if (on != true || !n || !mine.contains(*n)) return invalid("no such mailbox", json::array({"mailboxIds/" + id}));
    targets.push_back({{account.address.id, *n}, 0, {}, 0});
  }
  std::uint32_t flags = 0;
  std::vector<std::string> keywords;
  if (props.contains("keywords")) {
    if (!props["keywords"].is_object()) return invalid("keywords is a map", json::array({"keywords"}));
    for (auto& [k, on] : props["keywords"].items()) {
      auto word = ascii_lower(k);
      bool ok = on == true && !word.empty() && word.size() <= 255;
      for (char c : word)
        ok = ok && c > 0x20 && c < 0x7f && std::string_view("(){]%*\"\\").find(c) == std::string_view::npos;
      if (!ok) return invalid("not a keyword", json::array({"keywords/" + k}));
      if (word == "$seen")
        flags |= store::flag_seen;
      else if (word == "$answered")
        flags |= store::flag_answered;
      else if (word == "$flagged")
        flags |= store::flag_flagged;
      else if (word == "$draft")
        flags |= store::flag_draft;
      else
        keywords.push_back(word);
    }
  }
  std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  std::int64_t received = now;
  if (props.contains("receivedAt")) {
    auto t = parse_date(props["receivedAt"], true);
    if (!t) return invalid("receivedAt is a UTCDate", json::array({"receivedAt"}));
    received = *t;
  }
  for (auto& t : targets) {
    t.flags = flags;
    t.keywords = keywords;
    t.internal_date = received;
  }

  // Header fields, in the order a mail client writes them.
  std::vector<std::pair<std::string, std::string>> fields;
  std::set<std::string> named;  // lower-case names given
  auto add = [&](std::string name, std::string value) {
    named.insert(ascii_lower(name));
    fields.emplace_back(std::move(name), std::move(value));
  };
  std::int64_t sent = now;
  if (props.contains("sentAt")) {
    auto t = parse_date(props["sentAt"], false);
    if (!t) return invalid("sentAt is a Date", json::array({"sentAt"}));
    sent = *t;
  }
  add("Date", rfc5322_date(sent));
  struct AddressField {
    const char* property;
    const char* field;
  };
  for (auto [property, field] :
       {AddressField{"from", "From"}, AddressField{"sender", "Sender"}, AddressField{"replyTo", "Reply-To"},
        AddressField{"to", "To"}, AddressField{"cc", "Cc"}, AddressField{"bcc", "Bcc"}}) {
    if (!props.contains(property) || props[property].is_null()) continue;
    auto list = addresses(props[property]);
    if (!list) return invalid(fmt::format("{} is a list of EmailAddress", property), json::array({property}));
    if (!list->empty()) add(field, compose::address_list(*list));
  }
  if (props.contains("subject") && !props["subject"].is_null()) {
    if (!props["subject"].is_string()) return invalid("subject is a string", json::array({"subject"}));
    auto s = props["subject"].get<std::string>();
    for (char c : s)
      if (c == '\r' || c == '\n') return invalid("subject is one line", json::array({"subject"}));
    add("Subject", compose::unstructured(s));
  }
  struct IdField {
    const char* property;
    const char* field;
  };
  for (auto [property, field] :
       {IdField{"messageId", "Message-ID"}, IdField{"inReplyTo", "In-Reply-To"}, IdField{"references", "References"}}) {
    if (!props.contains(property) || props[property].is_null()) continue;
    auto ids = message_ids(props[property]);
    if (!ids || (std::string_view(property) == "messageId" && props[property].size() != 1))
      return invalid(fmt::format("{} is a list of message ids", property), json::array({property}));
    add(field, *ids);
  }
  if (!named.contains("message-id"))
    add("Message-ID", fmt::format("<{}@{}>", compose::random_token(), call.deps.hostname));
  for (auto& [k, v] : props.items()) {
    if (!k.starts_with("header:")) continue;
    auto h = parse_header_property(k);
    if (!h || h->all) return invalid("not a header property that can be set", json::array({k}));
    auto lower = ascii_lower(h->name);
    if (named.contains(lower) || lower.starts_with("content-") || lower == "mime-version")
      return invalid("that header field is set by another property", json::array({k}));
    std::optional<std::string> value;
    switch (h->form) {
      case HeaderProperty::raw:
        if (v.is_string() && header_safe(v.get<std::string>())) value = v.get<std::string>();
        break;
      case HeaderProperty::text:
        if (v.is_string() && v.get<std::string>().find_first_of("\r\n") == std::string::npos)
          value = compose::unstructured(v.get<std::string>());
        break;
      case HeaderProperty::addresses:
        if (auto list = addresses(v)) value = compose::address_list(*list);
        break;
      case HeaderProperty::message_ids: value = message_ids(v); break;
      case HeaderProperty::date:
        if (auto t = parse_date(v, false)) value = rfc5322_date(*t);
        break;
      case HeaderProperty::urls:
        if (v.is_array()) {
          std::string all;
          for (auto& u : v)
            if (u.is_string() && header_safe(u.get<std::string>()))
              all += (all.empty() ? "<" : ", <") + u.get<std::string>() + ">";
          if (!all.empty()) value = all;
        }
        break;
      case HeaderProperty::grouped_addresses: break;
    }
    if (!value) return invalid("that value cannot be written in this form", json::array({k}));
    add(h->name, *value);
  }

  // The body.
  const json values = props.value("bodyValues", json::object());
  if (!values.is_object()) return invalid("bodyValues is a map", json::array({"bodyValues"}));
  Builder b{call, account, values};
  compose::Part root;
  if (props.contains("bodyStructure")) {
    if (props.contains("textBody") || props.contains("htmlBody") || props.contains("attachments"))
      return invalid("bodyStructure or textBody/htmlBody/attachments, not both", json::array({"bodyStructure"}));
    root = TRY(b.part(props["bodyStructure"], 0));
  } else {
    auto one = [&](const char* name, const char* type) -> std::expected<std::optional<compose::Part>, json> {
      if (!props.contains(name) || props[name].is_null()) return std::optional<compose::Part>();
      if (!props[name].is_array() || props[name].size() != 1)
        return invalid(fmt::format("{} holds one part", name), json::array({name}));
      auto p = TRY(b.part(props[name][0], 0));
      if (p.type != type) return invalid(fmt::format("{} is {}", name, type), json::array({name}));
      return std::optional(std::move(p));
    };
    auto text = TRY(one("textBody", "text/plain"));
    auto html = TRY(one("htmlBody", "text/html"));
    compose::Part body;
    if (text && html) {
      body.type = "multipart/alternative";
      body.parts = {std::move(*text), std::move(*html)};
    } else if (text) {
      body = std::move(*text);
    } else if (html) {
      body = std::move(*html);
    }
    std::vector<compose::Part> attached;
    if (props.contains("attachments") && !props["attachments"].is_null()) {
      if (!props["attachments"].is_array()) return invalid("attachments is a list", json::array({"attachments"}));
      for (auto& a : props["attachments"]) {
        auto p = TRY(b.part(a, 0));
        if (p.disposition.empty()) p.disposition = "attachment";
        attached.push_back(std::move(p));
      }
    }
    if (attached.empty()) {
      root = std::move(body);
    } else {
      root.type = "multipart/mixed";
      root.parts.push_back(std::move(body));
      for (auto& a : attached) root.parts.push_back(std::move(a));
    }
  }

  std::string message;
  for (auto& [name, value] : fields) message += name + ": " + value + "\r\n";
  message += "MIME-Version: 1.0\r\n" + compose::write_part(root);
  if (message.size() > call.deps.limits.max_size_upload)
    return std::unexpected(json{{"type", "tooLarge"}, {"description", "the message is larger than the limit"}});
  auto stored = call.deps.deliverer.deliver(message, targets);
  if (!stored) {
    auto kind = stored.error().kind;
    return std::unexpected(json{{"type", kind == ErrorKind::over_quota ? "overQuota"
                                         : kind == ErrorKind::limit    ? "tooLarge"
                                                                       : "invalidProperties"},
                                {"description", stored.error().message}});
  }
  auto hash = store::BlobStore::hash_of(message);
  auto id = call.deps.store.email_by_blob(account.address.id, hash);
  if (!id || !*id) return std::unexpected(json{{"type", "serverFail"}, {"description", "the new email is not found"}});
  auto made = call.deps.store.emails(account.address.id, {**id});
  if (!made || made->empty())
    return std::unexpected(json{{"type", "serverFail"}, {"description", "the new email is not found"}});
  return json{{"id", email_id(**id)},
              {"blobId", blob_id(hash)},
              {"threadId", thread_id(made->front().thread_id)},
              {"size", message.size()}};
}

}  // namespace estafeta::jmap
