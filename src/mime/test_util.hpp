// Helpers shared by the MIME module's tests (not part of the library).
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "mime/parsed_message.hpp"
#include "mime/structure_json.hpp"

namespace estafeta::mime::testing {

// Test messages are written with "\n"; this gives their CRLF form.
inline std::string crlf(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

struct Parsed {
  ParsedMessage msg;
  nlohmann::json body;      // the stored form of msg.structure.root, parsed
  nlohmann::json envelope;  // the stored form of msg.structure.envelope, parsed
};

inline Parsed parse_ok(std::string_view raw, const Limits& limits = {}) {
  auto r = parse_message(raw, limits);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  if (!r) return {};
  Parsed p{std::move(*r), {}, {}};
  p.body = nlohmann::json::parse(part_to_json(p.msg.structure.root));
  p.envelope = nlohmann::json::parse(envelope_to_json(p.msg.structure.envelope));
  return p;
}

// BODY[n] and BODY[n.MIME] of a part object, sliced from the raw message.
inline std::string body_of(std::string_view raw, const nlohmann::json& part) {
  const std::size_t b = part.at("body_start"), e = part.at("body_end");
  return std::string(raw.substr(b, e - b));
}
inline std::string mime_of(std::string_view raw, const nlohmann::json& part) {
  const std::size_t h = part.at("header_start"), b = part.at("body_start");
  return std::string(raw.substr(h, b - h));
}

// Number of part objects in a body structure, message bodies included.
inline std::size_t count_parts(const nlohmann::json& part) {
  std::size_t n = 1;
  if (part.contains("parts"))
    for (const auto& c : part["parts"]) n += count_parts(c);
  if (part.contains("message")) n += count_parts(part["message"]["body"]);
  return n;
}

}  // namespace estafeta::mime::testing
