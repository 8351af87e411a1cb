#include "drive/transfers.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "core/log.hpp"

namespace estafeta::drive {

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::size_t kMaxNameOctets = 255;
constexpr std::size_t kMaxContentType = 127;

}  // namespace

std::string numbered_name(const std::string& name, int n) {
  auto dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? fmt::format("{} ({})", name, n)
                                              : fmt::format("{} ({}){}", name.substr(0, dot), n, name.substr(dot));
}

std::string safe_content_type(std::string_view t) {
  auto token = [](std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
  };
  auto slash = t.find('/');
  if (t.size() > kMaxContentType || slash == std::string_view::npos || !token(t.substr(0, slash)) ||
      !token(t.substr(slash + 1)))
    return "application/octet-stream";
  std::string out(t);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

namespace {

// The keyed hash a link's secret is kept as; its own purpose, apart from
// device passwords' and sessions'.
std::string token_hash(const auth::DeviceKeyring& keyring, std::string_view token) {
  return keyring.hash("transfer:" + std::string(token));
}

}  // namespace

Result<std::string> safe_file_name(std::string_view name) {
  auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto u = static_cast<unsigned char>(name[i]);
    if (u < 0x20 || u == 0x7f) continue;
    // Bidirectional overrides and isolates (U+202A-202E, U+2066-2069) would
    // show "invoice<U+202E>fdp.exe" as "invoiceexe.pdf".
    if (u == 0xE2 && i + 2 < name.size()) {
      auto b1 = static_cast<unsigned char>(name[i + 1]), b2 = static_cast<unsigned char>(name[i + 2]);
      if ((b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9)) {
        i += 2;
        continue;
      }
    }
    out += name[i];
  }
  auto first = out.find_first_not_of(" .");
  auto last = out.find_last_not_of(" .");
  out = first == std::string::npos ? std::string() : out.substr(first, last - first + 1);
  if (out.empty()) out = "file";
  if (out.size() > kMaxNameOctets)
    return fail(ErrorKind::invalid, fmt::format("a file name is longer than {} bytes", kMaxNameOctets), "", "name");
  return out;
}

Result<CreatedTransfer> TransferService::create(store::Id user_id, store::Id org_id, const std::vector<NewFile>& files,
                                                unsigned days) {
  if (files.empty()) return fail(ErrorKind::invalid, "a transfer needs at least one file", "", "files");
  if (files.size() > m_limits.max_files)
    return fail(ErrorKind::limit, fmt::format("a transfer holds at most {} files", m_limits.max_files), "", "files");
  if (days > m_limits.max_days)
    return fail(ErrorKind::invalid, fmt::format("a link lasts at most {} days", m_limits.max_days), "", "days");
  if (days == 0) days = m_limits.max_days;
  auto now = m_clock.now();
  store::Transfer t{.user_id = user_id, .org_id = org_id, .created = now, .expires = now + days * kDay};
  std::set<std::string> names;
  std::int64_t total = 0;
  for (auto& f : files) {
    if (f.size < 0) return fail(ErrorKind::invalid, "a file's size cannot be negative", "", "size");
    // Each at most the limit, so that the sum (at most max_files of them) cannot overflow.
    if (f.size > m_limits.max_transfer_bytes || (total += f.size) > m_limits.max_transfer_bytes)
      return fail(ErrorKind::limit, fmt::format("a transfer holds at most {} bytes", m_limits.max_transfer_bytes), "",
                  "files");
    auto name = TRY(safe_file_name(f.name));
    // Two files of one name would overwrite each other when saved: "a (2).txt".
    auto unique = name;
    for (int n = 2; !names.insert(unique).second; ++n) unique = numbered_name(name, n);
    if (unique.size() > kMaxNameOctets)
      return fail(ErrorKind::invalid, fmt::format("a file name is longer than {} bytes", kMaxNameOctets), "", "name");
    t.files.push_back({.name = unique, .content_type = safe_content_type(f.content_type), .size = f.size});
  }
  auto held = TRY(m_store.transfer_bytes(user_id, now));
  if (TRY(m_store.count_transfers(user_id, now)) >= m_limits.max_user_transfers)
    return fail(ErrorKind::limit,
                fmt::format("you have {} download links, the most allowed: delete some, or wait until they expire",
                            m_limits.max_user_transfers));
  if (held + t.bytes() > m_limits.max_user_bytes)
    return fail(ErrorKind::over_quota,
                fmt::format("your transfer links hold {} of {} bytes: delete some, or wait until they expire", held,
                            m_limits.max_user_bytes));
  // What uploads under way will still write counts as used already.
  auto free = TRY(m_files.free_bytes());
  auto coming = static_cast<std::uint64_t>(TRY(m_store.transfer_bytes_to_come(now)));
  if (free < coming + static_cast<std::uint64_t>(t.bytes()) + m_limits.min_free_bytes)
    return fail(ErrorKind::temporary, "the server has no room for these files now; try again later");
  auto token = auth::DeviceKeyring::generate();
  t.token_hash = token_hash(m_keyring, token);
  auto made = TRY(m_store.create_transfer(t));
  return CreatedTransfer{std::move(made), std::move(token)};
}

Result<CreatedTransfer> TransferService::create_shared(store::Id user_id, store::Id org_id, const PieceFiles& from,
                                                       const std::vector<SharedFile>& files, unsigned days) {
  std::vector<NewFile> wanted;
  for (auto& f : files) wanted.push_back(f.file);
  auto made = TRY(create(user_id, org_id, wanted, days));
  auto& t = made.transfer;
  // Held while it fills: no piece of the owner's goes into it meanwhile.
  auto busy = m_writing.try_lock(t.id);
  if (!busy) return fail(ErrorKind::in_use, "a piece of this transfer is being written; try again");
  auto filled = [&]() -> Status {
    for (std::size_t i = 0; i < files.size(); ++i) {
      auto& f = t.files[i];
      if (f.size == 0) continue;
      TRY(m_files.share(from, files[i].group, files[i].id, t.id, f.id));
      TRY(m_store.add_received(user_id, t.id, f.id, 0, f.size, m_clock.now()));
      f.received = f.size;
    }
    return m_store.complete_transfer(user_id, t.id);
  }();
  if (!filled) {
    // A file gone meanwhile (deleted from the drive), or the disk: no half link is left.
    (void)m_store.delete_transfer(user_id, t.id);
    (void)m_files.remove(t.id);
    return std::unexpected(filled.error());
  }
  t.complete = true;
  return made;
}

Result<std::int64_t> TransferService::upload(store::Id user_id, store::Id transfer, store::Id file, std::int64_t offset,
                                             std::string_view bytes) {
  if (bytes.size() > m_limits.max_piece)
    return fail(ErrorKind::limit, fmt::format("a piece is at most {} bytes", m_limits.max_piece));
  // The caller's own transfer first: another account's id is not found,
  // and never holds the owner's uploads up.
  TRY(m_store.find_transfer(user_id, transfer));
  auto busy = m_writing.try_lock(transfer);
  if (!busy) return fail(ErrorKind::in_use, "another piece of this transfer is being written; send one at a time");
  auto t = TRY(m_store.find_transfer(user_id, transfer));
  auto it = std::find_if(t.files.begin(), t.files.end(), [&](auto& f) { return f.id == file; });
  if (it == t.files.end()) return fail(ErrorKind::not_found, "no such file in this transfer");
  if (t.complete) return fail(ErrorKind::invalid, "the transfer is complete: its files cannot change");
  if (t.expires <= m_clock.now()) return fail(ErrorKind::not_found, "the transfer has expired");
  if (offset != it->received)
    return fail(ErrorKind::in_use, fmt::format("the upload goes on from {} bytes", it->received), "", "offset");
  if (static_cast<std::int64_t>(bytes.size()) > it->size - it->received)
    return fail(ErrorKind::limit, fmt::format("the file is {} bytes; this piece goes past its end", it->size));
  if (TRY(m_files.free_bytes()) < bytes.size() + m_limits.min_free_bytes)
    return fail(ErrorKind::temporary, "the server has no room for these files now; try again later");
  TRY(m_files.write(transfer, file, offset, bytes));
  TRY(m_store.add_received(user_id, transfer, file, offset, static_cast<std::int64_t>(bytes.size()), m_clock.now()));
  return offset + static_cast<std::int64_t>(bytes.size());
}

Status TransferService::complete(store::Id user_id, store::Id transfer) {
  TRY(m_store.find_transfer(user_id, transfer));
  auto busy = m_writing.try_lock(transfer);
  if (!busy) return fail(ErrorKind::in_use, "a piece of this transfer is being written; try again");
  return m_store.complete_transfer(user_id, transfer);
}

Result<store::Transfer> TransferService::find(store::Id user_id, store::Id transfer) {
  return m_store.find_transfer(user_id, transfer);
}

Result<std::vector<store::Transfer>> TransferService::list(store::Id user_id) {
  return m_store.list_transfers(user_id, m_clock.now());
}

Status TransferService::remove(store::Id user_id, store::Id transfer) {
  TRY(m_store.find_transfer(user_id, transfer));
  auto busy = m_writing.try_lock(transfer);
  if (!busy) return fail(ErrorKind::in_use, "a piece of this transfer is being written; try again");
  TRY(m_store.delete_transfer(user_id, transfer));
  return m_files.remove(transfer);
}

Result<store::Transfer> TransferService::by_token(std::string_view token) {
  if (token.empty() || token.size() > 64) return fail(ErrorKind::not_found, "no such link, or it has expired");
  auto t = m_store.find_transfer_by_token(token_hash(m_keyring, token), m_clock.now());
  if (!t && t.error().kind == ErrorKind::not_found)
    return fail(ErrorKind::not_found, "no such link, or it has expired");
  return t;
}

Result<Download> TransferService::download(std::string_view token, store::Id file) {
  auto t = TRY(by_token(token));
  auto it = std::find_if(t.files.begin(), t.files.end(), [&](auto& f) { return f.id == file; });
  if (it == t.files.end()) return fail(ErrorKind::not_found, "no such file behind this link");
  Download out{*it, nullptr};
  if (it->size > 0) out.reader = TRY(m_files.open_reader(t.id, it->id));
  return out;
}

void TransferService::count_download(store::Id transfer) { (void)m_store.count_download(transfer); }

Result<std::size_t> TransferService::sweep() {
  auto now = m_clock.now();
  std::size_t gone = 0;
  for (auto id : TRY(m_store.ended_transfers(now, now - kDay))) {
    auto busy = m_writing.try_lock(id);
    if (!busy) continue;
    // Still ended (not completed or written to since the list was read).
    if (!TRY(m_store.remove_ended_transfer(id, now, now - kDay))) continue;
    TRY(m_files.remove(id));
    ++gone;
  }
  // Folders of transfers whose rows went with their user or organisation.
  for (auto id : TRY(m_files.groups())) {
    auto busy = m_writing.try_lock(id);
    if (!busy) continue;
    if (!TRY(m_store.transfer_exists(id))) TRY(m_files.remove(id));
  }
  if (gone) log::info("transfers.swept", {{"transfers", gone}});
  return gone;
}

}  // namespace estafeta::drive
