#include "core/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <mutex>

namespace estafeta {

namespace {

// Seconds: from half a millisecond (a small message to one mailbox) to ten
// seconds (a slow disk).
const prometheus::Histogram::BucketBoundaries kLatency = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                          0.1,    0.25,  0.5,    1,     2.5,  5,     10};

}  // namespace

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Gauge>& connections = prometheus::BuildGauge()
                                                           .Name("estafeta_open_connections")
                                                           .Help("Connections open now, by protocol")
                                                           .Register(*registry);
  prometheus::Family<prometheus::Counter>& logins = prometheus::BuildCounter()
                                                        .Name("estafeta_logins_total")
                                                        .Help("Logins by protocol and outcome")
                                                        .Register(*registry);
  prometheus::Histogram& deliveries = prometheus::BuildHistogram()
                                          .Name("estafeta_delivery_seconds")
                                          .Help("Messages accepted, and the time until each was durable")
                                          .Register(*registry)
                                          .Add({}, kLatency);
  prometheus::Histogram& commits = prometheus::BuildHistogram()
                                       .Name("estafeta_store_commit_seconds")
                                       .Help("Store transactions that accepted mail, and their duration")
                                       .Register(*registry)
                                       .Add({}, kLatency);
  prometheus::Gauge& queue = prometheus::BuildGauge()
                                 .Name("estafeta_queue_messages")
                                 .Help("Recipients waiting in the outbound queue")
                                 .Register(*registry)
                                 .Add({});
  prometheus::Gauge& oldest = prometheus::BuildGauge()
                                  .Name("estafeta_queue_oldest_seconds")
                                  .Help("Age of the oldest message in the outbound queue")
                                  .Register(*registry)
                                  .Add({});
  prometheus::Gauge& backlog = prometheus::BuildGauge()
                                   .Name("estafeta_text_index_backlog")
                                   .Help("Messages whose text waits for the full-text index")
                                   .Register(*registry)
                                   .Add({});
  prometheus::Gauge& backlog_bytes = prometheus::BuildGauge()
                                         .Name("estafeta_text_index_backlog_bytes")
                                         .Help("Bytes of text waiting for the full-text index")
                                         .Register(*registry)
                                         .Add({});
  std::mutex sampler_mutex;
  std::function<Sample()> sampler;  // GUARDED_BY(sampler_mutex)
};

Metrics::Metrics() : m(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::connection_opened(std::string_view protocol) {
  m->connections.Add({{"protocol", std::string(protocol)}}).Increment();
}

void Metrics::connection_closed(std::string_view protocol) {
  m->connections.Add({{"protocol", std::string(protocol)}}).Decrement();
}

void Metrics::login(std::string_view protocol, bool success) {
  m->logins.Add({{"protocol", std::string(protocol)}, {"outcome", success ? "success" : "failure"}}).Increment();
}

void Metrics::delivery(double seconds) { m->deliveries.Observe(seconds); }
void Metrics::store_commit(double seconds) { m->commits.Observe(seconds); }

void Metrics::set_sampler(std::function<Sample()> sampler) {
  std::lock_guard lock(m->sampler_mutex);
  m->sampler = std::move(sampler);
}

std::string Metrics::text() {
  {
    std::lock_guard lock(m->sampler_mutex);
    if (m->sampler) {
      auto s = m->sampler();
      m->queue.Set(s.queue_messages);
      m->oldest.Set(s.queue_oldest_seconds);
      m->backlog.Set(s.text_index_backlog);
      m->backlog_bytes.Set(s.text_index_backlog_bytes);
    }
  }
  return prometheus::TextSerializer().Serialize(m->registry->Collect());
}

}  // namespace estafeta
