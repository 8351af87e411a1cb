#include "store/types.hpp"
#include "core/ascii.hpp"
#include "store/zones.hpp"

#include <string_view>

namespace estafeta::store {

const char* to_string(Role role) {
  switch (role) {
    case Role::admin: return "admin";
    case Role::legal: return "legal";
    case Role::member: return "member";
  }
  return "member";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::admin;
  if (text == "legal") return Role::legal;
  if (text == "member") return Role::member;
  return std::nullopt;
}

const char* to_string(SpfFailPolicy policy) {
  switch (policy) {
    case SpfFailPolicy::junk: return "junk";
    case SpfFailPolicy::reject: return "reject";
  }
  return "junk";
}

std::optional<SpfFailPolicy> parse_spf_fail_policy(std::string_view text) {
  if (ascii_iequals(text, "junk")) return SpfFailPolicy::junk;
  if (ascii_iequals(text, "reject")) return SpfFailPolicy::reject;
  return std::nullopt;
}

const char* to_string(DmarcRejectPolicy policy) {
  return policy == DmarcRejectPolicy::quarantine ? "quarantine" : "reject";
}

std::optional<DmarcRejectPolicy> parse_dmarc_reject_policy(std::string_view text) {
  if (ascii_iequals(text, "reject")) return DmarcRejectPolicy::reject;
  if (ascii_iequals(text, "quarantine")) return DmarcRejectPolicy::quarantine;
  return std::nullopt;
}

const char* to_string(TraceDirection direction) { return direction == TraceDirection::out ? "out" : "in"; }

std::optional<TraceDirection> parse_trace_direction(std::string_view text) {
  if (text == "in") return TraceDirection::in;
  if (text == "out") return TraceDirection::out;
  return std::nullopt;
}

const char* to_string(TraceStatus status) {
  switch (status) {
    case TraceStatus::accepted: return "accepted";
    case TraceStatus::queued: return "queued";
    case TraceStatus::delivered: return "delivered";
    case TraceStatus::deferred: return "deferred";
    case TraceStatus::bounced: return "bounced";
    case TraceStatus::rejected: return "rejected";
  }
  return "accepted";
}

std::optional<TraceStatus> parse_trace_status(std::string_view text) {
  for (auto s : {TraceStatus::accepted, TraceStatus::queued, TraceStatus::delivered, TraceStatus::deferred,
                 TraceStatus::bounced, TraceStatus::rejected})
    if (text == to_string(s)) return s;
  return std::nullopt;
}

bool QuotaUsage::fits(std::uint64_t add_bytes, std::uint64_t add_messages) const {
  // Written so that no sum can overflow.
  if (limit_bytes && (bytes > *limit_bytes || add_bytes > *limit_bytes - bytes)) return false;
  if (limit_messages && (messages > *limit_messages || add_messages > *limit_messages - messages)) return false;
  return true;
}

namespace {
constexpr std::pair<SpecialUse, const char*> kUses[] = {
    {SpecialUse::drafts, "\\Drafts"},   {SpecialUse::sent, "\\Sent"}, {SpecialUse::trash, "\\Trash"},
    {SpecialUse::archive, "\\Archive"}, {SpecialUse::junk, "\\Junk"}, {SpecialUse::all, "\\All"},
    {SpecialUse::flagged, "\\Flagged"},
};

}  // namespace

const char* to_string(SpecialUse use) {
  for (auto& [u, name] : kUses)
    if (u == use) return name;
  return "";
}

std::optional<SpecialUse> parse_special_use(std::string_view text) {
  if (text.empty() || ascii_iequals(text, "none")) return SpecialUse::none;
  std::string_view bare = text.starts_with('\\') ? text.substr(1) : text;
  for (auto& [u, name] : kUses)
    if (ascii_iequals(bare, std::string_view(name).substr(1))) return u;
  return std::nullopt;
}

const char* to_string(DkimKeyState state) {
  switch (state) {
    case DkimKeyState::published: return "published";
    case DkimKeyState::active: return "active";
    case DkimKeyState::retiring: return "retiring";
    case DkimKeyState::retired: return "retired";
  }
  return "retired";
}

std::optional<DkimKeyState> parse_dkim_key_state(std::string_view text) {
  for (auto s : {DkimKeyState::published, DkimKeyState::active, DkimKeyState::retiring, DkimKeyState::retired})
    if (text == to_string(s)) return s;
  return std::nullopt;
}

}  // namespace estafeta::store
