// The in-process event bus: new mail, flag changes, expunges and revocations.
//
// Deliveries and management actions publish; protocol sessions (IMAP IDLE,
// POP3, web push) subscribe. Callbacks run on the publisher's thread and must
// be short and thread-safe: a session posts to its own executor and returns.
// Across nodes the same events will travel over PostgreSQL LISTEN/NOTIFY.
//
// A session subscribes to the addresses it serves: a publish reaches those
// subscribers only (and the few that take every event), so its cost follows
// the sessions of the address, not every connection of the server — with
// tens of thousands of clients in IDLE, a delivery to one address must not
// walk them all on the delivering thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace estafeta {

enum class EventKind {
  message_appended,  // mailbox, uid, modseq
  flags_changed,     // mailbox, uid, modseq
  message_expunged,  // mailbox, uid, modseq
  mailbox_changed,   // mailbox created, renamed or deleted; address
  device_revoked,    // device password id, address
  access_revoked,    // access id (all devices of it), address
  service_locked,    // service id: every session of its addresses ends
  mailbox_deleted,   // mailbox, address: sessions that have it selected end
  mailbox_renamed,   // mailbox (and its children), address: sessions that have one selected end
  connection_ended,  // to one connection only (net::Connection::end_from_outside): its user ended it
};

struct Event {
  EventKind kind;
  std::int64_t address_id = 0;  // 0: of no one address (service_locked: every address of service_id)
  std::int64_t mailbox_id = 0;
  std::int64_t service_id = 0;
  std::int64_t access_id = 0;
  std::int64_t device_password_id = 0;
  std::uint32_t uid = 0;
  std::uint64_t modseq = 0;
};

// Where events go. The in-process bus is one; the store's event log (seen by
// every process and node) is another.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void publish(const Event& event) = 0;
};

class EventBus final : public EventSink {
 public:
  using Callback = std::function<void(const Event&)>;

  // Unsubscribes when destroyed. Must not outlive the bus.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(EventBus* bus, std::uint64_t id) : m_bus(bus), m_id(id) {}
    Subscription(Subscription&& other) noexcept { *this = std::move(other); }
    Subscription& operator=(Subscription&& other) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription() { reset(); }
    void reset();
    bool active() const { return m_bus != nullptr; }

   private:
    EventBus* m_bus = nullptr;
    std::uint64_t m_id = 0;
  };

  // Every event; filter in the callback.
  [[nodiscard]] Subscription subscribe(Callback callback);
  // The events of these addresses, and those of no one address (address_id
  // 0); the callback still checks what an event means to it.
  [[nodiscard]] Subscription subscribe(std::vector<std::int64_t> addresses, Callback callback);
  void publish(const Event& event) override;

 private:
  using Callbacks = std::map<std::uint64_t, std::shared_ptr<Callback>>;  // by subscription id
  struct Addressed {
    std::shared_ptr<Callback> callback;
    std::vector<std::int64_t> addresses;
  };

  void unsubscribe(std::uint64_t id);

  std::mutex m_mutex;
  std::uint64_t m_next_id = 1;                               // GUARDED_BY(m_mutex)
  Callbacks m_everything;                                    // GUARDED_BY(m_mutex)
  std::map<std::uint64_t, Addressed> m_addressed;            // GUARDED_BY(m_mutex)
  std::unordered_map<std::int64_t, Callbacks> m_by_address;  // GUARDED_BY(m_mutex)
};

}  // namespace estafeta
