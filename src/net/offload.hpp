// Running blocking work (SQLite, fsync, Argon2, MIME parsing) on the worker
// pool and resuming the session coroutine on its own executor afterwards.
// No blocking call on an io_context thread (STYLE 6).
//
//   auto r = co_await net::offload(*env.workers, [&] { return store.find_user(login); });
//
// The callable runs on a pool thread while the coroutine is suspended: it may
// touch what the coroutine owns, nothing another handler could touch at the
// same time. Exceptions propagate to the awaiting coroutine. Work already on
// the pool is never cancelled midway; shutdown joins the pool, so in-flight
// deliveries finish.
#pragma once

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <type_traits>

#include "net/worker_pool.hpp"

namespace estafeta::net {

template <class F>
boost::asio::awaitable<std::invoke_result_t<F>> offload(WorkerPool& pool, F f) {
  namespace asio = boost::asio;
  using R = std::invoke_result_t<F>;
  auto home = co_await asio::this_coro::executor;
  co_await asio::post(asio::bind_executor(pool, asio::use_awaitable));
  std::exception_ptr error;
  std::optional<R> result;
  try {
    result.emplace(f());
  } catch (...) {
    error = std::current_exception();
  }
  co_await asio::post(asio::bind_executor(home, asio::use_awaitable));
  if (error) std::rethrow_exception(error);
  co_return std::move(*result);
}

}  // namespace estafeta::net
