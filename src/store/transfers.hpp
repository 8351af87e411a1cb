// The part of the Store that keeps transfer links (DESIGN §2.5): files too
// large for a message, uploaded by a user piece by piece and downloadable
// by anyone holding the link until it expires. The store keeps each
// transfer, its files' names, sizes and how much of each has arrived; the
// bytes are files of their own (drive/piece_files.hpp).
//
// The link's secret is kept only as a hash. Every query about a user's
// transfers names the user, so another account's id finds nothing
// (not_found).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store {

struct TransferFile {
  Id id = 0;
  Id transfer_id = 0;
  std::string name;           // as the recipient saves it (made safe by the caller)
  std::string content_type;   // as the sender's browser said; served as a download whatever it is
  std::int64_t size = 0;      // declared when the transfer was made
  std::int64_t received = 0;  // bytes stored so far, from the start
};

struct Transfer {
  Id id = 0;
  Id user_id = 0;
  Id org_id = 0;
  std::string token_hash;  // of the link's secret
  Time created = 0;
  Time expires = 0;
  Time touched = 0;       // the last piece written (made: created)
  bool complete = false;  // every file whole, and the sender said so: only then downloadable
  std::int64_t downloads = 0;
  std::vector<TransferFile> files;

  std::int64_t bytes() const {
    std::int64_t n = 0;
    for (auto& f : files) n += f.size;
    return n;
  }
};

class Transfers {
 public:
  virtual ~Transfers() = default;

  // A new transfer and its files (nothing received yet); ids filled in.
  virtual Result<Transfer> create_transfer(const Transfer& transfer) = 0;
  // One of the user's transfers, expired or not.
  virtual Result<Transfer> find_transfer(Id user_id, Id id) = 0;
  // The transfer a link names: complete and not expired at `now`.
  virtual Result<Transfer> find_transfer_by_token(const std::string& token_hash, Time now) = 0;
  // The user's transfers not yet expired at `now`, newest first.
  virtual Result<std::vector<Transfer>> list_transfers(Id user_id, Time now) = 0;
  // `bytes` more of a file of the user's incomplete transfer, written after
  // its first `offset`: in_use when `offset` is not what has arrived (the
  // caller sends from the answer's `received`), limit past the file's size.
  virtual Status add_received(Id user_id, Id transfer_id, Id file_id, std::int64_t offset, std::int64_t bytes,
                              Time now) = 0;
  // Makes the user's transfer downloadable; invalid while a file is not whole.
  virtual Status complete_transfer(Id user_id, Id id) = 0;
  virtual Status delete_transfer(Id user_id, Id id) = 0;
  virtual Status count_download(Id id) = 0;
  // The declared bytes of the user's transfers not expired at `now`, and how many they are.
  virtual Result<std::int64_t> transfer_bytes(Id user_id, Time now) = 0;
  virtual Result<std::int64_t> count_transfers(Id user_id, Time now) = 0;
  // The bytes uploads under way (incomplete, not expired) have still to
  // write, every user's together.
  virtual Result<std::int64_t> transfer_bytes_to_come(Time now) = 0;
  // Transfers expired at `now`, and those not complete that nothing was
  // written to since `abandoned`: for the sweeper, which removes each
  // (remove_ended_transfer), then its files.
  virtual Result<std::vector<Id>> ended_transfers(Time now, Time abandoned) = 0;
  // Removes the transfer if it is still ended by the same rule; whether it was.
  virtual Result<bool> remove_ended_transfer(Id id, Time now, Time abandoned) = 0;
  // Whether a transfer of that id exists (the sweeper's check of a folder).
  virtual Result<bool> transfer_exists(Id id) = 0;
};

}  // namespace estafeta::store
