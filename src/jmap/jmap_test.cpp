// JMAP through jmap::api, without HTTP: request-level problems, method
// errors, result references, mailboxes, emails written and read back,
// keywords and moves, changes, queries, and one account never reaching
// another's data.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "core/testing.hpp"
#include "jmap/api.hpp"
#include "jmap/method.hpp"
#include "mime/parsed_message.hpp"
#include "server/services.hpp"
#include "smtp/submit.hpp"

namespace estafeta::jmap {
namespace {

using nlohmann::json;

class JmapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mime::init();
    auto config = std::make_shared<Config>();
    config->data_dir = m_dir.path();
    config->hostname = "mail.example.org";
    s = server::open_services(config).value();
    smtp.emplace(smtp::Deps{.hostname = "mail.example.org",
                            .limits = s->config->limits,
                            .accounts = *s->store,
                            .mailboxes = *s->store,
                            .bus = *s->bus,
                            .clock = *s->clock,
                            .logins = *s->logins,
                            .deliverer = *s->deliverer,
                            .resolver = *s->resolver,
                            .emails = s->store.get()});
    // Sending as the server does (server/serve.cpp): the submission rules of smtp/submit.hpp.
    auto send = [this](const Outgoing& o) -> std::expected<std::string, SendRefusal> {
      auto r = smtp::submit_direct(*smtp, {o.user_id, o.ip, o.mail_from, o.rcpt_to, o.message});
      if (r) return *r;
      using K = smtp::SubmitRefusal;
      auto k = r.error().kind;
      return std::unexpected(SendRefusal{k == K::forbidden_from       ? "forbiddenFrom"
                                         : k == K::invalid_recipients ? "invalidRecipients"
                                                                      : "serverFail",
                                         r.error().recipients, r.error().text});
    };
    deps.emplace(Deps{.store = *s->store,
                      .blobs = *s->blobs,
                      .deliverer = *s->deliverer,
                      .bus = s->bus.get(),
                      .hostname = "mail.example.org",
                      .send = send});
    auto op = manage::Actor::operator_cli();
    auto& m = *s->manager;
    for (auto org : {"a", "b"}) {
      m.create_organisation(op, org).value();
      m.create_user(op, org, std::string("user@") + org + ".example", "User", store::Role::member,
                    "a long user password")
          .value();
      m.create_service(op, org, std::string("svc-") + org).value();
      m.add_domain(op, std::string("svc-") + org, std::string(org) + ".example").value();
      auto address = m.create_address(op, std::string("box@") + org + ".example").value();
      auto access = m.grant_access(op, address.address, std::string("user@") + org + ".example", true).value();
      auto& who = std::string(org) == "a" ? alice : bob;
      who.accounts.push_back({address, access, true});
      who.user_id = s->store->find_user(std::string("user@") + org + ".example").value().id;
    }
    alice.username = "user@a.example";
    bob.username = "user@b.example";
    a = account_id(alice.accounts[0].address.id);
    b = account_id(bob.accounts[0].address.id);
  }

  Reply raw(const Principal& who, const std::string& body, const std::string& type = "application/json") {
    return api(*deps, who, type, body);
  }
  // The method responses of a request with these calls.
  json calls(const Principal& who, json method_calls) {
    json req = {{"using",
                 {std::string(kCore), std::string(kMail), std::string(kSubmission), std::string(kQuota),
                  std::string(kVacation), std::string(kMdn)}},
                {"methodCalls", std::move(method_calls)}};
    auto r = raw(who, req.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body)["methodResponses"];
  }
  json call(const Principal& who, const std::string& name, json args) {
    auto out = calls(who, json::array({json::array({name, std::move(args), "c"})}));
    return out[0];
  }
  std::string mailbox(const std::string& account, const std::string& role) {
    auto r = call(alice, "Mailbox/get", {{"accountId", account}});
    for (auto& m : r[1]["list"])
      if (m["role"] == role) return m["id"];
    ADD_FAILURE() << "no mailbox with role " << role;
    return "";
  }
  // Creates a plain text email in the mailbox; its id.
  std::string create(const std::string& box, const std::string& subject, json extra = json::object()) {
    json email = {{"mailboxIds", {{box, true}}},
                  {"from", {{{"name", "Ana Pérez"}, {"email", "ana@a.example"}}}},
                  {"to", {{{"email", "bob@b.example"}}}},
                  {"subject", subject},
                  {"bodyValues", {{"t", {{"value", "Hola, qué tal\nsegunda línea"}}}}},
                  {"textBody", {{{"partId", "t"}, {"type", "text/plain"}}}}};
    for (auto& [k, v] : extra.items()) email[k] = v;
    auto r = call(alice, "Email/set", {{"accountId", a}, {"create", {{"k1", email}}}});
    EXPECT_EQ(r[0], "Email/set") << r.dump();
    EXPECT_TRUE(r[1]["created"].contains("k1")) << r.dump();
    return r[1]["created"]["k1"].value("id", "");
  }

  // Alice also gets access to a second address, team@a.example: a second
  // account. Its id.
  std::string share_team_address() {
    auto& m = *s->manager;
    auto op = manage::Actor::operator_cli();
    auto shared = m.create_address(op, "team@a.example").value();
    auto access = m.grant_access(op, shared.address, "user@a.example", true).value();
    alice.accounts.push_back({shared, access, false});
    return account_id(shared.id);
  }

  testing::TempDir m_dir{"jmap"};
  std::unique_ptr<server::Services> s;
  std::optional<smtp::Deps> smtp;
  std::optional<Deps> deps;
  Principal alice, bob;
  std::string a, b;
};

TEST_F(JmapTest, RequestLevelProblems) {
  auto type_of = [&](const Reply& r) { return json::parse(r.body)["type"].get<std::string>(); };
  auto r = raw(alice, "{nope");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(type_of(r), "urn:ietf:params:jmap:error:notJSON");
  EXPECT_EQ(type_of(raw(alice, "{}", "text/plain")), "urn:ietf:params:jmap:error:notJSON");
  EXPECT_EQ(type_of(raw(alice, R"({"using":[],"methodCalls":[],"using":["urn:x"]})")),
            "urn:ietf:params:jmap:error:notJSON")
      << "I-JSON: a name twice in one object (RFC 7493 §2.3)";
  EXPECT_EQ(
      raw(alice,
          R"({"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"a":{"x":1},"b":{"x":2}},"c"]]})")
          .status,
      200)
      << "the same name in two objects is fine";
  EXPECT_EQ(type_of(raw(alice, "{}", "Application/JSON; charset=utf-8")), "urn:ietf:params:jmap:error:notRequest")
      << "media types compare without regard to case";
  EXPECT_EQ(type_of(raw(alice, R"({"using":[]})")), "urn:ietf:params:jmap:error:notRequest");
  EXPECT_EQ(type_of(raw(alice, R"({"using":[],"methodCalls":[["Core/echo",{}]]})")),
            "urn:ietf:params:jmap:error:notRequest");
  EXPECT_EQ(type_of(raw(alice, R"({"using":["urn:x"],"methodCalls":[]})")),
            "urn:ietf:params:jmap:error:unknownCapability");
  json many = json::array();
  for (int i = 0; i < 40; ++i) many.push_back(json::array({"Core/echo", json::object(), "c"}));
  r = raw(alice, json{{"using", {std::string(kCore)}}, {"methodCalls", many}}.dump());
  EXPECT_EQ(type_of(r), "urn:ietf:params:jmap:error:limit");
  EXPECT_EQ(json::parse(r.body)["limit"], "maxCallsInRequest");
}

// A request nested a million deep is 2 MB, under maxSizeRequest; copying
// its arguments recursed once per level and overflowed the stack.
TEST_F(JmapTest, DeeplyNestedRequestIsRefused) {
  auto nested = [](int depth) {
    return R"({"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"x":)" + std::string(depth, '[') +
           std::string(depth, ']') + R"(},"c"]]})";
  };
  auto r = raw(alice, nested(1'000'000));
  EXPECT_EQ(r.status, 400);
  auto problem = json::parse(r.body);
  EXPECT_EQ(problem["type"], "urn:ietf:params:jmap:error:notJSON");
  EXPECT_NE(problem.value("detail", "").find("deeper than 64"), std::string::npos) << r.body;
  // The request object and its call take 4 levels; 55 more still pass.
  auto echoed = json::parse(raw(alice, nested(55)).body);
  ASSERT_TRUE(echoed.contains("methodResponses")) << echoed.dump().substr(0, 200);
  EXPECT_EQ(echoed["methodResponses"][0][0], "Core/echo");
  EXPECT_EQ(json::parse(raw(alice, nested(70)).body)["type"], "urn:ietf:params:jmap:error:notJSON");
}

TEST_F(JmapTest, MethodErrorsAndEcho) {
  auto echo = call(alice, "Core/echo", {{"hello", true}});
  EXPECT_EQ(echo, json::array({"Core/echo", {{"hello", true}}, "c"}));
  // Without the mail capability, mail methods are unknown.
  json req = {{"using", json::array()}, {"methodCalls", {{"Mailbox/get", {{"accountId", a}}, "x"}}}};
  auto r = json::parse(raw(alice, req.dump()).body)["methodResponses"][0];
  EXPECT_EQ(r[0], "error");
  EXPECT_EQ(r[1]["type"], "unknownMethod");
  EXPECT_EQ(call(alice, "Nope/get", json::object())[1]["type"], "unknownMethod");
  EXPECT_EQ(call(alice, "Mailbox/get", json::object())[1]["type"], "invalidArguments");
  EXPECT_EQ(call(alice, "Mailbox/get", {{"accountId", a}, {"bogus", 1}})[1]["type"], "invalidArguments");
  EXPECT_EQ(call(alice, "Email/changes", {{"accountId", a}, {"sinceState", "999999"}})[1]["type"],
            "cannotCalculateChanges");
  EXPECT_EQ(call(alice, "Email/query", {{"accountId", a}, {"filter", {{"nope", 1}}}})[1]["type"], "unsupportedFilter");
  EXPECT_EQ(call(alice, "Email/query", {{"accountId", a}, {"anchor", "e999999"}})[1]["type"], "anchorNotFound");
  auto stale = call(alice, "Email/set", {{"accountId", a}, {"ifInState", "0"}, {"destroy", json::array()}});
  EXPECT_EQ(stale[1]["type"], "stateMismatch");
}

TEST_F(JmapTest, AnotherOrganisationsAccountIsNotFoundForEveryMethod) {
  auto inbox_b = call(bob, "Mailbox/get", {{"accountId", b}})[1]["list"][0]["id"];
  for (auto method :
       {"Mailbox/get", "Mailbox/changes", "Mailbox/query", "Mailbox/queryChanges", "Mailbox/set", "Thread/get",
        "Thread/changes", "Email/get", "Email/changes", "Email/query", "Email/queryChanges", "Email/set"}) {
    auto r = call(alice, method, {{"accountId", b}, {"ids", {inbox_b}}, {"sinceState", "1"}, {"sinceQueryState", "1"}});
    EXPECT_EQ(r[0], "error") << method;
    EXPECT_EQ(r[1]["type"], "accountNotFound") << method;
  }
  // An id of the other account, in one's own account, is simply not found.
  auto id = create(mailbox(a, "inbox"), "mine");
  auto r = call(bob, "Email/get", {{"accountId", b}, {"ids", {id}}});
  EXPECT_EQ(r[1]["notFound"], json::array({id}));
  EXPECT_TRUE(r[1]["list"].empty());
}

TEST_F(JmapTest, MailboxesHaveRolesCountsAndRights) {
  auto r = call(alice, "Mailbox/get", {{"accountId", a}});
  std::set<std::string> roles;
  for (auto& m : r[1]["list"])
    if (!m["role"].is_null()) roles.insert(m["role"]);
  EXPECT_EQ(roles, (std::set<std::string>{"inbox", "drafts", "sent", "trash", "archive", "junk"}));
  auto inbox = mailbox(a, "inbox");
  create(inbox, "one");
  auto got = call(alice, "Mailbox/get",
                  {{"accountId", a}, {"ids", {inbox}}, {"properties", {"totalEmails", "unreadEmails", "myRights"}}});
  auto m = got[1]["list"][0];
  EXPECT_EQ(m["totalEmails"], 1);
  EXPECT_EQ(m["unreadEmails"], 1);
  EXPECT_FALSE(m["myRights"]["mayDelete"]);
  EXPECT_FALSE(m.contains("name")) << "only the properties asked";
}

TEST_F(JmapTest, MailboxSetCreatesRenamesAndDestroys) {
  auto r = call(
      alice, "Mailbox/set",
      {{"accountId", a}, {"create", {{"p", {{"name", "Projects"}}}, {"c", {{"name", "2026"}, {"parentId", "#p"}}}}}});
  ASSERT_TRUE(r[1]["created"].contains("c")) << r.dump();
  auto parent = r[1]["created"]["p"]["id"].get<std::string>();
  auto child = r[1]["created"]["c"]["id"].get<std::string>();
  auto got = call(alice, "Mailbox/get", {{"accountId", a}, {"ids", {child}}})[1]["list"][0];
  EXPECT_EQ(got["name"], "2026");
  EXPECT_EQ(got["parentId"], parent);
  // A parent with children cannot go; a rename keeps the child under it.
  r = call(alice, "Mailbox/set", {{"accountId", a}, {"destroy", {parent}}, {"update", {{parent, {{"name", "Work"}}}}}});
  EXPECT_EQ(r[1]["notDestroyed"][parent]["type"], "mailboxHasChild");
  EXPECT_TRUE(r[1]["updated"].contains(parent));
  EXPECT_EQ(s->store->find_mailbox(alice.accounts[0].address.id, "Work/2026").value().id, std::stoll(child.substr(1)));
  r = call(alice, "Mailbox/set", {{"accountId", a}, {"create", {{"d", {{"name", "Work"}}}}}});
  EXPECT_EQ(r[1]["notCreated"]["d"]["type"], "alreadyExists");
  EXPECT_EQ(r[1]["notCreated"]["d"]["existingId"], parent);
  // INBOX keeps its name; a folder with mail needs onDestroyRemoveEmails.
  auto inbox = mailbox(a, "inbox");
  r = call(alice, "Mailbox/set", {{"accountId", a}, {"update", {{inbox, {{"name", "X"}}}}}});
  EXPECT_EQ(r[1]["notUpdated"][inbox]["type"], "forbidden");
  create(child, "filed");
  r = call(alice, "Mailbox/set", {{"accountId", a}, {"destroy", {child}}});
  EXPECT_EQ(r[1]["notDestroyed"][child]["type"], "mailboxHasEmail");
  r = call(alice, "Mailbox/set", {{"accountId", a}, {"destroy", {child}}, {"onDestroyRemoveEmails", true}});
  EXPECT_EQ(r[1]["destroyed"], json::array({child}));
}

// Without the permission to change special folders, neither a special
// folder nor a parent of one (its children move with it) is renamed.
TEST_F(JmapTest, SpecialFoldersMoveOnlyWithThePermission) {
  auto r =
      call(alice, "Mailbox/set",
           {{"accountId", a},
            {"create", {{"p", {{"name", "Keep"}}}, {"c", {{"name", "Bin"}, {"parentId", "#p"}, {"role", "junk"}}}}}});
  ASSERT_TRUE(r[1]["created"].contains("c")) << r.dump();
  auto parent = r[1]["created"]["p"]["id"].get<std::string>();
  auto limited = alice;
  limited.accounts[0].access.may_change_special_folders = false;
  r = call(limited, "Mailbox/set", {{"accountId", a}, {"update", {{parent, {{"name", "Kept"}}}}}});
  EXPECT_EQ(r[1]["notUpdated"][parent]["type"], "forbidden") << r.dump();
  r = call(limited, "Mailbox/set", {{"accountId", a}, {"create", {{"o", {{"name", "Other"}}}}}});
  auto other = r[1]["created"]["o"]["id"].get<std::string>();
  r = call(limited, "Mailbox/set", {{"accountId", a}, {"update", {{other, {{"name", "Others"}}}}}});
  EXPECT_TRUE(r[1]["updated"].contains(other)) << "an ordinary folder is renamed: " << r.dump();
  r = call(alice, "Mailbox/set", {{"accountId", a}, {"update", {{parent, {{"name", "Kept"}}}}}});
  EXPECT_TRUE(r[1]["updated"].contains(parent)) << r.dump();
}

// sortOrder is the user's to set (RFC 8621 §2): it changes the query's
// order and shows in Mailbox/changes; a bad value is refused.
// RFC 8621 §2.3: with filterAsTree, a mailbox is in only when its
// ancestors are.
TEST_F(JmapTest, MailboxQueryFilterAsTree) {
  json create = {{"p", {{"name", "Projects"}}}, {"s", {{"name", "Sub"}, {"parentId", "#p"}}}};
  auto r = call(alice, "Mailbox/set", {{"accountId", a}, {"create", create}});
  auto sub = r[1]["created"]["s"]["id"].get<std::string>();
  json filter = {{"name", "Sub"}};
  EXPECT_EQ(call(alice, "Mailbox/query", {{"accountId", a}, {"filter", filter}})[1]["ids"], json::array({sub}));
  EXPECT_EQ(call(alice, "Mailbox/query", {{"accountId", a}, {"filter", filter}, {"filterAsTree", true}})[1]["ids"],
            json::array())
      << "its parent does not match";
  json both = {{"operator", "OR"}, {"conditions", {{{"name", "Sub"}}, {{"name", "Projects"}}}}};
  EXPECT_EQ(call(alice, "Mailbox/query", {{"accountId", a}, {"filter", both}, {"filterAsTree", true}})[1]["ids"].size(),
            2u);
}

// RFC 8621 §4.2: an HTML body value is not cut inside a tag.
TEST_F(JmapTest, HtmlValuesAreNotCutInsideATag) {
  json email = {{"mailboxIds", {{mailbox(a, "inbox"), true}}},
                {"subject", "html"},
                {"bodyValues", {{"h", {{"value", "<p>HTML <b>bold</b></p>"}}}}},
                {"htmlBody", {{{"partId", "h"}, {"type", "text/html"}}}}};
  auto r = call(alice, "Email/set", {{"accountId", a}, {"create", {{"k", email}}}});
  auto id = r[1]["created"]["k"]["id"].get<std::string>();
  auto got = call(alice, "Email/get",
                  {{"accountId", a},
                   {"ids", {id}},
                   {"properties", {"bodyValues", "htmlBody"}},
                   {"fetchHTMLBodyValues", true},
                   {"maxBodyValueBytes", 10}})[1]["list"][0];
  auto part = got["htmlBody"][0]["partId"].get<std::string>();
  EXPECT_EQ(got["bodyValues"][part]["value"], "<p>HTML ") << got.dump();
  EXPECT_EQ(got["bodyValues"][part]["isTruncated"], true);
}

// RFC 8620 §5.2 paged with maxChanges: a record created since the first
// sinceState is "created" in whichever page shows it, also when it changed
// again after the record of an earlier page.
TEST_F(JmapTest, PagedChangesKeepCreationsCreated) {
  auto since = call(alice, "Mailbox/get", {{"accountId", a}, {"ids", json::array()}})[1]["state"].get<std::string>();
  auto first = call(alice, "Mailbox/set", {{"accountId", a}, {"create", {{"x", {{"name", "First"}}}}}})[1];
  auto second = call(alice, "Mailbox/set", {{"accountId", a}, {"create", {{"y", {{"name", "Second"}}}}}})[1];
  auto x = first["created"]["x"]["id"].get<std::string>(), y = second["created"]["y"]["id"].get<std::string>();
  call(alice, "Mailbox/set", {{"accountId", a}, {"update", {{x, {{"name", "First renamed"}}}}}});
  std::set<std::string> created, updated;
  for (int page = 0; page < 10; ++page) {
    auto r = call(alice, "Mailbox/changes", {{"accountId", a}, {"sinceState", since}, {"maxChanges", 1}})[1];
    ASSERT_TRUE(r.contains("newState")) << r.dump();
    for (auto& id : r["created"]) created.insert(id.get<std::string>());
    for (auto& id : r["updated"]) updated.insert(id.get<std::string>());
    since = r["newState"].get<std::string>();
    if (!r["hasMoreChanges"].get<bool>()) break;
  }
  EXPECT_TRUE(created.contains(x) && created.contains(y)) << json(created).dump();
  EXPECT_FALSE(updated.contains(x)) << "never seen before: created, not updated";
}

TEST_F(JmapTest, MailboxSortOrderIsSetByTheUser) {
  json create = {{"z", {{"name", "Zeta"}, {"sortOrder", 0}}}, {"y", {{"name", "Alpha"}}}};
  auto r = call(alice, "Mailbox/set", {{"accountId", a}, {"create", create}});
  auto zeta = r[1]["created"]["z"]["id"].get<std::string>();
  auto alpha = r[1]["created"]["y"]["id"].get<std::string>();
  EXPECT_EQ(r[1]["created"]["z"]["sortOrder"], 0);
  json sort = json::array({{{"property", "sortOrder"}}, {{"property", "name"}}});
  auto order = [&] { return call(alice, "Mailbox/query", {{"accountId", a}, {"sort", sort}})[1]["ids"]; };
  EXPECT_EQ(order()[0], zeta) << "sortOrder 0 comes before INBOX (1)";
  auto state = call(alice, "Mailbox/get", {{"accountId", a}, {"ids", json::array()}})[1]["state"].get<std::string>();
  json update = {{zeta, {{"sortOrder", 500}}}, {alpha, {{"sortOrder", 400}}}};
  r = call(alice, "Mailbox/set", {{"accountId", a}, {"update", update}});
  EXPECT_EQ(r[1]["updated"].size(), 2u) << r.dump();
  auto ids = order();
  EXPECT_EQ(ids[ids.size() - 2], alpha);
  EXPECT_EQ(ids[ids.size() - 1], zeta);
  auto changes = call(alice, "Mailbox/changes", {{"accountId", a}, {"sinceState", state}})[1];
  EXPECT_EQ(changes["updated"].size(), 2u) << changes.dump();
  for (json bad : {json(-1), json(1.5), json("3"), json(4294967296LL)}) {
    json patch = {{zeta, {{"sortOrder", bad}}}};
    r = call(alice, "Mailbox/set", {{"accountId", a}, {"update", patch}});
    EXPECT_EQ(r[1]["notUpdated"][zeta]["type"], "invalidProperties") << bad.dump();
  }
  EXPECT_EQ(call(alice, "Mailbox/get", {{"accountId", a}, {"ids", {zeta}}})[1]["list"][0]["sortOrder"], 500);
}

TEST_F(JmapTest, EmailWrittenIsReadBack) {
  auto inbox = mailbox(a, "inbox");
  auto id = create(inbox, "Café con leche", {{"keywords", {{"$seen", true}, {"$Label1", true}}}});
  auto r = call(alice, "Email/get",
                {{"accountId", a},
                 {"ids", {id}},
                 {"properties",
                  {"subject", "from", "to", "keywords", "mailboxIds", "textBody", "bodyValues", "header:Subject:asText",
                   "messageId", "preview", "hasAttachment"}},
                 {"fetchTextBodyValues", true}});
  auto e = r[1]["list"][0];
  EXPECT_EQ(e["subject"], "Café con leche");
  EXPECT_EQ(e["header:Subject:asText"], "Café con leche");
  EXPECT_EQ(e["from"][0]["name"], "Ana Pérez");
  EXPECT_EQ(e["from"][0]["email"], "ana@a.example");
  EXPECT_EQ(e["to"][0]["email"], "bob@b.example");
  EXPECT_EQ(e["keywords"], (json{{"$seen", true}, {"$label1", true}}));
  EXPECT_EQ(e["mailboxIds"], (json{{inbox, true}}));
  EXPECT_EQ(e["hasAttachment"], false);
  ASSERT_EQ(e["textBody"].size(), 1u);
  auto part = e["textBody"][0]["partId"].get<std::string>();
  EXPECT_EQ(e["bodyValues"][part]["value"], "Hola, qué tal\nsegunda línea\n") << "line breaks as LF (RFC 8621 §4.1.4)";
  EXPECT_TRUE(e["messageId"][0].get<std::string>().ends_with("@mail.example.org"));
  EXPECT_EQ(e["preview"], "Hola, qué tal segunda línea");
}

TEST_F(JmapTest, KeywordsAndMovesKeepTheIdAndShowInChanges) {
  auto inbox = mailbox(a, "inbox"), archive = mailbox(a, "archive");
  auto id = create(inbox, "moving");
  auto before = call(alice, "Email/get", {{"accountId", a}, {"ids", json::array()}})[1]["state"].get<std::string>();
  auto r = call(
      alice, "Email/set",
      {{"accountId", a},
       {"update",
        {{id, {{"keywords/$flagged", true}, {"mailboxIds/" + inbox, nullptr}, {"mailboxIds/" + archive, true}}}}}});
  EXPECT_TRUE(r[1]["updated"].contains(id)) << r.dump();
  auto e = call(alice, "Email/get",
                {{"accountId", a}, {"ids", {id}}, {"properties", {"keywords", "mailboxIds"}}})[1]["list"][0];
  EXPECT_EQ(e["mailboxIds"], (json{{archive, true}}));
  EXPECT_EQ(e["keywords"], (json{{"$flagged", true}}));
  auto c = call(alice, "Email/changes", {{"accountId", a}, {"sinceState", before}})[1];
  EXPECT_EQ(c["updated"], json::array({id}));
  EXPECT_TRUE(c["created"].empty());
  // The IMAP side sees the same: the message is in Archive, \Flagged.
  auto box = s->store->find_mailbox(alice.accounts[0].address.id, "Archive").value();
  auto msgs = s->store->list_messages(box.ref()).value();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_TRUE(msgs[0].flags & store::flag_flagged);
  // An empty mailboxIds is refused; destroy removes it everywhere.
  r = call(alice, "Email/set", {{"accountId", a}, {"update", {{id, {{"mailboxIds", json::object()}}}}}});
  EXPECT_EQ(r[1]["notUpdated"][id]["type"], "invalidProperties");
  r = call(alice, "Email/set", {{"accountId", a}, {"destroy", {id}}});
  EXPECT_EQ(r[1]["destroyed"], json::array({id}));
  c = call(alice, "Email/changes", {{"accountId", a}, {"sinceState", before}})[1];
  EXPECT_EQ(c["destroyed"], json::array({id}));
}

// RFC 8620 §3.6.2: an argument of the wrong type fails its call alone
// (invalidArguments, or invalidProperties for a record); the request goes on.
TEST_F(JmapTest, ArgumentsOfTheWrongTypeFailTheirCallAlone) {
  auto bad_sort = json::array({{{"property", "subject"}, {"isAscending", "yes"}}});
  auto out =
      calls(alice,
            json::array({json::array({"Email/query", {{"accountId", a}, {"sort", bad_sort}}, "1"}),
                         json::array({"Mailbox/query", {{"accountId", a}, {"sort", bad_sort}}, "2"}),
                         json::array({"EmailSubmission/query", {{"accountId", a}, {"sort", {{{"property", 5}}}}}, "3"}),
                         json::array({"Mailbox/get", {{"accountId", a}, {"ids", nullptr}}, "4"})}));
  ASSERT_EQ(out.size(), 4u) << out.dump();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(out[i][1]["type"], "invalidArguments") << out[i].dump();
  EXPECT_EQ(out[3][0], "Mailbox/get");
  auto r =
      call(alice, "Mailbox/set", {{"accountId", a}, {"create", {{"m", {{"name", "Typed"}, {"isSubscribed", "no"}}}}}});
  EXPECT_EQ(r[1]["notCreated"]["m"]["type"], "invalidProperties") << r.dump();
  auto names = call(alice, "Mailbox/get", {{"accountId", a}})[1]["list"].dump();
  EXPECT_EQ(names.find("Typed"), std::string::npos) << "nothing was created";
  auto inbox = mailbox(a, "inbox");
  json email = {{"mailboxIds", {{inbox, true}}},
                {"bodyValues", {{"t", {{"value", "x"}, {"isTruncated", "no"}}}}},
                {"textBody", {{{"partId", "t"}, {"type", "text/plain"}}}}};
  r = call(alice, "Email/set", {{"accountId", a}, {"create", {{"k", email}}}});
  EXPECT_EQ(r[1]["notCreated"]["k"]["type"], "invalidProperties") << r.dump();
}

// RFC 8620 §3.7: a reference is to the first response with the call id;
// §5.1: an id asked for twice is answered once; §5.3: update and destroy
// by creation id answer with the record's id.
TEST_F(JmapTest, ReferencesDuplicatesAndCreationIds) {
  auto inbox = mailbox(a, "inbox");
  auto id = create(inbox, "twice");
  auto r = call(alice, "Email/get", {{"accountId", a}, {"ids", {id, id}}, {"properties", {"subject"}}});
  EXPECT_EQ(r[1]["list"].size(), 1u) << r.dump();
  r = call(alice, "Mailbox/get", {{"accountId", a}, {"ids", {inbox, inbox, "nope", "nope"}}});
  EXPECT_EQ(r[1]["list"].size(), 1u);
  EXPECT_EQ(r[1]["notFound"], json::array({"nope"}));
  auto thread = call(alice, "Email/get",
                     {{"accountId", a}, {"ids", {id}}, {"properties", {"threadId"}}})[1]["list"][0]["threadId"];
  r = call(alice, "Thread/get", {{"accountId", a}, {"ids", {thread}}, {"properties", {"id"}}});
  EXPECT_EQ(r[1]["list"][0], (json{{"id", thread}})) << "Thread/get returns only what is asked";

  json copy_args = {{"fromAccountId", a}, {"accountId", a}, {"create", json::object()}};
  auto out = calls(
      alice,
      json::array({json::array({"Mailbox/set", {{"accountId", a}, {"create", {{"t", {{"name", "Tmp"}}}}}}, "1"}),
                   json::array({"Mailbox/set", {{"accountId", a}, {"update", {{"#t", {{"name", "Tmp2"}}}}}}, "2"}),
                   json::array({"Mailbox/set", {{"accountId", a}, {"destroy", {"#t"}}}, "3"})}));
  auto made = out[0][1]["created"]["t"]["id"].get<std::string>();
  EXPECT_TRUE(out[1][1]["updated"].contains(made)) << out[1].dump();
  EXPECT_EQ(out[2][1]["destroyed"], json::array({made})) << out[2].dump();

  // The first response named "1" is Mailbox/get; the Mailbox/set under the
  // same id later does not count.
  out = calls(alice, json::array({json::array({"Mailbox/get", {{"accountId", a}, {"ids", {inbox}}}, "1"}),
                                  json::array({"Mailbox/set", {{"accountId", a}}, "1"}),
                                  json::array({"Mailbox/get",
                                               {{"accountId", a},
                                                {"#ids", {{"resultOf", "1"}, {"name", "Mailbox/set"}, {"path", "/x"}}}},
                                               "2"})}));
  EXPECT_EQ(out[2][1]["type"], "invalidResultReference") << out[2].dump();
}

// RFC 8620 §5.3 with RFC 6901: patch paths are JSON Pointers ("~1" is
// "/", "~0" is "~"); a path below a keyword is invalidPatch.
TEST_F(JmapTest, PatchPathsAreJsonPointers) {
  auto id = create(mailbox(a, "inbox"), "pointers");
  auto r = call(alice, "Email/set",
                {{"accountId", a}, {"update", {{id, {{"keywords/a~1b", true}, {"keywords/c~0d", true}}}}}});
  EXPECT_TRUE(r[1]["updated"].contains(id)) << r.dump();
  auto e = call(alice, "Email/get", {{"accountId", a}, {"ids", {id}}, {"properties", {"keywords"}}})[1]["list"][0];
  EXPECT_EQ(e["keywords"], (json{{"a/b", true}, {"c~d", true}})) << e.dump();
  r = call(alice, "Email/set", {{"accountId", a}, {"update", {{id, {{"keywords/a/b", true}}}}}});
  EXPECT_EQ(r[1]["notUpdated"][id]["type"], "invalidPatch") << r.dump();
  r = call(alice, "Email/set", {{"accountId", a}, {"update", {{id, {{"keywords/x~2", true}}}}}});
  EXPECT_EQ(r[1]["notUpdated"][id]["type"], "invalidPatch") << r.dump();
}

// RFC 8621 §4.1.1: keywords compare case-insensitively and are shown in
// lower case; an IMAP client's spelling is removed by any spelling.
TEST_F(JmapTest, KeywordsSetOverImapAreRemovedInAnyCase) {
  auto inbox = mailbox(a, "inbox");
  auto id = create(inbox, "labelled");
  auto box = s->store->find_mailbox(alice.accounts[0].address.id, "INBOX").value();
  auto uid = s->store->list_messages(box.ref()).value().back().uid;
  s->store->store_flags(box.ref(), {uid}, store::FlagOp::add, 0, {"$Label1", "Work"}, std::nullopt).value();
  auto keywords = [&] {
    return call(alice, "Email/get",
                {{"accountId", a}, {"ids", {id}}, {"properties", {"keywords"}}})[1]["list"][0]["keywords"];
  };
  EXPECT_EQ(keywords(), (json{{"$label1", true}, {"work", true}}));
  auto r = call(alice, "Email/set",
                {{"accountId", a}, {"update", {{id, {{"keywords/$label1", nullptr}, {"keywords/WORK", nullptr}}}}}});
  EXPECT_TRUE(r[1]["updated"].contains(id)) << r.dump();
  EXPECT_EQ(keywords(), json::object());
  EXPECT_TRUE(s->store->list_messages(box.ref()).value().back().keywords.empty());
}

// One Email in two folders whose copies disagree (the INBOX copy unread,
// the Sent copy read, as a message sent to oneself is kept): its keywords
// are those of all its copies in Email/get, Email/query and the folders'
// counts alike (RFC 8621 §2, §4.4.1), and a folder condition does not hide
// the other copies from the rest of the filter.
TEST_F(JmapTest, KeywordsOfAnEmailInTwoFoldersAreTheSameEverywhere) {
  auto inbox = mailbox(a, "inbox");
  auto sent = mailbox(a, "sent");
  auto id = create(inbox, "to myself");
  auto other = create(inbox, "unread, only here");
  auto address = alice.accounts[0].address.id;
  auto in = s->store->find_mailbox(address, "INBOX").value();
  auto out = s->store->find_mailbox(address, "Sent").value();
  auto first = s->store->list_messages(in.ref()).value().front().uid;
  auto copied = s->store->copy_messages(in.ref(), {first}, out.ref(), false).value();
  ASSERT_EQ(copied.uids.size(), 1u);
  s->store->store_flags(out.ref(), {copied.uids[0].second}, store::FlagOp::add, store::flag_seen, {}, std::nullopt)
      .value();

  auto got = call(alice, "Email/get", {{"accountId", a}, {"ids", {id}}, {"properties", {"keywords", "mailboxIds"}}});
  EXPECT_EQ(got[1]["list"][0]["keywords"], (json{{"$seen", true}}));
  EXPECT_EQ(got[1]["list"][0]["mailboxIds"].size(), 2u);
  auto query = [&](json filter) {
    return call(alice, "Email/query", {{"accountId", a}, {"filter", filter}})[1]["ids"];
  };
  EXPECT_EQ(query({{"inMailbox", inbox}, {"notKeyword", "$seen"}}), json::array({other}));
  EXPECT_EQ(query({{"inMailbox", inbox}, {"hasKeyword", "$seen"}}), json::array({id}));
  EXPECT_EQ(query({{"inMailbox", inbox}, {"inMailboxOtherThan", {inbox}}}), json::array({id}));
  auto counts = call(alice, "Mailbox/get",
                     {{"accountId", a}, {"ids", {inbox, sent}}, {"properties", {"totalEmails", "unreadEmails"}}});
  EXPECT_EQ(counts[1]["list"][0]["totalEmails"], 2);
  EXPECT_EQ(counts[1]["list"][0]["unreadEmails"], 1);
  EXPECT_EQ(counts[1]["list"][1]["totalEmails"], 1);
  EXPECT_EQ(counts[1]["list"][1]["unreadEmails"], 0);

  // A second copy in the same folder is still one Email there.
  s->store->copy_messages(in.ref(), {first}, in.ref(), false).value();
  counts = call(alice, "Mailbox/get", {{"accountId", a}, {"ids", {inbox}}, {"properties", {"totalEmails"}}});
  EXPECT_EQ(counts[1]["list"][0]["totalEmails"], 2);
}

// A text condition is answered from the index's hits (only they are
// loaded); the answer is the one every other path gives: alone, inside an
// AND with other conditions, under NOT, and with a folder condition.
TEST_F(JmapTest, TextConditionsGiveTheSameAnswerFromTheIndex) {
  auto inbox = mailbox(a, "inbox"), archive = mailbox(a, "archive");
  auto with_word = [&](const std::string& box, const std::string& subject, const std::string& body) {
    return create(box, subject, {{"bodyValues", {{"t", {{"value", body}}}}}});
  };
  auto x1 = with_word(inbox, "uno", "el presupuesto del año");
  auto x2 = with_word(archive, "dos", "otro presupuesto");
  auto x3 = with_word(inbox, "tres", "nada que ver");
  auto x4 = with_word(inbox, "presupuesto en el asunto", "cuerpo sin la palabra");
  auto ids = [&](json filter) {
    auto r = call(alice, "Email/query",
                  {{"accountId", a}, {"filter", filter}, {"sort", {{{"property", "subject"}, {"isAscending", true}}}}});
    return r[1]["ids"];
  };
  EXPECT_EQ(ids({{"text", "presupuesto"}}), json::array({x2, x4, x1}));
  EXPECT_EQ(ids({{"body", "presupuesto"}}), json::array({x2, x1}));
  EXPECT_EQ(ids({{"operator", "AND"}, {"conditions", {{{"text", "presupuesto"}}, {{"inMailbox", inbox}}}}}),
            json::array({x4, x1}));
  EXPECT_EQ(ids({{"operator", "AND"}, {"conditions", {{{"inMailbox", inbox}}, {{"body", "presupuesto"}}}}}),
            json::array({x1}));
  EXPECT_EQ(ids({{"operator", "NOT"}, {"conditions", {{{"text", "presupuesto"}}}}}), json::array({x3}));
  EXPECT_EQ(ids({{"operator", "OR"}, {"conditions", {{{"body", "presupuesto"}}, {{"subject", "tres"}}}}}),
            json::array({x2, x3, x1}));
  EXPECT_EQ(ids({{"text", "pr"}}), json::array({x2, x4, x1})) << "short words are found without the trigrams";
  EXPECT_EQ(ids({{"text", "inexistente"}}), json::array());
  auto total =
      call(alice, "Email/query", {{"accountId", a}, {"filter", {{"text", "presupuesto"}}}, {"calculateTotal", true}});
  EXPECT_EQ(total[1]["total"], 3);
  // Bob's account has none of Alice's words.
  auto theirs = call(bob, "Email/query", {{"accountId", b}, {"filter", {{"text", "presupuesto"}}}});
  EXPECT_EQ(theirs[1]["ids"], json::array());
}

TEST_F(JmapTest, QueryWithResultReferenceIntoGet) {
  auto inbox = mailbox(a, "inbox");
  auto first = create(inbox, "first");
  auto second = create(inbox, "second", {{"receivedAt", "2030-01-01T00:00:00Z"}});
  auto out = calls(
      alice,
      json::array({
          json::array({"Email/query",
                       {{"accountId", a},
                        {"filter", {{"inMailbox", inbox}}},
                        {"sort", {{{"property", "receivedAt"}, {"isAscending", false}}}},
                        {"calculateTotal", true}},
                       "q"}),
          json::array({"Email/get",
                       {{"accountId", a},
                        {"#ids", {{"resultOf", "q"}, {"name", "Email/query"}, {"path", "/ids"}}},
                        {"properties", {"subject", "threadId"}}},
                       "g"}),
          json::array(
              {"Thread/get",
               {{"accountId", a}, {"#ids", {{"resultOf", "g"}, {"name", "Email/get"}, {"path", "/list/*/threadId"}}}},
               "t"}),
          json::array({"Email/get",
                       {{"accountId", a}, {"#ids", {{"resultOf", "q"}, {"name", "Email/query"}, {"path", "/nope"}}}},
                       "bad"}),
      }));
  EXPECT_EQ(out[0][1]["ids"], json::array({second, first}));
  EXPECT_EQ(out[0][1]["total"], 2);
  EXPECT_EQ(out[0][1]["limit"], 10000) << "no limit asked: the server's is returned (RFC 8620 §5.5)";
  EXPECT_EQ(out[1][1]["list"][0]["subject"], "second");
  EXPECT_EQ(out[2][1]["list"].size(), 2u);
  EXPECT_EQ(out[3][1]["type"], "invalidResultReference");
  // The message list's query (answered from the folder's index) and the
  // same query in another form (answered by the general path) agree.
  for (int i = 0; i < 5; ++i) create(inbox, "more " + std::to_string(i), {{"receivedAt", "2029-06-01T00:00:00Z"}});
  json newest = {{{"property", "receivedAt"}, {"isAscending", false}}};
  auto fast = call(alice, "Email/query",
                   {{"accountId", a},
                    {"filter", {{"inMailbox", inbox}}},
                    {"sort", newest},
                    {"position", 1},
                    {"limit", 4},
                    {"calculateTotal", true}});
  auto general = call(alice, "Email/query",
                      {{"accountId", a},
                       {"filter", {{"operator", "AND"}, {"conditions", {{{"inMailbox", inbox}}}}}},
                       {"sort", newest},
                       {"position", 1},
                       {"limit", 4},
                       {"calculateTotal", true}});
  EXPECT_EQ(fast[1]["ids"], general[1]["ids"]);
  EXPECT_EQ(fast[1]["total"], 7);
  EXPECT_EQ(general[1]["total"], 7);
  // Collapsed into threads: a reply joins its parent's thread; both paths
  // count threads alike, on any page.
  create(inbox, "parent", {{"messageId", {"parent@a.example"}}, {"receivedAt", "2029-07-01T00:00:00Z"}});
  create(inbox, "Re: parent",
         {{"inReplyTo", {"parent@a.example"}},
          {"references", {"parent@a.example"}},
          {"receivedAt", "2029-07-02T00:00:00Z"}});
  for (int position : {0, 3, 8}) {
    json page = {{"accountId", a}, {"sort", newest},          {"position", position},
                 {"limit", 3},     {"collapseThreads", true}, {"calculateTotal", true}};
    page["filter"] = {{"inMailbox", inbox}};
    auto fast_threads = call(alice, "Email/query", page);
    page["filter"] = {{"operator", "AND"}, {"conditions", {{{"inMailbox", inbox}}}}};
    auto general_threads = call(alice, "Email/query", page);
    EXPECT_EQ(fast_threads[1]["ids"], general_threads[1]["ids"]) << position;
    EXPECT_EQ(fast_threads[1]["total"], 8) << "9 emails, 8 threads";
    EXPECT_EQ(general_threads[1]["total"], 8);
  }
  // Text search, and "everything but Trash".
  auto found = call(alice, "Email/query", {{"accountId", a}, {"filter", {{"text", "second"}}}});
  EXPECT_EQ(found[1]["ids"], json::array({second}));
  found = call(alice, "Email/query",
               {{"accountId", a}, {"filter", {{"inMailboxOtherThan", {mailbox(a, "trash")}}}}, {"limit", 1}});
  EXPECT_EQ(found[1]["ids"], json::array({second}));
}

// A message attached to an email, parsed: its own parts have blob ids too
// (RFC 8621 §4.1.4), named under the attached part, and they name the
// parts' content, however deep the nesting.
TEST_F(JmapTest, PartsOfAnAttachedMessageHaveBlobIds) {
  auto team = share_team_address();
  std::string inner =
      "From: eva@x.example\r\nSubject: inner\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=in\r\n\r\n"
      "--in\r\nContent-Type: text/plain\r\n\r\ninner body\r\n"
      "--in\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=note.txt\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gbmVzdGVk\r\n--in--\r\n";
  std::string outer =
      "From: ana@a.example\r\nTo: box@a.example\r\nSubject: forwarded\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=out\r\n\r\n"
      "--out\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
      "--out\r\nContent-Type: message/rfc822\r\n\r\n" +
      inner + "\r\n--out--\r\n";
  auto address = alice.accounts[0].address.id;
  auto box = s->store->find_mailbox(address, "INBOX").value();
  s->deliverer->deliver(outer, {{box.ref(), 0, {}, 1000}}).value();
  auto id = s->store->email_by_blob(address, store::BlobStore::hash_of(outer)).value();
  ASSERT_TRUE(id);
  auto got = call(alice, "Email/get", {{"accountId", a}, {"ids", {email_id(*id)}}, {"properties", {"attachments"}}});
  ASSERT_EQ(got[1]["list"][0]["attachments"].size(), 1u) << got.dump();
  auto attached = got[1]["list"][0]["attachments"][0]["blobId"].get<std::string>();
  auto parsed =
      call(alice, "Email/parse",
           {{"accountId", a}, {"blobIds", {attached}}, {"properties", {"subject", "attachments", "textBody"}}});
  auto& email = parsed[1]["parsed"][attached];
  EXPECT_EQ(email["subject"], "inner") << parsed.dump();
  ASSERT_EQ(email["attachments"].size(), 1u) << parsed.dump();
  EXPECT_EQ(email["attachments"][0]["name"], "note.txt");
  auto note = email["attachments"][0]["blobId"];
  auto text = email["textBody"][0]["blobId"];
  ASSERT_TRUE(note.is_string() && text.is_string()) << parsed.dump();
  EXPECT_TRUE(note.get<std::string>().starts_with(attached + "_")) << note;
  // The blob ids name the content: copied, each is the blob of its bytes.
  auto copied = call(alice, "Blob/copy", {{"fromAccountId", a}, {"accountId", team}, {"blobIds", {note, text}}});
  EXPECT_EQ(copied[1]["copied"][note.get<std::string>()], "b" + store::BlobStore::hash_of("hello nested"))
      << copied.dump();
  EXPECT_EQ(copied[1]["copied"][text.get<std::string>()], "b" + store::BlobStore::hash_of("inner body"))
      << copied.dump();
  // Ids that name no part are not found.
  for (auto bad : {attached + "_9", attached + "__1", attached + "_", attached + "_1-"})
    EXPECT_EQ(call(alice, "Email/parse", {{"accountId", a}, {"blobIds", {bad}}})[1]["notFound"], json::array({bad}))
        << bad;
}

TEST_F(JmapTest, ImportParseAndCopyBetweenAccounts) {
  auto team = share_team_address();
  // An .eml attached to an email: parsed without being stored, imported.
  std::string eml = "From: Eva <eva@x.example>\r\nSubject: inner\r\nMessage-ID: <in@x>\r\n\r\ninner body\r\n";
  auto hash = s->blobs->put(eml).value();
  store::Upload up{alice.accounts[0].address.id, hash, "message/rfc822", eml.size(), 1, INT64_MAX / 2};
  s->store->add_upload(up).value();
  std::string blob = "b" + hash;
  auto parsed = call(alice, "Email/parse",
                     {{"accountId", a},
                      {"blobIds", {blob, "b" + std::string(64, '0')}},
                      {"properties", {"subject", "from", "id", "bodyValues", "textBody"}},
                      {"fetchTextBodyValues", true}});
  EXPECT_EQ(parsed[1]["parsed"][blob]["subject"], "inner");
  EXPECT_EQ(parsed[1]["parsed"][blob]["id"], nullptr);
  EXPECT_EQ(parsed[1]["notFound"].size(), 1u);
  // RFC 8621 §4.1.4: a part that is no multipart has a blob id, and it names
  // the part's content.
  auto part = parsed[1]["parsed"][blob]["textBody"][0]["blobId"];
  ASSERT_TRUE(part.is_string()) << parsed.dump();
  auto part_copy =
      call(alice, "Blob/copy", {{"fromAccountId", a}, {"accountId", team}, {"blobIds", {part.get<std::string>()}}});
  EXPECT_TRUE(part_copy[1]["copied"].contains(part.get<std::string>())) << part_copy.dump();
  EXPECT_EQ(call(bob, "Email/parse", {{"accountId", b}, {"blobIds", {blob}}})[1]["notFound"], json::array({blob}))
      << "another organisation cannot read the upload";
  auto inbox = mailbox(a, "inbox");
  auto imported =
      call(alice, "Email/import",
           {{"accountId", a},
            {"emails", {{"i", {{"blobId", blob}, {"mailboxIds", {{inbox, true}}}, {"keywords", {{"$seen", true}}}}}}}});
  ASSERT_TRUE(imported[1]["created"].contains("i")) << imported.dump();
  auto id = imported[1]["created"]["i"]["id"].get<std::string>();
  // The same bytes again: the Email there is, unchanged (RFC 8620 §5.4).
  auto archive = mailbox(a, "archive");
  auto again = call(alice, "Email/import",
                    {{"accountId", a}, {"emails", {{"j", {{"blobId", blob}, {"mailboxIds", {{archive, true}}}}}}}});
  EXPECT_EQ(again[1]["notCreated"]["j"]["type"], "alreadyExists") << again.dump();
  EXPECT_EQ(again[1]["notCreated"]["j"]["existingId"], id);
  EXPECT_EQ(call(alice, "Email/get",
                 {{"accountId", a}, {"ids", {id}}, {"properties", {"mailboxIds"}}})[1]["list"][0]["mailboxIds"],
            (json{{inbox, true}}))
      << "the Email there is was not changed";
  // Copy into the shared account, and move out of the first.
  std::string team_inbox;
  auto team_boxes =
      call(alice, "Mailbox/get", {{"accountId", team}});  // named: a range-for over a temporary's part dangles
  for (auto& mb : team_boxes[1]["list"])
    if (mb["role"] == "inbox") team_inbox = mb["id"];
  auto copied = call(alice, "Email/copy",
                     {{"fromAccountId", a},
                      {"accountId", team},
                      {"create", {{"c", {{"id", id}, {"mailboxIds", {{team_inbox, true}}}}}}},
                      {"onSuccessDestroyOriginal", true}});
  ASSERT_TRUE(copied[1]["created"].contains("c")) << copied.dump();
  auto got = call(alice, "Email/get", {{"accountId", a}, {"ids", {id}}});
  EXPECT_EQ(got[1]["notFound"], json::array({id}));
  auto theirs = copied[1]["created"]["c"]["id"];
  got = call(alice, "Email/get", {{"accountId", team}, {"ids", {theirs}}, {"properties", {"subject", "keywords"}}});
  EXPECT_EQ(got[1]["list"][0]["subject"], "inner");
  // Bob cannot copy from Alice's account.
  auto refused = call(bob, "Email/copy", {{"fromAccountId", a}, {"accountId", b}, {"create", json::object()}});
  EXPECT_EQ(refused[1]["type"], "fromAccountNotFound");
}

TEST_F(JmapTest, SearchSnippetsMarkTheWords) {
  auto inbox = mailbox(a, "inbox");
  auto id = create(inbox, "Reunión <importante>",
                   {{"bodyValues", {{"t", {{"value", "Traigan el presupuesto & la agenda"}}}}}});
  auto r = call(alice, "SearchSnippet/get",
                {{"accountId", a}, {"filter", {{"text", "presupuesto"}}}, {"emailIds", {id, "e999"}}});
  EXPECT_EQ(r[1]["list"][0]["preview"], "Traigan el <mark>presupuesto</mark> &amp; la agenda");
  EXPECT_EQ(r[1]["list"][0]["subject"], nullptr);
  EXPECT_EQ(r[1]["notFound"], json::array({"e999"}));
  r = call(alice, "SearchSnippet/get", {{"accountId", a}, {"filter", {{"subject", "importante"}}}, {"emailIds", {id}}});
  EXPECT_EQ(r[1]["list"][0]["subject"], "Reunión &lt;<mark>importante</mark>&gt;");
}

TEST_F(JmapTest, IdentitiesAreTheAddressesAndChangeTogether) {
  auto r = call(alice, "Identity/get", {{"accountId", a}});
  ASSERT_EQ(r[1]["list"].size(), 1u);
  auto id = r[1]["list"][0]["id"].get<std::string>();
  EXPECT_EQ(r[1]["list"][0]["email"], "box@a.example");
  auto state = r[1]["state"].get<std::string>();
  r = call(alice, "Identity/set",
           {{"accountId", a},
            {"update", {{id, {{"name", "Ventas"}, {"textSignature", "--\nVentas"}}}}},
            {"create", {{"x", {{"email", "ceo@a.example"}}}, {"y", {{"name", "no address"}}}}}});
  EXPECT_TRUE(r[1]["updated"].contains(id));
  EXPECT_EQ(r[1]["notCreated"]["x"]["type"], "forbiddenFrom");
  EXPECT_EQ(r[1]["notCreated"]["y"]["type"], "invalidProperties");
  EXPECT_EQ(r[1]["notCreated"]["y"]["properties"], json::array({"email"}));
  auto c = call(alice, "Identity/changes", {{"accountId", a}, {"sinceState", state}});
  EXPECT_EQ(c[1]["updated"], json::array({id}));
  r = call(alice, "Identity/get", {{"accountId", a}, {"ids", {id}}, {"properties", {"name"}}});
  EXPECT_EQ(r[1]["list"][0]["name"], "Ventas");
}

TEST_F(JmapTest, QuotasFollowTheAddressSettings) {
  auto r = call(alice, "Quota/get", {{"accountId", a}});
  EXPECT_TRUE(r[1]["list"].empty()) << "no limit set";
  auto& address = alice.accounts[0].address;
  store::AddressSettings settings;
  settings.quota_bytes = 1000000;
  s->store->set_address_settings(address.id, settings).value();
  create(mailbox(a, "inbox"), "counted");
  r = call(alice, "Quota/get", {{"accountId", a}});
  ASSERT_EQ(r[1]["list"].size(), 1u);
  EXPECT_EQ(r[1]["list"][0]["resourceType"], "octets");
  EXPECT_EQ(r[1]["list"][0]["hardLimit"], 1000000);
  EXPECT_GT(r[1]["list"][0]["used"].get<std::uint64_t>(), 100u);
  EXPECT_EQ(r[1]["list"][0]["types"], json::array({"Email"})) << "a name of the JMAP Types registry";
  for (auto type : {"Email", "Mail"})
    EXPECT_EQ(call(alice, "Quota/query", {{"accountId", a}, {"filter", {{"type", type}}}})[1]["ids"].size(), 1u);
  EXPECT_TRUE(call(alice, "Quota/query", {{"accountId", a}, {"filter", {{"type", "Calendar"}}}})[1]["ids"].empty());
}

TEST_F(JmapTest, SubmissionSendsWithoutBccAndFilesTheDraftAsSent) {
  auto drafts = mailbox(a, "drafts"), sent = mailbox(a, "sent");
  auto id = create(drafts, "to Bob",
                   {{"from", {{{"email", "box@a.example"}}}},
                    {"to", {{{"email", "box@b.example"}}}},
                    {"bcc", {{{"email", "hidden@b.example"}}}},
                    {"keywords", {{"$draft", true}}}});
  auto identity = call(alice, "Identity/get", {{"accountId", a}})[1]["list"][0]["id"].get<std::string>();
  // A recipient that does not exist here is refused with its address.
  auto r = call(alice, "EmailSubmission/set",
                {{"accountId", a}, {"create", {{"s", {{"identityId", identity}, {"emailId", id}}}}}});
  EXPECT_EQ(r[1]["notCreated"]["s"]["type"], "invalidRecipients") << r.dump();
  EXPECT_EQ(r[1]["notCreated"]["s"]["invalidRecipients"], json::array({"hidden@b.example"}));
  json envelope = {{"mailFrom", {{"email", "box@a.example"}}}, {"rcptTo", {{{"email", "box@b.example"}}}}};
  auto out = calls(
      alice,
      json::array({json::array(
          {"EmailSubmission/set",
           {{"accountId", a},
            {"create", {{"s", {{"identityId", identity}, {"emailId", id}, {"envelope", envelope}}}}},
            {"onSuccessUpdateEmail",
             {{"#s",
               {{"mailboxIds/" + drafts, nullptr}, {"mailboxIds/" + sent, true}, {"keywords/$draft", nullptr}}}}}},
           "c"})}));
  ASSERT_EQ(out.size(), 2u) << out.dump();
  EXPECT_EQ(out[0][1]["created"]["s"]["undoStatus"], "final") << out.dump();
  EXPECT_EQ(out[1][0], "Email/set");
  EXPECT_TRUE(out[1][1]["updated"].contains(id));
  auto moved = call(alice, "Email/get", {{"accountId", a}, {"ids", {id}}, {"properties", {"mailboxIds", "keywords"}}});
  EXPECT_TRUE(moved[1]["list"][0]["mailboxIds"].contains(sent));
  // Bob got it, without the Bcc field.
  auto got = call(bob, "Email/query", {{"accountId", b}, {"filter", {{"subject", "to Bob"}}}});
  ASSERT_EQ(got[1]["ids"].size(), 1u);
  auto theirs = call(bob, "Email/get", {{"accountId", b}, {"ids", got[1]["ids"]}, {"properties", {"bcc", "from"}}});
  EXPECT_EQ(theirs[1]["list"][0]["bcc"], nullptr);
  EXPECT_EQ(theirs[1]["list"][0]["from"][0]["email"], "box@a.example");
  auto sub = call(alice, "EmailSubmission/get", {{"accountId", a}});
  EXPECT_EQ(sub[1]["list"][0]["deliveryStatus"]["box@b.example"]["delivered"], "yes") << sub.dump();
  // Another organisation's address as sender: forbiddenFrom.
  auto forged = create(drafts, "forged", {{"from", {{{"email", "box@b.example"}}}}});
  r = call(alice, "EmailSubmission/set",
           {{"accountId", a}, {"create", {{"s", {{"identityId", identity}, {"emailId", forged}}}}}});
  EXPECT_EQ(r[1]["notCreated"]["s"]["type"], "forbiddenFrom") << r.dump();
}

TEST_F(JmapTest, HeldSubmissionCanBeCancelledThenIsNeverSent) {
  auto drafts = mailbox(a, "drafts");
  auto id = create(drafts, "maybe", {{"from", {{{"email", "box@a.example"}}}}, {"to", {{{"email", "box@b.example"}}}}});
  auto identity = call(alice, "Identity/get", {{"accountId", a}})[1]["list"][0]["id"].get<std::string>();
  json envelope = {{"mailFrom", {{"email", "box@a.example"}, {"parameters", {{"HOLDFOR", "30"}}}}},
                   {"rcptTo", {{{"email", "box@b.example"}}}}};
  auto r = call(
      alice, "EmailSubmission/set",
      {{"accountId", a}, {"create", {{"s", {{"identityId", identity}, {"emailId", id}, {"envelope", envelope}}}}}});
  ASSERT_EQ(r[1]["created"]["s"]["undoStatus"], "pending") << r.dump();
  auto sid = r[1]["created"]["s"]["id"].get<std::string>();
  EXPECT_EQ(send_due(*deps, std::time(nullptr)), 0u) << "not yet";
  r = call(alice, "EmailSubmission/set", {{"accountId", a}, {"update", {{sid, {{"undoStatus", "canceled"}}}}}});
  EXPECT_TRUE(r[1]["updated"].contains(sid)) << r.dump();
  EXPECT_EQ(send_due(*deps, std::time(nullptr) + 60), 0u) << "cancelled: never sent";
  EXPECT_TRUE(call(bob, "Email/query", {{"accountId", b}, {"filter", {{"subject", "maybe"}}}})[1]["ids"].empty());
  // Another held one is sent once its time comes, and cannot be cancelled after.
  r = call(
      alice, "EmailSubmission/set",
      {{"accountId", a}, {"create", {{"t", {{"identityId", identity}, {"emailId", id}, {"envelope", envelope}}}}}});
  auto tid = r[1]["created"]["t"]["id"].get<std::string>();
  EXPECT_EQ(send_due(*deps, std::time(nullptr) + 60), 1u);
  EXPECT_EQ(call(bob, "Email/query", {{"accountId", b}, {"filter", {{"subject", "maybe"}}}})[1]["ids"].size(), 1u);
  r = call(alice, "EmailSubmission/set", {{"accountId", a}, {"update", {{tid, {{"undoStatus", "canceled"}}}}}});
  EXPECT_EQ(r[1]["notUpdated"][tid]["type"], "cannotUnsend");
  // RFC 8621 §7.5: onSuccessDestroyEmail follows a destroy that succeeds too.
  r = call(alice, "EmailSubmission/set", {{"accountId", a}, {"destroy", {sid}}});
  EXPECT_EQ(r[1]["destroyed"], json::array({sid}));
  auto out = calls(
      alice,
      json::array({json::array(
          {"EmailSubmission/set", {{"accountId", a}, {"destroy", {tid}}, {"onSuccessDestroyEmail", {tid}}}, "d"})}));
  ASSERT_EQ(out.size(), 2u) << out.dump();
  EXPECT_EQ(out[0][1]["destroyed"], json::array({tid})) << out.dump();
  EXPECT_EQ(out[1][0], "Email/set");
  EXPECT_EQ(out[1][1]["destroyed"], json::array({id})) << out.dump();
}

TEST_F(JmapTest, VacationResponseAnswersOncePerSenderAndNeverToLists) {
  auto r = call(alice, "VacationResponse/get", {{"accountId", a}});
  EXPECT_EQ(r[1]["list"][0]["isEnabled"], false);
  r = call(alice, "VacationResponse/set",
           {{"accountId", a},
            {"update",
             {{"singleton", {{"isEnabled", true}, {"subject", "De vacaciones"}, {"textBody", "Vuelvo el lunes."}}}}},
            {"create", {{"x", json::object()}}}});
  EXPECT_TRUE(r[1]["updated"].contains("singleton")) << r.dump();
  EXPECT_EQ(r[1]["notCreated"]["x"]["type"], "singleton");
  // Bob writes to Alice's address three times; one of them from a list.
  auto send = [&](const std::string& subject, const std::string& extra) {
    std::string msg = "From: box@b.example\r\nTo: box@a.example\r\nSubject: " + subject + "\r\nMessage-ID: <" +
                      subject + "@b.example>\r\n" + extra + "\r\nhola\r\n";
    auto sent = smtp::submit_direct(*smtp, {bob.user_id, "127.0.0.1", "box@b.example", {"box@a.example"}, msg});
    ASSERT_TRUE(sent) << sent.error().text;
  };
  send("first", "");
  send("second", "");
  send("digest", "List-Id: <news.b.example>\r\n");
  send("robot", "Auto-Submitted: auto-generated\r\n");
  auto replies = call(bob, "Email/query", {{"accountId", b}, {"filter", {{"subject", "De vacaciones"}}}});
  ASSERT_EQ(replies[1]["ids"].size(), 1u) << "one reply per sender per period, none to lists or robots";
  auto reply = call(bob, "Email/get",
                    {{"accountId", b},
                     {"ids", replies[1]["ids"]},
                     {"properties", {"from", "inReplyTo", "header:Auto-Submitted:asText", "textBody", "bodyValues"}},
                     {"fetchTextBodyValues", true}});
  auto e = reply[1]["list"][0];
  EXPECT_EQ(e["from"][0]["email"], "box@a.example");
  EXPECT_EQ(e["inReplyTo"], json::array({"first@b.example"}));
  EXPECT_EQ(e["header:Auto-Submitted:asText"], "auto-replied");
  EXPECT_EQ(e["bodyValues"][e["textBody"][0]["partId"].get<std::string>()]["value"], "Vuelvo el lunes.");
}

TEST_F(JmapTest, ReadReceiptIsSentOnceAndParsesBack) {
  // Bob asks for a receipt; Alice sends one.
  std::string msg =
      "From: box@b.example\r\nTo: box@a.example\r\nSubject: contrato\r\nMessage-ID: <c1@b.example>\r\n"
      "Disposition-Notification-To: box@b.example\r\n\r\nfirme por favor\r\n";
  ASSERT_TRUE(smtp::submit_direct(*smtp, {bob.user_id, "127.0.0.1", "box@b.example", {"box@a.example"}, msg}));
  auto found = call(alice, "Email/query", {{"accountId", a}, {"filter", {{"subject", "contrato"}}}});
  ASSERT_EQ(found[1]["ids"].size(), 1u);
  auto id = found[1]["ids"][0].get<std::string>();
  auto identity = call(alice, "Identity/get", {{"accountId", a}})[1]["list"][0]["id"].get<std::string>();
  json mdn = {
      {"forEmailId", id},
      {"disposition", {{"actionMode", "manual-action"}, {"sendingMode", "mdn-sent-manually"}, {"type", "displayed"}}}};
  auto r = call(alice, "MDN/send", {{"accountId", a}, {"identityId", identity}, {"send", {{"k", mdn}}}});
  ASSERT_TRUE(r[1]["sent"].contains("k")) << r.dump();
  auto kw = call(alice, "Email/get", {{"accountId", a}, {"ids", {id}}, {"properties", {"keywords"}}});
  EXPECT_TRUE(kw[1]["list"][0]["keywords"].contains("$mdnsent"));
  r = call(alice, "MDN/send", {{"accountId", a}, {"identityId", identity}, {"send", {{"k", mdn}}}});
  EXPECT_EQ(r[1]["notSent"]["k"]["type"], "mdnAlreadySent");
  // Bob's copy of the receipt parses back.
  auto receipts = call(bob, "Email/query", {{"accountId", b}, {"filter", {{"subject", "Read: contrato"}}}});
  ASSERT_EQ(receipts[1]["ids"].size(), 1u);
  auto blob = call(bob, "Email/get", {{"accountId", b}, {"ids", receipts[1]["ids"]}, {"properties", {"blobId"}}});
  auto blob_id = blob[1]["list"][0]["blobId"].get<std::string>();
  auto parsed = call(bob, "MDN/parse", {{"accountId", b}, {"blobIds", {blob_id}}});
  auto p = parsed[1]["parsed"][blob_id];
  EXPECT_EQ(p["disposition"]["type"], "displayed") << parsed.dump();
  EXPECT_EQ(p["disposition"]["actionMode"], "manual-action");
  EXPECT_EQ(p["originalMessageId"], "<c1@b.example>");
  EXPECT_EQ(p["finalRecipient"], "rfc822; box@a.example");
}

TEST_F(JmapTest, PartsOfAWrittenMultipartKeepTheirLastLineBreak) {
  std::string text = "hello attachment\n";
  auto hash = s->blobs->put(text).value();
  s->store->add_upload({alice.accounts[0].address.id, hash, "text/plain", text.size(), 1, INT64_MAX / 2}).value();
  auto id = create(mailbox(a, "drafts"), "with a file",
                   {{"bodyValues", {{"t", {{"value", "line one\nline two\n"}}}}},
                    {"attachments", {{{"blobId", "b" + hash}, {"type", "text/plain"}, {"name", "a.txt"}}}}});
  auto r = call(alice, "Email/get",
                {{"accountId", a},
                 {"ids", {id}},
                 {"properties", {"attachments", "textBody", "bodyValues"}},
                 {"fetchTextBodyValues", true}});
  auto e = r[1]["list"][0];
  EXPECT_EQ(e["attachments"][0]["size"], text.size())
      << "RFC 2046 §5.1.1: the CRLF before a delimiter is the delimiter's";
  EXPECT_EQ(e["bodyValues"][e["textBody"][0]["partId"].get<std::string>()]["value"], "line one\nline two\n");
}

}  // namespace
}  // namespace estafeta::jmap
