// The caller's drives (drive/drive.hpp): their own under /api/v1/drive,
// their organisation's, shared by its users, under /api/v1/org-drive, with
// the same routes: folders, files uploaded piece by piece, downloads,
// renames and moves, deletes. Saving mail into a drive and a drive file into
// a message go through JMAP's blobs (web/jmap_http.hpp: /jmap/drive/…); a
// drive file sent as a link through /api/v1/transfers (transfers.cpp).
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "web/api/http_json.hpp"
#include "web/api/routes.hpp"
#include "web/file_response.hpp"

namespace estafeta::web::api {

namespace {

using nlohmann::json;
using store::DriveSpace;

constexpr std::size_t kSmallBody = 16 * 1024;

// The folder a body's "parent" names: absent or null for the top.
Result<store::Id> parent_field(const json& body) {
  auto it = body.find("parent");
  if (it == body.end() || it->is_null()) return store::Id{0};
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
    return fail(ErrorKind::invalid, "parent is a folder's id, or null for the top", "", "parent");
  return it->get<store::Id>();
}

// The drive of that space the caller reaches (made on first use).
Result<store::Id> reach(Context& c, DriveSpace space) {
  if (!c.deps.drive) return fail(ErrorKind::not_found, "the drive is not served here");
  return c.deps.drive->drive_of(c.who().user.id, space);
}

// The item the path's {id} names, in the drive.
Result<store::DriveItem> item_of(Context& c, store::Id drive) {
  auto id = id_param(c.params[0]);
  if (!id) return fail(ErrorKind::not_found, "no such file or folder");
  return c.deps.drive->find(drive, *id);
}

Response list_folder(Context& c, store::Id drive, store::Id folder) {
  auto listing = c.deps.drive->list(drive, folder);
  if (!listing) return error_response(listing.error());
  json path = json::array(), items = json::array();
  for (auto& p : listing->path) path.push_back({{"id", p.id}, {"name", p.name}});
  for (auto& i : listing->items) items.push_back(drive_item_json(i));
  json out = {{"folder", folder ? json(drive_item_json(listing->path.back())) : json(nullptr)},
              {"path", path},
              {"items", items}};
  if (folder == 0) {
    auto usage = c.deps.drive->usage(drive);
    if (!usage) return error_response(usage.error());
    auto& l = c.deps.drive->limits();
    out["usage"] = {{"bytes", usage->bytes}, {"items", usage->items}};
    out["limits"] = {{"max_drive_bytes", l.max_drive_bytes},
                     {"max_drive_items", l.max_drive_items},
                     {"max_file_bytes", l.max_file_bytes},
                     {"max_depth", l.max_depth},
                     {"max_piece", l.max_piece}};
  }
  return json_response(200, out);
}

template <DriveSpace S>
Response top(Context& c) {
  auto drive = reach(c, S);
  if (!drive) return error_response(drive.error());
  return list_folder(c, *drive, 0);
}

template <DriveSpace S>
Response folder(Context& c) {
  auto drive = reach(c, S);
  if (!drive) return error_response(drive.error());
  auto id = id_param(c.params[0]);
  if (!id) return error_response(404, "not_found", "no such folder");
  return list_folder(c, *drive, *id);
}

template <DriveSpace S>
Response make_folder(Context& c) {
  auto drive = reach(c, S);
  if (!drive) return error_response(drive.error());
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto parent = parent_field(*body);
  if (!parent) return error_response(parent.error());
  auto name = required_string(*body, "name", 1024);
  if (!name) return error_response(name.error());
  auto made = c.deps.drive->make_folder(*drive, *parent, *name);
  if (!made) return error_response(made.error());
  return json_response(201, drive_item_json(*made));
}

template <DriveSpace S>
Response make_file(Context& c) {
  auto drive = reach(c, S);
  if (!drive) return error_response(drive.error());
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto parent = parent_field(*body);
  if (!parent) return error_response(parent.error());
  auto name = required_string(*body, "name", 4096);
  if (!name) return error_response(name.error());
  auto type = string_field(*body, "type", 255);
  if (!type) return error_response(type.error());
  auto size = int_field(*body, "size");
  if (!size) return error_response(size.error());
  if (!*size) return error_response(422, "invalid", "a file needs its size in bytes", "size");
  auto made = c.deps.drive->make_file(*drive, *parent, *name, type->value_or(""), **size);
  if (!made) return error_response(made.error());
  return json_response(201, drive_item_json(*made));
}

template <DriveSpace S>
Response upload_piece(Context& c) {
  auto drive = reach(c, S);
  if (!drive) return error_response(drive.error());
  auto id = id_param(c.params[0]);
  if (!id) return error_response(404, "not_found", "no such file");
  auto offset = piece_offset(c.request);
  if (!offset) return offset.error();
  auto file = c.deps.drive->upload(*drive, *id, *offset, c.request.body);
  if (!file && file.error().field == "offset") {
    auto now = c.deps.drive->find(*drive, *id);
    return out_of_step(file.error(), now ? std::optional(now->received) : std::nullopt);
  }
  if (!file) return error_response(file.error());
  return json_response(200, drive_item_json(*file));
}

template <DriveSpace S>
Response get_file(Context& c) {
  auto drive = reach(c, S);
  if (!drive) return error_response(drive.error());
  auto item = item_of(c, *drive);
  if (!item) return error_response(item.error());
  return json_response(200, drive_item_json(*item));
}

template <DriveSpace S>
Response download(Context& c) {
  auto drive = reach(c, S);
  if (!drive) return error_response(drive.error());
  auto id = id_param(c.params[0]);
  if (!id) return error_response(404, "not_found", "no such file");
  auto d = c.deps.drive->open(*drive, *id);
  if (!d) return error_response(d.error());
  auto etag = fmt::format("\"d{}-{}\"", d->file.id, d->file.size);
  return file_download(c.request, std::move(d->reader), d->file.size, d->file.name, etag).response;
}

template <DriveSpace S>
Response change_item(Context& c) {
  auto drive = reach(c, S);
  if (!drive) return error_response(drive.error());
  auto item = item_of(c, *drive);
  if (!item) return error_response(item.error());
  auto body = json_body(c.request);
  if (!body) return body.error();
  std::optional<store::Id> parent;
  if (body->contains("parent")) {
    auto p = parent_field(*body);
    if (!p) return error_response(p.error());
    parent = *p;
  }
  auto name = string_field(*body, "name", 1024);
  if (!name) return error_response(name.error());
  std::optional<std::string_view> new_name;
  if (*name) new_name = **name;
  auto moved = c.deps.drive->move(*drive, item->id, parent, new_name);
  if (!moved) return error_response(moved.error());
  return json_response(200, drive_item_json(*moved));
}

template <DriveSpace S>
Response delete_item(Context& c) {
  auto drive = reach(c, S);
  if (!drive) return error_response(drive.error());
  auto item = item_of(c, *drive);
  if (!item) return error_response(item.error());
  if (auto st = c.deps.drive->remove(*drive, item->id); !st) return error_response(st.error());
  // What went from the drive everyone shares is in the activity log.
  if constexpr (S == DriveSpace::organisation)
    audit(c, "mail.org_drive_deleted", fmt::format("{} {}: {}", item->folder ? "folder" : "file", item->id, item->name),
          "mail");
  return no_content();
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/drive", Access::user, 0, "The top of the caller's own drive, its use and limits", "drive",
     &top<DriveSpace::personal>},
    {"GET", "/api/v1/drive/folders/{id}", Access::user, 0, "A folder of the drive: where it is and what it holds",
     "drive", &folder<DriveSpace::personal>},
    {"POST", "/api/v1/drive/folders", Access::user, kSmallBody, "Make a folder ({parent, name}; parent null: the top)",
     "drive", &make_folder<DriveSpace::personal>},
    {"POST", "/api/v1/drive/files", Access::user, kSmallBody,
     "Make a file to upload ({parent, name, type, size}); a taken name gets a number, \"a (2).pdf\"", "drive",
     &make_file<DriveSpace::personal>},
    {"GET", "/api/v1/drive/files/{id}", Access::user, 0, "One file of the drive", "drive",
     &get_file<DriveSpace::personal>},
    {"PUT", "/api/v1/drive/files/{id}", Access::user, kTransferPieceBody,
     "Upload the next piece of a file (the raw bytes; ?offset= the bytes already received); ready once whole", "drive",
     &upload_piece<DriveSpace::personal>},
    {"GET", "/api/v1/drive/files/{id}/content", Access::user, 0, "Download a file (one Range served)", "drive",
     &download<DriveSpace::personal>},
    {"PATCH", "/api/v1/drive/items/{id}", Access::user, kSmallBody,
     "Rename or move a file or folder ({name}, {parent}: null for the top)", "drive",
     &change_item<DriveSpace::personal>},
    {"DELETE", "/api/v1/drive/items/{id}", Access::user, 0, "Delete a file, or a folder and all it holds", "drive",
     &delete_item<DriveSpace::personal>},
    // The organisation's drive, which all its users share: the same routes.
    {"GET", "/api/v1/org-drive", Access::user, 0, "The top of the organisation's drive, shared by its users", "drive",
     &top<DriveSpace::organisation>},
    {"GET", "/api/v1/org-drive/folders/{id}", Access::user, 0, "A folder of the organisation's drive", "drive",
     &folder<DriveSpace::organisation>},
    {"POST", "/api/v1/org-drive/folders", Access::user, kSmallBody, "Make a folder in the organisation's drive",
     "drive", &make_folder<DriveSpace::organisation>},
    {"POST", "/api/v1/org-drive/files", Access::user, kSmallBody, "Make a file to upload in the organisation's drive",
     "drive", &make_file<DriveSpace::organisation>},
    {"GET", "/api/v1/org-drive/files/{id}", Access::user, 0, "One file of the organisation's drive", "drive",
     &get_file<DriveSpace::organisation>},
    {"PUT", "/api/v1/org-drive/files/{id}", Access::user, kTransferPieceBody,
     "Upload the next piece of a file of the organisation's drive", "drive", &upload_piece<DriveSpace::organisation>},
    {"GET", "/api/v1/org-drive/files/{id}/content", Access::user, 0, "Download a file of the organisation's drive",
     "drive", &download<DriveSpace::organisation>},
    {"PATCH", "/api/v1/org-drive/items/{id}", Access::user, kSmallBody,
     "Rename or move a file or folder of the organisation's drive", "drive", &change_item<DriveSpace::organisation>},
    {"DELETE", "/api/v1/org-drive/items/{id}", Access::user, 0,
     "Delete a file, or a folder and all it holds, of the organisation's drive", "drive",
     &delete_item<DriveSpace::organisation>},
};

}  // namespace

nlohmann::json drive_item_json(const store::DriveItem& i) {
  json out = {{"id", i.id},           {"parent", i.parent_id ? json(i.parent_id) : json(nullptr)},
              {"folder", i.folder},   {"name", i.name},
              {"created", i.created}, {"modified", i.modified}};
  if (!i.folder) {
    out["type"] = i.content_type;
    out["size"] = i.size;
    out["received"] = i.received;
    out["ready"] = i.ready;
  }
  return out;
}

Result<store::DriveSpace> drive_space_field(const nlohmann::json& body) {
  auto org = TRY(bool_field(body, "org_drive"));
  return org.value_or(false) ? DriveSpace::organisation : DriveSpace::personal;
}

std::span<const Route> drive_routes() { return kRoutes; }

}  // namespace estafeta::web::api
