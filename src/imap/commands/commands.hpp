// The command handlers, one file per command or small family, all with the same shape:
//   Reply handle(Context&, const std::string& tag, cmd::Name& arguments)
// and the helpers they share for the tagged response and mailbox names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "imap/context.hpp"

namespace estafeta::imap {

// "tag OK text\r\n" etc.; `code` without brackets ("READ-WRITE"), may be empty.
Reply tagged_ok(const std::string& tag, std::string_view text, std::string_view code = {});
Reply tagged_no(const std::string& tag, std::string_view text, std::string_view code = {});
Reply tagged_bad(const std::string& tag, std::string_view text);
void append_tagged(Reply& r, const std::string& tag, std::string_view status, std::string_view text,
                   std::string_view code = {});
// A store error as NO with the matching response code (RFC 5530).
Reply from_error(const std::string& tag, const Error& e);

// The wire name ↔ the stored name (modified UTF-7 unless UTF-8 is on; INBOX
// case-insensitive; hierarchy separator '/'). nullopt: not a valid name.
std::optional<std::string> stored_name(const Context& ctx, std::string_view wire);
std::string wire_name(const Context& ctx, std::string_view stored);

// How this session reports changes (the extensions it enabled).
PollOptions poll_options(const Context& ctx, bool allow_expunge);
// Untagged updates for the selected mailbox at the end of a command.
void append_updates(Context& ctx, Reply& r, bool allow_expunge);
// A CONDSTORE enabling command (FETCH MODSEQ or CHANGEDSINCE, STORE
// UNCHANGEDSINCE, SEARCH MODSEQ, STATUS (HIGHESTMODSEQ)) turns CONDSTORE on; the first one with a
// mailbox selected answers "* OK [HIGHESTMODSEQ n]" (RFC 7162 §3.1),
// which this returns ("" when CONDSTORE was on already).
std::string enable_condstore(Context& ctx);

std::string capabilities(const Context& ctx);

// Quota (commands/quota.cpp, RFC 9208). Whether the logged-in address has a
// quota (QUOTA is announced then). The NO [OVERQUOTA] reply when adding
// `messages` messages of `bytes` octets in all would exceed it; for COPY,
// of the selected mailbox's messages with these UIDs.
bool has_quota(const Context& ctx);
std::optional<Reply> refuse_over_quota(Context& ctx, const std::string& tag, std::uint64_t bytes,
                                       std::uint64_t messages);
std::optional<Reply> refuse_copy_over_quota(Context& ctx, const std::string& tag,
                                            const std::vector<std::uint32_t>& uids);

// The handlers (commands/*.cpp), one per argument type: Session::execute
// picks the one for the parsed command's Args (both SELECT and EXAMINE make
// a cmd::Select, UID FETCH and FETCH a cmd::Fetch …). Run once the
// command is known to be allowed in the session's state.
Reply handle(Context&, const std::string& tag, cmd::Capability&);  // auth.cpp
Reply handle(Context&, const std::string& tag, cmd::Noop&);
Reply handle(Context&, const std::string& tag, cmd::Logout&);
Reply handle(Context&, const std::string& tag, cmd::Id&);
Reply handle(Context&, const std::string& tag, cmd::Enable&);  // enable.cpp
Reply handle(Context&, const std::string& tag, cmd::StartTls&);
Reply handle(Context&, const std::string& tag, cmd::Login&);
Reply handle(Context&, const std::string& tag, cmd::Authenticate&);
Reply handle(Context&, const std::string& tag, cmd::Idle&);       // idle.cpp
Reply handle(Context&, const std::string& tag, cmd::Namespace&);  // mailbox.cpp
Reply handle(Context&, const std::string& tag, cmd::Select&);
Reply handle(Context&, const std::string& tag, cmd::Create&);
Reply handle(Context&, const std::string& tag, cmd::Delete&);
Reply handle(Context&, const std::string& tag, cmd::Rename&);
Reply handle(Context&, const std::string& tag, cmd::Subscribe&);
Reply handle(Context&, const std::string& tag, cmd::List&);
Reply handle(Context&, const std::string& tag, cmd::Status&);
Reply handle(Context&, const std::string& tag, cmd::Check&);
Reply handle(Context&, const std::string& tag, cmd::Unselect&);
Reply handle(Context&, const std::string& tag, cmd::Append&);  // message.cpp
Reply handle(Context&, const std::string& tag, cmd::Expunge&);
Reply handle(Context&, const std::string& tag, cmd::Close&);
Reply handle(Context&, const std::string& tag, cmd::Store&);
Reply handle(Context&, const std::string& tag, cmd::Copy&);
Reply handle(Context&, const std::string& tag, cmd::Search&);  // search.cpp
Reply handle(Context&, const std::string& tag, cmd::Sort&);
Reply handle(Context&, const std::string& tag, cmd::Thread&);
Reply handle(Context&, const std::string& tag, cmd::Fetch&);     // fetch.cpp
Reply handle(Context&, const std::string& tag, cmd::GetQuota&);  // quota.cpp
Reply handle(Context&, const std::string& tag, cmd::GetQuotaRoot&);
Reply handle(Context&, const std::string& tag, cmd::SetQuota&);

// The steps of a command that takes more lines: AUTHENTICATE's next SASL
// response (auth.cpp), the line that should end IDLE (idle.cpp).
Reply continue_authenticate(Context& ctx, std::string_view line);
Reply end_idle(Context& ctx, std::string_view line);

// The logged-in address's mailbox by its wire name. Errors: invalid (not a
// valid name), not_found ("no such mailbox"), store errors.
Result<store::Mailbox> find_mailbox(Context& ctx, std::string_view wire);

// The second half of AUTHENTICATE and of LOGIN: check the device password.
Reply finish_login(Context& ctx, const std::string& tag, const std::string& address, const std::string& password,
                   const char* product);

}  // namespace estafeta::imap
