#include "jmap/zip.hpp"

#include <boost/crc.hpp>

#include <ctime>
#include <limits>

namespace estafeta::jmap {

namespace {

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEnd = 0x06054b50;
constexpr std::uint16_t kVersion = 20;         // 2.0: stored entries, folders (APPNOTE §4.4.3)
constexpr std::uint16_t kMadeByUnix = 3 << 8;  // so that the file modes below are read
constexpr std::uint16_t kUtf8Names = 1 << 11;  // APPNOTE §4.4.4 bit 11
constexpr std::uint32_t kFileMode = 0100644u << 16;

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v & 0xffff));
  put16(out, static_cast<std::uint16_t>(v >> 16));
}

// MS-DOS date and time (APPNOTE §4.4.6), in UTC; before 1980 is 1980-01-01.
std::pair<std::uint16_t, std::uint16_t> dos_time(std::int64_t unix_time) {
  std::time_t t = static_cast<std::time_t>(unix_time);
  std::tm tm{};
  if (unix_time < 315532800 || !gmtime_r(&t, &tm)) return {0, (0 << 9) | (1 << 5) | 1};
  if (tm.tm_year + 1900 > 2107) return {0xbf7d, 0xff9f};  // the last the format holds
  auto time = static_cast<std::uint16_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  auto date = static_cast<std::uint16_t>(((tm.tm_year + 1900 - 1980) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
  return {time, date};
}

// The length of the UTF-8 sequence that starts with `lead`, 0 if none does.
std::size_t utf8_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xe0) == 0xc0 && lead >= 0xc2) return 2;
  if ((lead & 0xf0) == 0xe0) return 3;
  if ((lead & 0xf8) == 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

}  // namespace

std::optional<std::string> ZipWriter::add(std::string_view name, std::string_view content, std::int64_t mtime) {
  constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
  if (name.empty() || name.size() > 0xffff || content.size() >= kMax || m_entries.size() >= 0xffff) return std::nullopt;
  std::uint64_t header = 30 + name.size();
  if (m_offset + header + content.size() >= kMax) return std::nullopt;
  boost::crc_32_type crc;
  crc.process_bytes(content.data(), content.size());
  auto [time, date] = dos_time(mtime);
  Entry e{.name = std::string(name),
          .crc = crc.checksum(),
          .size = static_cast<std::uint32_t>(content.size()),
          .offset = static_cast<std::uint32_t>(m_offset),
          .time = time,
          .date = date};
  std::string out;
  out.reserve(header + content.size());
  put32(out, kLocalHeader);
  put16(out, kVersion);
  put16(out, kUtf8Names);
  put16(out, 0);  // stored
  put16(out, e.time);
  put16(out, e.date);
  put32(out, e.crc);
  put32(out, e.size);  // compressed
  put32(out, e.size);  // uncompressed
  put16(out, static_cast<std::uint16_t>(name.size()));
  put16(out, 0);  // extra field
  out += name;
  out += content;
  m_offset += out.size();
  m_entries.push_back(std::move(e));
  return out;
}

std::string ZipWriter::finish() const {
  std::string out;
  for (auto& e : m_entries) {
    put32(out, kCentralHeader);
    put16(out, kMadeByUnix | kVersion);
    put16(out, kVersion);
    put16(out, kUtf8Names);
    put16(out, 0);
    put16(out, e.time);
    put16(out, e.date);
    put32(out, e.crc);
    put32(out, e.size);
    put32(out, e.size);
    put16(out, static_cast<std::uint16_t>(e.name.size()));
    put16(out, 0);  // extra field
    put16(out, 0);  // comment
    put16(out, 0);  // disk
    put16(out, 0);  // internal attributes
    put32(out, kFileMode);
    put32(out, e.offset);
    out += e.name;
  }
  auto directory_size = static_cast<std::uint32_t>(out.size());
  put32(out, kEnd);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<std::uint16_t>(m_entries.size()));
  put16(out, static_cast<std::uint16_t>(m_entries.size()));
  put32(out, directory_size);
  put32(out, static_cast<std::uint32_t>(m_offset));
  put16(out, 0);  // comment
  return out;
}

std::string zip_entry_name(std::string_view wanted, std::size_t index, std::set<std::string>& taken) {
  // The last path segment, as some senders put folders in names.
  if (auto slash = wanted.find_last_of("/\\"); slash != std::string_view::npos) wanted.remove_prefix(slash + 1);
  std::string name;
  for (std::size_t i = 0; i < wanted.size() && name.size() < 200;) {
    auto c = static_cast<unsigned char>(wanted[i]);
    auto n = utf8_length(c);
    bool valid = n > 0 && i + n <= wanted.size();
    for (std::size_t k = 1; valid && k < n; ++k) valid = (static_cast<unsigned char>(wanted[i + k]) & 0xc0) == 0x80;
    if (!valid) {
      name += '_';
      ++i;
      continue;
    }
    if (n == 1 &&
        (c < 0x20 || c == 0x7f || c == ':' || c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|'))
      name += '_';
    else if (name.size() + n <= 200)
      name.append(wanted.substr(i, n));
    else
      break;
    i += n;
  }
  while (!name.empty() && (name.front() == '.' || name.front() == ' ')) name.erase(0, 1);
  while (!name.empty() && (name.back() == ' ' || name.back() == '.')) name.pop_back();
  if (name.empty()) name = "attachment-" + std::to_string(index);
  if (taken.insert(name).second) return name;
  auto dot = name.rfind('.');
  auto stem = dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
  auto ext = dot == std::string::npos || dot == 0 ? std::string() : name.substr(dot);
  for (std::size_t n = 2;; ++n) {
    auto candidate = stem + " (" + std::to_string(n) + ")" + ext;
    if (taken.insert(candidate).second) return candidate;
  }
}

}  // namespace estafeta::jmap
