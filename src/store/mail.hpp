// The folders and the messages in them together: what a session that has
// a folder open needs (imap/selected.hpp), and no more.
#pragma once

#include "store/mailboxes.hpp"
#include "store/messages.hpp"

namespace estafeta::store {

class Mail : public Mailboxes, public Messages {
 public:
  ~Mail() override = default;
};

}  // namespace estafeta::store
