// The mail connections (IMAP, POP3, SMTP) that are logged in right now,
// with the device password each one used: what an account holder sees in
// their session list next to their browser sessions, and may end one by one
// (DESIGN §2.2). Ending one asks its connection to close at once; the
// session says why, in its protocol's words.
//
// In-process and thread-safe: sessions register from their own strands,
// the API lists and ends from the worker pool. Ids are never reused.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace estafeta::auth {

class LiveSessions {
 public:
  using Id = std::uint64_t;
  struct Info {
    std::int64_t user_id = 0;
    std::string address;
    std::int64_t device_id = 0;
    std::string device_label;
    std::string protocol;  // "imap", "pop3", "smtp"
    std::string ip;
    std::int64_t since = 0;  // Unix seconds
  };
  struct Listed {
    Id id = 0;
    Info info;
  };

  // Removes its entry when destroyed.
  class Registration {
   public:
    Registration() = default;
    Registration(LiveSessions* owner, Id id) : m_owner(owner), m_id(id) {}
    Registration(Registration&& o) noexcept : m_owner(std::exchange(o.m_owner, nullptr)), m_id(o.m_id) {}
    Registration& operator=(Registration&& o) noexcept {
      if (this != &o) {
        reset();
        m_owner = std::exchange(o.m_owner, nullptr);
        m_id = o.m_id;
      }
      return *this;
    }
    ~Registration() { reset(); }
    void reset() {
      if (m_owner) m_owner->remove(m_id);
      m_owner = nullptr;
    }

   private:
    LiveSessions* m_owner = nullptr;
    Id m_id = 0;
  };

  // `end` may be called from any thread; it must only ask the connection to close.
  Registration add(Info info, std::function<void()> end);
  std::vector<Listed> of_user(std::int64_t user_id) const;
  // Ends the user's connection `id`; false when there is none of theirs by that id.
  bool end(std::int64_t user_id, Id id);

 private:
  void remove(Id id);
  struct Entry {
    Info info;
    std::function<void()> end;
  };
  mutable std::mutex m_mutex;
  std::map<Id, Entry> m_entries;  // GUARDED_BY(m_mutex)
  Id m_next = 1;                  // GUARDED_BY(m_mutex)
};

}  // namespace estafeta::auth
