#include "manage/autoconfig.hpp"

#include <sodium.h>

#include <fmt/format.h>

#include <cstdlib>

#include "core/ascii.hpp"

namespace estafeta::manage {

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') break;  // not allowed in XML 1.0
        out += c;
    }
  }
  return out;
}

std::string thunderbird_config(const std::string& domain, const MailEndpoints& e) {
  auto d = xml_escape(domain);
  auto h = xml_escape(e.host);
  auto server = [&](const char* kind, const char* type, int port, const char* socket) {
    return fmt::format(
        "    <{0} type=\"{1}\">\n      <hostname>{2}</hostname>\n      <port>{3}</port>\n"
        "      <socketType>{4}</socketType>\n      <authentication>password-cleartext</authentication>\n"
        "      <username>%EMAILADDRESS%</username>\n    </{0}>\n",
        kind, type, h, port, socket);
  };
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n"
      "  <emailProvider id=\"{0}\">\n    <domain>{0}</domain>\n    <displayName>{0}</displayName>\n"
      "    <displayShortName>{0}</displayShortName>\n{1}{2}{3}{4}  </emailProvider>\n</clientConfig>\n",
      d, server("incomingServer", "imap", e.imap_port, "SSL"), server("incomingServer", "pop3", e.pop3_port, "SSL"),
      server("outgoingServer", "smtp", e.submission_port, "STARTTLS"),
      server("outgoingServer", "smtp", e.submissions_port, "SSL"));
}

std::optional<std::string> autodiscover_email(std::string_view body) {
  body = body.substr(0, kMaxAutodiscoverRequest);
  // The element may carry a namespace prefix ("<a:EMailAddress>"): find the
  // local name, then the end of that start tag.
  auto name = body.find("EMailAddress>");
  if (name == std::string_view::npos) return std::nullopt;
  auto lt = body.rfind('<', name);
  if (lt == std::string_view::npos ||
      body.substr(lt + 1, name - lt - 1).find_first_of("/ \t\r\n\"'=") != std::string_view::npos)
    return std::nullopt;
  auto start = name + 13;
  auto end = body.find('<', start);
  if (end == std::string_view::npos) return std::nullopt;
  auto value = body.substr(start, end - start);
  while (!value.empty() &&
         (value.front() == ' ' || value.front() == '\t' || value.front() == '\r' || value.front() == '\n'))
    value.remove_prefix(1);
  while (!value.empty() &&
         (value.back() == ' ' || value.back() == '\t' || value.back() == '\r' || value.back() == '\n'))
    value.remove_suffix(1);
  // An address: one '@', printable ASCII, no markup, at most 320 octets (RFC 5321 §4.5.3.1).
  if (value.empty() || value.size() > 320 || value.find('@') == std::string_view::npos ||
      value.find('@') != value.rfind('@') || value.front() == '@' || value.back() == '@')
    return std::nullopt;
  for (char c : value)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f || c == '&' || c == '>' ||
        c == '"')
      return std::nullopt;
  return std::string(value);
}

std::string autodiscover_response(const std::string& address, const MailEndpoints& e) {
  auto a = xml_escape(address);
  auto h = xml_escape(e.host);
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\n"
      "  <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">\n"
      "    <Account>\n      <AccountType>email</AccountType>\n      <Action>settings</Action>\n"
      "      <Protocol>\n        <Type>IMAP</Type>\n        <Server>{1}</Server>\n        <Port>{2}</Port>\n"
      "        <DomainRequired>off</DomainRequired>\n        <LoginName>{0}</LoginName>\n        <SPA>off</SPA>\n"
      "        <SSL>on</SSL>\n        <AuthRequired>on</AuthRequired>\n      </Protocol>\n"
      "      <Protocol>\n        <Type>SMTP</Type>\n        <Server>{1}</Server>\n        <Port>{3}</Port>\n"
      "        <DomainRequired>off</DomainRequired>\n        <LoginName>{0}</LoginName>\n        <SPA>off</SPA>\n"
      "        <Encryption>TLS</Encryption>\n        <AuthRequired>on</AuthRequired>\n"
      "        <UsePOPAuth>off</UsePOPAuth>\n        <SMTPLast>off</SMTPLast>\n      </Protocol>\n"
      "    </Account>\n  </Response>\n</Autodiscover>\n",
      a, h, e.imap_port, e.submission_port);
}

std::string autodiscover_error(const std::string& message) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
      "<Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\n"
      "  <Response>\n    <Error>\n      <ErrorCode>600</ErrorCode>\n      <Message>{}</Message>\n"
      "    </Error>\n  </Response>\n</Autodiscover>\n",
      xml_escape(message));
}

namespace {

// RFC 4122 §4.4: a random (version 4) UUID in upper case, as Apple's tools write them.
std::string new_uuid() {
  if (sodium_init() < 0) std::abort();
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  return fmt::format(
      "{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}", b[0],
      b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

std::string key_string(const char* key, const std::string& value) {
  return fmt::format("      <key>{}</key>\n      <string>{}</string>\n", key, xml_escape(value));
}
std::string key_int(const char* key, int value) {
  return fmt::format("      <key>{}</key>\n      <integer>{}</integer>\n", key, value);
}
std::string key_bool(const char* key, bool value) {
  return fmt::format("      <key>{}</key>\n      <{}/>\n", key, value ? "true" : "false");
}

}  // namespace

std::string apple_profile(const ProfileOptions& o, const MailEndpoints& e) {
  auto reverse_host = std::string("estafeta.") + ascii_lower(e.host);
  auto account_uuid = new_uuid();
  auto profile_uuid = new_uuid();
  std::string account;
  account += key_string("EmailAccountDescription", o.address);
  account += key_string("EmailAccountName", o.display_name.empty() ? o.address : o.display_name);
  account += key_string("EmailAccountType", "EmailTypeIMAP");
  account += key_string("EmailAddress", o.address);
  account += key_string("IncomingMailServerAuthentication", "EmailAuthPassword");
  account += key_string("IncomingMailServerHostName", e.host);
  account += key_int("IncomingMailServerPortNumber", e.imap_port);
  account += key_bool("IncomingMailServerUseSSL", true);
  account += key_string("IncomingMailServerUsername", o.address);
  if (!o.password.empty()) account += key_string("IncomingPassword", o.password);
  account += key_string("OutgoingMailServerAuthentication", "EmailAuthPassword");
  account += key_string("OutgoingMailServerHostName", e.host);
  account += key_int("OutgoingMailServerPortNumber", e.submission_port);
  account += key_bool("OutgoingMailServerUseSSL", true);
  account += key_string("OutgoingMailServerUsername", o.address);
  account += key_bool("OutgoingPasswordSameAsIncomingPassword", true);
  account += key_string("PayloadDescription", "Mail account " + o.address);
  account += key_string("PayloadDisplayName", o.address);
  account += key_string("PayloadIdentifier", reverse_host + ".mail." + account_uuid);
  account += key_string("PayloadType", "com.apple.mail.managed");
  account += key_string("PayloadUUID", account_uuid);
  account += key_int("PayloadVersion", 1);
  account += key_bool("PreventAppSheet", false);
  account += key_bool("PreventMove", false);
  account += key_bool("SMIMEEnabled", false);
  std::string top;
  top += key_string("PayloadDescription", "Sets up mail for " + o.address);
  top += key_string("PayloadDisplayName", o.address);
  top += key_string("PayloadIdentifier", reverse_host + ".profile." + profile_uuid);
  if (!o.organisation.empty()) top += key_string("PayloadOrganization", o.organisation);
  top += key_bool("PayloadRemovalDisallowed", false);
  top += key_string("PayloadType", "Configuration");
  top += key_string("PayloadUUID", profile_uuid);
  top += key_int("PayloadVersion", 1);
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
      "<plist version=\"1.0\">\n  <dict>\n    <key>PayloadContent</key>\n    <array>\n    <dict>\n{}    </dict>\n"
      "    </array>\n{}  </dict>\n</plist>\n",
      account, top);
}

}  // namespace estafeta::manage
