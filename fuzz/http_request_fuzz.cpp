// libFuzzer target for what an unauthenticated HTTP client controls before
// any login: the request head and body as Beast's parser reads them with
// the listener's limits (web/http_session.cpp), then the API's readers of
// that request (web/api/http_json.hpp): the route's body limit, the JSON
// body and its typed fields, the session cookie, query parameters and
// path ids; the client a proxy forwards (web/forwarded.hpp); the byte range
// a download serves (web/file_response.hpp). Seeds: fuzz/corpus/http_request/.
// Checked: the limits hold, ranges stay within the file, and every reader
// answers a value or the error shape, never a crash.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "web/api/api.hpp"
#include "web/api/http_json.hpp"
#include "web/api/routes.hpp"
#include "web/file_response.hpp"
#include "web/forwarded.hpp"
#include "web/transfer_pages.hpp"

namespace http = boost::beast::http;
using namespace estafeta::web;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(16384);
  parser.body_limit(4096);
  boost::system::error_code ec;
  for (std::size_t used = 0; used < size && !parser.is_done();) {
    auto n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec || n == 0) break;
    used += n;
  }
  if (ec && ec != http::error::need_more) return 0;
  if (!parser.is_header_done()) return 0;
  auto& req = parser.get();
  Request in;
  in.method = std::string(req.method_string());
  in.target = std::string(req.target());
  for (auto& f : req) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    in.headers[name] = std::string(f.value());
  }
  in.body = req.body();
  if (in.body.size() > 4096) std::abort();

  auto limit = api::body_limit(in.method, in.target);
  // Only a piece of a file (a transfer link's, a drive's) is larger.
  if (limit > 64 * 1024 && limit != api::kTransferPieceBody) std::abort();
  (void)api::is_api(in.target);
  (void)api::cookie(in, api::kSessionCookie);
  for (auto name : {"before", "limit", "organisation", "login"}) {
    auto v = api::query_param(in.target, name);
    if (v && v->size() > in.target.size()) std::abort();  // decoding never grows the text
    if (v) (void)api::id_param(*v);
  }
  // The client and scheme through a proxy (web/forwarded.hpp), every peer trusted.
  for (auto field : {TrustedProxies::Field::x_forwarded_for, TrustedProxies::Field::forwarded}) {
    auto everyone = TrustedProxies::parse({"0.0.0.0/0", "::/0"}, field).value();
    Request through = in;
    through.peer_ip = "127.0.0.1";
    resolve_client(through, everyone);
    if (!estafeta::dns::IpAddress::parse(through.peer_ip)) std::abort();  // an address, whatever was forwarded
  }
  (void)is_transfer_page(in.target);
  for (std::int64_t size : {std::int64_t{0}, std::int64_t{1}, std::int64_t{1000}, std::int64_t{3} << 30}) {
    auto range = byte_range(in, size, "\"d1-1000\"");
    bool unsatisfiable = range && range->first == size && range->second == size;
    if (range && !unsatisfiable && !(range->first >= 0 && range->first <= range->second && range->second < size))
      std::abort();
  }

  auto decoded = api::percent_decode(api::path_of(in.target), false);
  if (decoded.size() > in.target.size()) std::abort();

  auto body = api::json_body(in);
  if (!body) {
    auto& r = body.error();
    if (r.status < 400 || r.status > 499) std::abort();
    auto shape = nlohmann::json::parse(r.body);
    if (!shape["error"]["code"].is_string()) std::abort();
    return 0;
  }
  if (!body->is_object()) std::abort();
  for (auto name : {"login", "password", "code", "label", "address"}) (void)api::string_field(*body, name, 320);
  (void)api::bool_field(*body, "require_2fa");
  (void)api::int_field(*body, "lockout_threshold");
  return 0;
}
