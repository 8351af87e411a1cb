// The caller's drive under /api/v1/drive (drive/drive.hpp): folders, files
// uploaded piece by piece, downloads, renames and moves, deletes. Saving
// mail into the drive and a drive file into a message go through JMAP's
// blobs (web/jmap_http.hpp: /jmap/drive/…); a drive file sent as a link
// through /api/v1/transfers (transfers.cpp).
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "web/api/http_json.hpp"
#include "web/api/routes.hpp"
#include "web/file_response.hpp"

namespace estafeta::web::api {

namespace {

using nlohmann::json;

constexpr std::size_t kSmallBody = 16 * 1024;

Response unavailable() { return error_response(404, "not_found", "the drive is not served here"); }

// The folder a body's "parent" names: absent or null for the top.
Result<store::Id> parent_field(const json& body) {
  auto it = body.find("parent");
  if (it == body.end() || it->is_null()) return store::Id{0};
  if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
    return fail(ErrorKind::invalid, "parent is a folder's id, or null for the top", "", "parent");
  return it->get<store::Id>();
}

// The item the path's {id} names.
Result<store::DriveItem> own_item(Context& c) {
  auto id = id_param(c.params[0]);
  if (!id) return fail(ErrorKind::not_found, "no such file or folder");
  return c.deps.drive->find(c.who().user.id, *id);
}

Response list_folder(Context& c, store::Id folder) {
  auto listing = c.deps.drive->list(c.who().user.id, folder);
  if (!listing) return error_response(listing.error());
  json path = json::array(), items = json::array();
  for (auto& p : listing->path) path.push_back({{"id", p.id}, {"name", p.name}});
  for (auto& i : listing->items) items.push_back(drive_item_json(i));
  json out = {{"folder", folder ? json(drive_item_json(listing->path.back())) : json(nullptr)},
              {"path", path},
              {"items", items}};
  if (folder == 0) {
    auto usage = c.deps.drive->usage(c.who().user.id);
    if (!usage) return error_response(usage.error());
    auto& l = c.deps.drive->limits();
    out["usage"] = {{"bytes", usage->bytes}, {"items", usage->items}};
    out["limits"] = {{"max_user_bytes", l.max_user_bytes},
                     {"max_user_items", l.max_user_items},
                     {"max_file_bytes", l.max_file_bytes},
                     {"max_depth", l.max_depth},
                     {"max_piece", l.max_piece}};
  }
  return json_response(200, out);
}

Response top(Context& c) {
  if (!c.deps.drive) return unavailable();
  return list_folder(c, 0);
}

Response folder(Context& c) {
  if (!c.deps.drive) return unavailable();
  auto id = id_param(c.params[0]);
  if (!id) return error_response(404, "not_found", "no such folder");
  return list_folder(c, *id);
}

Response make_folder(Context& c) {
  if (!c.deps.drive) return unavailable();
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto parent = parent_field(*body);
  if (!parent) return error_response(parent.error());
  auto name = required_string(*body, "name", 1024);
  if (!name) return error_response(name.error());
  auto made = c.deps.drive->make_folder(c.who().user.id, *parent, *name);
  if (!made) return error_response(made.error());
  return json_response(201, drive_item_json(*made));
}

Response make_file(Context& c) {
  if (!c.deps.drive) return unavailable();
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
  auto made = c.deps.drive->make_file(c.who().user.id, *parent, *name, type->value_or(""), **size);
  if (!made) return error_response(made.error());
  return json_response(201, drive_item_json(*made));
}

Response upload_piece(Context& c) {
  if (!c.deps.drive) return unavailable();
  auto id = id_param(c.params[0]);
  if (!id) return error_response(404, "not_found", "no such file");
  auto offset = piece_offset(c.request);
  if (!offset) return offset.error();
  auto file = c.deps.drive->upload(c.who().user.id, *id, *offset, c.request.body);
  if (!file && file.error().field == "offset") {
    auto now = c.deps.drive->find(c.who().user.id, *id);
    return out_of_step(file.error(), now ? std::optional(now->received) : std::nullopt);
  }
  if (!file) return error_response(file.error());
  return json_response(200, drive_item_json(*file));
}

Response get_file(Context& c) {
  if (!c.deps.drive) return unavailable();
  auto item = own_item(c);
  if (!item) return error_response(item.error());
  return json_response(200, drive_item_json(*item));
}

Response download(Context& c) {
  if (!c.deps.drive) return unavailable();
  auto id = id_param(c.params[0]);
  if (!id) return error_response(404, "not_found", "no such file");
  auto d = c.deps.drive->open(c.who().user.id, *id);
  if (!d) return error_response(d.error());
  auto etag = fmt::format("\"d{}-{}\"", d->file.id, d->file.size);
  return file_download(c.request, std::move(d->reader), d->file.size, d->file.name, etag).response;
}

Response change_item(Context& c) {
  if (!c.deps.drive) return unavailable();
  auto item = own_item(c);
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
  auto moved = c.deps.drive->move(c.who().user.id, item->id, parent, new_name);
  if (!moved) return error_response(moved.error());
  return json_response(200, drive_item_json(*moved));
}

Response delete_item(Context& c) {
  if (!c.deps.drive) return unavailable();
  auto item = own_item(c);
  if (!item) return error_response(item.error());
  if (auto st = c.deps.drive->remove(c.who().user.id, item->id); !st) return error_response(st.error());
  return no_content();
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/drive", Access::user, 0, "The top of the caller's drive, its use and limits", "drive", &top},
    {"GET", "/api/v1/drive/folders/{id}", Access::user, 0, "A folder of the drive: where it is and what it holds",
     "drive", &folder},
    {"POST", "/api/v1/drive/folders", Access::user, kSmallBody, "Make a folder ({parent, name}; parent null: the top)",
     "drive", &make_folder},
    {"POST", "/api/v1/drive/files", Access::user, kSmallBody,
     "Make a file to upload ({parent, name, type, size}); a taken name gets a number, \"a (2).pdf\"", "drive",
     &make_file},
    {"GET", "/api/v1/drive/files/{id}", Access::user, 0, "One file of the drive", "drive", &get_file},
    {"PUT", "/api/v1/drive/files/{id}", Access::user, kTransferPieceBody,
     "Upload the next piece of a file (the raw bytes; ?offset= the bytes already received); ready once whole", "drive",
     &upload_piece},
    {"GET", "/api/v1/drive/files/{id}/content", Access::user, 0, "Download a file (one Range served)", "drive",
     &download},
    {"PATCH", "/api/v1/drive/items/{id}", Access::user, kSmallBody,
     "Rename or move a file or folder ({name}, {parent}: null for the top)", "drive", &change_item},
    {"DELETE", "/api/v1/drive/items/{id}", Access::user, 0, "Delete a file, or a folder and all it holds", "drive",
     &delete_item},
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

std::span<const Route> drive_routes() { return kRoutes; }

}  // namespace estafeta::web::api
