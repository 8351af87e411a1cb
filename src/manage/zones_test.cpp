#include <gtest/gtest.h>

#include <algorithm>

#include "core/testing.hpp"
#include "dns/dkim.hpp"
#include "dns/zone_resolver.hpp"
#include "manage/manager.hpp"
#include "manage/zone_records.hpp"
#include "manage/zone_source.hpp"

namespace estafeta::manage {
namespace {

class ZonesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_store = store::open_sqlite_store({m_dir / "db", true}).value();
    m_mgr = std::make_unique<Manager>(*m_store, m_keyring, m_bus, m_clock);
    ZoneDefaults d;
    d.mail_host = "mail.acme.example";
    d.nameservers = {"ns1.acme.example", "ns2.dns.example"};
    d.hostmaster = "dns@acme.example";
    d.spf_host = "spf.acme.example";
    d.addresses = {"192.0.2.25", "2001:db8::25"};
    m_mgr->set_zone_defaults(d);
    for (auto [org, dom] : {std::pair{"Acme", "acme.example"}, std::pair{"Beta", "beta.example"}}) {
      ASSERT_TRUE(m_mgr->create_organisation(op, org));
      ASSERT_TRUE(m_mgr->create_user(op, org, std::string("admin@") + dom, "Admin", store::Role::admin, ""));
      ASSERT_TRUE(m_mgr->create_service(op, org, std::string("svc-") + org));
      ASSERT_TRUE(m_mgr->add_domain(op, std::string("svc-") + org, dom));
    }
  }
  Actor as(const std::string& login) {
    Actor a;
    a.user = m_store->find_user(login).value();
    a.product = "console";
    return a;
  }
  std::vector<store::DnsRecord> at(const std::string& domain, const std::string& name, const std::string& type) {
    std::vector<store::DnsRecord> out;
    auto zone = m_mgr->show_zone(op, domain).value();
    for (auto& r : zone.records)
      if (r.name == name && r.type == type) out.push_back(r);
    return out;
  }
  std::vector<std::string> audit_actions() {
    std::vector<std::string> out;
    store::AuditQuery q;
    q.limit = 1000;
    auto entries = m_store->query_audit(q).value();
    for (auto& e : entries) out.push_back(e.action);
    return out;
  }

  const Actor op = Actor::operator_cli();
  testing::TempDir m_dir{"zones"};
  auth::DeviceKeyring m_keyring = auth::DeviceKeyring::from_key(std::string(32, 'k'));
  EventBus m_bus;
  ManualClock m_clock{1796300000};  // 2026-12-03
  std::unique_ptr<store::Store> m_store;
  std::unique_ptr<Manager> m_mgr;
};

TEST_F(ZonesTest, ADomainStartsWithWhatAMailServiceNeeds) {
  auto z = m_mgr->show_zone(op, "acme.example").value();
  EXPECT_EQ(z.zone.serial, 2026120300u);
  auto soa = at("acme.example", "acme.example", "SOA");
  ASSERT_EQ(soa.size(), 1u);
  EXPECT_EQ(soa[0].data, "ns1.acme.example dns.acme.example 2026120300 7200 3600 1209600 300");
  EXPECT_EQ(at("acme.example", "acme.example", "NS").size(), 2u);
  EXPECT_EQ(at("acme.example", "acme.example", "MX").at(0).data, "10 mail.acme.example");
  EXPECT_EQ(at("acme.example", "acme.example", "TXT").at(0).data, "\"v=spf1 include:spf.acme.example -all\"");
  EXPECT_EQ(at("acme.example", "_dmarc.acme.example", "TXT").at(0).data, "\"v=DMARC1; p=none\"");
  EXPECT_EQ(at("acme.example", "_imaps._tcp.acme.example", "SRV").at(0).data, "0 1 993 mail.acme.example");
  EXPECT_EQ(at("acme.example", "_submission._tcp.acme.example", "SRV").at(0).data, "0 1 587 mail.acme.example");
  EXPECT_EQ(at("acme.example", "_submissions._tcp.acme.example", "SRV").at(0).data, "0 1 465 mail.acme.example");
  EXPECT_EQ(at("acme.example", "_pop3s._tcp.acme.example", "SRV").at(0).data, "0 1 995 mail.acme.example");
  EXPECT_EQ(at("acme.example", "autoconfig.acme.example", "CNAME").at(0).data, "mail.acme.example");
  EXPECT_EQ(at("acme.example", "autodiscover.acme.example", "CNAME").at(0).data, "mail.acme.example");
  // The server's own names inside this zone get its addresses.
  EXPECT_EQ(at("acme.example", "mail.acme.example", "A").at(0).data, "192.0.2.25");
  EXPECT_EQ(at("acme.example", "mail.acme.example", "AAAA").at(0).data, "2001:db8::25");
  EXPECT_EQ(at("acme.example", "ns1.acme.example", "A").size(), 1u);
  EXPECT_EQ(at("acme.example", "spf.acme.example", "TXT").at(0).data,
            "\"v=spf1 ip4:192.0.2.25 ip6:2001:db8::25 -all\"");
  EXPECT_TRUE(at("beta.example", "mail.acme.example", "A").empty());
  EXPECT_TRUE(at("beta.example", "spf.acme.example", "TXT").empty());
  // DKIM: one Ed25519 and one RSA key, active, each with its record.
  auto keys = m_mgr->dkim_keys(op, "acme.example").value();
  ASSERT_EQ(keys.size(), 2u);
  for (auto& k : keys) {
    EXPECT_EQ(k.key.state, store::DkimKeyState::active);
    EXPECT_TRUE(k.key.sealed_private.empty()) << "never shown";
    auto txt = at("acme.example", k.record_name, "TXT");
    ASSERT_EQ(txt.size(), 1u) << k.record_name;
    auto rec = zone_record(txt[0]).value();
    EXPECT_EQ(std::get<dns::TxtData>(rec.data).joined(), k.key.public_record);
  }
  EXPECT_EQ(keys[0].key.selector, "rsa-20261203");
  EXPECT_EQ(keys[1].key.selector, "ed-20261203");
  // The sealed private key opens with the server key and is the key of the record.
  auto stored_keys = m_store->dkim_keys(m_store->find_domain("acme.example").value().id).value();
  for (auto& k : stored_keys) {
    EXPECT_EQ(k.sealed_private.find("PRIVATE"), std::string::npos);
    auto pem = m_keyring.open(k.sealed_private, dkim_seal_purpose()).value();
    auto key = dns::dkim::PrivateKey::from_pem(pem).value();
    EXPECT_EQ(key.public_record(), k.public_record);
  }
  EXPECT_EQ(m_mgr->create_zone(op, "acme.example").error().kind, ErrorKind::exists);
  auto actions = audit_actions();
  EXPECT_NE(std::find(actions.begin(), actions.end(), "dns.zone.create"), actions.end());
}

TEST_F(ZonesTest, RecordsAreCheckedAgainstTheZone) {
  auto admin = as("admin@acme.example");
  auto www = m_mgr->add_record(admin, "acme.example", {"www", "A", std::nullopt, "192.0.2.80"}).value();
  EXPECT_EQ(www.name, "www.acme.example");
  EXPECT_EQ(www.ttl, 3600u);
  EXPECT_EQ(m_mgr->show_zone(op, "acme.example").value().zone.serial, 2026120301u);
  EXPECT_EQ(at("acme.example", "acme.example", "SOA").at(0).data.find("2026120301") != std::string::npos, true);
  EXPECT_EQ(m_mgr->add_record(admin, "acme.example", {"blog.acme.example", "CNAME", 300, "www"}).value().name,
            "blog.acme.example");
  EXPECT_EQ(m_mgr->add_record(admin, "acme.example", {"@", "TXT", {}, "google-site-verification=x"}).value().name,
            "acme.example");
  // One SPF per name, with the way out named.
  auto spf = m_mgr->add_record(admin, "acme.example", {"@", "TXT", {}, "v=spf1 include:other.example ~all"});
  ASSERT_FALSE(spf);
  EXPECT_NE(spf.error().message.find("merge"), std::string::npos) << spf.error().message;
  // CNAME alone at its name; targets that are not aliases.
  EXPECT_FALSE(m_mgr->add_record(admin, "acme.example", {"www", "CNAME", {}, "web.example.net."}));
  EXPECT_FALSE(m_mgr->add_record(admin, "acme.example", {"@", "MX", {}, "20 blog.acme.example"}));
  EXPECT_FALSE(m_mgr->add_record(admin, "acme.example", {"x", "A", {}, "999.1.1.1"}));
  EXPECT_FALSE(m_mgr->add_record(admin, "acme.example", {"x", "HINFO", {}, "a b"}));
  EXPECT_FALSE(m_mgr->add_record(admin, "acme.example", {"x.beta.example.", "A", {}, "192.0.2.1"}));
  EXPECT_FALSE(m_mgr->add_record(admin, "acme.example", {"@", "SOA", {}, "a. b. 1 1 1 1 1"}));
  // Edit and delete by id, inside this zone only.
  auto edited = m_mgr->update_record(admin, "acme.example", www.id, {"www", "A", 60, "192.0.2.81"}).value();
  EXPECT_EQ(edited.data, "192.0.2.81");
  EXPECT_EQ(edited.ttl, 60u);
  auto soa = at("acme.example", "acme.example", "SOA").at(0);
  EXPECT_FALSE(m_mgr->delete_record(admin, "acme.example", soa.id));
  auto soa_edit = m_mgr->update_record(op, "acme.example", soa.id,
                                       {"@", "SOA", {}, "ns1.acme.example. dns.acme.example. 1 600 300 86400 60"});
  ASSERT_TRUE(soa_edit) << soa_edit.error().message;
  EXPECT_NE(soa_edit->data.find(std::to_string(m_mgr->show_zone(op, "acme.example").value().zone.serial)),
            std::string::npos)
      << "the serial stays managed: " << soa_edit->data;
  auto beta = as("admin@beta.example");
  EXPECT_EQ(m_mgr->update_record(beta, "beta.example", www.id, {"www", "A", {}, "192.0.2.1"}).error().kind,
            ErrorKind::not_found);
  EXPECT_EQ(m_mgr->delete_record(beta, "beta.example", www.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_mgr->delete_record(beta, "acme.example", www.id).error().kind, ErrorKind::not_found);
  EXPECT_EQ(m_mgr->show_zone(beta, "acme.example").error().kind, ErrorKind::not_found);
  ASSERT_TRUE(m_mgr->delete_record(admin, "acme.example", www.id));
  EXPECT_TRUE(at("acme.example", "www.acme.example", "A").empty());
  auto actions = audit_actions();
  for (auto a : {"dns.record.add", "dns.record.edit", "dns.record.delete"})
    EXPECT_NE(std::find(actions.begin(), actions.end(), a), actions.end()) << a;
  EXPECT_EQ(m_mgr->list_zones(beta).value().size(), 1u);
  EXPECT_EQ(m_mgr->list_zones(op).value().size(), 2u);
}

TEST_F(ZonesTest, DkimRotationPublishesThenSwitchesThenWithdraws) {
  auto admin = as("admin@acme.example");
  auto before = m_mgr->dkim_keys(op, "acme.example").value();
  m_clock.advance(3600);
  auto after = m_mgr->rotate_dkim(admin, "acme.example", false).value();
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after[0].key.state, store::DkimKeyState::published);
  EXPECT_EQ(after[0].key.selector, "rsa-20261203-2");
  EXPECT_EQ(at("acme.example", after[0].record_name, "TXT").size(), 1u) << "published before it signs";
  EXPECT_EQ(m_mgr->advance_dkim(op).value(), 0) << "within the grace period nothing moves";
  EXPECT_EQ(m_mgr->advance_dkim(admin).error().kind, ErrorKind::permission);
  m_clock.advance(kDkimPublishGrace);
  EXPECT_EQ(m_mgr->advance_dkim(op).value(), 4);
  auto keys = m_mgr->dkim_keys(op, "acme.example").value();
  EXPECT_EQ(keys[0].key.state, store::DkimKeyState::active);
  EXPECT_EQ(keys[1].key.state, store::DkimKeyState::active);
  EXPECT_EQ(keys[2].key.state, store::DkimKeyState::retiring);
  EXPECT_EQ(keys[3].key.state, store::DkimKeyState::retiring);
  EXPECT_EQ(at("acme.example", keys[2].record_name, "TXT").size(), 1u) << "still checkable";
  auto signing = m_store->signing_keys("ACME.example").value();
  ASSERT_EQ(signing.size(), 2u);
  m_clock.advance(kDkimRetireGrace);
  EXPECT_EQ(m_mgr->advance_dkim(op).value(), 2);
  keys = m_mgr->dkim_keys(op, "acme.example").value();
  EXPECT_EQ(keys[2].key.state, store::DkimKeyState::retired);
  EXPECT_TRUE(at("acme.example", keys[2].record_name, "TXT").empty()) << "withdrawn";
  EXPECT_TRUE(at("acme.example", keys[3].record_name, "TXT").empty());
  EXPECT_EQ(at("acme.example", keys[0].record_name, "TXT").size(), 1u);
  // Rotating now: the new keys sign at once, the old ones retire.
  auto now = m_mgr->rotate_dkim(op, "acme.example", true).value();
  EXPECT_EQ(now[0].key.state, store::DkimKeyState::active);
  EXPECT_EQ(now[2].key.state, store::DkimKeyState::retiring);
  EXPECT_EQ(m_mgr->rotate_dkim(as("admin@beta.example"), "acme.example", true).error().kind, ErrorKind::not_found);
}

TEST_F(ZonesTest, StoreZonesFollowChangesAndFeedTheZoneFirstResolver) {
  StoreZones zones(*m_store, std::chrono::milliseconds(0));
  ASSERT_TRUE(zones.zone_for("www.acme.example"));
  EXPECT_EQ(zones.zone_for("www.acme.example")->apex, "acme.example");
  EXPECT_EQ(zones.zone_for("BETA.example.")->apex, "beta.example");
  EXPECT_FALSE(zones.zone_for("gamma.example"));
  EXPECT_FALSE(zones.zone_for("example"));
  dns::ZoneResolver resolver(zones, nullptr);
  EXPECT_EQ(resolver.a("www.acme.example").error().kind, ErrorKind::not_found);
  ASSERT_TRUE(m_mgr->add_record(op, "acme.example", {"www", "A", {}, "192.0.2.80"}));
  EXPECT_EQ(resolver.a("www.acme.example").value().at(0).to_string(), "192.0.2.80") << "visible at once";
  auto spf = m_mgr->analyze_spf(op, "acme.example", "", resolver).value();
  EXPECT_TRUE(spf.ok());
  EXPECT_EQ(spf.lookups, 1);  // include:spf.acme.example, answered by this zone
  ASSERT_TRUE(m_mgr->remove_domain(op, "beta.example"));
  EXPECT_FALSE(zones.zone_for("beta.example")) << "the zone went with its domain";
}

TEST(ZoneRecords, NamesAsTyped) {
  EXPECT_EQ(absolute_record_name("@", "example.com").value(), "example.com");
  EXPECT_EQ(absolute_record_name("", "example.com").value(), "example.com");
  EXPECT_EQ(absolute_record_name("WWW", "example.com").value(), "www.example.com");
  EXPECT_EQ(absolute_record_name("www.example.com", "example.com").value(), "www.example.com");
  EXPECT_EQ(absolute_record_name("www.example.com.", "example.com").value(), "www.example.com");
  EXPECT_EQ(absolute_record_name("_dmarc", "example.com").value(), "_dmarc.example.com");
  EXPECT_EQ(absolute_record_name("www.other.com", "example.com").value(), "www.other.com.example.com");
  EXPECT_FALSE(absolute_record_name("www.other.com.", "example.com"));
  EXPECT_FALSE(absolute_record_name("bad name", "example.com"));
  EXPECT_EQ(zone_day(1796300000), 20261203u);
}

}  // namespace
}  // namespace estafeta::manage
