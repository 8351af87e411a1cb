// Transfer links (DESIGN §2.5): a file too large for a message (over the
// 25 MB the web app attaches, up to 3 GB a transfer) is uploaded piece by
// piece and downloaded by whoever holds the link, until it expires.
//
// The link's secret is 160 random bits, shown once when the transfer is
// made and kept only as a keyed hash; the sender finds the link again in
// the message that carries it. A transfer is downloadable only once every
// file is whole and the sender completed it. Uploads left incomplete for a
// day, expired transfers and folders whose transfer is gone are swept.
//
// Bounded: files per transfer, bytes per transfer and per user (the
// transfers not yet expired), bytes per piece; one piece of a transfer is
// written at a time (another at once is in_use). Authorization: every call
// but the link's names the user, and the store scopes it by that user.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/device_password.hpp"
#include "core/clock.hpp"
#include "core/id_locks.hpp"
#include "core/result.hpp"
#include "drive/piece_files.hpp"
#include "store/transfers.hpp"

namespace estafeta::drive {

struct TransferLimits {
  std::int64_t max_transfer_bytes = 3LL << 30;  // one transfer, its files together
  std::int64_t max_user_bytes = 10LL << 30;     // a user's transfers not yet expired, together
  std::size_t max_files = 100;                  // files in one transfer
  std::int64_t max_user_transfers = 1000;       // a user's transfers not yet expired
  unsigned max_days = 30;                       // a link lives at most this long (and this long when not said)
  std::size_t max_piece = 8u << 20;             // bytes one upload request carries
  // A transfer is refused (for now) unless the disk keeps this much free
  // beside it: mail and the database need room more than links do.
  std::uint64_t min_free_bytes = 1ULL << 30;
};

struct NewFile {
  std::string name;
  std::string content_type;
  std::int64_t size = 0;
};

struct CreatedTransfer {
  store::Transfer transfer;
  std::string token;  // the link's secret: shown this once
};

// A file of a link's transfer, open for download.
struct Download {
  store::TransferFile file;
  std::shared_ptr<PieceFiles::Reader> reader;  // null for an empty file
};

// A file name as a recipient's computer can save it: the last path
// segment, no control characters, no leading or trailing dots and spaces,
// valid UTF-8 of at most 255 octets; "file" when nothing is left.
Result<std::string> safe_file_name(std::string_view name);
// "name (n).ext": the n-th file of a taken name, the number before the
// extension as file managers write it.
std::string numbered_name(const std::string& name, int n);
// A MIME type as RFC 9110 §8.3.1 writes it (type "/" subtype, tokens, in
// lower case), else application/octet-stream: what a file is said to be.
std::string safe_content_type(std::string_view type);

// A file whole already elsewhere (a drive's), to send as a link: its bytes
// are file `id` of group `group` in the PieceFiles it is in.
struct SharedFile {
  NewFile file;
  store::Id group = 0;
  store::Id id = 0;
};

class TransferService {
 public:
  TransferService(store::Transfers& store, PieceFiles& files, const auth::DeviceKeyring& keyring, const Clock& clock,
                  TransferLimits limits = {})
      : m_store(store), m_files(files), m_keyring(keyring), m_clock(clock), m_limits(limits) {}

  const TransferLimits& limits() const { return m_limits; }

  // A new transfer of the user's; `days` 0 is the longest allowed.
  Result<CreatedTransfer> create(store::Id user_id, store::Id org_id, const std::vector<NewFile>& files, unsigned days);
  // A transfer of files whole already (`from`'s): complete at once, its
  // bytes shared with theirs where the disk allows (files never change once
  // whole), its link shown this once.
  Result<CreatedTransfer> create_shared(store::Id user_id, store::Id org_id, const PieceFiles& from,
                                        const std::vector<SharedFile>& files, unsigned days);
  // Stores a piece of a file at `offset` (what has arrived so far); the
  // bytes received after it. in_use when `offset` is not that (the error
  // says where to go on) or another piece of the transfer is being written.
  Result<std::int64_t> upload(store::Id user_id, store::Id transfer, store::Id file, std::int64_t offset,
                              std::string_view bytes);
  Status complete(store::Id user_id, store::Id transfer);
  Result<store::Transfer> find(store::Id user_id, store::Id transfer);
  Result<std::vector<store::Transfer>> list(store::Id user_id);
  Status remove(store::Id user_id, store::Id transfer);

  // The transfer a link names, downloadable now.
  Result<store::Transfer> by_token(std::string_view token);
  // A file of it, open for reading from its start.
  Result<Download> download(std::string_view token, store::Id file);
  // One more download of the transfer (a download from the start; not a
  // resumed one, nor a HEAD).
  void count_download(store::Id transfer);

  // Removes expired transfers, uploads not written to for a day, and
  // folders without a transfer; how many transfers went.
  Result<std::size_t> sweep();

 private:
  store::Transfers& m_store;
  PieceFiles& m_files;
  const auth::DeviceKeyring& m_keyring;
  const Clock& m_clock;
  TransferLimits m_limits;
  IdLocks m_writing;  // transfers with a piece being written
};

}  // namespace estafeta::drive
