#include "delivery/deliverer.hpp"

#include <chrono>

#include <fmt/format.h>

#include "mime/line_ends.hpp"

namespace estafeta::delivery {

store::BlobInfo blob_info_from(mime::ParsedMessage p, std::string hash, std::uint64_t size) {
  store::BlobInfo b;
  b.hash = std::move(hash);
  b.size = size;
  b.structure = std::move(p.structure);
  b.subject = std::move(p.summary.subject);
  b.from_name = std::move(p.summary.from_name);
  b.from_address = std::move(p.summary.from_address);
  for (auto& to : p.summary.to) {
    if (!b.to.empty()) b.to += ", ";
    b.to += to;
  }
  b.date = p.summary.date;
  b.message_id = std::move(p.summary.message_id);
  b.in_reply_to = std::move(p.summary.in_reply_to);
  b.references = std::move(p.summary.references);
  b.has_attachments = p.summary.has_attachments;
  b.preview = std::move(p.summary.preview);
  b.text_headers = std::move(p.text.headers);
  b.text_body = std::move(p.text.body);
  b.text_attachments = std::move(p.text.attachments);
  return b;
}

Result<std::vector<store::Appended>> Deliverer::deliver(std::string_view bytes,
                                                        const std::vector<store::AppendTarget>& targets) {
  if (targets.empty()) return fail(ErrorKind::invalid, "no folder to deliver to");
  auto accepted = TRY(accept(bytes, targets, std::nullopt, {}));
  return std::move(accepted.local);
}

Result<store::Accepted> Deliverer::accept(std::string_view bytes, const std::vector<store::AppendTarget>& local,
                                          const std::optional<store::OutboundMessage>& outbound,
                                          const std::vector<store::TraceEntry>& trace) {
  if (local.empty() && (!outbound || outbound->recipients.empty()))
    return fail(ErrorKind::invalid, "no folder or recipient to deliver to");
  if (bytes.size() > m_limits.max_size)
    return fail(ErrorKind::limit, fmt::format("the message is larger than the limit of {} bytes", m_limits.max_size));
  auto start = std::chrono::steady_clock::now();
  auto parsed = TRY(mime::parse_message(bytes, m_limits));
  // Small messages go into the database with their rows; others into a file first.
  bool small = !bytes.empty() && bytes.size() <= store::BlobStore::kInlineLimit;
  auto hash = small ? store::BlobStore::hash_of(bytes) : TRY(m_blobs.put(bytes));
  auto info = blob_info_from(std::move(parsed), hash, bytes.size());
  info.crlf_size = mime::crlf_size(bytes);
  if (small) info.inline_bytes = bytes;
  auto before_store = std::chrono::steady_clock::now();
  auto accepted = TRY(m_store.accept_message(info, local, outbound, trace));
  if (m_observer) {
    auto end = std::chrono::steady_clock::now();
    m_observer(std::chrono::duration<double>(end - start).count(),
               std::chrono::duration<double>(end - before_store).count());
  }
  announce(accepted.local);
  return accepted;
}

void Deliverer::announce(const std::vector<store::Appended>& appended) {
  for (auto& a : appended) {
    Event e{EventKind::message_appended};
    e.address_id = a.address_id;
    e.mailbox_id = a.mailbox_id;
    e.uid = a.uid;
    e.modseq = a.modseq;
    m_bus.publish(e);
  }
}

Result<store::MailboxRef> Deliverer::inbox_of(store::Id address_id) {
  auto box = TRY(m_store.find_mailbox(address_id, "INBOX"));
  return box.ref();
}

}  // namespace estafeta::delivery
