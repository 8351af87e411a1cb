#include "auth/mail_login.hpp"

#include <fmt/format.h>

#include "auth/login.hpp"
#include "core/log.hpp"

namespace estafeta::auth {

MailLogin MailLogins::login(const char* product, const std::string& full_address, const std::string& password,
                            const std::string& ip) {
  MailLogin out;
  // Audited and logged at most kMaxAddressLength long (IMAP takes a 64 KiB
  // line before login).
  const std::string address = full_address.substr(0, kMaxAddressLength);
  auto wait = m_throttle.pending(ip, address);
  // The full name is what is checked: a longer one matches no address.
  auto who = authenticate_device(m_store, m_keyring, full_address, password, ip, m_clock.now());
  store::AuditEntry audit;
  audit.product = product;
  audit.ip = ip;
  audit.target = address;
  audit.time = m_clock.now();
  if (!who) {
    out.error = who.error();
    out.delay = std::max(wait, m_throttle.failed(ip, address));
    audit.actor = "anonymous";
    audit.action = fmt::format("{}.login_failed", product);
    audit.detail = who.error().message;
    (void)m_store.append_audit(audit);
    log::info(fmt::format("{}.login_failed", product),
              {{"address", address}, {"ip", ip}, {"reason", who.error().message}});
    if (m_observer) m_observer(product, false);
    return out;
  }
  m_throttle.succeeded(ip, address);
  audit.org_id = who->user.org_id;
  audit.actor_user_id = who->user.id;
  audit.actor = who->user.login;
  audit.action = fmt::format("{}.login", product);
  audit.detail = "device=" + who->device.label;
  (void)m_store.append_audit(audit);
  store::LoginRecord record{.user_id = who->user.id,
                            .time = audit.time,
                            .ip = ip,
                            .user_agent = fmt::format("{} ({}, {})", product, who->address.address, who->device.label),
                            .method = store::LoginMethod::device,
                            .success = true};
  (void)m_store.record_login(record);
  log::info(fmt::format("{}.login", product),
            {{"address", who->address.address}, {"user", who->user.login}, {"device", who->device.label}, {"ip", ip}});
  if (m_observer) m_observer(product, true);
  out.who = std::move(*who);
  out.delay = wait;  // 0 unless this IP has failed: others' failures never slow a success
  return out;
}

LiveSessions::Info live_info(const store::LoginCandidate& who, const char* protocol, const std::string& ip,
                             std::int64_t now) {
  return {.user_id = who.user.id,
          .address = who.address.address,
          .device_id = who.device.id,
          .device_label = who.device.label,
          .protocol = protocol,
          .ip = ip,
          .since = now};
}

std::optional<std::string> ends_session(const store::LoginCandidate& who, const Event& e) {
  switch (e.kind) {
    case EventKind::device_revoked:
      if (e.device_password_id == who.device.id) return "this device password was revoked";
      break;
    case EventKind::access_revoked:
      if (e.access_id == who.access.id) return "access to this address was revoked";
      break;
    case EventKind::service_locked:
      if (e.service_id == who.address.service_id) return "the mail service of this address is locked";
      break;
    case EventKind::connection_ended: return "this connection was ended from the account's session list";
    default: break;
  }
  return std::nullopt;
}

}  // namespace estafeta::auth
