// One write call for a commit's WAL frames instead of two per page.
//
// SQLite writes each frame of a commit to the write-ahead log in two calls
// (its 24-byte header, then the page): a delivery's 29 pages are 58 pwrite
// system calls before the fsync, each a few microseconds on a virtual
// machine — on this kind of machine as long as the fsync of the whole
// commit written at once. "estafeta-wal" is a VFS over the default one that,
// for WAL files, gathers writes that follow each other into one buffer and
// writes it with one call before anything else reaches the file (a sync, a
// read, a size, a truncate, a lock, a file control, close) and before the
// connection publishes its commit to other connections (the shared-memory
// barrier and locks of its database file). Other files pass through.
//
// Gathering is on only while the connection asked for it (gather()), which
// the store does for a connection whose commits are synced (synchronous=
// FULL): SQLite then syncs the log before it publishes a commit, so a write
// that fails is reported by the sync and the commit fails as it would
// without gathering. A commit that is not synced (synchronous=NORMAL) is
// published at the barrier, which cannot report an error: gathering must
// be off for it.
//
// Durability and what readers see are SQLite's own: the bytes reach the
// file in the same order and before the same sync; a reader finds frames
// only through the WAL index, whose header the writer publishes after the
// barrier, when the frames are in the file.
#pragma once

#include <sqlite3.h>

#include <cstdint>

namespace estafeta::store::sqlite {

// The VFS's name, registered on the first call (thread-safe).
const char* wal_writes_vfs();

// Turns gathering on or off for `db`'s main database's log (off flushes what
// is gathered). Returns an SQLite result code.
int gather_wal_writes(sqlite3* db, bool on);

// Write calls this process made to WAL files through the VFS, and the
// writes SQLite asked for (tests: how many were joined).
struct WalWriteCounts {
  std::uint64_t asked = 0;
  std::uint64_t issued = 0;
};
WalWriteCounts wal_write_counts();

}  // namespace estafeta::store::sqlite
