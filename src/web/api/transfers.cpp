// Transfer links under /api/v1/transfers (drive/transfers.hpp): make one,
// upload its files piece by piece, complete it, list and delete one's own.
// The downloads are public, under /t/ (web/transfer_pages.hpp).
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "web/api/http_json.hpp"
#include "web/api/routes.hpp"

namespace estafeta::web::api {

namespace {

using nlohmann::json;

constexpr std::size_t kCreateBody = 64 * 1024;

json transfer_json(const store::Transfer& t) {
  json files = json::array();
  std::int64_t received = 0;
  for (auto& f : t.files) {
    files.push_back(
        {{"id", f.id}, {"name", f.name}, {"type", f.content_type}, {"size", f.size}, {"received", f.received}});
    received += f.received;
  }
  return {{"id", t.id},
          {"created", t.created},
          {"expires", t.expires},
          {"complete", t.complete},
          {"downloads", t.downloads},
          {"size", t.bytes()},
          {"received", received},
          {"files", files}};
}

// What the activity log says of a transfer: its files and size.
std::string files_of(const store::Transfer& t) {
  std::string names;
  for (auto& f : t.files) names += (names.empty() ? "" : ", ") + f.name;
  if (names.size() > 300) {
    std::size_t cut = 297;
    while (cut > 0 && (static_cast<unsigned char>(names[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    names = names.substr(0, cut) + "...";
  }
  return fmt::format("transfer {}: {} ({} bytes)", t.id, names, t.bytes());
}

// The caller's transfer that the path's {id} names.
Result<store::Transfer> own_transfer(Context& c) {
  auto id = id_param(c.params[0]);
  if (!id) return fail(ErrorKind::not_found, "no such transfer");
  return c.deps.transfers->find(c.who().user.id, *id);
}

Response unavailable() { return error_response(404, "not_found", "transfer links are not served here"); }

// The link as the caller's browser reaches this server.
std::string link_of(const Request& r, const std::string& token) {
  auto host = r.headers.find("host");
  std::string path = "/t/" + token;
  if (host == r.headers.end()) return path;
  return (r.tls ? "https://" : "http://") + host->second + path;
}

// A new transfer's answer, with its link (shown this once), and its line in the activity log.
Response created(Context& c, const drive::CreatedTransfer& made) {
  audit(c, "mail.transfer_created", files_of(made.transfer), "mail");
  auto out = transfer_json(made.transfer);
  out["url"] = link_of(c.request, made.token);
  out["path"] = "/t/" + made.token;
  return json_response(201, out);
}

// Files of the caller's drive sent as a link: {drive: [file ids], days},
// with org_drive: true the files of the organisation's drive.
Response share_drive_files(Context& c, const json& ids, store::DriveSpace space, unsigned days) {
  if (!c.deps.drive) return error_response(404, "not_found", "the drive is not served here");
  auto drive = c.deps.drive->drive_of(c.who().user.id, space);
  if (!drive) return error_response(drive.error());
  if (!ids.is_array() || ids.empty())
    return error_response(422, "invalid", "drive must be a list of the drive's file ids", "drive");
  std::vector<drive::SharedFile> shared;
  for (auto& id : ids) {
    if (shared.size() >= c.deps.transfers->limits().max_files)
      return error_response(413, "limit",
                            fmt::format("a transfer holds at most {} files", c.deps.transfers->limits().max_files),
                            "drive");
    if (!id.is_number_integer())
      return error_response(422, "invalid", "drive must be a list of the drive's file ids", "drive");
    auto item = c.deps.drive->find(*drive, id.get<store::Id>());
    if (!item || item->folder || !item->ready)
      return error_response(404, "not_found", "no such file in that drive", "drive");
    shared.push_back({{item->name, item->content_type, item->size}, *drive, item->id});
  }
  auto made =
      c.deps.transfers->create_shared(c.who().user.id, c.who().user.org_id, c.deps.drive->files(), shared, days);
  if (!made) return error_response(made.error());
  return created(c, *made);
}

Response create_transfer(Context& c) {
  if (!c.deps.transfers) return unavailable();
  auto body = json_body(c.request);
  if (!body) return body.error();
  auto days = int_field(*body, "days");
  if (!days) return error_response(days.error());
  auto d = days->value_or(0);
  if (d < 0 || d > 3650) return error_response(422, "invalid", "days must be a number of days", "days");
  if (auto from_drive = body->find("drive"); from_drive != body->end()) {
    if (body->contains("files"))
      return error_response(422, "invalid", "a transfer is made of files or of the drive's files, not both", "drive");
    auto space = drive_space_field(*body);
    if (!space) return error_response(space.error());
    return share_drive_files(c, *from_drive, *space, static_cast<unsigned>(d));
  }
  auto files = body->find("files");
  if (files == body->end() || !files->is_array())
    return error_response(422, "invalid", "files must be a list of {name, type, size}", "files");
  std::vector<drive::NewFile> wanted;
  for (auto& f : *files) {
    if (!f.is_object()) return error_response(422, "invalid", "each file is an object {name, type, size}", "files");
    auto name = required_string(f, "name", 4096);
    if (!name) return error_response(name.error());
    auto type = string_field(f, "type", 255);
    if (!type) return error_response(type.error());
    auto size = int_field(f, "size");
    if (!size) return error_response(size.error());
    if (!*size) return error_response(422, "invalid", "each file needs its size in bytes", "size");
    wanted.push_back({*name, type->value_or(""), **size});
    if (wanted.size() > c.deps.transfers->limits().max_files) break;  // refused below, without reading the rest
  }
  auto made = c.deps.transfers->create(c.who().user.id, c.who().user.org_id, wanted, static_cast<unsigned>(d));
  if (!made) return error_response(made.error());
  return created(c, *made);
}

Response upload_piece(Context& c) {
  if (!c.deps.transfers) return unavailable();
  auto id = id_param(c.params[0]), file = id_param(c.params[1]);
  if (!id || !file) return error_response(404, "not_found", "no such transfer");
  auto offset = piece_offset(c.request);
  if (!offset) return offset.error();
  auto received = c.deps.transfers->upload(c.who().user.id, *id, *file, *offset, c.request.body);
  if (!received && received.error().field == "offset") {
    std::optional<std::int64_t> at;
    if (auto t = c.deps.transfers->find(c.who().user.id, *id))
      for (auto& f : t->files)
        if (f.id == *file) at = f.received;
    return out_of_step(received.error(), at);
  }
  if (!received) return error_response(received.error());
  return json_response(200, {{"received", *received}});
}

Response complete_transfer(Context& c) {
  if (!c.deps.transfers) return unavailable();
  auto t = own_transfer(c);
  if (!t) return error_response(t.error());
  if (auto st = c.deps.transfers->complete(c.who().user.id, t->id); !st) return error_response(st.error());
  t->complete = true;
  return json_response(200, transfer_json(*t));
}

Response list_transfers(Context& c) {
  if (!c.deps.transfers) return unavailable();
  auto list = c.deps.transfers->list(c.who().user.id);
  if (!list) return error_response(list.error());
  json out = json::array();
  for (auto& t : *list) out.push_back(transfer_json(t));
  return json_response(200, {{"transfers", out},
                             {"limits",
                              {{"max_transfer_bytes", c.deps.transfers->limits().max_transfer_bytes},
                               {"max_user_bytes", c.deps.transfers->limits().max_user_bytes},
                               {"max_files", c.deps.transfers->limits().max_files},
                               {"max_days", c.deps.transfers->limits().max_days},
                               {"max_piece", c.deps.transfers->limits().max_piece}}}});
}

Response get_transfer(Context& c) {
  if (!c.deps.transfers) return unavailable();
  auto t = own_transfer(c);
  if (!t) return error_response(t.error());
  return json_response(200, transfer_json(*t));
}

Response delete_transfer(Context& c) {
  if (!c.deps.transfers) return unavailable();
  auto t = own_transfer(c);
  if (!t) return error_response(t.error());
  if (auto st = c.deps.transfers->remove(c.who().user.id, t->id); !st) return error_response(st.error());
  audit(c, "mail.transfer_deleted", files_of(*t), "mail");
  return no_content();
}

constexpr Route kRoutes[] = {
    {"GET", "/api/v1/transfers", Access::user, 0, "The account's transfer links not yet expired, and the limits",
     "transfers", &list_transfers},
    {"POST", "/api/v1/transfers", Access::user, kCreateBody,
     "Make a transfer link for files too large to attach ({files: [{name, type, size}], days}), or of files of "
     "the drive, complete at once ({drive: [file ids], days}); the link is shown this once",
     "transfers", &create_transfer},
    {"GET", "/api/v1/transfers/{id}", Access::user, 0, "One transfer link of the account's", "transfers",
     &get_transfer},
    {"PUT", "/api/v1/transfers/{id}/files/{file}", Access::user, kTransferPieceBody,
     "Upload the next piece of a file (the raw bytes; ?offset= the bytes already received)", "transfers",
     &upload_piece},
    {"POST", "/api/v1/transfers/{id}/complete", Access::user, 0,
     "Make the transfer downloadable, once every file is whole", "transfers", &complete_transfer},
    {"DELETE", "/api/v1/transfers/{id}", Access::user, 0, "Delete a transfer link and its files", "transfers",
     &delete_transfer},
};

}  // namespace

std::span<const Route> transfer_routes() { return kRoutes; }

}  // namespace estafeta::web::api
