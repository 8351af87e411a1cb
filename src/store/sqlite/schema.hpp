// The SQLite schema as a list of migrations; PRAGMA user_version is the index
// of the last one applied.
#pragma once

#include "core/result.hpp"
#include "store/sqlite/db.hpp"

namespace estafeta::store::sqlite {

// The schema version this build writes.
int current_schema_version();

// Applies every migration the database lacks, each in its own transaction.
// Refuses (ErrorKind::invalid) a database written by a newer version.
Status migrate(Database& db);

}  // namespace estafeta::store::sqlite
