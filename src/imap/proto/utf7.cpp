#include "imap/proto/utf7.hpp"

#include <cstdint>
#include <vector>

namespace estafeta::imap {

namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

// Decodes one UTF-8 code point; returns false on malformed input.
bool next_code_point(std::string_view s, std::size_t& i, std::uint32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) return false;
  cp = len == 1 ? c : c & (0x7f >> len);
  for (int k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((cc & 0xC0) != 0x80) return false;
    cp = cp << 6 | (cc & 0x3f);
  }
  i += static_cast<std::size_t>(len);
  return cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
}

void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80)
    out += static_cast<char>(cp);
  else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | cp >> 6);
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | cp >> 12);
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xF0 | cp >> 18);
    out += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
    out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

}  // namespace

std::string utf8_to_mutf7(std::string_view s) {
  std::string out;
  std::vector<std::uint16_t> pending;
  auto flush = [&] {
    if (pending.empty()) return;
    out += '&';
    std::uint32_t bits = 0;
    int nbits = 0;
    for (auto u : pending) {
      bits = bits << 16 | u;
      nbits += 16;
      while (nbits >= 6) {
        nbits -= 6;
        out += kB64[(bits >> nbits) & 63];
      }
    }
    if (nbits > 0) out += kB64[(bits << (6 - nbits)) & 63];
    out += '-';
    pending.clear();
  };
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    auto start = i;
    if (!next_code_point(s, i, cp)) {
      // Not UTF-8: pass the byte through rather than lose it.
      cp = static_cast<unsigned char>(s[start]);
      i = start + 1;
    }
    if (cp >= 0x20 && cp <= 0x7e) {
      flush();
      out += static_cast<char>(cp);
      if (cp == '&') out += '-';
    } else if (cp < 0x10000) {
      pending.push_back(static_cast<std::uint16_t>(cp));
    } else {
      cp -= 0x10000;
      pending.push_back(static_cast<std::uint16_t>(0xD800 | cp >> 10));
      pending.push_back(static_cast<std::uint16_t>(0xDC00 | (cp & 0x3ff)));
    }
  }
  flush();
  return out;
}

std::optional<std::string> mutf7_to_utf8(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
    if (c != '&') {
      out += c;
      continue;
    }
    auto end = s.find('-', i + 1);
    if (end == std::string_view::npos) return std::nullopt;
    if (end == i + 1) {
      out += '&';
      i = end;
      continue;
    }
    std::uint32_t bits = 0;
    int nbits = 0;
    std::vector<std::uint16_t> units;
    for (std::size_t k = i + 1; k < end; ++k) {
      int v = b64_value(s[k]);
      if (v < 0) return std::nullopt;
      bits = bits << 6 | static_cast<std::uint32_t>(v);
      nbits += 6;
      if (nbits >= 16) {
        nbits -= 16;
        units.push_back(static_cast<std::uint16_t>(bits >> nbits));
      }
    }
    if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0) return std::nullopt;  // non-zero padding
    for (std::size_t k = 0; k < units.size(); ++k) {
      std::uint32_t u = units[k];
      if (u >= 0xD800 && u <= 0xDBFF) {
        if (k + 1 >= units.size() || units[k + 1] < 0xDC00 || units[k + 1] > 0xDFFF) return std::nullopt;
        u = 0x10000 + ((u - 0xD800) << 10 | (units[k + 1] - 0xDC00));
        ++k;
      } else if (u >= 0xDC00 && u <= 0xDFFF) {
        return std::nullopt;
      }
      if (u >= 0x20 && u <= 0x7e) return std::nullopt;  // printable ASCII must be direct
      put_utf8(out, u);
    }
    i = end;
  }
  return out;
}

}  // namespace estafeta::imap
