// A zip archive written as it goes (PKWARE APPNOTE 6.3.10), for "download
// all attachments": each entry is whole when it is added, so its CRC-32
// and sizes go in its local header (no data descriptors), and the archive
// can be sent entry by entry while the next one is decoded.
//
// Entries are stored, not deflated: attachments are mostly compressed
// already (images, PDF, office files), and storing costs no CPU. Names are
// UTF-8 (general purpose bit 11). No ZIP64: an entry and the archive stay
// under 4 GiB because a message does (the message size limit); add()
// refuses what would not fit.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace estafeta::jmap {

class ZipWriter {
 public:
  // The bytes of one entry (local header, then the content); nullopt when
  // the archive would pass the format's limits.
  std::optional<std::string> add(std::string_view name, std::string_view content, std::int64_t mtime);
  // The central directory and its end record: the archive's last bytes.
  std::string finish() const;

 private:
  struct Entry {
    std::string name;
    std::uint32_t crc;
    std::uint32_t size;
    std::uint32_t offset;
    std::uint16_t time, date;
  };
  std::vector<Entry> m_entries;
  std::uint64_t m_offset = 0;
};

// A name for an entry from the name a part gives (or none): no folders,
// no control characters, at most 200 octets of UTF-8, unique within the
// archive ("photo.jpg", "photo (2).jpg"); `index` numbers nameless parts.
std::string zip_entry_name(std::string_view wanted, std::size_t index, std::set<std::string>& taken);

}  // namespace estafeta::jmap
