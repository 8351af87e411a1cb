// Read receipts (RFC 9007): MDN/send writes a disposition notification
// (RFC 8098: multipart/report with a message/disposition-notification
// part) for an email that asked for one (Disposition-Notification-To),
// sends it as a submission of the identity, and marks the email $mdnsent;
// MDN/parse reads one back from a blob.
#include <algorithm>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "jmap/compose.hpp"
#include "jmap/email_body.hpp"
#include "jmap/method.hpp"
#include "mime/header.hpp"
#include "mime/parsed_message.hpp"
#include "mime/text.hpp"

namespace estafeta::jmap {

namespace {

std::string header_of(std::string_view raw, std::string_view name) {
  auto block = mime::detail::scan_header(raw, 0, raw.size());
  auto* f = mime::detail::find_field(block.fields, name);
  return f ? mime::detail::unfold(f->value) : std::string();
}

bool token(const json& v) {
  if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().size() > 64) return false;
  for (char c : v.get<std::string>())
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
  return true;
}

}  // namespace

Out<json> mdn_send(Call& call) {
  TRY(only_known(call.args, {"accountId", "identityId", "send", "onSuccessUpdateEmail"}));
  auto* a = TRY(call.account());
  auto identities = TRY(call.deps.store.identities(a->address.id));
  auto iid = call.args.contains("identityId") && call.args["identityId"].is_string()
                 ? parse_id(call.args["identityId"].get<std::string>(), 'i')
                 : std::nullopt;
  store::Id wanted = iid.value_or(0);
  auto identity = std::find_if(identities.begin(), identities.end(), [&](auto& i) { return i.id == wanted; });
  if (identity == identities.end()) return invalid_arguments("identityId names no identity of this account");
  auto to_send = call.args.find("send");
  if (to_send == call.args.end() || !to_send->is_object()) return invalid_arguments("send is a map of MDN objects");
  if (to_send->size() > call.deps.limits.max_objects_in_set)
    return std::unexpected(MethodError("requestTooLarge", "more MDNs than maxObjectsInSet"));
  json sent = json::object(), not_sent = json::object();
  std::vector<std::string> marked;
  for (auto& [cid, mdn] : to_send->items()) {
    if (!mdn.is_object() || !mdn.contains("forEmailId") || !mdn["forEmailId"].is_string() ||
        !mdn.contains("disposition") || !mdn["disposition"].is_object()) {
      not_sent[cid] = set_error("invalidProperties", "an MDN needs forEmailId and disposition");
      continue;
    }
    auto& d = mdn["disposition"];
    if (!token(d.value("actionMode", json(nullptr))) || !token(d.value("sendingMode", json(nullptr))) ||
        !token(d.value("type", json(nullptr)))) {
      not_sent[cid] = set_error("invalidProperties", "disposition has actionMode, sendingMode and type tokens");
      continue;
    }
    auto n = parse_id(mdn["forEmailId"].get<std::string>(), 'e');
    auto emails = n ? TRY(call.deps.store.emails(a->address.id, {*n})) : std::vector<store::Email>{};
    if (emails.empty()) {
      not_sent[cid] = set_error("notFound", "no such email");
      continue;
    }
    auto& e = emails.front();
    auto all = e.all_keywords();
    if (std::any_of(all.begin(), all.end(), [](auto& k) { return ascii_lower(k) == "$mdnsent"; })) {
      not_sent[cid] = set_error("mdnAlreadySent", "a receipt for this email was sent already");
      continue;
    }
    auto raw = TRY(call.deps.blobs.get(e.blob_hash));
    auto to = header_of(raw, "Disposition-Notification-To");
    auto to_list = mime::header_addresses(raw, "Disposition-Notification-To");
    if (to.empty() || to_list.empty()) {
      not_sent[cid] = set_error("invalidProperties", "the email asks for no receipt (Disposition-Notification-To)");
      continue;
    }
    auto original_id = header_of(raw, "Message-ID");
    auto subject = mdn.value("subject", json(nullptr)).is_string()
                       ? mdn["subject"].get<std::string>()
                       : "Read: " + mime::detail::unfold(header_of(raw, "Subject"));
    auto text = mdn.value("textBody", json(nullptr)).is_string()
                    ? mdn["textBody"].get<std::string>()
                    : fmt::format("This is a receipt for the message sent to {}: it has been {}.", identity->email,
                                  d["type"].get<std::string>());
    std::string reporting_ua = mdn.value("reportingUA", json(nullptr)).is_string()
                                   ? mdn["reportingUA"].get<std::string>()
                                   : call.deps.hostname + "; Estafeta";
    // RFC 8098 §3.2: the machine-readable part.
    std::string fields = "Reporting-UA: " + reporting_ua + "\r\n";
    fields += "Final-Recipient: rfc822; " + identity->email + "\r\n";
    if (!original_id.empty()) fields += "Original-Message-ID: " + original_id + "\r\n";
    fields += fmt::format("Disposition: {}/{}; {}\r\n", d["actionMode"].get<std::string>(),
                          d["sendingMode"].get<std::string>(), d["type"].get<std::string>());
    if (!compose::plain_header_safe(reporting_ua) || reporting_ua.size() > 200) {
      not_sent[cid] = set_error("invalidProperties", "reportingUA is one line of ASCII");
      continue;
    }
    compose::Part report;
    report.type = "multipart/report";
    compose::Part human;
    human.content = text;
    compose::Part machine;
    machine.type = "message/disposition-notification";
    machine.content = fields;
    report.parts = {human, machine};
    if (mdn.value("includeOriginalMessage", false)) {
      compose::Part original;
      original.type = "message/rfc822";
      original.content = raw;
      report.parts.push_back(original);
    }
    std::string message = "From: " + compose::address_list({{identity->name, identity->email}}) + "\r\n";
    message += "To: " + to + "\r\n";
    message += "Subject: " + compose::unstructured(subject) + "\r\n";
    message += fmt::format("Message-ID: <{}@{}>\r\n", compose::random_token(), call.deps.hostname);
    if (!original_id.empty()) message += "In-Reply-To: " + original_id + "\r\nReferences: " + original_id + "\r\n";
    message += "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n";
    auto body = compose::write_part(report);
    // multipart/report needs its report-type parameter (RFC 6522 §3).
    auto semi = body.find("multipart/report;");
    if (semi != std::string::npos) body.insert(semi + 17, " report-type=disposition-notification;");
    message += body;
    if (!call.deps.send) {
      not_sent[cid] = set_error("forbiddenToSend", "sending is not set up here");
      continue;
    }
    auto r = call.deps.send({call.who.user_id, call.who.ip, identity->email, to_list, message});
    if (!r) {
      not_sent[cid] = set_error(r.error().type, r.error().description);
      continue;
    }
    // The email is marked so that no second receipt goes (RFC 9007 §2.1).
    for (auto& c : e.copies) {
      (void)call.deps.store.store_flags({a->address.id, c.mailbox_id}, {c.uid}, store::FlagOp::add, 0, {"$mdnsent"},
                                        std::nullopt);
    }
    marked.push_back(email_id(e.id));
    sent[cid] = {{"finalRecipient", "rfc822; " + identity->email},
                 {"reportingUA", reporting_ua},
                 {"originalMessageId", original_id.empty() ? json(nullptr) : json(original_id)}};
  }
  json out = {{"accountId", account_id(a->address.id)}, {"sent", or_null(sent)}, {"notSent", or_null(not_sent)}};
  if (auto u = call.args.find("onSuccessUpdateEmail"); u != call.args.end() && u->is_object() && !sent.empty()) {
    json update = json::object();
    for (auto& [key, patch] : u->items())
      if (key.starts_with("#") && sent.contains(key.substr(1)))
        if (auto m = to_send->find(key.substr(1)); m != to_send->end())
          update[(*m)["forEmailId"].get<std::string>()] = patch;
    if (!update.empty()) {
      json args = {{"accountId", account_id(a->address.id)}, {"update", update}};
      Call implicit{call.deps, call.who, args, call.created_ids, call.using_};
      auto r = email_set(implicit);
      if (r) call.implicit.emplace_back("Email/set", std::move(*r));
    }
  }
  return out;
}

Out<json> mdn_parse(Call& call) {
  TRY(only_known(call.args, {"accountId", "blobIds"}));
  auto* a = TRY(call.account());
  auto ids = TRY(id_list(call.args, "blobIds"));
  if (!ids) return invalid_arguments("blobIds is required");
  json parsed = json::object(), not_parsable = json::array(), not_found = json::array();
  for (auto& id : *ids) {
    auto bytes = blob_bytes(call, *a, id);
    if (!bytes) {
      not_found.push_back(id);
      continue;
    }
    auto message = mime::parse_message(*bytes);
    const mime::Part* report = nullptr;
    if (message)
      for (auto& p : message->structure.root.parts)
        if (p.type == "message" && p.subtype == "disposition-notification") report = &p;
    if (!report) {
      not_parsable.push_back(id);
      continue;
    }
    std::string_view raw = *bytes;
    auto content = raw.substr(report->body_start, report->size());
    auto block = mime::detail::scan_header(content, 0, content.size());
    auto value = [&](std::string_view name) -> json {
      auto* f = mime::detail::find_field(block.fields, name);
      return f ? json(mime::detail::unfold(f->value)) : json(nullptr);
    };
    json disposition = nullptr;
    if (auto d = value("Disposition"); d.is_string()) {
      auto text = d.get<std::string>();
      auto slash = text.find('/'), semi = text.find(';');
      if (slash != std::string::npos && semi != std::string::npos && slash < semi) {
        auto trim = [](std::string s) { return std::string(mime::detail::trim(s)); };
        auto type = trim(text.substr(semi + 1));
        disposition = {{"actionMode", trim(text.substr(0, slash))},
                       {"sendingMode", trim(text.substr(slash + 1, semi - slash - 1))},
                       {"type", type.substr(0, type.find_first_of("/ ;"))}};
      }
    }
    json subject = message->summary.subject.empty() ? json(nullptr) : json(message->summary.subject);
    parsed[id] = {{"forEmailId", nullptr},
                  {"subject", subject},
                  {"textBody", nullptr},
                  {"includeOriginalMessage", message->structure.root.parts.size() > 2},
                  {"reportingUA", value("Reporting-UA")},
                  {"disposition", disposition},
                  {"mdnGateway", value("MDN-Gateway")},
                  {"originalRecipient", value("Original-Recipient")},
                  {"finalRecipient", value("Final-Recipient")},
                  {"originalMessageId", value("Original-Message-ID")},
                  {"error", nullptr},
                  {"extensionFields", nullptr}};
  }
  return json{{"accountId", account_id(a->address.id)},
              {"parsed", or_null(parsed)},
              {"notParsable", or_null(not_parsable)},
              {"notFound", or_null(not_found)}};
}

}  // namespace estafeta::jmap
