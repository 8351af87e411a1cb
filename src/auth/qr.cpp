#include "auth/qr.hpp"

#include <qrencode.h>

#include <memory>

#include <fmt/format.h>

namespace estafeta::auth {

Result<std::string> qr_svg(std::string_view text) {
  std::string copy(text);  // libqrencode wants a NUL-terminated string
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeData(static_cast<int>(copy.size()), reinterpret_cast<const unsigned char*>(copy.data()), 0,
                        QR_ECLEVEL_M),
      &QRcode_free);
  if (!code) return fail(ErrorKind::invalid, "the text does not fit in a QR code");
  constexpr int kQuiet = 4;
  int width = code->width;
  int size = width + 2 * kQuiet;
  std::string path;
  for (int y = 0; y < width; ++y)
    for (int x = 0; x < width; ++x)
      if (code->data[y * width + x] & 1) path += fmt::format("M{} {}h1v1h-1z", x + kQuiet, y + kQuiet);
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} {0}\" shape-rendering=\"crispEdges\">"
      "<rect width=\"{0}\" height=\"{0}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{1}\"/></svg>",
      size, path);
}

}  // namespace estafeta::auth
