// The part of the Store that background work and the operator use to keep
// it in shape: the full-text indexer's backlog (store/text_indexer.hpp),
// blobs no message refers to, and a consistency check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace estafeta::store {

class Maintenance {
 public:
  virtual ~Maintenance() = default;

  // Moves up to `limit` messages' text into the full-text index (accepted
  // mail waits outside it, see store/text_indexer.hpp); returns how many.
  // A search reads the waiting text of its folder as well as the index, so
  // the wait is bounded in bytes: past a ceiling
  // (SqliteOptions::max_pending_text_bytes) each new message's delivery
  // indexes two waiting ones itself, so mail arriving faster than the
  // background indexer keeps up slows down instead of leaving a search a
  // backlog of any size to read.
  virtual Result<std::size_t> index_pending_text(std::size_t limit) = 0;
  struct TextBacklog {
    std::size_t messages = 0;  // whose text waits
    std::uint64_t bytes = 0;   // of that text
  };
  // Counted by reading every waiting text's row: exact, and slower the
  // bigger the backlog.
  virtual Result<TextBacklog> text_backlog() = 0;
  // What this process knows without reading: set by text_backlog(), kept by
  // this process's deliveries and indexing, zero whenever indexing finds
  // nothing left (another process's deliveries count from then, or from the
  // next text_backlog()). For deciding often, as the indexer does while mail
  // arrives: reading the backlog eight times a second was 13,000 page
  // reads in 4 s with one sender's mail arriving, and grows with it.
  virtual TextBacklog known_text_backlog() const = 0;

  // Blobs no message refers to any more: their rows and index entries are
  // removed and their hashes returned, so the caller can delete the files.
  virtual Result<std::vector<std::string>> collect_unreferenced_blobs(std::size_t limit) = 0;

  // Checks the database's consistency (PRAGMA integrity_check). Empty: fine.
  virtual Result<std::string> integrity_check() = 0;
};

}  // namespace estafeta::store
