// libFuzzer target for the MIME parser (mime::parse_message): header and
// address parsing, boundary scanning, RFC 2047/2231 decoding, charset and
// transfer decoding, HTML stripping. Seeds: fuzz/corpus/mime/.
//
//   ninja -C build-fuzz mime_parse_fuzz
//   build-fuzz/fuzz/mime_parse_fuzz -max_total_time=60 fuzz/corpus/mime
//
// Small limits make depth/part limits reachable with short inputs; the
// offsets are checked so a wrong slice shows up as a crash, not just bad JSON.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "mime/parsed_message.hpp"

namespace {

using nlohmann::json;

void check_part(const json& part, std::size_t lo, std::size_t hi) {
  const std::size_t h = part.at("header_start"), b = part.at("body_start"), e = part.at("body_end");
  if (!(lo <= h && h <= b && b <= e && e <= hi)) std::abort();
  if (part.contains("size") && part["size"].get<std::size_t>() != e - b) std::abort();
  if (part.contains("parts")) {
    if (part["parts"].empty()) std::abort();
    for (const json& child : part["parts"]) check_part(child, b, e);
  }
  if (part.contains("message")) check_part(part["message"]["body"], b, e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool initialized = [] {
    estafeta::mime::init();
    return true;
  }();
  (void)initialized;

  estafeta::mime::Limits limits;
  limits.max_depth = 8;
  limits.max_parts = 64;
  limits.max_search_text = 4096;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto parsed = estafeta::mime::parse_message(raw, limits);
  if (!parsed) return 0;

  check_part(json::parse(parsed->bodystructure_json), 0, size);
  (void)json::parse(parsed->envelope_json);
  if (parsed->text.body.size() > limits.max_search_text) std::abort();
  return 0;
}
