#include "jmap/zip.hpp"

#include <gtest/gtest.h>

namespace estafeta::jmap {
namespace {

std::uint32_t u32(const std::string& s, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3])) << 24;
}
std::uint16_t u16(const std::string& s, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(s[at]) | static_cast<unsigned char>(s[at + 1]) << 8);
}

TEST(Zip, EntriesCarryTheirCrcSizesAndNameAndTheDirectoryFindsThem) {
  ZipWriter zip;
  auto first = zip.add("check.txt", "123456789", 1700000000);  // 2023-11-14 22:13:20 UTC
  ASSERT_TRUE(first);
  EXPECT_EQ(u32(*first, 0), 0x04034b50u);
  EXPECT_EQ(u16(*first, 6), 1u << 11) << "UTF-8 names";
  EXPECT_EQ(u16(*first, 8), 0u) << "stored";
  EXPECT_EQ(u16(*first, 10), (22 << 11) | (13 << 5) | 10);
  EXPECT_EQ(u16(*first, 12), ((2023 - 1980) << 9) | (11 << 5) | 14);
  EXPECT_EQ(u32(*first, 14), 0xCBF43926u) << "the CRC-32 check value of \"123456789\"";
  EXPECT_EQ(u32(*first, 18), 9u);
  EXPECT_EQ(u32(*first, 22), 9u);
  EXPECT_EQ(u16(*first, 26), 9u);
  EXPECT_EQ(first->substr(30), "check.txt123456789");
  auto second = zip.add("café.bin", std::string("\0\1\2", 3), 0);
  ASSERT_TRUE(second);
  EXPECT_EQ(u16(*second, 12), (0 << 9) | (1 << 5) | 1) << "before 1980: the format's first day";
  auto tail = zip.finish();
  auto archive = *first + *second + tail;
  auto end = archive.size() - 22;
  EXPECT_EQ(u32(archive, end), 0x06054b50u);
  EXPECT_EQ(u16(archive, end + 8), 2u);
  EXPECT_EQ(u16(archive, end + 10), 2u);
  auto directory = u32(archive, end + 16);
  EXPECT_EQ(directory, first->size() + second->size());
  EXPECT_EQ(u32(archive, end + 12), tail.size() - 22);
  EXPECT_EQ(u32(archive, directory), 0x02014b50u);
  EXPECT_EQ(u32(archive, directory + 42), 0u) << "the first entry's local header offset";
  auto next = directory + 46 + u16(archive, directory + 28);
  EXPECT_EQ(u32(archive, next), 0x02014b50u);
  EXPECT_EQ(u32(archive, next + 42), first->size());
  EXPECT_EQ(archive.substr(next + 46, u16(archive, next + 28)), "café.bin");
}

TEST(Zip, AnEmptyArchiveIsOnlyItsEndRecord) {
  ZipWriter zip;
  auto tail = zip.finish();
  ASSERT_EQ(tail.size(), 22u);
  EXPECT_EQ(u32(tail, 0), 0x06054b50u);
  EXPECT_FALSE(zip.add("", "x", 0)) << "an entry needs a name";
}

TEST(Zip, NamesAreSafeAndUnique) {
  std::set<std::string> taken;
  EXPECT_EQ(zip_entry_name("report.pdf", 1, taken), "report.pdf");
  EXPECT_EQ(zip_entry_name("report.pdf", 2, taken), "report (2).pdf");
  EXPECT_EQ(zip_entry_name("report.pdf", 3, taken), "report (3).pdf");
  EXPECT_EQ(zip_entry_name("../../etc/passwd", 4, taken), "passwd");
  EXPECT_EQ(zip_entry_name("C:\\Users\\x\\notes.txt", 5, taken), "notes.txt");
  EXPECT_EQ(zip_entry_name("", 6, taken), "attachment-6");
  EXPECT_EQ(zip_entry_name("..", 7, taken), "attachment-7");
  EXPECT_EQ(zip_entry_name("a\r\nb?.txt", 8, taken), "a__b_.txt");
  EXPECT_EQ(zip_entry_name("bad\xff.txt", 9, taken), "bad_.txt") << "invalid UTF-8 replaced";
  EXPECT_EQ(zip_entry_name("Übersicht.odt", 10, taken), "Übersicht.odt");
  EXPECT_EQ(zip_entry_name("README", 11, taken), "README");
  EXPECT_EQ(zip_entry_name("README", 12, taken), "README (2)");
  auto long_name = zip_entry_name(std::string(300, 'x') + ".txt", 13, taken);
  EXPECT_LE(long_name.size(), 200u);
  std::string accents;
  for (int i = 0; i < 150; ++i) accents += "é";
  auto cut = zip_entry_name(accents, 14, taken);
  EXPECT_EQ(cut.size(), 200u) << "cut between characters, never inside one";
}

}  // namespace
}  // namespace estafeta::jmap
