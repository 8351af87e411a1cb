// Messages that come in as blobs: Email/import (RFC 8621 §4.8), Email/parse
// (§4.9: an .eml opened without being stored), Email/copy (§4.7) between
// the caller's accounts, and Blob/copy (RFC 8620 §6.3).
//
// A blob is usable by an account when one of its emails has that content,
// or it uploaded it; a part blob ("b<hash>_<part>") when one of its emails
// has the message the part is in.
#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "jmap/email_body.hpp"
#include "jmap/method.hpp"
#include "mime/parsed_message.hpp"

namespace estafeta::jmap {

namespace {

// The keywords of a create/import object, as flags and other keywords.
std::optional<std::pair<std::uint32_t, std::vector<std::string>>> keywords_of(const json& v) {
  std::uint32_t flags = 0;
  std::vector<std::string> words;
  if (v.is_null()) return std::pair{flags, words};
  if (!v.is_object()) return std::nullopt;
  for (auto& [k, on] : v.items()) {
    auto w = ascii_lower(k);
    bool ok = on == true && !w.empty() && w.size() <= 255;
    for (char c : w)
      ok = ok && c > 0x20 && c < 0x7f && std::string_view("(){]%*\"\\").find(c) == std::string_view::npos;
    if (!ok) return std::nullopt;
    if (w == "$seen")
      flags |= store::flag_seen;
    else if (w == "$answered")
      flags |= store::flag_answered;
    else if (w == "$flagged")
      flags |= store::flag_flagged;
    else if (w == "$draft")
      flags |= store::flag_draft;
    else
      words.push_back(w);
  }
  return std::pair{flags, words};
}

// The message mailboxIds names, in this account; nullopt when one is not.
std::optional<std::vector<store::MailboxRef>> targets_of(const Call& call, const Account& a, const json& v) {
  if (!v.is_object() || v.empty()) return std::nullopt;
  auto boxes = call.deps.store.list_mailboxes(a.address.id);
  if (!boxes) return std::nullopt;
  std::vector<store::MailboxRef> out;
  for (auto& [id, on] : v.items()) {
    std::optional<store::Id> n;
    if (id.starts_with("#")) {
      auto it = call.created_ids.find(id.substr(1));
      if (it != call.created_ids.end()) n = parse_id(it->second, 'm');
    } else {
      n = parse_id(id, 'm');
    }
    bool mine = n && std::any_of(boxes->begin(), boxes->end(), [&](auto& b) { return b.id == *n; });
    if (on != true || !mine) return std::nullopt;
    out.push_back({a.address.id, *n});
  }
  return out;
}

// Stores `bytes` as a new email of the account; {id, blobId, threadId, size}.
std::expected<json, json> store_message(const Call& call, const Account& a, std::string_view bytes, const json& props) {
  auto targets = targets_of(call, a, props.value("mailboxIds", json(nullptr)));
  if (!targets)
    return std::unexpected(
        json{{"type", "invalidProperties"}, {"properties", {"mailboxIds"}}, {"description", "no such mailbox"}});
  auto keywords = keywords_of(props.value("keywords", json(nullptr)));
  if (!keywords)
    return std::unexpected(
        json{{"type", "invalidProperties"}, {"properties", {"keywords"}}, {"description", "not keywords"}});
  std::int64_t received = static_cast<std::int64_t>(std::time(nullptr));
  if (props.contains("receivedAt") && !props["receivedAt"].is_null()) {
    auto t = parse_date(props["receivedAt"], true);
    if (!t)
      return std::unexpected(
          json{{"type", "invalidProperties"}, {"properties", {"receivedAt"}}, {"description", "not a UTCDate"}});
    received = *t;
  }
  // One Email per content in an account: the same bytes again make no
  // second one (RFC 8620 §5.4 alreadyExists, with the one there is).
  if (auto existing = call.deps.store.email_by_blob(a.address.id, store::BlobStore::hash_of(bytes));
      existing && *existing)
    return std::unexpected(json{{"type", "alreadyExists"},
                                {"description", "this account has an Email with the same content"},
                                {"existingId", email_id(**existing)}});
  std::vector<store::AppendTarget> to;
  for (auto& box : *targets) to.push_back({box, keywords->first, keywords->second, received});
  auto stored = call.deps.deliverer.deliver(bytes, to);
  if (!stored) {
    auto kind = stored.error().kind;
    return std::unexpected(set_error(kind == ErrorKind::over_quota ? "overQuota"
                                     : kind == ErrorKind::limit    ? "tooLarge"
                                                                   : "invalidEmail",
                                     stored.error().message));
  }
  auto hash = store::BlobStore::hash_of(bytes);
  auto id = call.deps.store.email_by_blob(a.address.id, hash);
  auto made = id && *id ? call.deps.store.emails(a.address.id, {**id}) : Result<std::vector<store::Email>>();
  if (!made || made->empty()) return std::unexpected(set_error("serverFail", "the new email is not found"));
  return json{{"id", email_id(made->front().id)},
              {"blobId", blob_id(hash)},
              {"threadId", thread_id(made->front().thread_id)},
              {"size", bytes.size()}};
}

// The content of `path` ("2/1.2": part 1.2 of the message that is part 2)
// in the message `raw` whose structure is `root`.
std::optional<std::string> part_content(std::string_view raw, const mime::Part& root, const std::string& hash,
                                        std::string_view path) {
  auto slash = path.find('/');
  auto content = Body(raw, root, hash, {}).content(path.substr(0, slash));
  if (!content || slash == std::string_view::npos) return content;
  auto inner = mime::parse_message(*content);
  if (!inner) return std::nullopt;
  return part_content(*content, inner->structure.root, hash, path.substr(slash + 1));
}

}  // namespace

std::optional<std::string> blob_bytes(const Call& call, const Account& a, const std::string& id) {
  auto ref = parse_blob_id(id);
  if (!ref) return std::nullopt;
  auto owner = call.deps.store.email_by_blob(a.address.id, ref->hash);
  if (!owner || !*owner) {
    auto upload = call.deps.store.find_upload(a.address.id, ref->hash);
    if (!upload || !*upload) return std::nullopt;
    auto raw = call.deps.blobs.get(ref->hash);
    if (!raw) return std::nullopt;
    if (ref->part.empty()) return std::move(*raw);
    // A part of an uploaded message (its Email/parse names them).
    auto message = mime::parse_message(*raw);
    if (!message) return std::nullopt;
    return part_content(*raw, message->structure.root, ref->hash, ref->part);
  }
  auto raw = call.deps.blobs.get(ref->hash);
  if (!raw) return std::nullopt;
  if (ref->part.empty()) return std::move(*raw);
  auto emails = call.deps.store.emails(a.address.id, {**owner});
  if (!emails || emails->empty()) return std::nullopt;
  auto info = call.deps.store.blob_info(emails->front().blob_id);
  if (!info) return std::nullopt;
  return part_content(*raw, info->structure.root, ref->hash, ref->part);
}

Out<json> email_import(Call& call) {
  TRY(only_known(call.args, {"accountId", "ifInState", "emails"}));
  auto* a = TRY(call.account());
  auto old_state = TRY(account_state(call, *a));
  TRY(check_state(call, "ifInState", old_state, "emails"));
  auto emails = call.args.find("emails");
  if (emails == call.args.end() || !emails->is_object()) return invalid_arguments("emails is a map");
  if (emails->size() > call.deps.limits.max_objects_in_set)
    return std::unexpected(MethodError("requestTooLarge", "more emails than maxObjectsInSet"));
  json created = json::object(), not_created = json::object();
  for (auto& [cid, props] : emails->items()) {
    if (!props.is_object() || !props.contains("blobId") || !props["blobId"].is_string()) {
      not_created[cid] = {{"type", "invalidProperties"}, {"properties", {"blobId"}}};
      continue;
    }
    auto bytes = blob_bytes(call, *a, props["blobId"].get<std::string>());
    if (!bytes) {
      not_created[cid] = {{"type", "blobNotFound"}, {"notFound", {props["blobId"]}}};
      continue;
    }
    auto made = store_message(call, *a, *bytes, props);
    if (!made) {
      not_created[cid] = made.error();
      continue;
    }
    call.created_ids[cid] = (*made)["id"].get<std::string>();
    created[cid] = *made;
  }
  return json{{"accountId", account_id(a->address.id)},
              {"oldState", old_state},
              {"newState", TRY(account_state(call, *a))},
              {"created", or_null(created)},
              {"notCreated", or_null(not_created)}};
}

Out<json> email_parse(Call& call) {
  TRY(only_known(call.args, {"accountId", "blobIds", "properties", "bodyProperties", "fetchTextBodyValues",
                             "fetchHTMLBodyValues", "fetchAllBodyValues", "maxBodyValueBytes"}));
  auto* a = TRY(call.account());
  auto ids = TRY(id_list(call.args, "blobIds"));
  if (!ids) return invalid_arguments("blobIds is required");
  if (ids->size() > call.deps.limits.max_objects_in_get)
    return std::unexpected(MethodError("requestTooLarge", "more blobs than maxObjectsInGet"));
  auto options = TRY(render_options(call.args));
  json parsed = json::object(), not_parsable = json::array(), not_found = json::array();
  for (auto& id : *ids) {
    auto bytes = blob_bytes(call, *a, id);
    if (!bytes) {
      not_found.push_back(id);
      continue;
    }
    auto message = mime::parse_message(*bytes);
    if (!message) {
      not_parsable.push_back(id);
      continue;
    }
    // Not stored: no id, mailboxes, keywords or arrival time (§4.9).
    json out = json::object();
    for (auto& p : options.properties)
      if (p == "id" || p == "mailboxIds" || p == "keywords" || p == "receivedAt" || p == "threadId") out[p] = nullptr;
    Content c;
    c.raw = *bytes;
    c.structure = &message->structure;
    c.hash = parse_blob_id(id)->hash;
    c.size = bytes->size();
    c.preview = message->summary.preview;
    c.subject = message->summary.subject;
    c.sent_at = message->summary.date;
    c.has_attachments = message->summary.has_attachments;
    // The parts are named under the blob's own id (blob_bytes finds them):
    // those of a message that is a part of another under that part.
    c.within = parse_blob_id(id)->part;
    auto rendered = TRY(render_content(c, options.properties, options, std::move(out)));
    if (rendered.contains("blobId")) rendered["blobId"] = id;
    parsed[id] = std::move(rendered);
  }
  return json{{"accountId", account_id(a->address.id)},
              {"parsed", or_null(parsed)},
              {"notParsable", or_null(not_parsable)},
              {"notFound", or_null(not_found)}};
}

Out<json> email_copy(Call& call) {
  TRY(only_known(call.args, {"fromAccountId", "ifFromInState", "accountId", "ifInState", "create",
                             "onSuccessDestroyOriginal", "destroyFromIfInState"}));
  auto* to = TRY(call.account());
  auto from_arg = call.args.find("fromAccountId");
  if (from_arg == call.args.end() || !from_arg->is_string()) return invalid_arguments("fromAccountId is required");
  auto* from = call.who.find(from_arg->get<std::string>());
  if (!from) return std::unexpected(MethodError("fromAccountNotFound", "no such account"));
  if (from == to) return invalid_arguments("fromAccountId and accountId are the same account: use Email/set");
  auto old_state = TRY(account_state(call, *to));
  auto from_state = TRY(account_state(call, *from));
  TRY(check_state(call, "ifInState", old_state, "target account"));
  TRY(check_state(call, "ifFromInState", from_state, "source account"));
  auto create = call.args.find("create");
  if (create == call.args.end() || !create->is_object()) return invalid_arguments("create is a map");
  if (create->size() > call.deps.limits.max_objects_in_set)
    return std::unexpected(MethodError("requestTooLarge", "more emails than maxObjectsInSet"));
  bool destroy_original = TRY(bool_arg(call.args, "onSuccessDestroyOriginal", false));
  json created = json::object(), not_created = json::object();
  std::vector<std::string> copied;
  for (auto& [cid, props] : create->items()) {
    auto n = props.is_object() && props.contains("id") && props["id"].is_string()
                 ? parse_id(props["id"].get<std::string>(), 'e')
                 : std::nullopt;
    auto source = n ? call.deps.store.emails(from->address.id, {*n}) : Result<std::vector<store::Email>>();
    if (!source || source->empty()) {
      not_created[cid] = set_error("notFound", "no such email in the source account");
      continue;
    }
    auto bytes = call.deps.blobs.get(source->front().blob_hash);
    if (!bytes) {
      not_created[cid] = set_error("serverFail", "the message could not be read");
      continue;
    }
    auto made = store_message(call, *to, *bytes, props);
    if (!made) {
      not_created[cid] = made.error();
      continue;
    }
    call.created_ids[cid] = (*made)["id"].get<std::string>();
    created[cid] = *made;
    copied.push_back(props["id"].get<std::string>());
  }
  json out = {{"fromAccountId", account_id(from->address.id)},
              {"accountId", account_id(to->address.id)},
              {"oldState", old_state},
              {"newState", TRY(account_state(call, *to))},
              {"created", or_null(created)},
              {"notCreated", or_null(not_created)}};
  if (destroy_original && !copied.empty()) {
    // RFC 8620 §5.4: an implicit Email/set destroy in the source account.
    json args = {{"accountId", account_id(from->address.id)}, {"destroy", copied}};
    if (call.args.contains("destroyFromIfInState")) args["ifInState"] = call.args["destroyFromIfInState"];
    Call implicit{call.deps, call.who, args, call.created_ids, call.using_};
    auto r = email_set(implicit);
    if (r)
      call.implicit.emplace_back("Email/set", std::move(*r));
    else
      call.implicit.emplace_back("error", json{{"type", r.error().type}, {"description", r.error().description}});
  }
  return out;
}

Out<json> blob_copy(Call& call) {
  TRY(only_known(call.args, {"fromAccountId", "accountId", "blobIds"}));
  auto* to = TRY(call.account());
  auto from_arg = call.args.find("fromAccountId");
  if (from_arg == call.args.end() || !from_arg->is_string()) return invalid_arguments("fromAccountId is required");
  auto* from = call.who.find(from_arg->get<std::string>());
  if (!from) return std::unexpected(MethodError("fromAccountNotFound", "no such account"));
  auto ids = TRY(id_list(call.args, "blobIds"));
  if (!ids) return invalid_arguments("blobIds is required");
  json copied = json::object(), not_copied = json::object();
  for (auto& id : *ids) {
    auto bytes = blob_bytes(call, *from, id);
    if (!bytes) {
      not_copied[id] = set_error("blobNotFound", "no such blob in the source account");
      continue;
    }
    auto hash = call.deps.blobs.put(*bytes);
    store::Upload u;
    u.address_id = to->address.id;
    u.hash = hash ? *hash : "";
    u.type = "application/octet-stream";
    u.size = bytes->size();
    u.created = static_cast<store::Time>(std::time(nullptr));
    u.expires = u.created + 24 * 3600;
    if (!hash || !call.deps.store.add_upload(u)) {
      not_copied[id] = set_error("serverFail", "the blob could not be stored");
      continue;
    }
    copied[id] = blob_id(*hash);
  }
  return json{{"fromAccountId", account_id(from->address.id)},
              {"accountId", account_id(to->address.id)},
              {"copied", or_null(copied)},
              {"notCopied", or_null(not_copied)}};
}

}  // namespace estafeta::jmap
