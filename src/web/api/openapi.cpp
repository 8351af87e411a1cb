// The OpenAPI 3.0 description of /api/v1, made from the route table that
// dispatches, so the two cannot disagree.
#include <nlohmann/json.hpp>

#include "web/api/routes.hpp"

namespace estafeta::web::api {

namespace {

using nlohmann::json;

json error_schema() {
  return {
      {"type", "object"},
      {"required", {"error"}},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", {"code", "message"}},
          {"properties",
           {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}, {"field", {{"type", "string"}}}}}}}}}};
}

json operation(const Route& r) {
  json op = {{"summary", r.summary}, {"tags", {r.tag}}, {"operationId", std::string(r.method) + std::string(r.path)}};
  json params = json::array();
  for (std::string_view rest = r.path; !rest.empty();) {
    auto open = rest.find('{');
    if (open == std::string_view::npos) break;
    auto close = rest.find('}', open);
    params.push_back({{"name", rest.substr(open + 1, close - open - 1)},
                      {"in", "path"},
                      {"required", true},
                      {"schema", {{"type", "string"}}}});
    rest = rest.substr(close + 1);
  }
  if (!params.empty()) op["parameters"] = params;
  if (r.max_body > 0)
    op["requestBody"] = {{"required", false}, {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
  json ok = {{"description", "success"}, {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
  json err = {{"description", "error"},
              {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
  op["responses"] = {{"200", ok}, {"400", err}, {"401", err}, {"403", err}, {"404", err}};
  if (r.method == "POST") op["responses"]["201"] = ok;
  if (r.method == "DELETE" || r.method == "POST") op["responses"]["204"] = {{"description", "done"}};
  op["security"] = r.access == Access::open ? json::array()
                                            : json::array({{{"session", json::array()}}, {{"token", json::array()}}});
  return op;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

json openapi(const ApiDeps& deps) {
  json paths = json::object();
  for (auto span : route_tables())
    for (auto& r : span) paths[std::string(r.path)][lower(r.method)] = operation(r);
  return {{"openapi", "3.0.3"},
          {"info",
           {{"title", "Estafeta management API"},
            {"version", "1"},
            {"description", "Accounts, security and mail administration of " + deps.hostname +
                                ". Browser sessions send X-CSRF-Token with every state-changing request."}}},
          {"servers", {{{"url", "/"}}}},
          {"paths", paths},
          {"components",
           {{"schemas", {{"Error", error_schema()}}},
            {"securitySchemes",
             {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "estafeta_session"}}},
              {"token", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
}

}  // namespace estafeta::web::api
