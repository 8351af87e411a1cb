// A QR code (libqrencode) as an SVG image, for the otpauth:// URI of a
// second-factor enrolment: dark modules as one path, a quiet zone of four
// modules (ISO/IEC 18004 §6.3.8), error correction level M.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace estafeta::auth {

// invalid when the text does not fit in a QR code (over ~2,300 octets at level M).
Result<std::string> qr_svg(std::string_view text);

}  // namespace estafeta::auth
