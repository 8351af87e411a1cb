// Decoded fields for message lists (Summary) and the full-text index
// (SearchText), computed from a part tree built by build_tree.
#pragma once

#include <string_view>

#include "mime/parsed_message.hpp"
#include "mime/structure.hpp"

namespace estafeta::mime::detail {

// Fills `summary` and `text` from the message `raw` whose tree is `root`.
void summarize(std::string_view raw, const Part& root, const Limits& limits, Summary& summary, SearchText& text);

}  // namespace estafeta::mime::detail
