// The management API through web::handle, without sockets: login, CSRF,
// errors, 2FA, tokens, the OpenAPI description against the route table,
// and the authorization matrix (a member of one organisation against every
// route with another organisation's objects, and against admin routes).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "auth/totp.hpp"
#include "core/base64.hpp"
#include "core/testing.hpp"
#include "mime/parsed_message.hpp"
#include "server/services.hpp"
#include "web/api/routes.hpp"
#include "web/jmap_http.hpp"
#include "web/router.hpp"

namespace estafeta::web {
namespace {

using nlohmann::json;

struct Client {
  std::string cookie;  // session cookie value
  std::string csrf;
  std::string bearer;
  std::string ip = "127.0.0.1";
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mime::init();
    auto config = std::make_shared<Config>();
    config->data_dir = m_dir.path();
    config->hostname = "mail.example.org";
    s = server::open_services(config).value();
    api.emplace(api::ApiDeps{.hostname = config->hostname,
                             .store = *s->store,
                             .logins = *s->web_logins,
                             .manager = *s->manager,
                             .clock = *s->clock,
                             .transfers = s->transfers.get()});
    deps.emplace(Deps{.hostname = config->hostname, .accounts = *s->store, .api = &*api});
    auto op = manage::Actor::operator_cli();
    auto& m = *s->manager;
    for (auto org : {"a", "b"}) {
      m.create_organisation(op, org).value();
      m.create_user(op, org, std::string("admin@") + org + ".example", "Admin", store::Role::admin, "admin password")
          .value();
      m.create_user(op, org, std::string("member@") + org + ".example", "Member", store::Role::member,
                    "member password")
          .value();
      m.create_service(op, org, std::string("svc-") + org).value();
      m.add_domain(op, std::string("svc-") + org, std::string(org) + ".example").value();
      m.create_address(op, std::string("box@") + org + ".example").value();
      m.grant_access(op, std::string("box@") + org + ".example", std::string("member@") + org + ".example", true)
          .value();
    }
  }

  Response call(const std::string& method, const std::string& target, const Client& c = {},
                const std::optional<json>& body = std::nullopt, std::map<std::string, std::string> headers = {}) {
    Request r;
    r.method = method;
    r.target = target;
    r.peer_ip = c.ip;
    r.headers = std::move(headers);
    if (!c.cookie.empty()) r.headers["cookie"] = "theme=dark; estafeta_session=" + c.cookie;
    if (!c.csrf.empty() && !r.headers.contains("x-csrf-token")) r.headers["x-csrf-token"] = c.csrf;
    if (!c.bearer.empty()) r.headers["authorization"] = "Bearer " + c.bearer;
    if (body) {
      r.body = body->dump();
      r.headers.try_emplace("content-type", "application/json");
    }
    return handle(*deps, r);
  }
  static json parsed(const Response& r) { return r.body.empty() ? json() : json::parse(r.body); }

  Client login(const std::string& login, const std::string& password, const std::string& code = {}) {
    json body = {{"login", login}, {"password", password}};
    if (!code.empty()) body["code"] = code;
    auto r = call("POST", "/api/v1/session", {}, body);
    EXPECT_EQ(r.status, 200) << r.body;
    Client c;
    auto set = r.headers["set-cookie"];
    auto start = set.find('=') + 1;
    c.cookie = set.substr(start, set.find(';') - start);
    c.csrf = parsed(r)["csrf_token"];
    return c;
  }

  testing::TempDir m_dir{"api"};
  std::unique_ptr<server::Services> s;
  std::optional<api::ApiDeps> api;
  std::optional<Deps> deps;
};

TEST_F(ApiTest, LoginSetsAStrictCookieAndLogoutEndsTheSession) {
  auto r = call("POST", "/api/v1/session", {}, json{{"login", "member@a.example"}, {"password", "member password"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto cookie = r.headers["set-cookie"];
  EXPECT_TRUE(cookie.starts_with("estafeta_session="));
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "loopback, in clear: the test listeners";
  EXPECT_EQ(r.headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
  Request remote{"POST",
                 "/api/v1/session",
                 {{"content-type", "application/json"}},
                 json{{"login", "member@a.example"}, {"password", "member password"}}.dump(),
                 "192.0.2.1",
                 true};
  EXPECT_NE(handle(*deps, remote).headers["set-cookie"].find("; Secure"), std::string::npos);

  auto c = login("member@a.example", "member password");
  auto me = call("GET", "/api/v1/me", c);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(parsed(me)["login"], "member@a.example");
  EXPECT_EQ(parsed(me)["security"]["two_factor"], false);
  EXPECT_EQ(call("DELETE", "/api/v1/session", c).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/me", c).status, 401);
}

TEST_F(ApiTest, WrongLoginsGetOneAnswerAndAreHeldBack) {
  auto wrong = call("POST", "/api/v1/session", {}, json{{"login", "member@a.example"}, {"password", "nope"}});
  auto unknown = call("POST", "/api/v1/session", {}, json{{"login", "ghost@a.example"}, {"password", "nope"}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_EQ(parsed(wrong)["error"]["code"], "invalid_credentials");
  for (int i = 0; i < 3; ++i)
    call("POST", "/api/v1/session", {}, json{{"login", "member@a.example"}, {"password", "nope"}});
  auto later = call("POST", "/api/v1/session", {}, json{{"login", "member@a.example"}, {"password", "nope"}});
  EXPECT_GT(later.delay.count(), 0) << "after a few failures from one IP, answers wait";
}

TEST_F(ApiTest, StateChangingRequestsNeedTheCsrfTokenOrABearerToken) {
  auto c = login("member@a.example", "member password");
  auto no_csrf = c;
  no_csrf.csrf.clear();
  auto r = call("POST", "/api/v1/me/tokens", no_csrf, json{{"label", "x"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(parsed(r)["error"]["code"], "csrf");
  EXPECT_EQ(call("POST", "/api/v1/me/tokens", c, json{{"label", "x"}}, {{"x-csrf-token", "0000"}}).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/me/tokens", no_csrf).status, 200) << "reads need no CSRF token";
  auto cross = call("POST", "/api/v1/me/tokens", c, json{{"label", "x"}},
                    {{"origin", "https://evil.example"}, {"host", "mail.example.org"}});
  EXPECT_EQ(cross.status, 403);
  EXPECT_EQ(parsed(cross)["error"]["code"], "cross_site");

  auto created = call("POST", "/api/v1/me/tokens", c, json{{"label", "backup"}},
                      {{"origin", "https://mail.example.org"}, {"host", "mail.example.org"}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string token = parsed(created)["token"];
  Client script;
  script.bearer = token;
  EXPECT_EQ(parsed(call("GET", "/api/v1/me", script))["login"], "member@a.example");
  auto listed = parsed(call("GET", "/api/v1/me/tokens", script))["tokens"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_FALSE(listed[0].contains("token")) << "shown once";
  EXPECT_EQ(call("DELETE", "/api/v1/me/tokens/" + std::to_string(int(listed[0]["id"])), script).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/me", script).status, 401) << "revoked";
}

TEST_F(ApiTest, BadInputGetsTheErrorShape) {
  auto c = login("admin@a.example", "admin password");
  Request r{"POST", "/api/v1/session", {{"content-type", "application/json"}}, "{\"login\": ", "127.0.0.1", false};
  auto malformed = handle(*deps, r);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(parsed(malformed)["error"]["code"], "malformed_json");
  r.body = "9E9999999999999999999999}";  // a number no double holds (found by the fuzzer: it ended the process)
  EXPECT_EQ(parsed(handle(*deps, r))["error"]["code"], "malformed_json");
  r.body = "{\"login\": 1E400}";
  EXPECT_EQ(parsed(handle(*deps, r))["error"]["code"], "malformed_json");
  r.body = "{\"login\": " + std::string(1'000'000, '[') + std::string(1'000'000, ']') + "}";
  auto deep = handle(*deps, r);
  EXPECT_EQ(parsed(deep)["error"]["code"], "malformed_json");
  EXPECT_EQ(parsed(deep)["error"]["message"], "the body nests deeper than 64 levels");
  r.body = "[1]";
  EXPECT_EQ(parsed(handle(*deps, r))["error"]["code"], "bad_request");
  r.headers["content-type"] = "text/plain";
  EXPECT_EQ(handle(*deps, r).status, 415);
  auto field = call("POST", "/api/v1/addresses", c, json{{"address", 7}});
  EXPECT_EQ(field.status, 422);
  EXPECT_EQ(parsed(field)["error"]["field"], "address");
  EXPECT_EQ(parsed(call("GET", "/api/v1/nothing", c))["error"]["code"], "not_found");
  auto wrong_method = call("PUT", "/api/v1/me", c);
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.headers["allow"], "GET, DELETE");
  EXPECT_EQ(body_limit(*deps, "POST", "/api/v1/session"), 4096u);
  EXPECT_EQ(body_limit(*deps, "GET", "/api/v1/me"), 0u);
  EXPECT_EQ(body_limit(*deps, "POST", "/api/v1/unknown"), 0u);
}

TEST_F(ApiTest, TwoFactorEnrolmentThroughTheApi) {
  auto c = login("member@a.example", "member password");
  auto start = call("POST", "/api/v1/me/2fa/enrolment", c);
  ASSERT_EQ(start.status, 200) << start.body;
  auto e = parsed(start);
  EXPECT_TRUE(
      std::string(e["otpauth_uri"]).starts_with("otpauth://totp/Estafeta%20mail.example.org:member%40a.example"));
  EXPECT_TRUE(std::string(e["qr_svg"]).starts_with("<svg"));
  auto secret = auth::base32_decode(std::string(e["secret"])).value();
  auto step = auth::totp_step(s->clock->now());
  auto bad = call("POST", "/api/v1/me/2fa/confirm", c, json{{"code", "000000"}, {"password", "member password"}});
  EXPECT_EQ(bad.status, 422);
  // The password too: whoever holds a stolen session cannot lock the owner
  // out with a second factor of their own.
  auto good = auth::hotp(secret, step);
  auto without = call("POST", "/api/v1/me/2fa/confirm", c, json{{"code", good}});
  EXPECT_EQ(parsed(without)["error"]["field"], "password") << without.body;
  EXPECT_EQ(call("POST", "/api/v1/me/2fa/confirm", c, json{{"code", good}, {"password", "a guess"}}).status, 403);
  EXPECT_TRUE(
      s->store->security_settings(s->store->find_user("member@a.example").value().id).value().totp_sealed.empty());
  auto ok = call("POST", "/api/v1/me/2fa/confirm", c, json{{"code", good}, {"password", "member password"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(parsed(ok)["emergency_codes"].size(), 10u);
  std::string code = parsed(ok)["emergency_codes"][0];
  EXPECT_NE(std::string(parsed(ok)["sheet"]).find(code), std::string::npos);

  auto needs =
      call("POST", "/api/v1/session", {}, json{{"login", "member@a.example"}, {"password", "member password"}});
  EXPECT_EQ(needs.status, 401);
  EXPECT_EQ(parsed(needs)["error"]["code"], "second_factor_required");
  auto with_code = login("member@a.example", "member password", code);
  EXPECT_EQ(parsed(call("GET", "/api/v1/me", with_code))["security"]["emergency_codes_left"], 9);
  auto sessions = parsed(call("GET", "/api/v1/me/sessions", with_code))["sessions"];
  EXPECT_EQ(sessions.size(), 2u);
  auto ended = call("POST", "/api/v1/me/sessions/end-others", with_code);
  EXPECT_EQ(parsed(ended)["ended"], 1);
  EXPECT_EQ(call("GET", "/api/v1/me", c).status, 401) << "the first session was ended";
  auto logins = parsed(call("GET", "/api/v1/me/logins?limit=2", with_code));
  EXPECT_EQ(logins["logins"].size(), 2u);
  EXPECT_EQ(logins["logins"][0]["method"], "password+emergency_code");
  EXPECT_TRUE(logins.contains("next"));
}

TEST_F(ApiTest, AdminsUnlockAndSetThePolicy) {
  auto admin = login("admin@a.example", "admin password");
  auto member = login("member@a.example", "member password");
  EXPECT_EQ(call("PATCH", "/api/v1/me/security", member, json{{"lockout_threshold", 3}}).status, 200);
  for (int i = 0; i < 3; ++i)
    call("POST", "/api/v1/session", {.ip = "192.0.2." + std::to_string(i + 1)},
         json{{"login", "member@a.example"}, {"password", "nope"}});
  auto locked = call("POST", "/api/v1/session", {.ip = "192.0.2.50"},
                     json{{"login", "member@a.example"}, {"password", "member password"}});
  EXPECT_EQ(locked.status, 423);
  EXPECT_EQ(call("POST", "/api/v1/users/member@a.example/unlock", member).status, 403);
  auto unlocked = call("POST", "/api/v1/users/member%40a.example/unlock", admin);
  ASSERT_EQ(unlocked.status, 200) << unlocked.body;
  EXPECT_EQ(parsed(unlocked)["was_locked"], true);
  login("member@a.example", "member password");

  EXPECT_EQ(call("PATCH", "/api/v1/organisation/policy", member, json{{"require_2fa", true}}).status, 403);
  EXPECT_EQ(call("PATCH", "/api/v1/organisation/policy", admin, json{{"min_lockout_threshold", 5}}).status, 200);
  auto low = call("PATCH", "/api/v1/me/security", member, json{{"lockout_threshold", 4}});
  EXPECT_EQ(low.status, 422);
  EXPECT_EQ(parsed(low)["error"]["field"], "lockout_threshold");
  auto audit = s->store->query_audit({.action_prefix = "security."}).value();
  EXPECT_TRUE(std::any_of(audit.begin(), audit.end(), [](auto& e) { return e.action == "security.unlock"; }));
  EXPECT_TRUE(std::any_of(audit.begin(), audit.end(), [](auto& e) { return e.action == "security.policy"; }));
}

// Where the organisation requires two-factor authentication, an account
// without it reaches only its enrolment (and what the security page shows)
// until it is set up: not the console's other routes, not JMAP, whether
// through the session or an API token made before the policy.
TEST_F(ApiTest, ARequiredSecondFactorIsSetUpBeforeAnythingElse) {
  web::JmapHttp jmap(jmap::Deps{.store = *s->store, .blobs = *s->blobs, .deliverer = *s->deliverer, .hostname = "x"},
                     *s->logins, *s->web_logins);
  deps->jmap = &jmap;
  auto member = login("member@a.example", "member password");
  auto token = parsed(call("POST", "/api/v1/me/tokens", member, json{{"label", "script"}}))["token"].get<std::string>();
  auto admin = login("admin@a.example", "admin password");
  EXPECT_EQ(parsed(call("GET", "/api/v1/session", member))["two_factor_setup_required"], false);
  ASSERT_EQ(call("PATCH", "/api/v1/organisation/policy", admin, json{{"require_2fa", true}}).status, 200);

  auto fresh =
      call("POST", "/api/v1/session", {}, json{{"login", "member@a.example"}, {"password", "member password"}});
  ASSERT_EQ(fresh.status, 200) << "the password alone still opens the enrolment";
  EXPECT_EQ(parsed(fresh)["two_factor_setup_required"], true);
  EXPECT_EQ(parsed(call("GET", "/api/v1/session", member))["two_factor_setup_required"], true);
  auto by_token = [&](const char* method, const std::string& target) {
    Request r{method, target, {{"authorization", "Bearer " + token}}, "", "127.0.0.1", false};
    return handle(*deps, r);
  };
  for (auto* target :
       {"/api/v1/me/sessions", "/api/v1/me/tokens", "/api/v1/me/logins", "/api/v1/organisation/policy"}) {
    auto r = call("GET", target, member);
    EXPECT_EQ(r.status, 403) << target;
    EXPECT_EQ(parsed(r)["error"]["code"], "two_factor_required") << target;
    EXPECT_EQ(by_token("GET", target).status, 403) << target;
  }
  EXPECT_EQ(call("POST", "/api/v1/me/tokens", member, json{{"label", "another"}}).status, 403);
  EXPECT_EQ(call("GET", "/api/v1/users", admin).status, 403) << "an administrator too";
  auto jmap_session = [&](const Client& who) {
    Request r{"GET", "/jmap/session", {{"cookie", "estafeta_session=" + who.cookie}}, "", "127.0.0.1", false};
    return handle(*deps, r);
  };
  EXPECT_EQ(jmap_session(member).status, 403);
  EXPECT_EQ(by_token("GET", "/jmap/session").status, 403);
  for (auto* target : {"/api/v1/me", "/api/v1/me/preferences", "/api/v1/me/addresses"})
    EXPECT_EQ(call("GET", target, member).status, 200) << target;

  auto start = call("POST", "/api/v1/me/2fa/enrolment", member);
  ASSERT_EQ(start.status, 200) << start.body;
  auto secret = auth::base32_decode(std::string(parsed(start)["secret"])).value();
  auto confirmed =
      call("POST", "/api/v1/me/2fa/confirm", member,
           json{{"code", auth::hotp(secret, auth::totp_step(s->clock->now()))}, {"password", "member password"}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(parsed(call("GET", "/api/v1/session", member))["two_factor_setup_required"], false);
  EXPECT_EQ(call("GET", "/api/v1/me/sessions", member).status, 200) << "set up: everything is open again";
  EXPECT_EQ(by_token("GET", "/api/v1/me/tokens").status, 200);
  EXPECT_EQ(jmap_session(member).status, 200);
  deps->jmap = nullptr;
}

TEST_F(ApiTest, ActivityLogFiltersPagesAndExports) {
  auto member = login("member@a.example", "member password");
  auto admin = login("admin@a.example", "admin password");
  login("member@b.example", "member password");
  ASSERT_EQ(call("POST", "/api/v1/me/tokens", member, json{{"label", "backup, \"nightly\""}}).status, 201);
  ASSERT_EQ(call("POST", "/api/v1/services/svc-a/lock", admin).status, 200);

  auto mine = parsed(call("GET", "/api/v1/activity", member))["entries"];
  ASSERT_FALSE(mine.empty());
  for (auto& e : mine) EXPECT_EQ(e["actor"], "member@a.example") << e.dump();
  auto actions = [](const json& entries) {
    std::set<std::string> out;
    for (auto& e : entries) out.insert(e["action"]);
    return out;
  };
  EXPECT_TRUE(actions(mine).contains("security.login"));
  EXPECT_TRUE(actions(mine).contains("security.token_created"));

  auto org = parsed(call("GET", "/api/v1/activity", admin))["entries"];
  EXPECT_TRUE(actions(org).contains("service.lock") || actions(org).contains("service.locked")) << org.dump();
  EXPECT_TRUE(actions(org).contains("security.token_created")) << "the admin sees the member's actions";
  for (auto& e : org) EXPECT_EQ(std::string(e["actor"]).find("@b.example"), std::string::npos) << "not B's";

  auto tokens = parsed(call("GET", "/api/v1/activity?product=security&action=security.token", admin))["entries"];
  ASSERT_EQ(tokens.size(), 1u);
  auto text = parsed(call("GET", "/api/v1/activity?q=NIGHTLY", admin))["entries"];
  ASSERT_EQ(text.size(), 1u) << "free text, any case";
  auto first = parsed(call("GET", "/api/v1/activity?limit=1", admin));
  ASSERT_EQ(first["entries"].size(), 1u);
  auto second = parsed(call("GET", "/api/v1/activity?limit=1&before=" + std::to_string(int(first["next"])), admin));
  ASSERT_EQ(second["entries"].size(), 1u);
  EXPECT_NE(first["entries"][0]["id"], second["entries"][0]["id"]);
  EXPECT_EQ(call("GET", "/api/v1/activity?since=yesterday", admin).status, 422);
  EXPECT_TRUE(parsed(call("GET", "/api/v1/activity?since=4000000000", admin))["entries"].empty());

  auto csv = call("GET", "/api/v1/activity?format=csv&action=security.token", admin);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_TRUE(csv.body.starts_with("id,time,actor,action,target,product,ip,detail\r\n"));
  EXPECT_NE(csv.body.find("\"backup, \"\"nightly\"\"\""), std::string::npos) << csv.body;
}

TEST_F(ApiTest, TheDescriptionListsEveryRouteAndEveryDescribedRouteAnswers) {
  auto admin = login("admin@a.example", "admin password");
  auto doc = parsed(call("GET", "/api/v1/openapi.json"));
  EXPECT_EQ(doc["openapi"], "3.0.3");
  std::size_t described = 0;
  for (auto& [path, ops] : doc["paths"].items()) {
    for (auto& [method, op] : ops.items()) {
      ++described;
      std::string target = path;
      for (auto p = target.find('{'); p != std::string::npos; p = target.find('{'))
        target.replace(p, target.find('}') - p + 1, "1");
      std::string m = method;
      for (auto& ch : m) ch = static_cast<char>(std::toupper(ch));
      auto r = call(m, target, admin, m == "GET" || m == "DELETE" ? std::nullopt : std::optional<json>(json::object()));
      EXPECT_NE(r.status, 405) << m << " " << target << ": " << r.body;
      if (r.status == 404) {
        EXPECT_NE(parsed(r)["error"]["message"], "no such API route") << m << " " << target;
      }
    }
  }
  std::size_t routes = 0;
  for (auto table : api::route_tables()) routes += table.size();
  EXPECT_EQ(described, routes);
}

// A member of organisation A, then an admin of A, against every route that
// names an object, with organisation B's objects: never a 2xx, never B's data.
TEST_F(ApiTest, NobodySeesAnotherOrganisationsObjects) {
  auto op = manage::Actor::operator_cli();
  auto device_b = s->manager->create_device_password(op, "box@b.example", "member@b.example", "phone").value();
  auto member_b = login("member@b.example", "member password");
  auto token_b = parsed(call("POST", "/api/v1/me/tokens", member_b, json{{"label", "b"}}));
  auto sessions_b = parsed(call("GET", "/api/v1/me/sessions", member_b))["sessions"];
  auto zone_b = s->manager->show_zone(op, "b.example").value();  // made when the domain was added
  auto record_b = zone_b.records.front().id;
  auto transfer_b =
      parsed(call("POST", "/api/v1/transfers", member_b, json{{"files", {{{"name", "b.bin"}, {"size", 3}}}}}));
  ASSERT_TRUE(transfer_b.contains("id")) << transfer_b.dump();
  std::map<std::string, std::string> of_b = {
      {"address", "box@b.example"}, {"login", "member@b.example"}, {"name", "svc-b"}, {"domain", "b.example"}};
  for (auto* who : {"member@a.example", "admin@a.example"}) {
    auto c = login(who, std::string(who).starts_with("admin") ? "admin password" : "member password");
    for (auto span : api::route_tables()) {
      for (auto& route : span) {
        std::string target(route.path);
        if (target.find('{') == std::string::npos) continue;
        bool is_token = target.find("/tokens/") != std::string::npos;
        bool is_session = target.find("/sessions/") != std::string::npos;
        bool is_record = target.find("/records/") != std::string::npos;
        bool is_transfer = target.find("/transfers/") != std::string::npos;
        for (auto p = target.find('{'); p != std::string::npos; p = target.find('{')) {
          auto name = target.substr(p + 1, target.find('}') - p - 1);
          std::string value = name == "file" ? std::to_string(int(transfer_b["files"][0]["id"]))
                              : name != "id" ? of_b.at(name)
                              : is_transfer  ? std::to_string(int(transfer_b["id"]))
                              : is_token     ? std::to_string(int(token_b["id"]))
                              : is_session   ? std::to_string(int(sessions_b[0]["id"]))
                              : is_record    ? std::to_string(record_b)
                                             : std::to_string(device_b.device.id);
          target.replace(p, name.size() + 2, value);
        }
        if (target.ends_with("/files/" + std::to_string(int(transfer_b["files"][0]["id"]))))
          target += "?offset=0";  // a piece for B's file, as B's own upload would send it
        auto r = call(std::string(route.method), target, c,
                      route.max_body ? std::optional<json>(json{{"label", "x"},
                                                                {"login", "member@a.example"},
                                                                {"type", "A"},
                                                                {"data", "192.0.2.1"},
                                                                {"records", {"v=spf1 -all"}},
                                                                {"save_sent", false},
                                                                {"role", "admin"},
                                                                {"may_change_special_folders", false}})
                                     : std::nullopt);
        EXPECT_TRUE(r.status == 403 || r.status == 404)
            << who << " " << route.method << " " << target << " → " << r.status << " " << r.body;
        EXPECT_EQ(r.body.find("@b.example"), std::string::npos) << who << " " << target;
      }
    }
  }
  // B's things are all still there.
  EXPECT_EQ(s->manager->show_zone(op, "b.example").value().records.size(), zone_b.records.size());
  EXPECT_EQ(call("GET", "/api/v1/me", member_b).status, 200);
  EXPECT_FALSE(s->store->device_password(device_b.device.id).value().revoked);
  EXPECT_EQ(parsed(call("GET", "/api/v1/me/tokens", member_b))["tokens"].size(), 1u);
  auto still = parsed(call("GET", "/api/v1/transfers", member_b))["transfers"];
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0]["received"], 0) << "no piece of B's file was written by A";
}

// A member against the routes only admins may use, with their own organisation's objects.
TEST_F(ApiTest, MembersCannotUseAdminRoutes) {
  auto c = login("member@a.example", "member password");
  const std::pair<const char*, const char*> admin_only[] = {
      {"POST", "/api/v1/users"},
      {"DELETE", "/api/v1/users/admin@a.example"},
      {"POST", "/api/v1/users/admin@a.example/unlock"},
      {"POST", "/api/v1/services/svc-a/lock"},
      {"POST", "/api/v1/services/svc-a/unlock"},
      {"POST", "/api/v1/addresses"},
      {"DELETE", "/api/v1/addresses/box@a.example"},
      {"GET", "/api/v1/addresses/box@a.example/users"},
      {"POST", "/api/v1/addresses/box@a.example/users"},
      {"POST", "/api/v1/addresses/box@a.example/users/member@a.example/disconnect"},
      {"DELETE", "/api/v1/addresses/box@a.example/users/member@a.example"},
      {"PATCH", "/api/v1/organisation/policy"},
      {"PATCH", "/api/v1/addresses/box@a.example"},
      {"PATCH", "/api/v1/users/admin@a.example"},
      {"PATCH", "/api/v1/addresses/box@a.example/users/member@a.example"},
      {"POST", "/api/v1/domains"},
      {"DELETE", "/api/v1/domains/a.example"},
  };
  for (auto [method, target] : admin_only) {
    auto r = call(method, target, c,
                  std::string(method) == "POST" || std::string(method) == "PATCH"
                      ? std::optional<json>(json{{"login", "member@a.example"},
                                                 {"address", "new@a.example"},
                                                 {"require_2fa", true},
                                                 {"save_sent", false},
                                                 {"role", "admin"},
                                                 {"may_change_special_folders", false},
                                                 {"service", "svc-a"},
                                                 {"name", "new.example"}})
                      : std::nullopt);
    EXPECT_TRUE(r.status == 403 || r.status == 404) << method << " " << target << " → " << r.status << " " << r.body;
  }
  EXPECT_FALSE(s->store->find_service("svc-a").value().locked);
  EXPECT_EQ(s->store->list_accesses(s->store->find_address("box@a.example").value().id).value().size(), 1u);
}

TEST_F(ApiTest, AdminsManageDomainsAndQuotas) {
  auto admin = login("admin@a.example", "admin password");
  auto added = call("POST", "/api/v1/domains", admin, json{{"service", "svc-a"}, {"name", "new-a.example"}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(parsed(added)["verified"], false) << "an admin's claim waits for its DNS record";
  EXPECT_EQ(parsed(added)["verification"]["name"], "_estafeta.new-a.example");
  EXPECT_EQ(call("POST", "/api/v1/domains", admin, json{{"service", "svc-b"}, {"name", "x.example"}}).status, 404);
  EXPECT_EQ(call("DELETE", "/api/v1/domains/new-a.example", admin).status, 204);
  auto patched =
      call("PATCH", "/api/v1/addresses/box@a.example", admin, json{{"quota_bytes", 1048576}, {"save_sent", false}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(parsed(patched)["quota_bytes"], 1048576);
  EXPECT_EQ(parsed(patched)["save_sent"], false);
  auto cleared = call("PATCH", "/api/v1/addresses/box@a.example", admin, json{{"quota_bytes", nullptr}});
  EXPECT_TRUE(parsed(cleared)["quota_bytes"].is_null());
  auto bad = call("PATCH", "/api/v1/addresses/box@a.example", admin, json{{"quota_bytes", "lots"}});
  EXPECT_EQ(parsed(bad)["error"]["field"], "quota_bytes");
}

TEST_F(ApiTest, AdminsChangeRolesAndPermissions) {
  auto admin = login("admin@a.example", "admin password");
  auto member = login("member@a.example", "member password");
  auto demote = call("PATCH", "/api/v1/users/admin@a.example", admin, json{{"role", "member"}});
  EXPECT_EQ(demote.status, 409) << "the last administrator keeps the role";
  EXPECT_EQ(parsed(demote)["error"]["field"], "role");
  auto promoted = call("PATCH", "/api/v1/users/member@a.example", admin, json{{"role", "legal"}});
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(parsed(promoted)["role"], "legal");
  EXPECT_EQ(call("PATCH", "/api/v1/users/admin@a.example", admin, json{{"role", "member"}}).status, 200)
      << "now another one manages the organisation";
  auto renamed = call("PATCH", "/api/v1/users/member@a.example", member, json{{"display_name", "Marta"}});
  EXPECT_EQ(parsed(renamed)["display_name"], "Marta") << "a user renames themselves";
  auto perm = call("PATCH", "/api/v1/addresses/box@a.example/users/member@a.example", member,
                   json{{"may_change_special_folders", false}});
  ASSERT_EQ(perm.status, 200) << perm.body;
  auto access = s->store->find_access(s->store->find_address("box@a.example").value().id,
                                      s->store->find_user("member@a.example").value().id);
  EXPECT_FALSE(access.value().may_change_special_folders);
}

TEST_F(ApiTest, ZonesRecordsSpfAndDkimThroughTheApi) {
  auto admin = login("admin@a.example", "admin password");
  auto member = login("member@a.example", "member password");
  // The operator's domain got its zone when it was added.
  EXPECT_EQ(call("POST", "/api/v1/zones", admin, json{{"domain", "a.example"}}).status, 409);
  auto zone = parsed(call("GET", "/api/v1/zones/a.example", admin));
  EXPECT_EQ(zone["domain"], "a.example");
  EXPECT_FALSE(zone["records"].empty());
  auto listed = parsed(call("GET", "/api/v1/zones", admin))["zones"];
  ASSERT_EQ(listed.size(), 1u) << "not organisation B's";
  EXPECT_EQ(call("POST", "/api/v1/zones/a.example/records", member, json{{"type", "A"}, {"data", "192.0.2.9"}}).status,
            403);
  auto added = call("POST", "/api/v1/zones/a.example/records", admin,
                    json{{"name", "www"}, {"type", "A"}, {"data", "192.0.2.10"}, {"ttl", 300}});
  ASSERT_EQ(added.status, 201) << added.body;
  auto id = std::to_string(int(parsed(added)["id"]));
  EXPECT_EQ(parsed(added)["name"], "www.a.example");
  auto second_spf = call("POST", "/api/v1/zones/a.example/records", admin,
                         json{{"name", "@"}, {"type", "TXT"}, {"data", "v=spf1 -all"}});
  EXPECT_EQ(second_spf.status, 422) << "one SPF per name: " << second_spf.body;
  EXPECT_EQ(parsed(second_spf)["error"]["field"], "name") << "refused by the field the form shows it under";
  EXPECT_NE(std::string(parsed(second_spf)["error"]["message"]).find("v=spf1"), std::string::npos)
      << "it names the record there is";
  auto edited = call("PATCH", "/api/v1/zones/a.example/records/" + id, admin,
                     json{{"name", "www"}, {"type", "A"}, {"data", "192.0.2.11"}});
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(parsed(edited)["data"], "192.0.2.11");
  EXPECT_EQ(call("DELETE", "/api/v1/zones/a.example/records/" + id, member).status, 403);
  EXPECT_EQ(call("DELETE", "/api/v1/zones/a.example/records/" + id, admin).status, 204);
  auto merged = call("POST", "/api/v1/zones/a.example/spf/merge", admin,
                     json{{"records",
                           {"v=spf1 include:a.example.net ?all", "v=spf1 include:c.example.net ~all",
                            "v=spf1 include:a.example.net -all"}}});
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(parsed(merged)["record"], "v=spf1 include:a.example.net include:c.example.net -all");
  auto keys = parsed(call("GET", "/api/v1/zones/a.example/dkim", admin))["keys"];
  ASSERT_EQ(keys.size(), 2u) << "Ed25519 and RSA";
  auto rotated = parsed(call("POST", "/api/v1/zones/a.example/dkim/rotate", admin, json{{"now", true}}))["keys"];
  EXPECT_EQ(rotated.size(), 4u);
  auto activity = parsed(call("GET", "/api/v1/activity?product=console", admin))["entries"];
  EXPECT_FALSE(activity.empty()) << "zone changes are in the activity log";
}

TEST_F(ApiTest, AppleProfileAndDomainDiagnostic) {
  auto member = login("member@a.example", "member password");
  auto plain = call("POST", "/api/v1/addresses/box@a.example/profile", member);
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.content_type, "application/x-apple-aspen-config");
  EXPECT_NE(plain.body.find("<plist"), std::string::npos);
  EXPECT_NE(plain.body.find("box@a.example"), std::string::npos);
  auto with_device = call("POST", "/api/v1/addresses/box@a.example/profile", member, json{{"device", "iPhone"}});
  ASSERT_EQ(with_device.status, 200) << with_device.body;
  auto devices = parsed(call("GET", "/api/v1/addresses/box@a.example/devices", member))["devices"];
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0]["label"], "iPhone") << "a new device password, inside the profile only";

  dns::StaticResolver dns;
  ASSERT_TRUE(dns.add("a.example", dns::RecordType::mx, "10 mail.example.org"));
  api->resolver = &dns;
  api->certificate = [] { return manage::CertificateView{{"mail.example.org"}, 4102444800, false}; };
  auto admin = login("admin@a.example", "admin password");
  auto d = call("GET", "/api/v1/domains/a.example/diagnostic", admin);
  ASSERT_EQ(d.status, 200) << d.body;
  auto diagnosis = parsed(d);
  std::set<std::string> items;
  for (auto& i : diagnosis["items"]) items.insert(i["name"]);
  EXPECT_TRUE(items.contains("mx") && items.contains("spf") && items.contains("tls")) << d.body;
  EXPECT_EQ(diagnosis["ok"], false) << "no SPF, DKIM or DMARC published in this DNS";
  EXPECT_EQ(call("GET", "/api/v1/domains/a.example/diagnostic", member).status, 403);
}

TEST_F(ApiTest, BadQueryAndBodyValuesNameTheirField) {
  auto admin = login("admin@a.example", "admin password");
  auto field = [&](const Response& r) { return std::string(parsed(r)["error"].value("field", "")); };
  for (auto* target : {"/api/v1/me/logins?before=x", "/api/v1/me/logins?limit=0", "/api/v1/me/logins?limit=501",
                       "/api/v1/activity?limit=1001", "/api/v1/activity?before=-1"}) {
    auto r = call("GET", target, admin);
    EXPECT_EQ(r.status, 422) << target;
  }
  EXPECT_EQ(field(call("GET", "/api/v1/activity?q=" + std::string(201, 'x'), admin)), "q");
  auto ttl =
      call("POST", "/api/v1/zones/a.example/records", admin, json{{"type", "A"}, {"data", "192.0.2.1"}, {"ttl", -5}});
  EXPECT_EQ(field(ttl), "ttl");
  EXPECT_EQ(field(call("POST", "/api/v1/zones/a.example/records", admin, json{{"data", "192.0.2.1"}})), "type");
  for (auto bad : {json{{"records", json::array()}}, json{{"records", {1, 2}}}, json{{"records", "v=spf1 -all"}}})
    EXPECT_EQ(field(call("POST", "/api/v1/zones/a.example/spf/merge", admin, bad)), "records") << bad.dump();
  EXPECT_EQ(field(call("PATCH", "/api/v1/me/security", admin, json{{"language", "fr"}})), "language");
  EXPECT_EQ(field(call("PATCH", "/api/v1/me/security", admin, json{{"alert_on_success", "yes"}})), "alert_on_success");
}

TEST_F(ApiTest, WrongPasswordConfirmationsFromOneAddressAreThrottled) {
  auto member = login("member@a.example", "member password");
  int throttled = 0;
  for (int i = 0; i < 20 && !throttled; ++i) {
    auto r = call("DELETE", "/api/v1/me", member, json{{"password", "guess " + std::to_string(i)}});
    if (r.status == 429) {
      ++throttled;
      EXPECT_EQ(parsed(r)["error"]["code"], "throttled");
    } else {
      EXPECT_EQ(r.status, 403) << r.body;
    }
  }
  EXPECT_EQ(throttled, 1) << "a stolen session cannot guess the password at Argon2 speed";
  EXPECT_TRUE(s->store->find_user("member@a.example")) << "nothing was deleted";
}

TEST_F(ApiTest, DeletingOnesOwnAccountNeedsThePasswordAndKeepsTheLastAdmin) {
  auto member = login("member@a.example", "member password");
  auto admin = login("admin@a.example", "admin password");
  EXPECT_EQ(call("DELETE", "/api/v1/me", member, json{{"password", "wrong"}}).status, 403);
  auto last = call("DELETE", "/api/v1/me", admin, json{{"password", "admin password"}});
  EXPECT_EQ(last.status, 409) << "the organisation's last administrator";
  ASSERT_EQ(call("DELETE", "/api/v1/me", member, json{{"password", "member password"}}).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/me", member).status, 401);
  EXPECT_FALSE(s->store->find_user("member@a.example"));
  EXPECT_TRUE(s->store->find_address("box@a.example")) << "the address stays";
}

// An administrator deletes others' accounts, and their own only with their
// password: not through the administrators' route, whatever the case of
// the login (a stolen session or API token would do).
TEST_F(ApiTest, OnesOwnAccountIsNotDeletedThroughTheAdministratorsRoute) {
  auto admin = login("admin@a.example", "admin password");
  auto promoted =
      call("PATCH", "/api/v1/users/member@a.example", admin, json{{"role", "admin"}, {"display_name", "Member"}});
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  auto member = login("member@a.example", "member password");
  for (auto* self : {"/api/v1/users/member@a.example", "/api/v1/users/Member@A.example"}) {
    auto r = call("DELETE", self, member);
    EXPECT_EQ(r.status, 403) << self;
    EXPECT_NE(parsed(r)["error"]["message"].get<std::string>().find("/api/v1/me"), std::string::npos);
  }
  EXPECT_TRUE(s->store->find_user("member@a.example"));
  EXPECT_EQ(call("DELETE", "/api/v1/users/member@a.example", admin).status, 204) << "another administrator may";
  EXPECT_FALSE(s->store->find_user("member@a.example"));
}

TEST_F(ApiTest, AMemberManagesTheirOwnDevicePasswords) {
  auto c = login("member@a.example", "member password");
  auto mine = parsed(call("GET", "/api/v1/me/addresses", c))["addresses"];
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["address"], "box@a.example");
  auto created = call("POST", "/api/v1/addresses/box@a.example/devices", c, json{{"label", "phone"}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto device = parsed(created);
  EXPECT_EQ(std::string(device["password"]).size(), 39u) << "32 characters in groups of four";
  auto listed = parsed(call("GET", "/api/v1/addresses/box@a.example/devices", c))["devices"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_FALSE(listed[0].contains("password"));
  auto admin = login("admin@a.example", "admin password");
  auto someone_else =
      call("POST", "/api/v1/addresses/box@a.example/devices", c, json{{"label", "x"}, {"login", "admin@a.example"}});
  EXPECT_TRUE(someone_else.status == 403 || someone_else.status == 404) << someone_else.body;
  EXPECT_EQ(call("DELETE", "/api/v1/devices/" + std::to_string(int(device["id"])), c).status, 204);
  auto after = parsed(call("GET", "/api/v1/addresses/box@a.example/devices", admin))["devices"];
  EXPECT_EQ(after[0]["revoked"], true);
}

TEST_F(ApiTest, PreferencesFollowTheUserAndAreTheirsAlone) {
  auto member = login("member@a.example", "member password");
  auto admin = login("admin@a.example", "admin password");
  EXPECT_EQ(parsed(call("GET", "/api/v1/me/preferences", member)), json::object());
  json prefs = {{"readReceipts", "ask"}, {"theme", "dark"}, {"remoteImages", {"news@shop.example"}}};
  auto put = call("PUT", "/api/v1/me/preferences", member, prefs);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(parsed(call("GET", "/api/v1/me/preferences", member)), prefs);
  EXPECT_EQ(parsed(call("GET", "/api/v1/me/preferences", admin)), json::object()) << "another user's are not shown";
  auto again = login("member@a.example", "member password");
  EXPECT_EQ(parsed(call("GET", "/api/v1/me/preferences", again)), prefs) << "from another browser too";

  auto big = call("PUT", "/api/v1/me/preferences", member, json{{"notes", std::string(17 * 1024, 'x')}});
  EXPECT_EQ(big.status, 413) << big.body;
  auto list = call("PUT", "/api/v1/me/preferences", member, json::array({1, 2}));
  EXPECT_EQ(list.status, 400) << list.body;
  EXPECT_EQ(parsed(call("GET", "/api/v1/me/preferences", member)), prefs) << "refused changes change nothing";
  auto activity = parsed(call("GET", "/api/v1/activity?product=mail", member))["entries"];
  ASSERT_FALSE(activity.empty());
  EXPECT_EQ(activity[0]["action"], "mail.preferences_changed");
}

TEST_F(ApiTest, ChangingThePasswordNeedsTheCurrentOneAndEndsOtherSessions) {
  auto here = login("member@a.example", "member password");
  auto elsewhere = login("member@a.example", "member password");
  auto wrong = call("POST", "/api/v1/me/password", here,
                    json{{"current_password", "not it"}, {"new_password", "a brand new passphrase"}});
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_EQ(parsed(wrong)["error"]["field"], "current_password");
  auto weak = call("POST", "/api/v1/me/password", here,
                   json{{"current_password", "member password"}, {"new_password", "short"}});
  EXPECT_EQ(weak.status, 422) << weak.body;
  EXPECT_EQ(parsed(weak)["error"]["field"], "new_password");
  EXPECT_EQ(call("GET", "/api/v1/me", elsewhere).status, 200) << "refused changes end nothing";
  auto ok = call("POST", "/api/v1/me/password", here,
                 json{{"current_password", "member password"}, {"new_password", "a brand new passphrase"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(parsed(ok)["sessions_ended"], 1);
  EXPECT_EQ(call("GET", "/api/v1/me", here).status, 200) << "this session stays";
  EXPECT_EQ(call("GET", "/api/v1/me", elsewhere).status, 401) << "the other one is logged out";
  EXPECT_EQ(
      call("POST", "/api/v1/session", {}, json{{"login", "member@a.example"}, {"password", "member password"}}).status,
      401);
  login("member@a.example", "a brand new passphrase");
  auto activity = parsed(call("GET", "/api/v1/activity?product=security", here))["entries"];
  bool logged = false;
  for (auto& e : activity) logged = logged || e["action"] == "security.password_changed";
  EXPECT_TRUE(logged) << activity.dump();
}

TEST_F(ApiTest, TheTraceOfAnAddressIsForItsUsersAndAdminsOnly) {
  auto box = s->store->find_address("box@a.example").value();
  auto now = s->clock->now();
  s->store
      ->append_trace({.address_id = box.id,
                      .queue_id = "Q1",
                      .direction = store::TraceDirection::in,
                      .sender = "ana@elsewhere.example",
                      .recipient = "box@a.example",
                      .status = store::TraceStatus::delivered,
                      .time = now - 60})
      .value();
  s->store
      ->append_trace({.address_id = box.id,
                      .queue_id = "Q0",
                      .direction = store::TraceDirection::out,
                      .sender = "box@a.example",
                      .recipient = "old@elsewhere.example",
                      .status = store::TraceStatus::delivered,
                      .time = now - 30 * 24 * 3600})
      .value();
  auto member = login("member@a.example", "member password");
  auto r = call("GET", "/api/v1/addresses/box@a.example/trace", member);
  ASSERT_EQ(r.status, 200) << r.body;
  auto entries = parsed(r)["entries"];
  ASSERT_EQ(entries.size(), 1u) << "the last 7 days by default";
  EXPECT_EQ(entries[0]["queue_id"], "Q1");
  EXPECT_EQ(entries[0]["direction"], "in");
  EXPECT_EQ(entries[0]["status"], "delivered");
  auto all = parsed(call("GET", "/api/v1/addresses/box@a.example/trace?since=1", member))["entries"];
  EXPECT_EQ(all.size(), 2u);
  EXPECT_EQ(call("GET", "/api/v1/addresses/box@a.example/trace?limit=0", member).status, 422);
  EXPECT_EQ(call("GET", "/api/v1/addresses/box@a.example/trace?since=yesterday", member).status, 422);
  EXPECT_EQ(call("GET", "/api/v1/addresses/box@a.example/trace", login("admin@a.example", "admin password")).status,
            200);
  for (auto* other : {"member@b.example", "admin@b.example"}) {
    auto theirs = call("GET", "/api/v1/addresses/box@a.example/trace?since=1",
                       login(other, other == std::string("member@b.example") ? "member password" : "admin password"));
    EXPECT_TRUE(theirs.status == 403 || theirs.status == 404) << other << ": " << theirs.body;
    EXPECT_EQ(theirs.body.find("Q1"), std::string::npos);
  }
}

// JMAP over HTTP across organisations: a member of A, with A's device
// password or A's session, asks for B's account and B's blobs, and gets
// accountNotFound and 404s, never data.
TEST_F(ApiTest, JmapNeverServesAnotherOrganisationsAccountOrBlobs) {
  web::JmapHttp jmap(jmap::Deps{.store = *s->store, .blobs = *s->blobs, .deliverer = *s->deliverer, .hostname = "x"},
                     *s->logins, *s->web_logins);
  deps->jmap = &jmap;
  auto op = manage::Actor::operator_cli();
  auto a_device = s->manager->create_device_password(op, "box@a.example", "member@a.example", "phone").value();
  auto b_box = s->store->find_address("box@b.example").value();
  auto b_inbox = s->store->find_mailbox(b_box.id, "INBOX").value();
  std::string secret = "From: x@b.example\r\nSubject: B's secret\r\n\r\nsecret\r\n";
  s->deliverer->deliver(secret, {{b_inbox.ref(), 0, {}, 1}}).value();
  auto hash = store::BlobStore::hash_of(secret);
  auto b_account = "a" + std::to_string(b_box.id);
  auto a_account = "a" + std::to_string(s->store->find_address("box@a.example").value().id);
  auto basic = "Basic " + base64_encode("box@a.example:" + a_device.password);
  auto member = login("member@a.example", "member password");
  for (auto& auth : std::vector<std::map<std::string, std::string>>{
           {{"authorization", basic}},
           {{"cookie", "estafeta_session=" + member.cookie}, {"x-csrf-token", member.csrf}}}) {
    auto headers = auth;
    headers["content-type"] = "application/json";
    json req = {{"using", {"urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"}},
                {"methodCalls",
                 {{"Email/query", {{"accountId", b_account}}, "0"}, {"Mailbox/get", {{"accountId", b_account}}, "1"}}}};
    Request r{"POST", "/jmap/api", headers, req.dump(), "127.0.0.1", false};
    auto answer = handle(*deps, r);
    ASSERT_EQ(answer.status, 200) << answer.body;
    auto calls = json::parse(answer.body)["methodResponses"];
    EXPECT_EQ(calls[0][1]["type"], "accountNotFound");
    EXPECT_EQ(calls[1][1]["type"], "accountNotFound");
    for (auto account : {b_account, a_account}) {
      Request get{"GET", "/jmap/download/" + account + "/b" + hash + "/x.eml", auth, "", "127.0.0.1", false};
      auto d = handle(*deps, get);
      EXPECT_EQ(d.status, 404) << account;
      EXPECT_EQ(d.body.find("secret"), std::string::npos);
      Request part{"GET", "/jmap/download/" + account + "/b" + hash + "_1/x.txt", auth, "", "127.0.0.1", false};
      EXPECT_EQ(handle(*deps, part).status, 404) << account;
    }
    Request upload{"POST", "/jmap/upload/" + b_account + "/", auth, "bytes", "127.0.0.1", false};
    EXPECT_EQ(handle(*deps, upload).status, 404);
  }
  // The session resource lists A's own account only.
  Request session{"GET", "/jmap/session", {{"authorization", basic}}, "", "127.0.0.1", false};
  auto accounts = json::parse(handle(*deps, session).body)["accounts"];
  EXPECT_TRUE(accounts.contains(a_account));
  EXPECT_FALSE(accounts.contains(b_account));
  deps->jmap = nullptr;
}

}  // namespace
}  // namespace estafeta::web
