// Human output: aligned columns, or a message when there are no rows.
#pragma once

#include <string>
#include <vector>

namespace estafeta::cli {

// Prints a header row and rows with columns padded to the widest cell.
void print_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                 const std::string& empty_message);

// "2026-11-26 23:28:33Z"; "-" for 0.
std::string format_time(long long unix_seconds);

}  // namespace estafeta::cli
