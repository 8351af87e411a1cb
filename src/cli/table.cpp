#include "cli/table.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "core/utf8.hpp"

namespace estafeta::cli {

namespace {
// Display width: count code points, not bytes.
std::size_t width(const std::string& s) { return utf8_length(s); }
}  // namespace

void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                 const std::string& empty_message) {
  if (rows.empty()) {
    std::printf("%s\n", empty_message.c_str());
    return;
  }
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = width(header[i]);
  for (auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  };
  print_row(header);
  for (auto& row : rows) print_row(row);
}

std::string format_time(long long t) {
  if (t == 0) return "-";
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

}  // namespace estafeta::cli
