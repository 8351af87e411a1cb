// The command handlers, one file per command or small family, all with the same shape:
//   Reply handler(Context&, Command&)
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

using Handler = Reply (*)(Context&, Command&);

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

// Untagged updates for the selected mailbox at the end of a command.
void append_updates(Context& ctx, Reply& r, bool allow_expunge);
// A CONDSTORE enabling command (FETCH MODSEQ or CHANGEDSINCE, STORE
// UNCHANGEDSINCE, SEARCH MODSEQ) turns CONDSTORE on; the first one with a
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

// Handlers (commands/*.cpp).
Reply cmd_capability(Context&, Command&);
Reply cmd_noop(Context&, Command&);
Reply cmd_logout(Context&, Command&);
Reply cmd_id(Context&, Command&);
Reply cmd_enable(Context&, Command&);
Reply cmd_starttls(Context&, Command&);
Reply cmd_login(Context&, Command&);
Reply cmd_authenticate(Context&, Command&);
Reply cmd_namespace(Context&, Command&);
Reply cmd_select(Context&, Command&);
Reply cmd_create(Context&, Command&);
Reply cmd_delete(Context&, Command&);
Reply cmd_rename(Context&, Command&);
Reply cmd_subscribe(Context&, Command&);
Reply cmd_list(Context&, Command&);
Reply cmd_status(Context&, Command&);
Reply cmd_append(Context&, Command&);
Reply cmd_idle(Context&, Command&);
Reply cmd_check(Context&, Command&);
Reply cmd_close(Context&, Command&);
Reply cmd_unselect(Context&, Command&);
Reply cmd_expunge(Context&, Command&);
Reply cmd_search(Context&, Command&);
Reply cmd_fetch(Context&, Command&);
Reply cmd_store(Context&, Command&);
Reply cmd_copy(Context&, Command&);
Reply cmd_getquota(Context&, Command&);
Reply cmd_setquota(Context&, Command&);
Reply cmd_sort(Context&, Command&);
Reply cmd_thread(Context&, Command&);

// The second half of AUTHENTICATE and of LOGIN: check the device password.
Reply finish_login(Context& ctx, const std::string& tag, const std::string& address, const std::string& password,
                   const char* product);

}  // namespace estafeta::imap
