#include "smtp/spf_wait.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <functional>
#include <memory>
#include <mutex>

namespace estafeta::smtp {

namespace asio = boost::asio;

namespace {

// What the runner's thread and the waiting coroutine share. Holds no Asio
// object: the runner may keep it after the io_context is gone.
struct Shared {
  std::mutex mutex;
  bool listening = true;                      // GUARDED_BY(mutex)
  bool done = false;                          // GUARDED_BY(mutex)
  std::optional<dns::SpfResult> result;       // GUARDED_BY(mutex)
  std::function<void()> wake;                 // GUARDED_BY(mutex): posts to the session's executor
};

// Ends the coroutine's interest however its frame goes (return, or
// destruction with the io_context): from then on the callback touches
// nothing of Asio's.
struct StopListening {
  std::shared_ptr<Shared> shared;
  ~StopListening() {
    std::lock_guard lock(shared->mutex);
    shared->listening = false;
    shared->wake = nullptr;
  }
};

}  // namespace

asio::awaitable<std::optional<dns::SpfResult>> await_spf(dns::SpfRunner& runner, dns::SpfJob job) {
  auto executor = co_await asio::this_coro::executor;
  // A little past the runner's own deadline, which DNS lookups already
  // respect between queries.
  auto timer = std::make_shared<asio::steady_timer>(executor, runner.options().timeout + std::chrono::milliseconds(500));
  auto shared = std::make_shared<Shared>();
  shared->wake = [executor, timer] { asio::post(executor, [timer] { timer->cancel(); }); };
  StopListening guard{shared};
  bool queued = runner.submit(std::move(job), [shared](std::optional<dns::SpfResult> r) {
    std::lock_guard lock(shared->mutex);
    if (!shared->listening) return;
    shared->result = std::move(r);
    shared->done = true;
    shared->wake();
  });
  if (!queued) co_return std::nullopt;
  {
    // The session runs on a strand: a wake-up posted now runs only once
    // the wait below has started, and cancels it.
    std::lock_guard lock(shared->mutex);
    if (shared->done) co_return std::move(shared->result);
  }
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  std::lock_guard lock(shared->mutex);
  if (shared->done) co_return std::move(shared->result);
  dns::SpfResult late;
  late.code = dns::SpfResult::temperror;
  late.problem = "DNS lookups took too long";
  co_return late;
}

}  // namespace estafeta::smtp
