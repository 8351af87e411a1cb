// The child of the crash test: delivers numbered messages into one address's
// INBOX as fast as it can and reports each number on stdout once deliver()
// has returned success (i.e. once the message is acknowledged as durable).
// The parent kills it with SIGKILL at a random moment.
//
//   crash_child DATA_DIR FIRST_NUMBER
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>

#include "core/event_bus.hpp"
#include "delivery/deliverer.hpp"
#include "mime/parsed_message.hpp"

using namespace estafeta;

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  std::filesystem::path dir = argv[1];
  long first = std::atol(argv[2]);
  mime::init();
  auto store = store::open_sqlite_store({dir / "db", true});
  auto blobs = store::BlobStore::open(dir / "blobs", store ? store->get() : nullptr);
  if (!store || !blobs) return 3;
  auto addr = (*store)->find_address("crash@test.example");
  if (!addr) {
    auto org = (*store)->create_organisation("Crash").value();
    auto svc = (*store)->create_service(org.id, "crash").value();
    auto dom = (*store)->add_domain(svc.id, "test.example", "").value();
    addr = (*store)->create_address(dom.id, "crash").value();
  }
  auto inbox = (*store)->find_mailbox(addr->id, "INBOX").value();
  EventBus bus;
  delivery::Deliverer deliverer(**store, **blobs, bus);
  for (long n = first;; ++n) {
    auto body = fmt::format(
        "From: a@b.example\r\nTo: crash@test.example\r\nSubject: crash {}\r\nMessage-ID: <crash-{}@test>\r\n\r\n"
        "{}\r\n",
        // Mostly small messages (kept in the database), every tenth one large
        // enough for a file of its own.
        n, n, std::string(static_cast<std::size_t>((n % 10 == 0 ? 70000 : 200) + n % 3000), 'x'));
    auto r = deliverer.deliver(body, {{inbox.ref(), 0, {}, 1}});
    if (!r) {
      std::fprintf(stderr, "deliver %ld: %s %s\n", n, r.error().message.c_str(), r.error().detail.c_str());
      return 4;
    }
    std::printf("%ld\n", n);
    std::fflush(stdout);
  }
}
