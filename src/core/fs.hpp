// Durable file writes: the one place that knows how to make bytes survive a crash.
//
// write_file_durably: write to a temporary file in the same folder, fsync it,
// rename over the target, fsync the folder. A reader sees the old file or the
// new one, never a torn one.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace estafeta {

Status write_file_durably(const std::filesystem::path& path, std::string_view bytes, unsigned mode = 0600);
Status fsync_directory(const std::filesystem::path& dir);
Result<std::string> read_file(const std::filesystem::path& path);
// Creates the folder (and parents) with the given mode; fsyncs each parent it made.
Status make_directories(const std::filesystem::path& dir, unsigned mode = 0700);

}  // namespace estafeta
