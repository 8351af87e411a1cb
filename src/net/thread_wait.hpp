// Waiting from a session coroutine for a result that another thread (not
// Asio's: a dns::LookupRunner's) hands over through a callback, without
// holding a thread: the callback wakes the coroutine on its own executor.
// Includes Asio: for transport files only.
//
// Lifetime: safe when the coroutine ends, or the io_context is torn down,
// while the other thread still works — the callback then finds no one to
// wake, and touches nothing of Asio's.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace estafeta::net {

template <class T>
struct ThreadResult {
  enum class End { done, refused, late } end = End::late;
  std::optional<T> value;  // with End::done
};

namespace detail {

// What the other thread and the waiting coroutine share.
template <class T>
struct ThreadShared {
  std::mutex mutex;
  bool listening = true;       // GUARDED_BY(mutex)
  bool done = false;           // GUARDED_BY(mutex)
  std::optional<T> value;      // GUARDED_BY(mutex)
  std::function<void()> wake;  // GUARDED_BY(mutex): posts to the coroutine's executor
};

// Ends the coroutine's interest however its frame goes (return, or
// destruction with the io_context).
template <class T>
struct StopListening {
  std::shared_ptr<ThreadShared<T>> shared;
  ~StopListening() {
    std::lock_guard lock(shared->mutex);
    shared->listening = false;
    shared->wake = nullptr;
  }
};

}  // namespace detail

// Calls `submit(deliver)`, which hands `deliver` (a std::function<void(T)>,
// to be called at most once, from any thread) to the other thread and
// returns whether it took it; then waits for the value at most `timeout`.
// End::refused: submit returned false; End::late: no value in time.
template <class T, class Submit>
boost::asio::awaitable<ThreadResult<T>> wait_for_thread(std::chrono::steady_clock::duration timeout, Submit submit) {
  namespace asio = boost::asio;
  auto executor = co_await asio::this_coro::executor;
  auto timer = std::make_shared<asio::steady_timer>(executor, timeout);
  auto shared = std::make_shared<detail::ThreadShared<T>>();
  shared->wake = [executor, timer] { asio::post(executor, [timer] { timer->cancel(); }); };
  detail::StopListening<T> guard{shared};
  std::function<void(T)> deliver = [shared](T value) {
    std::lock_guard lock(shared->mutex);
    if (!shared->listening || shared->done) return;
    shared->value.emplace(std::move(value));
    shared->done = true;
    shared->wake();
  };
  ThreadResult<T> out;
  if (!submit(std::move(deliver))) {
    out.end = ThreadResult<T>::End::refused;
    co_return out;
  }
  {
    // The coroutine runs on a strand: a wake-up posted now runs only once
    // the wait below has started, and cancels it.
    std::lock_guard lock(shared->mutex);
    if (shared->done) {
      out.end = ThreadResult<T>::End::done;
      out.value = std::move(shared->value);
      co_return out;
    }
  }
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  std::lock_guard lock(shared->mutex);
  if (shared->done) {
    out.end = ThreadResult<T>::End::done;
    out.value = std::move(shared->value);
  }
  co_return out;
}

}  // namespace estafeta::net
