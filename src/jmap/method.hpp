// What every method implementation shares: the call it answers, its errors
// (RFC 8620 §3.6.2), ids and states, and argument readers.
#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "jmap/api.hpp"
#include "mime/structure.hpp"

namespace estafeta::jmap {

using json = nlohmann::json;

struct MethodError {
  std::string type;  // "invalidArguments", …
  std::string description;
  json extra = json::object();  // more members of the error object

  MethodError(std::string t, std::string d = {}) : type(std::move(t)), description(std::move(d)) {}
  // A store failure inside a method: serverFail, with the message only.
  MethodError(const Error& e) : type("serverFail"), description(e.message) {}  // NOLINT: used by TRY
};

template <class T>
using Out = std::expected<T, MethodError>;

}  // namespace estafeta::jmap

// TRY (core/result.hpp) over expected values whose error is not a core
// Error: a MethodError, or a SetError object.
namespace estafeta::detail {
template <class T, class E>
T take(std::expected<T, E>& r) {
  return std::move(*r);
}
template <class E>
void take(std::expected<void, E>&) {}
}  // namespace estafeta::detail

namespace estafeta::jmap {

inline std::unexpected<MethodError> invalid_arguments(std::string why) {
  return std::unexpected(MethodError("invalidArguments", std::move(why)));
}

struct Call {
  const Deps& deps;
  const Principal& who;
  const json& args;
  // Creation ids of this request ("#k" → the id it got), across calls.
  std::map<std::string, std::string>& created_ids;
  std::vector<std::string> using_;
  // Responses a method adds after its own, with the same call id (the
  // implicit Email/set of Email/copy and EmailSubmission/set).
  std::vector<std::pair<std::string, json>> implicit = {};

  // The account named by args.accountId (required).
  Out<const Account*> account() const;
};

using Method = Out<json> (*)(Call&);

// --- ids: a letter for the kind, then the number (never reused).
std::string mailbox_id(store::Id id);
std::string email_id(store::Id id);
std::string thread_id(store::Id id);
std::string blob_id(const std::string& hash, std::string_view part = {});
// The number of an id of that kind; nullopt when it is not one.
std::optional<store::Id> parse_id(std::string_view id, char kind);

// A blob id's parts: the content hash and the part id (empty: the whole);
// "2/1.2" is part 1.2 of the message that is part 2.
struct BlobRef {
  std::string hash;
  std::string part;
};
std::optional<BlobRef> parse_blob_id(std::string_view id);

// --- states: "<modseq>" or, between two, "<modseq>-<id>".
std::string state_string(store::ChangeCursor at);
std::optional<store::ChangeCursor> parse_state(std::string_view s);

// --- shared pieces of answers
// A SetError object (RFC 8620 §5.3).
json set_error(std::string type, std::string description, json properties = nullptr);
// The account's state (every type shares it: store/emails.hpp).
Out<std::string> account_state(const Call& call, const Account& account);
// null for an empty map or list (the /set answers' created, notCreated, …).
json or_null(const json& j);
// A /set answer (RFC 8620 §5.3); empty maps and lists become null.
json set_answer(const std::string& account, const std::string& old_state, const std::string& new_state,
                const json& created, const json& updated, const json& destroyed, const json& not_created,
                const json& not_updated, const json& not_destroyed);
// The properties of a full object that a /get asked for (id always).
json pick(const json& full, const std::optional<std::vector<std::string>>& properties);
// An RFC 3339 date-time (a JMAP Date; with `utc_only`, a UTCDate, "…Z")
// as Unix time; nullopt when it is not one.
std::optional<std::int64_t> parse_date(const json& value, bool utc_only);

// --- arguments
// args[name] as a list of ids, or nullopt when absent or null.
Out<std::optional<std::vector<std::string>>> id_list(const json& args, const char* name);
// args.properties: nullopt for all (absent or null), else the names, each
// one of `known` (otherwise invalidArguments).
Out<std::optional<std::vector<std::string>>> properties(const json& args, const char* name,
                                                        const std::vector<std::string_view>& known);
// An unsigned integer argument, `fallback` when absent or null.
Out<std::optional<std::int64_t>> int_arg(const json& args, const char* name, bool allow_negative = false);
Out<bool> bool_arg(const json& args, const char* name, bool fallback);
// Refuses arguments that the method does not know.
Out<void> only_known(const json& args, std::initializer_list<std::string_view> known);
// ifInState (RFC 8620 §5.3): stateMismatch unless it is absent or `state`.
Out<void> check_state(const Call& call, const char* argument, const std::string& state, std::string_view what);
// The arguments every /set takes (RFC 8620 §5.3), checked: no unknown ones
// (`extra`: the method's own), ifInState, create and update maps, destroy
// ids, at most maxObjectsInSet changes in all.
struct SetArgs {
  const Account* account = nullptr;
  std::string old_state;
  json create, update;
  std::vector<std::string> destroy;
};
Out<SetArgs> set_args(Call& call, std::string_view what, std::initializer_list<std::string_view> extra = {});

// A /changes answer from the store's Changes (ids turned into `kind` ids).
json changes_response(const std::string& account, std::string_view old_state, const store::Changes& c,
                      std::string (*to_id)(store::Id));
// maxChanges and sinceState of a /changes call, checked.
struct ChangesArgs {
  store::ChangeCursor since;
  std::size_t max = 0;
};
Out<ChangesArgs> changes_args(const Call& call);
// Tells the bus (IMAP sessions, push) of a change made by a method.
void announce(const Call& call, EventKind kind, store::Id address, store::Id mailbox, std::uint64_t modseq = 0,
              std::uint32_t uid = 0);
// A whole /changes method over one of the store's change lists.
using StoreChanges = Result<store::Changes> (store::Emails::*)(store::Id, store::ChangeCursor, std::size_t);
Out<json> answer_changes(Call& call, StoreChanges changes, std::string (*to_id)(store::Id));
// The store's answer to an unusable state.
MethodError cannot_calculate();

// Email/set create (email_create.cpp): the new email's {id, blobId,
// threadId, size}, or the SetError.
std::expected<json, json> create_email(Call& call, const Account& account, const std::set<store::Id>& mailboxes,
                                       const json& props);

// What Email/get and Email/parse render of a message's content.
struct Content {
  std::string_view raw;                               // the bytes (may be empty when no property needs them)
  const mime::MessageStructure* structure = nullptr;  // parsed (may be null when no property needs it)
  std::string hash;
  std::string within;  // a message that is a part of another: that part's id, under which its parts are named
  std::uint64_t size = 0;
  std::string preview;
  std::string subject;  // decoded
  std::int64_t sent_at = 0;
  bool has_attachments = false;
};
struct RenderOptions {
  std::vector<std::string> properties;
  std::vector<std::string> body_properties;
  bool text_values = false, html_values = false, all_values = false;
  std::size_t max_bytes = 0;
};
// properties, bodyProperties, fetch*BodyValues, maxBodyValueBytes, checked.
Out<RenderOptions> render_options(const json& args);
// The content properties of `props` added to `out` (those already there are kept).
Out<json> render_content(const Content& c, const std::vector<std::string>& props, const RenderOptions& o, json out);

// The methods, by area.
Out<json> mailbox_get(Call&);
Out<json> mailbox_changes(Call&);
Out<json> mailbox_query(Call&);
Out<json> mailbox_query_changes(Call&);
Out<json> mailbox_set(Call&);
Out<json> thread_get(Call&);
Out<json> thread_changes(Call&);
Out<json> email_get(Call&);
Out<json> email_changes(Call&);
Out<json> email_query(Call&);
Out<json> email_query_changes(Call&);
Out<json> email_set(Call&);
Out<json> email_import(Call&);
Out<json> email_parse(Call&);
Out<json> email_copy(Call&);
Out<json> blob_copy(Call&);
Out<json> search_snippet_get(Call&);
Out<json> identity_get(Call&);
Out<json> identity_changes(Call&);
Out<json> identity_set(Call&);
Out<json> submission_get(Call&);
Out<json> submission_changes(Call&);
Out<json> submission_query(Call&);
Out<json> submission_query_changes(Call&);
Out<json> submission_set(Call&);
Out<json> vacation_get(Call&);
Out<json> vacation_set(Call&);
Out<json> mdn_send(Call&);
Out<json> mdn_parse(Call&);
Out<json> quota_get(Call&);
Out<json> quota_changes(Call&);
Out<json> quota_query(Call&);

// The bytes of a blob the account may use (an email's, one of its parts,
// or one it uploaded); nullopt otherwise.
std::optional<std::string> blob_bytes(const Call& call, const Account& account, const std::string& blob_id);

}  // namespace estafeta::jmap
