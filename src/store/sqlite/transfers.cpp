// Transfer links (store/transfers.hpp). Every query about a user's
// transfers names the user; a file is reached only through its transfer.
#include <fmt/format.h>

#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

namespace {

constexpr const char* kTransferColumns =
    "id, user_id, org_id, token_hash, created, expires, complete, downloads, touched";
Transfer read_transfer(const Statement& s) {
  return {.id = s.int64(0),
          .user_id = s.int64(1),
          .org_id = s.int64(2),
          .token_hash = s.text(3),
          .created = s.int64(4),
          .expires = s.int64(5),
          .touched = s.int64(8),
          .complete = s.int64(6) != 0,
          .downloads = s.int64(7),
          .files = {}};
}

TransferFile read_file(const Statement& s) {
  return {.id = s.int64(0),
          .transfer_id = s.int64(1),
          .name = s.text(2),
          .content_type = s.text(3),
          .size = s.int64(4),
          .received = s.int64(5)};
}

// The transfer's files, in the order they were given.
Status load_files(Database& db, Transfer& t) {
  auto st =
      TRY(db.prepare("SELECT id, transfer_id, name, content_type, size, received FROM transfer_file WHERE transfer_id "
                     "= ? ORDER BY id"));
  st.bind_all(t.id);
  auto files = all<TransferFile>(std::move(st), read_file);
  if (!files) return std::unexpected(files.error());
  t.files = std::move(*files);
  return {};
}

// Runs `query` (its first parameters bound by `bind`) for one transfer, files included.
template <class Bind>
Result<Transfer> one_transfer(Database& db, const std::string& where, Bind bind) {
  auto st = TRY(db.prepare(fmt::format("SELECT {} FROM transfer WHERE {}", kTransferColumns, where)));
  bind(st);
  if (!TRY(st.step())) return fail(ErrorKind::not_found, "no such transfer");
  auto t = read_transfer(st);
  st.reset();
  TRY(load_files(db, t));
  return t;
}

}  // namespace

Result<Transfer> SqliteStore::create_transfer(const Transfer& in) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto st =
      TRY(m_db->prepare("INSERT INTO transfer (user_id, org_id, token_hash, created, expires, touched) "
                        "VALUES (?, ?, ?, ?, ?, ?)"));
  st.bind(1, in.user_id).bind(2, in.org_id).bind_blob(3, in.token_hash).bind(4, in.created).bind(5, in.expires);
  st.bind(6, in.created);
  TRY(st.run());
  Transfer out = in;
  out.id = m_db->last_insert_id();
  out.complete = false;
  out.downloads = 0;
  out.touched = in.created;
  for (auto& f : out.files) {
    auto fs =
        TRY(m_db->prepare("INSERT INTO transfer_file (transfer_id, name, content_type, size) VALUES (?, ?, ?, ?)"));
    fs.bind(1, out.id).bind(2, f.name).bind(3, f.content_type).bind(4, f.size);
    TRY(fs.run());
    f.id = m_db->last_insert_id();
    f.transfer_id = out.id;
    f.received = 0;
  }
  TRY(tx.commit());
  return out;
}

Result<Transfer> SqliteStore::find_transfer(Id user_id, Id id) {
  auto db = read();
  return one_transfer(*db, "id = ? AND user_id = ?", [&](Statement& st) { st.bind_all(id, user_id); });
}

Result<Transfer> SqliteStore::find_transfer_by_token(const std::string& token_hash, Time now) {
  auto db = read();
  return one_transfer(*db, "token_hash = ? AND complete = 1 AND expires > ?",
                      [&](Statement& st) { st.bind_blob(1, token_hash).bind(2, now); });
}

Result<std::vector<Transfer>> SqliteStore::list_transfers(Id user_id, Time now) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format(
      "SELECT {} FROM transfer WHERE user_id = ? AND expires > ? ORDER BY created DESC, id DESC", kTransferColumns)));
  st.bind_all(user_id, now);
  auto out = TRY(all<Transfer>(std::move(st), read_transfer));
  for (auto& t : out) TRY(load_files(*db, t));
  return out;
}

Status SqliteStore::add_received(Id user_id, Id transfer_id, Id file_id, std::int64_t offset, std::int64_t bytes,
                                 Time now) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto st =
      TRY(m_db->prepare("SELECT f.size, f.received FROM transfer_file f JOIN transfer t ON t.id = f.transfer_id "
                        "WHERE f.id = ? AND f.transfer_id = ? AND t.user_id = ? AND t.complete = 0"));
  st.bind_all(file_id, transfer_id, user_id);
  if (!TRY(st.step())) return fail(ErrorKind::not_found, "no such file in a transfer being uploaded");
  auto size = st.int64(0), received = st.int64(1);
  st.reset();
  if (offset != received) return fail(ErrorKind::in_use, fmt::format("the upload goes on from {} bytes", received));
  if (bytes < 0 || bytes > size - received) return fail(ErrorKind::limit, "more bytes than the file's size");
  auto up = TRY(m_db->prepare("UPDATE transfer_file SET received = received + ? WHERE id = ?"));
  TRY(up.bind_all(bytes, file_id).run());
  auto touch = TRY(m_db->prepare("UPDATE transfer SET touched = ? WHERE id = ?"));
  TRY(touch.bind_all(now, transfer_id).run());
  return tx.commit();
}

Status SqliteStore::complete_transfer(Id user_id, Id id) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto st = TRY(m_db->prepare(
      "SELECT count(*) FILTER (WHERE f.received < f.size) FROM transfer t "
      "LEFT JOIN transfer_file f ON f.transfer_id = t.id WHERE t.id = ? AND t.user_id = ? GROUP BY t.id"));
  st.bind_all(id, user_id);
  if (!TRY(st.step())) return fail(ErrorKind::not_found, "no such transfer");
  auto missing = st.int64(0);
  st.reset();
  if (missing > 0) return fail(ErrorKind::invalid, "a file of the transfer has not arrived whole yet");
  auto up = TRY(m_db->prepare("UPDATE transfer SET complete = 1 WHERE id = ? AND user_id = ?"));
  TRY(up.bind_all(id, user_id).run());
  return tx.commit();
}

Status SqliteStore::delete_transfer(Id user_id, Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM transfer WHERE id = ? AND user_id = ?"));
  TRY(st.bind_all(id, user_id).run());
  if (m_db->changes() == 0) return fail(ErrorKind::not_found, "no such transfer");
  return {};
}

Status SqliteStore::count_download(Id id) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("UPDATE transfer SET downloads = downloads + 1 WHERE id = ?"));
  return st.bind_all(id).run();
}

Result<std::int64_t> SqliteStore::transfer_bytes(Id user_id, Time now) {
  auto db = read();
  auto st =
      TRY(db->prepare("SELECT coalesce(sum(f.size), 0) FROM transfer t JOIN transfer_file f ON f.transfer_id = t.id "
                      "WHERE t.user_id = ? AND t.expires > ?"));
  st.bind_all(user_id, now);
  TRY(st.step());
  return st.int64(0);
}

Result<std::int64_t> SqliteStore::count_transfers(Id user_id, Time now) {
  auto db = read();
  auto st = TRY(db->prepare("SELECT count(*) FROM transfer WHERE user_id = ? AND expires > ?"));
  st.bind_all(user_id, now);
  TRY(st.step());
  return st.int64(0);
}

Result<std::int64_t> SqliteStore::transfer_bytes_to_come(Time now) {
  auto db = read();
  auto st = TRY(db->prepare(
      "SELECT coalesce(sum(f.size - f.received), 0) FROM transfer t JOIN transfer_file f ON f.transfer_id = t.id "
      "WHERE t.complete = 0 AND t.expires > ?"));
  st.bind_all(now);
  TRY(st.step());
  return st.int64(0);
}

Result<std::vector<Id>> SqliteStore::ended_transfers(Time now, Time abandoned) {
  auto db = read();
  auto st = TRY(db->prepare(
      "SELECT id FROM transfer WHERE expires <= ? OR (complete = 0 AND touched < ?) ORDER BY id LIMIT 1000"));
  st.bind_all(now, abandoned);
  return all<Id>(std::move(st), [](const Statement& s) { return s.int64(0); });
}

Result<bool> SqliteStore::remove_ended_transfer(Id id, Time now, Time abandoned) {
  std::lock_guard lock(m_mutex);
  auto st =
      TRY(m_db->prepare("DELETE FROM transfer WHERE id = ? AND (expires <= ? OR (complete = 0 AND touched < ?))"));
  TRY(st.bind_all(id, now, abandoned).run());
  return m_db->changes() > 0;
}

Result<bool> SqliteStore::transfer_exists(Id id) {
  auto db = read();
  auto st = TRY(db->prepare("SELECT 1 FROM transfer WHERE id = ?"));
  st.bind_all(id);
  return st.step();
}

}  // namespace estafeta::store::sqlite
