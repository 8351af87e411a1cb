// SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 3463,
// RFC 2034): "250 2.1.0 text", and multi-line replies "250-…" … "250 …".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace estafeta::smtp {

// `status` may be empty (greetings and EHLO lines carry none).
std::string reply(int code, std::string_view status, std::string_view text);
std::string multiline(int code, const std::vector<std::string>& lines);

}  // namespace estafeta::smtp
