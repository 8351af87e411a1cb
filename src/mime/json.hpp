// JSON forms of the envelope and the body structure (documented in
// parsed_message.hpp). Only the forward declarations of nlohmann/json here.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "mime/header.hpp"
#include "mime/structure.hpp"

namespace estafeta::mime::detail {

// RFC 9051 §7.5.2 ENVELOPE of a message whose header fields are `fields`.
nlohmann::json envelope_json(const std::vector<HeaderField>& fields);

// RFC 9051 §7.5.2 BODYSTRUCTURE of `part`, with byte offsets.
nlohmann::json bodystructure_json(const Part& part);

}  // namespace estafeta::mime::detail
