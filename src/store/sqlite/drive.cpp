// The drives (store/drive.hpp). Every query names the drive; the top of a
// drive is parent_id NULL, compared as coalesce(parent_id, 0) like the
// unique index of names.
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace estafeta::store::sqlite {

namespace {

constexpr const char* kItemColumns =
    "d.id, d.drive_id, d.parent_id, d.folder, d.name, d.content_type, d.size, d.received, d.ready, d.created, "
    "d.modified, d.touched";
DriveItem read_item(const Statement& s) {
  return {.id = s.int64(0),
          .drive_id = s.int64(1),
          .parent_id = s.int64(2),  // NULL reads as 0: the top
          .folder = s.int64(3) != 0,
          .name = s.text(4),
          .content_type = s.text(5),
          .size = s.int64(6),
          .received = s.int64(7),
          .ready = s.int64(8) != 0,
          .created = s.int64(9),
          .modified = s.int64(10),
          .touched = s.int64(11)};
}

// The ids of an item and everything below it, as a CTE named `below`
// (parameters: the item's id, its drive).
constexpr const char* kBelow =
    "WITH RECURSIVE below(id) AS (SELECT id FROM drive_item WHERE id = ? AND drive_id = ? "
    "UNION ALL SELECT c.id FROM drive_item c JOIN below ON c.parent_id = below.id) ";

// Whether `folder_id` is 0 (the top) or one of the drive's folders.
Status folder_exists(Database& db, Id drive_id, Id folder_id) {
  if (folder_id == 0) return {};
  auto st = TRY(db.prepare("SELECT folder FROM drive_item WHERE id = ? AND drive_id = ?"));
  st.bind_all(folder_id, drive_id);
  if (!TRY(st.step()) || st.int64(0) == 0) return fail(ErrorKind::not_found, "no such folder", "", "folder");
  return {};
}

Result<DriveItem> one_item(Database& db, Id drive_id, Id id) {
  auto st = TRY(db.prepare(fmt::format("SELECT {} FROM drive_item d WHERE d.id = ? AND d.drive_id = ?", kItemColumns)));
  st.bind_all(id, drive_id);
  if (!TRY(st.step())) return fail(ErrorKind::not_found, "no such file or folder");
  return read_item(st);
}

Error name_taken() { return Error{ErrorKind::exists, "that name is taken in this folder", "", "name"}; }

}  // namespace

Result<Id> SqliteStore::drive_of(Id user_id, DriveSpace space) {
  auto organisation = space == DriveSpace::organisation;
  // The organisation's drive is the one of the user's own organisation,
  // found from the user's row in the query itself.
  constexpr const char* kFind =
      "SELECT d.id FROM user u JOIN drive d ON d.org_id = u.org_id AND "
      "(CASE WHEN ?2 THEN d.user_id IS NULL ELSE d.user_id = u.id END) WHERE u.id = ?1";
  {
    auto db = read();
    auto st = TRY(db->prepare(kFind));
    st.bind_all(user_id, std::int64_t{organisation});
    if (TRY(st.step())) return st.int64(0);
  }
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  // Made once: another request may have made it since the read.
  auto make = TRY(m_db->prepare(
      "INSERT INTO drive (org_id, user_id) SELECT org_id, CASE WHEN ?2 THEN NULL ELSE id END FROM user WHERE id = ?1 "
      "ON CONFLICT DO NOTHING"));
  TRY(make.bind_all(user_id, std::int64_t{organisation}).run());
  auto st = TRY(m_db->prepare(kFind));
  st.bind_all(user_id, std::int64_t{organisation});
  if (!TRY(st.step())) return fail(ErrorKind::not_found, "no such user");
  auto id = st.int64(0);
  st.reset();
  TRY(tx.commit());
  return id;
}

Result<DriveItem> SqliteStore::create_drive_item(const DriveItem& in, const DriveQuota& quota) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  TRY(folder_exists(*m_db, in.drive_id, in.parent_id));
  auto used = TRY(m_db->prepare(
      "SELECT coalesce(sum(size), 0), count(*), count(*) FILTER (WHERE coalesce(parent_id, 0) = ?) FROM drive_item "
      "WHERE drive_id = ?"));
  used.bind_all(in.parent_id, in.drive_id);
  TRY(used.step());
  auto bytes = used.int64(0), items = used.int64(1), here = used.int64(2);
  used.reset();
  auto size = in.folder ? 0 : in.size;
  if (items >= quota.max_items)
    return fail(ErrorKind::over_quota,
                fmt::format("this drive holds {} files and folders, the most allowed: delete some", items));
  if (here >= quota.max_folder_items)
    return fail(ErrorKind::over_quota,
                fmt::format("a folder holds at most {} files and folders", quota.max_folder_items), "", "parent");
  if (size > quota.max_bytes - bytes)
    return fail(ErrorKind::over_quota,
                fmt::format("this drive holds {} of {} bytes: delete some files", bytes, quota.max_bytes));
  auto st =
      TRY(m_db->prepare("INSERT INTO drive_item (drive_id, parent_id, folder, name, content_type, size, received, "
                        "ready, created, modified, touched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  DriveItem out = in;
  out.ready = in.folder || in.size == 0;
  out.received = 0;
  out.modified = out.touched = in.created;
  st.bind(1, in.drive_id)
      .bind(2, in.parent_id ? std::optional<std::int64_t>(in.parent_id) : std::nullopt)
      .bind(3, std::int64_t{in.folder})
      .bind(4, in.name)
      .bind(5, in.content_type)
      .bind(6, in.folder ? 0 : in.size)
      .bind(7, out.received)
      .bind(8, std::int64_t{out.ready})
      .bind(9, in.created)
      .bind(10, in.created)
      .bind(11, in.created);
  auto ran = st.run();
  if (!ran && ran.error().kind == ErrorKind::exists) return std::unexpected(name_taken());
  if (!ran) return std::unexpected(ran.error());
  out.id = m_db->last_insert_id();
  TRY(tx.commit());
  return out;
}

Result<DriveItem> SqliteStore::find_drive_item(Id drive_id, Id id) {
  auto db = read();
  return one_item(*db, drive_id, id);
}

Result<std::vector<DriveItem>> SqliteStore::list_drive_folder(Id drive_id, Id folder_id) {
  auto db = read();
  auto snapshot = TRY(ReadSnapshot::begin(*db));
  TRY(folder_exists(*db, drive_id, folder_id));
  auto st =
      TRY(db->prepare(fmt::format("SELECT {} FROM drive_item d WHERE d.drive_id = ? AND coalesce(d.parent_id, 0) = ? "
                                  "ORDER BY d.folder DESC, d.name COLLATE NOCASE, d.id",
                                  kItemColumns)));
  st.bind_all(drive_id, folder_id);
  return all<DriveItem>(std::move(st), read_item);
}

Result<std::vector<DriveItem>> SqliteStore::drive_path(Id drive_id, Id id) {
  auto db = read();
  // Bounded by the drive's depth (drive/drive.hpp keeps it small), and here
  // by 256 steps whatever the rows say.
  auto st = TRY(db->prepare(
      fmt::format("WITH RECURSIVE up(id, parent_id, depth) AS ("
                  "SELECT id, parent_id, 0 FROM drive_item WHERE id = ? AND drive_id = ? "
                  "UNION ALL SELECT p.id, p.parent_id, up.depth + 1 FROM drive_item p JOIN up ON p.id = up.parent_id "
                  "WHERE p.drive_id = ? AND up.depth < 256) "
                  "SELECT {} FROM up JOIN drive_item d ON d.id = up.id ORDER BY up.depth DESC",
                  kItemColumns)));
  st.bind_all(id, drive_id, drive_id);
  auto out = TRY(all<DriveItem>(std::move(st), read_item));
  if (out.empty()) return fail(ErrorKind::not_found, "no such file or folder");
  return out;
}

Result<std::int64_t> SqliteStore::drive_height(Id drive_id, Id id) {
  auto db = read();
  auto st =
      TRY(db->prepare("WITH RECURSIVE below(id, depth) AS (SELECT id, 0 FROM drive_item WHERE id = ? AND drive_id = ? "
                      "UNION ALL SELECT c.id, below.depth + 1 FROM drive_item c JOIN below ON c.parent_id = below.id "
                      "WHERE c.folder = 1 AND below.depth < 256) SELECT max(depth) FROM below"));
  st.bind_all(id, drive_id);
  TRY(st.step());
  if (st.is_null(0)) return fail(ErrorKind::not_found, "no such file or folder");
  return st.int64(0);
}

Result<bool> SqliteStore::drive_name_taken(Id drive_id, Id folder_id, const std::string& name) {
  auto db = read();
  auto st =
      TRY(db->prepare("SELECT 1 FROM drive_item WHERE drive_id = ? AND coalesce(parent_id, 0) = ? AND name = ? COLLATE "
                      "NOCASE"));
  st.bind_all(drive_id, folder_id, name);
  return st.step();
}

Status SqliteStore::add_drive_received(Id drive_id, Id id, std::int64_t offset, std::int64_t bytes, Time now) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto st = TRY(m_db->prepare(
      "SELECT size, received FROM drive_item WHERE id = ? AND drive_id = ? AND folder = 0 AND ready = 0"));
  st.bind_all(id, drive_id);
  if (!TRY(st.step())) return fail(ErrorKind::not_found, "no such file being uploaded");
  auto size = st.int64(0), received = st.int64(1);
  st.reset();
  if (offset != received) return fail(ErrorKind::in_use, fmt::format("the upload goes on from {} bytes", received));
  if (bytes < 0 || bytes > size - received) return fail(ErrorKind::limit, "more bytes than the file's size");
  auto up = TRY(m_db->prepare(
      "UPDATE drive_item SET received = received + ?, touched = ?, ready = (received + ? = size) WHERE id = ?"));
  TRY(up.bind_all(bytes, now, bytes, id).run());
  return tx.commit();
}

Result<DriveItem> SqliteStore::move_drive_item(Id drive_id, Id id, Id folder_id, const std::string& name, Time now) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  auto item = TRY(one_item(*m_db, drive_id, id));
  TRY(folder_exists(*m_db, drive_id, folder_id));
  if (item.folder && folder_id != 0) {
    // Not into itself, nor into a folder below it.
    auto below = TRY(m_db->prepare(std::string(kBelow) + "SELECT 1 FROM below WHERE id = ?"));
    below.bind_all(id, drive_id, folder_id);
    if (TRY(below.step())) return fail(ErrorKind::invalid, "a folder cannot go into itself", "", "folder");
  }
  auto st =
      TRY(m_db->prepare("UPDATE drive_item SET parent_id = ?, name = ?, modified = ? WHERE id = ? AND drive_id = ?"));
  st.bind(1, folder_id ? std::optional<std::int64_t>(folder_id) : std::nullopt)
      .bind(2, name)
      .bind(3, now)
      .bind(4, id)
      .bind(5, drive_id);
  auto ran = st.run();
  if (!ran && ran.error().kind == ErrorKind::exists) return std::unexpected(name_taken());
  if (!ran) return std::unexpected(ran.error());
  TRY(tx.commit());
  item.parent_id = folder_id;
  item.name = name;
  item.modified = now;
  return item;
}

Result<std::vector<Id>> SqliteStore::delete_drive_item(Id drive_id, Id id) {
  std::lock_guard lock(m_mutex);
  auto tx = TRY(Transaction::begin(*m_db));
  TRY(one_item(*m_db, drive_id, id));
  auto list = TRY(m_db->prepare(std::string(kBelow) +
                                "SELECT d.id FROM below JOIN drive_item d ON d.id = below.id WHERE d.folder = 0"));
  list.bind_all(id, drive_id);
  auto files = TRY(all<Id>(std::move(list), [](const Statement& s) { return s.int64(0); }));
  auto st = TRY(m_db->prepare(std::string(kBelow) + "DELETE FROM drive_item WHERE id IN (SELECT id FROM below)"));
  TRY(st.bind_all(id, drive_id).run());
  TRY(tx.commit());
  return files;
}

Result<DriveUsage> SqliteStore::drive_usage(Id drive_id) {
  auto db = read();
  auto st = TRY(db->prepare("SELECT coalesce(sum(size), 0), count(*) FROM drive_item WHERE drive_id = ?"));
  st.bind_all(drive_id);
  TRY(st.step());
  return DriveUsage{st.int64(0), st.int64(1)};
}

Result<std::int64_t> SqliteStore::drive_bytes_to_come() {
  auto db = read();
  auto st = TRY(db->prepare("SELECT coalesce(sum(size - received), 0) FROM drive_item WHERE ready = 0"));
  TRY(st.step());
  return st.int64(0);
}

Result<std::vector<DriveItem>> SqliteStore::abandoned_drive_files(Time abandoned) {
  auto db = read();
  auto st = TRY(db->prepare(fmt::format(
      "SELECT {} FROM drive_item d WHERE d.ready = 0 AND d.touched < ? ORDER BY d.id LIMIT 1000", kItemColumns)));
  st.bind_all(abandoned);
  return all<DriveItem>(std::move(st), read_item);
}

Result<bool> SqliteStore::remove_abandoned_drive_file(Id id, Time abandoned) {
  std::lock_guard lock(m_mutex);
  auto st = TRY(m_db->prepare("DELETE FROM drive_item WHERE id = ? AND ready = 0 AND touched < ?"));
  TRY(st.bind_all(id, abandoned).run());
  return m_db->changes() > 0;
}

Result<std::vector<Id>> SqliteStore::existing_drive_files(Id drive_id, const std::vector<Id>& ids) {
  auto db = read();
  auto st = TRY(db->prepare(
      "SELECT id FROM drive_item WHERE drive_id = ? AND folder = 0 AND id IN (SELECT value FROM json_each(?))"));
  st.bind(1, drive_id).bind(2, nlohmann::json(ids).dump());
  return all<Id>(std::move(st), [](const Statement& s) { return s.int64(0); });
}

}  // namespace estafeta::store::sqlite
