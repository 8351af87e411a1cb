// For store-backed tests: one organisation with one mail service, one domain
// and one address (whose INBOX the store creates with it) — what most tests
// of the store and of the sessions above it start from.
#pragma once

#include <string>

#include "store/store.hpp"

namespace estafeta::testing {

struct Tenant {
  store::Organisation organisation;
  store::MailService service;
  store::Domain domain;
  store::Address address;
};

// An organisation and service named after the domain (names are unique:
// one store can hold a tenant per domain). Throws
// (std::bad_expected_access, a failed test) when the store refuses.
inline Tenant make_tenant(store::Store& s, const std::string& domain = "example.org",
                          const std::string& local = "info") {
  Tenant t;
  t.organisation = s.create_organisation("Org " + domain).value();
  t.service = s.create_service(t.organisation.id, "svc " + domain).value();
  t.domain = s.add_domain(t.service.id, domain, "").value();
  t.address = s.create_address(t.domain.id, local).value();
  return t;
}

}  // namespace estafeta::testing
