// i;unicode-casemap (RFC 5051 §2) on GLib's Unicode tables, which GMime
// already brings.
#include <glib.h>

#include <memory>

#include "mime/parsed_message.hpp"

namespace estafeta::mime {

std::string unicode_casemap(std::string_view text) {
  if (!g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) return std::string(text);
  // Step 1: titlecase, character by character.
  std::string titled;
  titled.reserve(text.size());
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    gunichar c = g_utf8_get_char(p);
    p = g_utf8_next_char(p);
    char buf[6];
    titled.append(buf, static_cast<std::size_t>(g_unichar_to_utf8(g_unichar_totitle(c), buf)));
  }
  // Step 2: normalisation form KD.
  std::unique_ptr<gchar, decltype(&g_free)> nfkd(
      g_utf8_normalize(titled.data(), static_cast<gssize>(titled.size()), G_NORMALIZE_NFKD), g_free);
  return nfkd ? std::string(nfkd.get()) : titled;
}

}  // namespace estafeta::mime
