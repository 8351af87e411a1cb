// libFuzzer target for the MIME parser (mime::parse_message): header and
// address parsing, boundary scanning, RFC 2047/2231 decoding, charset and
// transfer decoding, HTML stripping. Seeds: fuzz/corpus/mime/.
//
//   ninja -C build-fuzz mime_parse_fuzz
//   build-fuzz/fuzz/mime_parse_fuzz -max_total_time=60 fuzz/corpus/mime
//
// Small limits make depth/part limits reachable with short inputs; the
// offsets are checked so a wrong slice shows up as a crash, and the stored
// (JSON) form must read back to the same structure.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mime/parsed_message.hpp"
#include "mime/structure_json.hpp"

namespace {

using estafeta::mime::Part;

void check_part(const Part& part, std::size_t lo, std::size_t hi) {
  const std::size_t h = part.header_start, b = part.body_start, e = part.body_end;
  if (!(lo <= h && h <= b && b <= e && e <= hi)) std::abort();
  if (!part.parts.empty() && part.message) std::abort();
  for (const Part& child : part.parts) check_part(child, b, e);
  if (part.message) check_part(part.message->root, b, e);
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

  const estafeta::mime::MessageStructure& s = parsed->structure;
  check_part(s.root, 0, size);
  auto root = estafeta::mime::part_from_json(estafeta::mime::part_to_json(s.root));
  auto envelope = estafeta::mime::envelope_from_json(estafeta::mime::envelope_to_json(s.envelope));
  if (!root || !envelope || !(*root == s.root) || !(*envelope == s.envelope)) std::abort();
  if (parsed->text.body.size() > limits.max_search_text) std::abort();
  return 0;
}
