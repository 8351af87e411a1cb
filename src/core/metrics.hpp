// The server's operational metrics (/metrics, the Prometheus text format
// 0.0.4): open connections per protocol, logins by protocol and outcome,
// accepted messages and their latency, store commit latency, and values
// read from the store at each scrape (queue size and oldest age, the
// text-index backlog). prometheus-cpp (core) keeps and formats them; only
// metrics.cpp includes it. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace estafeta {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void connection_opened(std::string_view protocol);
  void connection_closed(std::string_view protocol);
  void login(std::string_view protocol, bool success);
  void delivery(double seconds);  // one message accepted, durable after `seconds`
  void store_commit(double seconds);

  // Values read at each scrape; the sampler sets them (from the scraping thread).
  struct Sample {
    double queue_messages = 0;
    double queue_oldest_seconds = 0;
    double text_index_backlog = 0;
    double text_index_backlog_bytes = 0;
  };
  void set_sampler(std::function<Sample()> sampler);

  // Every metric in the text format, sampled now.
  std::string text();

 private:
  struct Impl;
  std::unique_ptr<Impl> m;
};

}  // namespace estafeta
