// The delivery path: the one function every way mail comes in goes through
// (SMTP, IMAP APPEND, import, the web app's drafts and sent copies).
//
// deliver(): parse the bytes once (mime::parse_message), store the bytes
// once — a large message in an fsync'd file first, a small one in the same
// transaction as its rows (store/blob_store.hpp) — append one message per
// target folder in one SQLite transaction (synchronous=FULL, committed with
// whatever other deliveries wait at that moment), then publish
// message_appended on the event bus. When it returns success the message is
// durable in every target (DESIGN §5); when it fails, in none. A crash in
// between leaves at most an unreferenced blob file.
//
// Thread-safe; blocking (parse, fsync, commit): call from a worker thread.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/event_bus.hpp"
#include "core/result.hpp"
#include "mime/parsed_message.hpp"
#include "store/blob_store.hpp"
#include "store/store.hpp"

namespace estafeta::delivery {

class Deliverer {
 public:
  // The store, blob store and bus must outlive the Deliverer.
  Deliverer(store::Store& store, store::BlobStore& blobs, EventBus& bus, mime::Limits limits = {})
      : m_store(store), m_blobs(blobs), m_bus(bus), m_limits(limits) {}

  // Only local targets (IMAP APPEND, import, the web app).
  Result<std::vector<store::Appended>> deliver(std::string_view bytes, const std::vector<store::AppendTarget>& targets);

  // Mail accepted by SMTP: local copies, the outbound queue entry and the
  // trace lines, durable together (store::Store::accept_message) — the 250
  // after DATA is sent only once this returns.
  Result<store::Accepted> accept(std::string_view bytes, const std::vector<store::AppendTarget>& local,
                                 const std::optional<store::OutboundMessage>& outbound,
                                 const std::vector<store::TraceEntry>& trace);

  // The INBOX of an address, for deliveries addressed to it.
  Result<store::MailboxRef> inbox_of(store::Id address_id);

  // Told of every accepted message: seconds until it was durable, and of
  // those, seconds in the store's transaction (metrics). Set before use.
  void set_observer(std::function<void(double total, double store)> observer) { m_observer = std::move(observer); }

 private:
  void announce(const std::vector<store::Appended>& appended);

  store::Store& m_store;
  store::BlobStore& m_blobs;
  EventBus& m_bus;
  mime::Limits m_limits;
  std::function<void(double, double)> m_observer;
};

// What the store keeps of a parsed message (pure; exposed for tests).
store::BlobInfo blob_info_from(mime::ParsedMessage parsed, std::string hash, std::uint64_t size);

}  // namespace estafeta::delivery
