// libFuzzer target for what a logged-in JMAP client controls: the request
// object (RFC 8620 §3.3) and every method's arguments, through jmap::api
// on a real store with one account (two mailboxes, one email). Checked:
// the answer is always JSON — a response object with one response per
// call (200), or a problem object (400) — and never a crash.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "core/event_bus.hpp"
#include "delivery/deliverer.hpp"
#include "jmap/api.hpp"
#include "mime/parsed_message.hpp"
#include "store/store.hpp"

namespace {

using namespace estafeta;

struct World {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::BlobStore> blobs;
  EventBus bus;
  std::unique_ptr<delivery::Deliverer> deliverer;
  std::optional<jmap::Deps> deps;
  jmap::Principal who;

  World() {
    mime::init();
    char pattern[] = "/tmp/jmap-fuzz-XXXXXX";
    std::filesystem::path dir = mkdtemp(pattern);
    store = store::open_sqlite_store({dir / "db.sqlite", true}).value();
    blobs = store::BlobStore::open(dir / "blobs", store.get()).value();
    deliverer = std::make_unique<delivery::Deliverer>(*store, *blobs, bus);
    deps.emplace(
        jmap::Deps{.store = *store, .blobs = *blobs, .deliverer = *deliverer, .bus = &bus, .hostname = "fuzz.example"});
    auto org = store->create_organisation("org").value();
    store::User u;
    u.org_id = org.id;
    u.login = "user@fuzz.example";
    auto user = store->create_user(u).value();
    auto service = store->create_service(org.id, "svc").value();
    auto domain = store->add_domain(service.id, "fuzz.example", "").value();
    auto address = store->create_address(domain.id, "box").value();
    auto access = store->grant_access(address.id, user.id, true).value();
    if (!store->find_mailbox(address.id, "INBOX"))
      store->create_mailbox(address.id, "INBOX", store::SpecialUse::none).value();
    auto inbox = store->find_mailbox(address.id, "INBOX").value();
    (void)store->create_mailbox(address.id, "Work", store::SpecialUse::none);
    std::string_view mail = "From: a@b.example\r\nSubject: hi\r\nMessage-ID: <1@b.example>\r\n\r\nhello\r\n";
    deliverer->deliver(mail, {{inbox.ref(), 0, {}, 1000}}).value();
    who.username = u.login;
    who.accounts.push_back({address, access, true});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto reply = jmap::api(*world.deps, world.who, "application/json", body);
  auto out = nlohmann::json::parse(reply.body, nullptr, false);
  if (out.is_discarded()) std::abort();
  if (reply.status == 200) {
    auto in = nlohmann::json::parse(body, nullptr, false);
    if (!out.contains("methodResponses") || !in.is_object() ||
        out["methodResponses"].size() != in["methodCalls"].size())
      std::abort();
  } else if (reply.status != 400 || !out.contains("type")) {
    std::abort();
  }
  return 0;
}
