// The background thread that builds the full-text index of accepted mail.
//
// Accepting a message leaves its text outside the index (an FTS insert per
// message would be most of the cost of a delivery); this thread moves it in,
// a batch at a time, at a lower CPU priority than the sessions, and while
// mail is arriving (events on the bus) only once the backlog grows large —
// so bursts of deliveries are not slowed by their own indexing. A search
// never waits for it: it reads its own folder's waiting text beside the
// index (Messages::search_text), so the thread only decides *when* the work
// is done, and how much text a search may have to read.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/event_bus.hpp"
#include "store/maintenance.hpp"

namespace estafeta::store {

class TextIndexer {
 public:
  struct Options {
    std::size_t batch = 32;                        // messages per transaction (≈ 25 ms of writer time)
    std::chrono::milliseconds idle_poll{500};      // how often to look when nothing was waiting
    std::chrono::milliseconds between_batches{5};  // lets deliveries take the writer in between
    std::chrono::milliseconds quiet{250};          // no delivery for this long: mail is not arriving
    std::uint64_t max_backlog_bytes = 64u << 20;   // waiting text indexed even while mail arrives
                                                   // (a search of a folder holding it all reads
                                                   // it: 100-250 ms); past
                                                   // SqliteOptions::max_pending_text_bytes
                                                   // deliveries index too
    int nice = 10;                                 // CPU priority of the thread (Linux, per thread)
  };

  // Starts the thread. The store (and the bus, if any: where deliveries are
  // announced) must outlive the indexer.
  explicit TextIndexer(Maintenance& store, EventBus* bus = nullptr) : TextIndexer(store, bus, Options{}) {}
  TextIndexer(Maintenance& store, EventBus* bus, Options options);
  ~TextIndexer();  // stops and joins: a batch in progress is finished first
  TextIndexer(const TextIndexer&) = delete;
  TextIndexer& operator=(const TextIndexer&) = delete;

  std::size_t indexed() const;  // messages indexed since start (for logs and tests)

 private:
  void run();
  bool mail_arriving() const;

  Maintenance& m_store;
  Options m_options;
  std::atomic<std::int64_t> m_last_delivery{0};  // steady_clock ticks of the last message_appended
  EventBus::Subscription m_subscription;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stop = false;        // GUARDED_BY(m_mutex)
  std::size_t m_indexed = 0;  // GUARDED_BY(m_mutex)
  std::thread m_thread;
};

}  // namespace estafeta::store
