// Kill a delivering process at random instants (SIGKILL) and check, after
// each reopen, that every delivery reported as committed is present exactly
// once, that nothing is duplicated, that UIDs stay strictly ascending, and
// that the database passes PRAGMA integrity_check (DESIGN §5).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/testing.hpp"
#include "store/blob_store.hpp"
#include "store/store.hpp"

#ifndef CRASH_CHILD
#error "CRASH_CHILD must name the child executable"
#endif

namespace estafeta {
namespace {

// Runs the child until killed; returns the numbers it reported.
std::vector<long> run_and_kill(const std::filesystem::path& dir, long first, std::chrono::milliseconds after) {
  int out[2];
  if (::pipe(out) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    auto first_s = std::to_string(first);
    ::execl(CRASH_CHILD, CRASH_CHILD, dir.c_str(), first_s.c_str(), nullptr);
    _exit(127);
  }
  ::close(out[1]);
  std::this_thread::sleep_for(after);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  EXPECT_TRUE(WIFSIGNALED(status)) << "child ended by itself (status " << status << "): it failed";
  std::vector<long> reported;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) break;  // a torn last line was not a full report
    reported.push_back(std::stol(text.substr(start, end - start)));
    start = end + 1;
  }
  return reported;
}

TEST(Crash, KilledDeliveriesLoseAndDuplicateNothing) {
  testing::TempDir dir("crash");
  std::mt19937 rng(12345);
  std::set<long> committed;
  const int iterations = std::getenv("ESTAFETA_CRASH_ITERATIONS") ? std::atoi(std::getenv("ESTAFETA_CRASH_ITERATIONS")) : 30;
  for (int it = 0; it < iterations; ++it) {
    // The first child also sets up the address: give it time to get going.
    auto wait = std::chrono::milliseconds(it == 0 ? 1500 : std::uniform_int_distribution<int>(20, 400)(rng));
    auto reported = run_and_kill(dir.path(), (it + 1) * 1000000L, wait);
    committed.insert(reported.begin(), reported.end());

    auto store = store::open_sqlite_store({dir / "db", false});
    ASSERT_TRUE(store) << store.error().message << " " << store.error().detail;
    ASSERT_EQ((*store)->integrity_check().value(), "") << "iteration " << it;
    auto addr = (*store)->find_address("crash@test.example");
    if (!addr) {
      ASSERT_TRUE(committed.empty()) << "reported deliveries but the address is missing";
      continue;
    }
    auto inbox = (*store)->find_mailbox(addr->id, "INBOX").value();
    auto msgs = (*store)->list_messages(inbox.ref()).value();
    std::map<long, int> seen;
    std::uint32_t last_uid = 0;
    auto blobs = store::BlobStore::open(dir / "blobs", store->get()).value();
    for (auto& m : msgs) {
      ASSERT_GT(m.uid, last_uid);
      last_uid = m.uid;
      auto info = (*store)->blob_info(m.blob_id).value();
      // "crash-N@test"
      long n = std::stol(info.message_id.substr(6, info.message_id.find('@') - 6));
      seen[n]++;
      auto bytes = blobs->get(m.blob_hash);
      ASSERT_TRUE(bytes) << "message " << n << " has no blob file";
      ASSERT_EQ(store::BlobStore::hash_of(*bytes), m.blob_hash) << "blob of " << n << " is damaged";
    }
    EXPECT_GT(inbox.uidnext, last_uid);
    for (auto& [n, count] : seen) ASSERT_EQ(count, 1) << "message " << n << " stored " << count << " times";
    for (long n : committed) ASSERT_EQ(seen.count(n), 1u) << "acknowledged message " << n << " lost";
  }
  EXPECT_GT(committed.size(), 50u) << "the children delivered too little for the test to mean anything";
  std::printf("crash test: %d kills, %zu acknowledged deliveries all present once\n", iterations, committed.size());
}

}  // namespace
}  // namespace estafeta
