// Durable file writes: the one place that knows how to make bytes survive a crash.
//
// write_file_durably: write to a temporary file in the same folder, fsync it,
// rename over the target, fsync the folder. A reader sees the old file or the
// new one, never a torn one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace estafeta {

Status write_file_durably(const std::filesystem::path& path, std::string_view bytes, unsigned mode = 0600);
Status fsync_directory(const std::filesystem::path& dir);
Result<std::string> read_file(const std::filesystem::path& path);
// Creates the folder (and parents) with the given mode; fsyncs each parent it made.
// A folder that exists keeps its mode (see check_private_folder).
Status make_directories(const std::filesystem::path& dir, unsigned mode = 0700);

// Whether a folder that holds secrets (the data folder: the database, mail,
// keys) is its owner's alone. nullopt: it is, or it does not exist yet. A
// warning text: group or others may enter or read it. An error (permission):
// others may write in it — never to be used. Each message names the folder,
// its mode and the chmod that fixes it.
Result<std::optional<std::string>> check_private_folder(const std::filesystem::path& dir);

}  // namespace estafeta
