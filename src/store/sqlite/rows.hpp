// Row → entity readers shared by the SQLite backend's files. Each reader
// matches the column list in the constant beside it.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/types.hpp"

namespace estafeta::store::sqlite {

inline Time unix_now() { return static_cast<Time>(std::time(nullptr)); }

// queue_rcpt.notify: the DSN NOTIFY keywords as bits.
inline constexpr int kNotifySuccess = 1, kNotifyFailure = 2, kNotifyDelay = 4, kNotifyNever = 8;

inline constexpr const char* kOrgColumns = "id, name, created";
inline Organisation read_org(const Statement& s) { return {s.int64(0), s.text(1), s.int64(2)}; }

inline constexpr const char* kUserColumns = "id, org_id, login, display_name, role, password_hash, created";
// The user's columns from column `c` on.
inline User read_user_at(const Statement& s, int c) {
  return {.id = s.int64(c),
          .org_id = s.int64(c + 1),
          .login = s.text(c + 2),
          .display_name = s.text(c + 3),
          .role = parse_role(s.text(c + 4)).value_or(Role::member),
          .password_hash = s.text(c + 5),
          .created = s.int64(c + 6)};
}
inline User read_user(const Statement& s) { return read_user_at(s, 0); }

inline constexpr const char* kServiceColumns = "id, org_id, name, locked, created";
inline MailService read_service(const Statement& s) {
  return {s.int64(0), s.int64(1), s.text(2), s.int64(3) != 0, s.int64(4)};
}

inline constexpr const char* kDomainColumns =
    "id, service_id, name, created, spf_fail, verified, verify_token, dmarc_reject";
inline Domain read_domain(const Statement& s) {
  return {.id = s.int64(0),
          .service_id = s.int64(1),
          .name = s.text(2),
          .created = s.int64(3),
          .spf_fail = parse_spf_fail_policy(s.text(4)).value_or(SpfFailPolicy::junk),
          .verified = s.int64(5) != 0,
          .verify_token = s.text(6),
          .dmarc_reject = parse_dmarc_reject_policy(s.text(7)).value_or(DmarcRejectPolicy::reject)};
}

inline std::optional<std::uint64_t> opt_uint64(const Statement& s, int col) {
  auto v = s.opt_int64(col);
  return v ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*v)) : std::nullopt;
}

// Needs: FROM address a JOIN domain d ON d.id = a.domain_id JOIN mail_service s ON s.id = d.service_id
inline constexpr const char* kAddressColumns =
    "a.id, a.domain_id, d.service_id, s.org_id, a.address, a.created, a.quota_bytes, a.quota_messages, a.save_sent";
inline constexpr int kAddressColumnCount = 9;
inline Address read_address(const Statement& s, int c = 0) {
  return {.id = s.int64(c),
          .domain_id = s.int64(c + 1),
          .service_id = s.int64(c + 2),
          .org_id = s.int64(c + 3),
          .address = s.text(c + 4),
          .created = s.int64(c + 5),
          .settings = {.quota_bytes = opt_uint64(s, c + 6),
                       .quota_messages = opt_uint64(s, c + 7),
                       .save_sent = s.int64(c + 8) != 0}};
}

inline constexpr const char* kAccessColumns = "id, address_id, user_id, may_change_special_folders, created";
inline Access read_access(const Statement& s, int c = 0) {
  return {s.int64(c), s.int64(c + 1), s.int64(c + 2), s.int64(c + 3) != 0, s.int64(c + 4)};
}

inline constexpr const char* kDeviceColumns = "id, access_id, label, hash, created, last_used, last_ip, revoked";
inline DevicePassword read_device(const Statement& s, int c = 0) {
  return {.id = s.int64(c),
          .access_id = s.int64(c + 1),
          .label = s.text(c + 2),
          .hash = s.text(c + 3),
          .created = s.int64(c + 4),
          .last_used = s.opt_int64(c + 5),
          .last_ip = s.text(c + 6),
          .revoked = s.opt_int64(c + 7)};
}

inline constexpr const char* kMailboxColumns =
    "id, address_id, name, special_use, uidvalidity, uidnext, highestmodseq, created, recent_uid, sort_order";
inline Mailbox read_mailbox(const Statement& s) {
  Mailbox m;
  m.id = s.int64(0);
  m.address_id = s.int64(1);
  m.name = s.text(2);
  m.special_use = parse_special_use(s.text(3)).value_or(SpecialUse::none);
  m.uidvalidity = static_cast<std::uint32_t>(s.int64(4));
  m.uidnext = static_cast<std::uint32_t>(s.int64(5));
  m.highestmodseq = static_cast<std::uint64_t>(s.int64(6));
  m.created = s.int64(7);
  m.recent_uid = static_cast<std::uint32_t>(s.int64(8));
  if (auto order = s.opt_int64(9)) m.sort_order = static_cast<std::uint32_t>(*order);
  return m;
}

inline constexpr const char* kTraceColumns =
    "id, address_id, queue_id, direction, sender, recipient, status, remote_host, reply, time";
inline TraceEntry read_trace(const Statement& s) {
  return {.id = s.int64(0),
          .address_id = s.int64(1),
          .queue_id = s.text(2),
          .direction = parse_trace_direction(s.text(3)).value_or(TraceDirection::in),
          .sender = s.text(4),
          .recipient = s.text(5),
          .status = parse_trace_status(s.text(6)).value_or(TraceStatus::accepted),
          .remote_host = s.text(7),
          .reply = s.text(8),
          .time = s.int64(9)};
}

// Keywords are stored as one space-separated column.
inline std::vector<std::string> split_keywords(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find(' ', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

inline std::string join_keywords(const std::vector<std::string>& keywords) {
  std::string out;
  for (auto& k : keywords) {
    if (!out.empty()) out += ' ';
    out += k;
  }
  return out;
}

// A JSON array of the numbers (UIDs, ids), for `IN (SELECT value FROM
// json_each(?))`: one statement however many a sequence set names.
template <class Int>
std::string json_array(const std::vector<Int>& values) {
  std::string out = "[";
  for (auto v : values) {
    if (out.size() > 1) out += ',';
    out += std::to_string(v);
  }
  return out + "]";
}

// A folder's id when the address owns it, NULL otherwise: for
// `m.mailbox_id = {kOwnedMailbox}`, binding the MailboxRef's id, then its
// address_id. The ownership is part of the query itself, never a separate
// check that could go stale between two statements.
inline constexpr const char* kOwnedMailbox = "(SELECT x.id FROM mailbox x WHERE x.id = ? AND x.address_id = ?)";

// Needs: FROM message m JOIN blob b ON b.id = m.blob_id
inline constexpr const char* kMessageColumns =
    "m.id, m.mailbox_id, m.uid, m.blob_id, b.hash, m.flags, m.keywords, m.internal_date, m.size, m.modseq, "
    "b.crlf_size";
inline Message read_message(const Statement& s) {
  Message m;
  m.id = s.int64(0);
  m.mailbox_id = s.int64(1);
  m.uid = static_cast<std::uint32_t>(s.int64(2));
  m.blob_id = s.int64(3);
  m.blob_hash = s.text(4);
  m.flags = static_cast<std::uint32_t>(s.int64(5));
  m.keywords = split_keywords(s.text(6));
  m.internal_date = s.int64(7);
  m.size = static_cast<std::uint64_t>(s.int64(8));
  m.modseq = static_cast<std::uint64_t>(s.int64(9));
  if (auto crlf = s.opt_int64(10)) m.crlf_size = static_cast<std::uint64_t>(*crlf);
  return m;
}

// Runs a query expected to return one row; not_found with `what` otherwise.
template <class T, class Reader>
Result<T> one(Result<Statement> stmt, Reader read, const char* what) {
  if (!stmt) return std::unexpected(stmt.error());
  auto has = stmt->step();
  if (!has) return std::unexpected(has.error());
  if (!*has) return fail(ErrorKind::not_found, what);
  return read(*stmt);
}

template <class T, class Reader>
Result<std::vector<T>> all(Result<Statement> stmt, Reader read) {
  if (!stmt) return std::unexpected(stmt.error());
  std::vector<T> out;
  for (;;) {
    auto has = stmt->step();
    if (!has) return std::unexpected(has.error());
    if (!*has) return out;
    out.push_back(read(*stmt));
  }
}

}  // namespace estafeta::store::sqlite
