// Mail client set-up documents (DESIGN §2.3): Thunderbird's autoconfig
// (config-v1.1.xml), Outlook's autodiscover (POX, 2006 schemas) and an
// Apple configuration profile (.mobileconfig) for one address. All offer
// IMAP on 993 with TLS and submission on 587 with STARTTLS (465 with TLS as
// the alternative), the full address as the username. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace estafeta::manage {

struct MailEndpoints {
  std::string host;            // the server's public name (config hostname)
  int imap_port = 993;         // TLS
  int pop3_port = 995;         // TLS
  int submission_port = 587;   // STARTTLS
  int submissions_port = 465;  // TLS
};

// Thunderbird autoconfig for `domain`: the username is %EMAILADDRESS%.
std::string thunderbird_config(const std::string& domain, const MailEndpoints& endpoints);

// The EMailAddress of an Outlook autodiscover request body (POX request
// schema 2006), or nullopt. Bounded: looks at most at the first
// kMaxAutodiscoverRequest octets.
inline constexpr std::size_t kMaxAutodiscoverRequest = 8192;
std::optional<std::string> autodiscover_email(std::string_view body);

// The autodiscover response (outlook response schema 2006a) for `address`.
std::string autodiscover_response(const std::string& address, const MailEndpoints& endpoints);
// The response when the address is not one this server serves.
std::string autodiscover_error(const std::string& message);

struct ProfileOptions {
  std::string address;
  std::string display_name;  // the account's name in Mail; the address when empty
  std::string password;      // embedded when not empty (a device password made for this device)
  std::string organisation;  // PayloadOrganization
};
// A .mobileconfig (Apple property list, XML form) with one mail account.
// Identifiers are random UUIDs, new for each profile.
std::string apple_profile(const ProfileOptions& options, const MailEndpoints& endpoints);

// XML character data / attribute text with &, <, >, " and ' escaped;
// characters XML 1.0 does not allow are dropped.
std::string xml_escape(std::string_view text);

}  // namespace estafeta::manage
