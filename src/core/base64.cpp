#include "core/base64.hpp"

#include <sodium.h>

namespace estafeta {

std::optional<std::string> base64_decode(std::string_view in, const char* ignore) {
  if (sodium_init() < 0) return std::nullopt;
  std::string out(in.size(), '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(), in.size(), ignore, &len,
                        &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != in.data() + in.size())
    return std::nullopt;
  out.resize(len);
  return out;
}

std::string base64_encode(std::string_view in) {
  std::string out(sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()), in.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

}  // namespace estafeta
