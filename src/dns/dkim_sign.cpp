// RFC 6376 §5: signing a message.
#include <algorithm>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/base64.hpp"
#include "dns/dkim.hpp"

namespace estafeta::dns::dkim {

// §5.4.1's recommendation, minus the fields a relay may rightly change.
const std::vector<std::string_view> kSignedFields = {"From",
                                                     "Reply-To",
                                                     "Subject",
                                                     "Date",
                                                     "To",
                                                     "Cc",
                                                     "Resent-Date",
                                                     "Resent-From",
                                                     "Resent-To",
                                                     "Resent-Cc",
                                                     "In-Reply-To",
                                                     "References",
                                                     "List-Id",
                                                     "List-Help",
                                                     "List-Unsubscribe",
                                                     "List-Subscribe",
                                                     "List-Post",
                                                     "List-Owner",
                                                     "List-Archive",
                                                     "Message-ID",
                                                     "MIME-Version",
                                                     "Content-Type",
                                                     "Content-Transfer-Encoding",
                                                     "Disposition-Notification-To"};

// Fields whose addition would change what a reader sees: signed once more
// than present (§8.15), so a second From or Subject breaks the signature.
const std::vector<std::string_view> kOversignedFields = {"From", "Reply-To",   "Subject",      "Date",        "To",
                                                         "Cc",   "Message-ID", "MIME-Version", "Content-Type"};

namespace {

// Appends `items` joined by `sep`, starting a new folded line ("\r\n\t")
// before an item that would take the line past 76 characters.
void append_folded(std::string& out, std::size_t& column, const std::vector<std::string>& items, std::string_view sep) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string piece = items[i] + (i + 1 < items.size() ? std::string(sep) : std::string());
    if (column + piece.size() > 76 && column > 1) {
      out.append("\r\n\t");
      column = 1;
    }
    out.append(piece);
    column += piece.size();
  }
}

std::vector<std::string> chunks(std::string_view s, std::size_t size) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size(); i += size) out.emplace_back(s.substr(i, size));
  return out;
}

}  // namespace

Result<std::string> sign(std::string_view message, const PrivateKey& key, const SignOptions& options) {
  auto split = split_message(message);
  auto count = [&](std::string_view name) {
    return static_cast<std::size_t>(std::count_if(split.fields.begin(), split.fields.end(),
                                                  [&](const RawField& f) { return ascii_iequals(f.name, name); }));
  };
  if (count("From") == 0) return fail(ErrorKind::invalid, "a message without From cannot be signed");

  std::vector<std::string> fields;
  for (auto name : kSignedFields) {
    auto n = count(name);
    if (std::find(kOversignedFields.begin(), kOversignedFields.end(), name) != kOversignedFields.end()) ++n;
    for (std::size_t i = 0; i < n; ++i) fields.push_back(ascii_lower(name));
  }
  auto body_hash = base64_encode(sha256(canonical_body(split.body, options.body_canon)));

  std::string field = fmt::format(
      "DKIM-Signature: v=1; a={}; c={}/{};\r\n\td={}; s={}; t={};\r\n\th=", to_string(key.algorithm()),
      to_string(options.header_canon), to_string(options.body_canon), options.domain, options.selector, options.time);
  std::size_t column = 3;  // "\th="
  append_folded(field, column, fields, ":");
  field += ";\r\n\tbh=" + body_hash + ";\r\n\tb=";

  auto data = signed_header_data(split, fields, field, options.header_canon);
  auto signature = TRY(key.sign_data(data));
  column = 3;
  append_folded(field, column, chunks(base64_encode(signature), 72), "");
  field += "\r\n";
  return field;
}

}  // namespace estafeta::dns::dkim
