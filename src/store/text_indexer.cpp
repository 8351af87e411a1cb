#include "store/text_indexer.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.hpp"

namespace estafeta::store {

TextIndexer::TextIndexer(Maintenance& store, EventBus* bus, Options options) : m_store(store), m_options(options) {
  if (bus) {
    // Starting counts as a delivery: a server that just started has clients
    // reconnecting and mail queued elsewhere coming in.
    m_last_delivery.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    m_subscription = bus->subscribe([this](const Event& e) {
      if (e.kind == EventKind::message_appended)
        m_last_delivery.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    });
  }
  m_thread = std::thread([this] { run(); });
}

bool TextIndexer::mail_arriving() const {
  auto last = std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(m_last_delivery.load(std::memory_order_relaxed)));
  return std::chrono::steady_clock::now() - last < m_options.quiet;
}

TextIndexer::~TextIndexer() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_wake.notify_all();
  m_thread.join();
  m_subscription.reset();
}

std::size_t TextIndexer::indexed() const {
  std::lock_guard lock(m_mutex);
  return m_indexed;
}

void TextIndexer::run() {
  // On Linux a thread has its own nice value; raising it needs no privilege.
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), m_options.nice);
  std::unique_lock lock(m_mutex);
  while (!m_stop) {
    lock.unlock();
    if (mail_arriving()) {
      auto waiting = m_store.known_text_backlog();
      if (waiting.messages > 0 && waiting.bytes < m_options.max_backlog_bytes) {
        lock.lock();
        m_wake.wait_for(lock, m_options.quiet / 2, [this] { return m_stop; });
        continue;
      }
    }
    auto moved = m_store.index_pending_text(m_options.batch);
    lock.lock();
    if (!moved)
      log::warn("store.indexing_failed", {{"error", moved.error().message}, {"detail", moved.error().detail}});
    else
      m_indexed += *moved;
    bool more = moved && *moved == m_options.batch;
    m_wake.wait_for(lock, more ? m_options.between_batches : m_options.idle_poll, [this] { return m_stop; });
  }
}

}  // namespace estafeta::store
