// Decoded fields for message lists (Summary) and the full-text index
// (SearchText), computed from the header and the part tree build_tree gives.
#pragma once

#include <string_view>

#include <vector>

#include "mime/header.hpp"
#include "mime/parsed_message.hpp"
#include "mime/structure.hpp"

namespace estafeta::mime::detail {

// Fills `summary` and `text` from the message `raw` whose top-level header
// is `header` and whose root part is `root`.
void summarize(std::string_view raw, const std::vector<HeaderField>& header, const Part& root, const Limits& limits,
               Summary& summary, SearchText& text);

}  // namespace estafeta::mime::detail
