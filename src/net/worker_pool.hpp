// The worker pool: threads for blocking work (SQLite, fsync, Argon2, MIME
// parsing), reached through net::offload.
//
// Jobs wait in one queue that every thread takes from, as in
// asio::thread_pool. What differs is which idle thread a new job wakes: the
// one that went idle last. asio::thread_pool wakes through one condition
// variable, which wakes the thread idle longest; with one busy session that
// is a different thread for every job, each with cold caches and often on a
// halted CPU. Here each thread waits on its own condition variable, idle
// threads are kept as a stack, and a job is handed straight to the top one.
//
//   net::WorkerPool workers(16);
//   auto r = co_await net::offload(workers, [&] { return store.find_user(login); });
//   ...
//   workers.join();  // runs what is queued, then the threads end
#pragma once

#include <boost/asio/execution/blocking.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace estafeta::net {

class WorkerPool : public boost::asio::execution_context {
 public:
  class executor_type;
  using Job = std::move_only_function<void()>;

  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  executor_type get_executor() noexcept;

  // Runs every job queued, then ends the threads. Nothing may be posted
  // once it has begun (the io threads have stopped by then). The
  // destructor joins too: unlike asio::thread_pool's, it runs what is
  // queued instead of dropping it.
  void join();

  // Queues `job`; the thread that went idle last runs it.
  void post(Job job);

  // Threads waiting for a job (for tests).
  std::size_t idle_threads();

 private:
  struct Worker {
    std::condition_variable wake;
    Job job;  // GUARDED_BY(m_mutex): handed over by post() while the worker is idle
  };
  void run(Worker& me);

  std::mutex m_mutex;
  std::deque<Job> m_queue;      // GUARDED_BY(m_mutex): jobs no idle thread was there for
  std::vector<Worker*> m_idle;  // GUARDED_BY(m_mutex): the last to go idle at the back
  bool m_joining = false;       // GUARDED_BY(m_mutex)
  std::vector<std::unique_ptr<Worker>> m_workers;
  std::vector<std::thread> m_threads;
};

// An Asio executor (the standard executor model) that posts to the pool:
// what asio::bind_executor and asio::post need for net::offload.
class WorkerPool::executor_type {
 public:
  explicit executor_type(WorkerPool& pool) noexcept : m_pool(&pool) {}

  boost::asio::execution_context& query(boost::asio::execution::context_t) const noexcept { return *m_pool; }
  static constexpr boost::asio::execution::blocking_t query(boost::asio::execution::blocking_t) noexcept {
    return boost::asio::execution::blocking.never;
  }
  template <class F>
  void execute(F&& f) const {
    m_pool->post(Job(std::forward<F>(f)));
  }
  friend bool operator==(const executor_type&, const executor_type&) noexcept = default;

 private:
  WorkerPool* m_pool;
};

inline WorkerPool::executor_type WorkerPool::get_executor() noexcept { return executor_type(*this); }

}  // namespace estafeta::net
