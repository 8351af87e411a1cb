// The part of the Store that takes mail in from SMTP and holds the outbound
// queue: what is accepted (local copies, queue entry, trace) in one durable
// transaction, the recipients the delivery worker tries and the outcome of
// each attempt, and the per-address trace of every message in and out
// (RFC 5321 §4.5.4 retries, RFC 3461 DSN parameters).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/types.hpp"

namespace estafeta::store {

class Queue {
 public:
  virtual ~Queue() = default;

  // In one durable transaction: the blob row (if new), one message per
  // local target, the queue entry with its recipients (if any), and the
  // trace lines. Either all of it is there after a crash, or none.
  virtual Result<Accepted> accept_message(const BlobInfo& blob, const std::vector<AppendTarget>& local,
                                          const std::optional<OutboundMessage>& outbound,
                                          const std::vector<TraceEntry>& trace) = 0;

  // --- the outbound queue
  // Pending recipients whose next attempt is due, oldest first.
  virtual Result<std::vector<QueuedRecipient>> due_recipients(Time now, std::size_t limit) = 0;
  // When the next pending recipient is due (nullopt: nothing pending).
  virtual Result<std::optional<Time>> next_due() = 0;
  // The sender has been told (once) that this recipient is delayed.
  virtual Status mark_delay_warned(Id recipient_id) = 0;
  // Records one delivery attempt's outcome. A message whose recipients are
  // all delivered or failed leaves the queue (its blob reference goes).
  virtual Status record_attempt(Id recipient_id, RecipientState state, Time next_attempt, const std::string& reply,
                                const std::string& remote_host) = 0;
  virtual Result<std::vector<QueuedRecipient>> queued(std::size_t limit) = 0;  // every recipient still queued
  // How many recipients are queued, and when the oldest queued message came (0: none).
  virtual Result<std::pair<std::size_t, Time>> queue_size() = 0;

  // --- the trace
  virtual Status append_trace(const TraceEntry& entry) = 0;
  virtual Result<std::vector<TraceEntry>> trace(Id address_id, Time since, std::size_t limit) = 0;
};

}  // namespace estafeta::store
