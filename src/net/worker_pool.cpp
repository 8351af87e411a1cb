#include "net/worker_pool.hpp"

#include <algorithm>

namespace estafeta::net {

WorkerPool::WorkerPool(std::size_t threads) {
  threads = std::max<std::size_t>(threads, 1);
  for (std::size_t i = 0; i < threads; ++i) m_workers.push_back(std::make_unique<Worker>());
  try {
    for (auto& w : m_workers) m_threads.emplace_back([this, &me = *w] { run(me); });
  } catch (...) {
    join();  // the threads already started, before their pool goes
    throw;
  }
}

WorkerPool::~WorkerPool() {
  join();
  // As asio::thread_pool: the services (none of ours) go before the members.
  shutdown();
  destroy();
}

std::size_t WorkerPool::idle_threads() {
  std::lock_guard lock(m_mutex);
  return m_idle.size();
}

void WorkerPool::post(Job job) {
  std::unique_lock lock(m_mutex);
  if (m_idle.empty()) {
    m_queue.push_back(std::move(job));
    return;
  }
  Worker* w = m_idle.back();
  m_idle.pop_back();
  w->job = std::move(job);
  lock.unlock();
  w->wake.notify_one();
}

void WorkerPool::run(Worker& me) {
  std::unique_lock lock(m_mutex);
  for (;;) {
    Job job;
    if (!m_queue.empty()) {
      job = std::move(m_queue.front());
      m_queue.pop_front();
    } else if (m_joining) {
      return;
    } else {
      m_idle.push_back(&me);
      me.wake.wait(lock, [&] { return me.job || m_joining; });
      if (!me.job) {
        std::erase(m_idle, &me);
        continue;  // joining: whatever is still queued first
      }
      job = std::move(me.job);
      me.job = nullptr;
    }
    lock.unlock();
    job();
    job = nullptr;  // the handler's state goes outside the lock
    lock.lock();
  }
}

void WorkerPool::join() {
  {
    std::lock_guard lock(m_mutex);
    m_joining = true;
  }
  for (auto& w : m_workers) w->wake.notify_all();
  for (auto& t : m_threads)
    if (t.joinable()) t.join();
}

}  // namespace estafeta::net
