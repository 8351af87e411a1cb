#include <gtest/gtest.h>

#include "core/testing.hpp"
#include "store/store.hpp"

namespace estafeta::store {
namespace {

class ZoneStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = open_sqlite_store({m_dir / "db.sqlite", true}).value();
    for (auto name : {"one", "two"}) {
      auto org = s().create_organisation(std::string("Org ") + name).value();
      auto svc = s().create_service(org.id, std::string("svc-") + name).value();
      domains.push_back(s().add_domain(svc.id, std::string(name) + ".example", "").value());
      orgs.push_back(org);
    }
    domains.push_back(s().add_domain(s().find_service("svc-one").value().id, "mail.one.example", "").value());
  }
  Store& s() { return *m_store; }
  static DnsRecord rec(std::string name, std::string type, std::string data) {
    return {.name = std::move(name), .type = std::move(type), .data = std::move(data)};
  }

  testing::TempDir m_dir{"zones"};
  std::unique_ptr<Store> m_store;
  std::vector<Organisation> orgs;
  std::vector<Domain> domains;
};

TEST_F(ZoneStoreTest, ZonesBelongToDomainsAndAreFoundByTheLongestApex) {
  auto before = s().zones_generation().value();
  auto one = s().create_zone(domains[0].id, 7, {rec("one.example", "MX", "10 mx.one.example")}).value();
  EXPECT_EQ(one.apex, "one.example");
  EXPECT_EQ(one.org_id, orgs[0].id);
  EXPECT_EQ(one.serial, 7u);
  EXPECT_GT(s().zones_generation().value(), before);
  EXPECT_EQ(s().create_zone(domains[0].id, 1, {}).error().kind, ErrorKind::exists);
  auto sub = s().create_zone(domains[2].id, 1, {}).value();
  EXPECT_EQ(s().find_zone({"x.mail.one.example", "mail.one.example", "one.example", "example"}).value().id, sub.id);
  EXPECT_EQ(s().find_zone({"x.one.example", "one.example", "example"}).value().id, one.id);
  EXPECT_EQ(s().find_zone({"two.example", "example"}).error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().list_zones(orgs[0].id).value().size(), 2u);
  EXPECT_EQ(s().list_zones(orgs[1].id).value().size(), 0u) << "an organisation sees its own zones";
  EXPECT_EQ(s().zone_records(one.id).value().size(), 1u);
}

TEST_F(ZoneStoreTest, EditsApplyWholeOrNotAtAll) {
  auto zone = s().create_zone(domains[0].id, 1, {rec("one.example", "A", "192.0.2.1")}).value();
  auto first = s().zone_records(zone.id).value().at(0);
  auto gen = s().zones_generation().value();
  auto added = s().edit_zone(zone.id, [&](const DnsZone& z, const std::vector<DnsRecord>& current) -> Result<ZoneEdit> {
    EXPECT_EQ(z.id, zone.id);
    EXPECT_EQ(current.size(), 1u);
    ZoneEdit e;
    e.add.push_back(rec("WWW.one.example", "CNAME", "one.example"));
    auto changed = current[0];
    changed.data = "192.0.2.2";
    e.update.push_back(changed);
    e.serial = 2;
    return e;
  });
  ASSERT_TRUE(added) << added.error().message;
  ASSERT_EQ(added->size(), 1u);
  EXPECT_EQ(added->at(0).name, "www.one.example") << "names are stored in lower case";
  EXPECT_GT(s().zones_generation().value(), gen);
  EXPECT_EQ(s().zone_of_domain(domains[0].id).value().serial, 2u);
  // A plan that refuses changes nothing.
  auto refused = s().edit_zone(zone.id, [](const DnsZone&, const std::vector<DnsRecord>&) -> Result<ZoneEdit> {
    return fail(ErrorKind::invalid, "no");
  });
  EXPECT_EQ(refused.error().message, "no");
  // A removal of a record of another zone fails whole, the add with it too.
  auto other = s().create_zone(domains[1].id, 1, {rec("two.example", "A", "192.0.2.9")}).value();
  auto foreign = s().zone_records(other.id).value().at(0).id;
  auto bad = s().edit_zone(zone.id, [&](const DnsZone&, const std::vector<DnsRecord>&) -> Result<ZoneEdit> {
    ZoneEdit e;
    e.add.push_back(rec("new.one.example", "A", "192.0.2.3"));
    e.remove.push_back(foreign);
    return e;
  });
  EXPECT_EQ(bad.error().kind, ErrorKind::not_found);
  EXPECT_EQ(s().zone_records(zone.id).value().size(), 2u);
  EXPECT_EQ(s().zone_records(other.id).value().size(), 1u);
  EXPECT_EQ(s().zone_records(zone.id).value().at(0).data, "192.0.2.2");
  (void)first;
}

TEST_F(ZoneStoreTest, ADeletedDomainTakesItsZoneAndKeys) {
  auto zone = s().create_zone(domains[1].id, 1, {rec("two.example", "A", "192.0.2.1")}).value();
  DkimKey key{.domain_id = domains[1].id,
              .selector = "s1",
              .algorithm = "ed25519-sha256",
              .sealed_private = std::string("\0sealed", 7),
              .public_record = "v=DKIM1; k=ed25519; p=AAAA",
              .state = DkimKeyState::active};
  s().add_dkim_key(key).value();
  ASSERT_TRUE(s().remove_domain(domains[1].id));
  EXPECT_EQ(s().zone_of_domain(domains[1].id).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(s().zone_records(zone.id).value().empty());
  EXPECT_TRUE(s().signing_keys("two.example").value().empty());
}

TEST_F(ZoneStoreTest, DkimKeysAndTheirStates) {
  DkimKey key{.domain_id = domains[0].id,
              .selector = "s1",
              .algorithm = "ed25519-sha256",
              .sealed_private = std::string("\0\1binary", 8),
              .public_record = "v=DKIM1; k=ed25519; p=AAAA",
              .state = DkimKeyState::active};
  auto a = s().add_dkim_key(key).value();
  EXPECT_EQ(s().add_dkim_key(key).error().kind, ErrorKind::exists) << "one selector per domain";
  key.selector = "s2";
  key.algorithm = "rsa-sha256";
  key.state = DkimKeyState::published;
  auto b = s().add_dkim_key(key).value();
  auto signing = s().signing_keys("ONE.example").value();
  ASSERT_EQ(signing.size(), 1u);
  EXPECT_EQ(signing[0].selector, "s1");
  EXPECT_EQ(signing[0].sealed_private, std::string("\0\1binary", 8)) << "binary kept";
  ASSERT_TRUE(s().set_dkim_key_state(b.id, DkimKeyState::active, 100));
  ASSERT_TRUE(s().set_dkim_key_state(a.id, DkimKeyState::retiring, 100));
  signing = s().signing_keys("one.example").value();
  ASSERT_EQ(signing.size(), 1u);
  EXPECT_EQ(signing[0].selector, "s2");
  EXPECT_EQ(s().dkim_keys(domains[0].id).value().size(), 2u);
  EXPECT_TRUE(s().signing_keys("two.example").value().empty());
  EXPECT_EQ(s().set_dkim_key_state(9999, DkimKeyState::retired, 1).error().kind, ErrorKind::not_found);
}

}  // namespace
}  // namespace estafeta::store
