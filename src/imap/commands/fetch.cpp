// FETCH and UID FETCH (RFC 9051 §6.4.5, §7.5.2; BINARY RFC 3516;
// CHANGEDSINCE RFC 7162 §3.1.4): answered from the stored message rows, the
// envelope and body structure computed at delivery, and byte ranges of the
// stored blob. Fetching a body section without .PEEK sets \Seen.
//
// Security: the answer is streamed (Reply::more). The handler makes it in
// parts of about kFetchWindow octets, item by item, and the transport writes
// each part before asking for the next, so a FETCH holds at most one part,
// one message (at most limits.max_message_size) and one of its sections,
// whatever the client asks for: "FETCH 1:* BODY[]" over a large folder, or
// the same body section hundreds of times. Items repeated in one FETCH are
// answered once (RFC 9051 §6.4.5 allows it; the response names each item
// once), repeated partials of one section cut the section once, and the
// distinct body sections of one FETCH are bounded (kMaxFetchSections), so
// the work per message is known before it starts.
#include <algorithm>
#include <memory>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "imap/commands/commands.hpp"
#include "imap/proto/fetch_render.hpp"
#include "imap/proto/response.hpp"

namespace estafeta::imap {

namespace {

using K = FetchAttr::Kind;

// Output made before the transport writes it. One literal may take a part
// past it: a section is at most a message.
constexpr std::size_t kFetchWindow = 1024 * 1024;
// Distinct body sections in one FETCH: each may cost a pass over a message.
constexpr std::size_t kMaxFetchSections = 64;

// The structure (from blob_info) is needed for the envelope, the body
// structure and the sections of parts; the whole message and the
// top-level header and text are found in the bytes alone.
bool needs_info(const FetchAttr& a) {
  if (a.kind == K::body_section || a.kind == K::binary || a.kind == K::binary_size) return !a.section.part.empty();
  return a.kind == K::envelope || a.kind == K::body || a.kind == K::bodystructure;
}
bool needs_bytes(const FetchAttr& a) {
  return a.kind == K::body_section || a.kind == K::binary || a.kind == K::binary_size || a.kind == K::rfc822 ||
         a.kind == K::rfc822_header || a.kind == K::rfc822_text;
}
bool sets_seen(const FetchAttr& a) {
  return ((a.kind == K::body_section || a.kind == K::binary) && !a.peek) || a.kind == K::rfc822 ||
         a.kind == K::rfc822_text;
}

// BINARY's content: a literal, or with NUL a literal8 (RFC 3516 §4.2).
void append_literal(std::string& out, std::string_view bytes) {
  bool has_nul = bytes.find('\0') != std::string_view::npos;
  out += fmt::format("{}{{{}}}\r\n", has_nul ? "~" : "", bytes.size());
  out += bytes;
}

// Every other item's content: a literal, which may not hold NUL (RFC 9051
// §4.3, only BINARY's literal8 may); a NUL stored in a message (mail that
// came with one) goes as 0x80, so sizes and offsets stay as they are.
void append_text_literal(std::string& out, std::string_view bytes) {
  out += fmt::format("{{{}}}\r\n", bytes.size());
  auto start = out.size();
  out += bytes;
  std::replace(out.begin() + static_cast<std::ptrdiff_t>(start), out.end(), '\0', '\x80');
}

// The content a section item is cut from: BODY[…] and RFC822.HEADER/TEXT
// from section_bytes, BINARY[…] and BINARY.SIZE[…] from binary_bytes.
struct SectionKey {
  bool binary = false;
  Section section;
  bool operator==(const SectionKey&) const = default;
  bool operator<(const SectionKey& o) const {
    return std::tie(binary, section.part, section.text, section.fields) <
           std::tie(o.binary, o.section.part, o.section.text, o.section.fields);
  }
};

std::optional<SectionKey> section_key(const FetchAttr& a) {
  switch (a.kind) {
    case K::body_section: return SectionKey{false, a.section};
    case K::binary:
    case K::binary_size: return SectionKey{true, Section{a.section.part, Section::Text::none, {}}};
    case K::rfc822_header: return SectionKey{false, Section{{}, Section::Text::header, {}}};
    case K::rfc822_text: return SectionKey{false, Section{{}, Section::Text::text, {}}};
    default: return std::nullopt;
  }
}

// The items to answer: each once (.PEEK answers under the same name as
// without it, and \Seen was decided before), and the section items that
// share a section next to each other, so that it is cut once per message.
// The other items keep their order.
std::vector<FetchAttr> plan(std::vector<FetchAttr> attrs) {
  std::vector<FetchAttr> out;
  for (auto& a : attrs) {
    a.peek = false;
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(std::move(a));
  }
  std::vector<std::size_t> slots;
  std::vector<FetchAttr> sections;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (section_key(out[i])) {
      slots.push_back(i);
      sections.push_back(out[i]);
    }
  std::stable_sort(sections.begin(), sections.end(),
                   [](const FetchAttr& x, const FetchAttr& y) { return *section_key(x) < *section_key(y); });
  for (std::size_t i = 0; i < slots.size(); ++i) out[slots[i]] = std::move(sections[i]);
  return out;
}

// After plan(): the section items are in order of their section.
std::size_t distinct_sections(const std::vector<FetchAttr>& planned) {
  std::size_t n = 0;
  std::optional<SectionKey> last;
  for (auto& a : planned)
    if (auto k = section_key(a); k && !(last && *last == *k)) {
      ++n;
      last = std::move(k);
    }
  return n;
}

// How the rows of the messages asked for are read. Close together (the
// usual "next page"): the UID range in one query; a few scattered: one
// lookup each; many scattered: the whole folder.
enum class RowQuery { uid_range, each, whole_folder };

RowQuery row_query(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs) {
  std::uint32_t first = pairs.empty() ? 0 : pairs.front().second;
  std::uint32_t last = pairs.empty() ? 0 : pairs.back().second;
  if (!pairs.empty() && last - first < std::max<std::size_t>(64, 4 * pairs.size())) return RowQuery::uid_range;
  if (pairs.size() <= 32) return RowQuery::each;
  return RowQuery::whole_folder;
}

// One FETCH in progress: the messages and items still to answer.
class FetchCursor : public std::enable_shared_from_this<FetchCursor> {
 public:
  FetchCursor(Context& ctx, std::string tag, cmd::Fetch f) : m_ctx(ctx), m_tag(std::move(tag)), m_f(std::move(f)) {}

  // The checks, \Seen and the messages' rows; then the first part.
  Reply start();
  // The next part: up to about kFetchWindow octets, the last one with the
  // untagged updates and the tagged response.
  Reply next();

 private:
  // start()'s steps. The command's own checks, and the items planned; a
  // refusal (BAD) when the command cannot run.
  std::optional<Reply> plan_items();
  // The rows of the messages asked for (row_query), by UID in m_by_uid.
  Status load_rows();
  // The implicit \Seen of body fetches, set before anything is rendered so
  // the FLAGS reported are the new ones; other sessions hear of it.
  Status set_seen();
  void publish_flags_changed(std::uint64_t highest_modseq);
  // VANISHED (EARLIER) for the set (RFC 7162 §3.2.6), ahead of the FETCH responses.
  Status report_vanished();

  // next()'s steps. Starts the response of m_pairs[m_next]; false when it has none.
  Result<bool> begin_message();
  // The current message's items, until all are written or the part is full.
  Status write_items(std::string& out);
  Reply item_error(const Error& e) const;
  // One item of the current message, appended to `out`. An error ends the FETCH.
  Status item(const FetchAttr& a, std::string& out);
  void uid_item(std::string& out);
  void flags_item(std::string& out);
  void modseq_item(std::string& out);
  Status rfc822_part_item(const FetchAttr& a, std::string& out);
  Status body_section_item(const FetchAttr& a, std::string& out);
  Status binary_item(const FetchAttr& a, std::string& out);
  std::string& name(std::string& out, std::string_view item_name);
  void end_message(std::string& out);
  // The content of a section of the current message, cut once for all the
  // items that ask for it (plan() puts them together).
  const Result<std::string>& section(const SectionKey& key);
  Reply finish(Reply r);
  Reply fail_with(Reply r, Reply error);

  Context& m_ctx;
  std::string m_tag;
  cmd::Fetch m_f;
  std::vector<FetchAttr> m_attrs;
  bool m_want_modseq = false, m_info = false, m_bytes = false, m_utf8 = false, m_sets_seen = false;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> m_pairs;
  std::vector<store::Message> m_rows;
  std::unordered_map<std::uint32_t, const store::Message*> m_by_uid;
  std::unordered_map<std::uint32_t, store::Message> m_updated;  // by the implicit \Seen
  bool m_failed = false, m_expunged = false;
  std::string m_prefix;  // what start() has for the first part (VANISHED)

  // The message being answered.
  std::size_t m_next = 0;  // index in m_pairs
  std::size_t m_attr = 0;  // next item of m_attrs
  bool m_open = false;     // "* n FETCH (" sent, ")" not yet
  const store::Message* m_msg = nullptr;
  mime::MessageStructure m_structure;
  std::string m_raw;
  bool m_any_item = false, m_flags_done = false, m_uid_done = false, m_modseq_done = false;
  std::optional<std::pair<SectionKey, Result<std::string>>> m_section;
};

Reply FetchCursor::start() {
  if (auto refused = plan_items()) return std::move(*refused);
  if (auto loaded = load_rows(); !loaded) return from_error(m_tag, loaded.error());
  if (m_sets_seen)
    if (auto marked = set_seen(); !marked) return from_error(m_tag, marked.error());
  if (m_f.vanished)
    if (auto reported = report_vanished(); !reported) return from_error(m_tag, reported.error());
  return next();
}

std::optional<Reply> FetchCursor::plan_items() {
  auto& view = *m_ctx.selected;
  if (!m_f.uid && view.out_of_range(m_f.set)) return tagged_bad(m_tag, "message sequence number out of range");
  if (m_f.vanished && !m_ctx.enabled.qresync) return tagged_bad(m_tag, "VANISHED needs QRESYNC to be enabled");
  auto& attrs = m_f.attrs;
  m_want_modseq = m_f.changed_since.has_value() ||
                  std::any_of(attrs.begin(), attrs.end(), [](auto& a) { return a.kind == K::modseq; });
  m_info = std::any_of(attrs.begin(), attrs.end(), needs_info);
  m_bytes = std::any_of(attrs.begin(), attrs.end(), needs_bytes);
  m_sets_seen = !view.read_only() && std::any_of(attrs.begin(), attrs.end(), sets_seen);
  m_utf8 = m_ctx.enabled.utf8;
  m_attrs = plan(std::move(attrs));
  if (distinct_sections(m_attrs) > kMaxFetchSections)
    return tagged_bad(m_tag, fmt::format("too many body sections in one FETCH (at most {})", kMaxFetchSections));
  if (m_want_modseq) m_prefix = enable_condstore(m_ctx) + m_prefix;  // RFC 7162 §3.1: implicit enabling
  return std::nullopt;
}

Status FetchCursor::load_rows() {
  auto& view = *m_ctx.selected;
  auto& store = m_ctx.deps.mail;
  m_pairs = view.resolve(m_f.set, m_f.uid, m_ctx.saved_uids ? &*m_ctx.saved_uids : nullptr);
  switch (row_query(m_pairs)) {
    case RowQuery::uid_range:
      m_rows = TRY(store.list_messages_between(view.ref(), m_pairs.front().second, m_pairs.back().second));
      break;
    case RowQuery::each:
      for (auto& [seq, uid] : m_pairs) {
        auto m = store.message(view.ref(), uid);
        if (m)
          m_rows.push_back(std::move(*m));
        else if (m.error().kind != ErrorKind::not_found)
          return std::unexpected(m.error());
      }
      break;
    case RowQuery::whole_folder: m_rows = TRY(store.list_messages(view.ref())); break;
  }
  for (auto& m : m_rows) m_by_uid[m.uid] = &m;
  return {};
}

Status FetchCursor::set_seen() {
  auto& view = *m_ctx.selected;
  std::vector<std::uint32_t> unseen;
  for (auto& [seq, uid] : m_pairs)
    if (auto it = m_by_uid.find(uid); it != m_by_uid.end() && !(it->second->flags & store::flag_seen))
      unseen.push_back(uid);
  if (unseen.empty()) return {};
  auto changed =
      TRY(m_ctx.deps.mail.store_flags(view.ref(), unseen, store::FlagOp::add, store::flag_seen, {}, std::nullopt));
  for (auto& m : changed.changed) {
    m_updated[m.uid] = m;
    view.reported(m.uid, m.modseq);  // the FETCH below carries the new flags
  }
  publish_flags_changed(changed.highestmodseq);
  return {};
}

void FetchCursor::publish_flags_changed(std::uint64_t highest_modseq) {
  Event e{EventKind::flags_changed};
  e.address_id = m_ctx.who->address.id;
  e.mailbox_id = m_ctx.selected->id();
  e.modseq = highest_modseq;
  m_ctx.deps.bus.publish(e);
}

Status FetchCursor::report_vanished() {
  auto& view = *m_ctx.selected;
  auto gone = TRY(m_ctx.deps.mail.expunged_since(view.ref(), *m_f.changed_since));
  SeqIntervals set(m_f.set, view.mailbox().uidnext - 1);
  std::vector<std::uint32_t> in_set;
  for (auto uid : gone)
    if (set.contains(uid)) in_set.push_back(uid);
  if (!in_set.empty()) m_prefix += "* VANISHED (EARLIER) " + compress_set(in_set) + "\r\n";
  return {};
}

Reply FetchCursor::next() {
  Reply r;
  r.out = std::move(m_prefix);
  while (m_next < m_pairs.size()) {
    if (!m_open) {
      auto begun = begin_message();
      if (!begun) return fail_with(std::move(r), from_error(m_tag, begun.error()));
      if (!*begun) {
        ++m_next;
        continue;
      }
      r.out += m_ctx.selected->announce(m_msg->keywords);  // RFC 9051 §7.3.5: FLAGS before use
    }
    if (auto written = write_items(r.out); !written) return fail_with(std::move(r), item_error(written.error()));
    if (m_attr == m_attrs.size()) {
      end_message(r.out);
      ++m_next;
    }
    if (r.out.size() >= kFetchWindow && m_next < m_pairs.size()) {
      r.more = [self = shared_from_this()] { return self->next(); };
      return r;
    }
  }
  return finish(std::move(r));
}

Result<bool> FetchCursor::begin_message() {
  auto [seq, uid] = m_pairs[m_next];
  auto it = m_by_uid.find(uid);
  if (it == m_by_uid.end()) {
    // Expunged by another session since the last report: UID FETCH ignores
    // UIDs that no longer exist (RFC 9051 §6.4.8); FETCH by sequence number
    // says so (RFC 2180 §4.1.2, RFC 5530 EXPUNGEISSUED).
    if (!m_f.uid) m_expunged = true;
    return false;
  }
  auto updated = m_updated.find(uid);
  m_msg = updated != m_updated.end() ? &updated->second : it->second;
  if (m_f.changed_since && m_msg->modseq <= *m_f.changed_since) return false;
  if (m_info) {
    m_structure = std::move(TRY(m_ctx.deps.mail.blob_info(m_msg->blob_id)).structure);
  }
  if (m_bytes) m_raw = TRY(m_ctx.deps.blobs.get(m_msg->blob_hash));
  m_open = true;
  m_attr = 0;
  m_any_item = m_flags_done = m_uid_done = m_modseq_done = false;
  m_section.reset();
  return true;
}

std::string& FetchCursor::name(std::string& out, std::string_view item_name) {
  if (!m_any_item)
    out += fmt::format("* {} FETCH (", m_pairs[m_next].first);
  else
    out += ' ';
  m_any_item = true;
  out += item_name;
  return out;
}

const Result<std::string>& FetchCursor::section(const SectionKey& key) {
  if (!m_section || !(m_section->first == key)) {
    m_section.reset();  // one section at a time
    m_section.emplace(key, key.binary ? binary_bytes(m_raw, m_structure.root, key.section.part)
                                      : section_bytes(m_raw, m_structure.root, key.section));
  }
  return m_section->second;
}

Status FetchCursor::write_items(std::string& out) {
  while (m_attr < m_attrs.size()) {
    TRY(item(m_attrs[m_attr++], out));
    if (out.size() >= kFetchWindow) break;
  }
  return {};
}

Reply FetchCursor::item_error(const Error& e) const {
  if (is_unknown_cte(e)) return tagged_no(m_tag, "unknown content transfer encoding", "UNKNOWN-CTE");
  return from_error(m_tag, e);
}

Status FetchCursor::item(const FetchAttr& a, std::string& out) {
  const store::Message& m = *m_msg;
  if (m_f.uid) uid_item(out);  // UID FETCH: the UID comes first, whatever was asked
  switch (a.kind) {
    case K::uid: uid_item(out); break;
    case K::flags: flags_item(out); break;
    case K::internaldate: name(out, "INTERNALDATE") += " \"" + internal_date(m.internal_date) + "\""; break;
    case K::rfc822_size: name(out, "RFC822.SIZE") += fmt::format(" {}", m.size); break;
    case K::modseq: modseq_item(out); break;
    case K::envelope: name(out, "ENVELOPE") += " " + render_envelope(m_structure.envelope, m_utf8); break;
    case K::body: name(out, "BODY") += " " + render_body(m_structure.root, false, m_utf8); break;
    case K::bodystructure: name(out, "BODYSTRUCTURE") += " " + render_body(m_structure.root, true, m_utf8); break;
    case K::rfc822: append_text_literal(name(out, "RFC822") += " ", m_raw); break;
    case K::rfc822_header:
    case K::rfc822_text: return rfc822_part_item(a, out);
    case K::body_section: return body_section_item(a, out);
    case K::binary:
    case K::binary_size: return binary_item(a, out);
  }
  return {};
}

// UID, FLAGS and MODSEQ are each written once per message, however often
// they are asked for or implied.
void FetchCursor::uid_item(std::string& out) {
  if (!m_uid_done) name(out, "UID") += fmt::format(" {}", m_msg->uid);
  m_uid_done = true;
}

void FetchCursor::flags_item(std::string& out) {
  if (!m_flags_done) name(out, "FLAGS") += " " + m_ctx.selected->flags_of(m_msg->uid, m_msg->flags, m_msg->keywords);
  m_flags_done = true;
}

void FetchCursor::modseq_item(std::string& out) {
  if (!m_modseq_done) name(out, "MODSEQ") += fmt::format(" ({})", m_msg->modseq);
  m_modseq_done = true;
}

// RFC822.HEADER and RFC822.TEXT: empty when the message has none.
Status FetchCursor::rfc822_part_item(const FetchAttr& a, std::string& out) {
  auto& part = section(*section_key(a));
  auto bytes = part ? std::string_view(*part) : std::string_view();
  name(out, a.kind == K::rfc822_header ? "RFC822.HEADER" : "RFC822.TEXT") += " ";
  append_text_literal(out, bytes);
  return {};
}

// BODY[…]: a section that does not exist is left out, and the FETCH ends NO.
Status FetchCursor::body_section_item(const FetchAttr& a, std::string& out) {
  auto& part = section(*section_key(a));
  if (!part && part.error().kind != ErrorKind::not_found) return std::unexpected(part.error());
  if (!part) {
    m_failed = true;
    return {};
  }
  name(out, fetch_item_name(a)) += " ";
  append_text_literal(out, partial_view(*part, a.partial));
  return {};
}

// BINARY[…] and BINARY.SIZE[…]: an unknown transfer encoding ends the
// FETCH (UNKNOWN-CTE); a section that does not exist is left out.
Status FetchCursor::binary_item(const FetchAttr& a, std::string& out) {
  auto& part = section(*section_key(a));
  if (!part) {
    if (is_unknown_cte(part.error())) return std::unexpected(part.error());
    m_failed = true;
    return {};
  }
  name(out, fetch_item_name(a));
  // BINARY.SIZE is the size of what BINARY returns (RFC 3516 §4.2).
  if (a.kind == K::binary_size) {
    out += fmt::format(" {}", part->size());
  } else {
    out += " ";
    append_literal(out, partial_view(*part, a.partial));
  }
  return {};
}

void FetchCursor::end_message(std::string& out) {
  const store::Message& m = *m_msg;
  // Flags changed by the implicit \Seen are reported (RFC 9051 §6.4.5);
  // with CONDSTORE on, with UID and MODSEQ (RFC 7162 §3.2.4: this server
  // supports QRESYNC; §3.1).
  bool seen_set = m_updated.contains(m.uid);
  if (!m_flags_done && seen_set) name(out, "FLAGS") += " " + flag_list(m.flags, m.keywords);
  if (seen_set && m_ctx.enabled.condstore) {
    uid_item(out);
    modseq_item(out);
  }
  if (m_want_modseq && !m_modseq_done) name(out, "MODSEQ") += fmt::format(" ({})", m.modseq);
  // No item to tell (only sections that do not exist): no response at all,
  // as msg-att needs at least one item (RFC 9051 §9); the FETCH ends NO.
  if (m_any_item) out += ")\r\n";
  m_open = false;
  m_raw = std::string();
  m_section.reset();
}

Reply FetchCursor::finish(Reply r) {
  append_updates(m_ctx, r, m_f.uid);
  if (m_expunged)
    append_tagged(r, m_tag, "NO", "some of the requested messages no longer exist", "EXPUNGEISSUED");
  else if (m_failed)
    append_tagged(r, m_tag, "NO", "some of the requested body sections do not exist");
  else
    append_tagged(r, m_tag, "OK", "FETCH completed");
  return r;
}

// An error ends the FETCH: what was sent stays, an open response is closed.
Reply FetchCursor::fail_with(Reply r, Reply error) {
  if (m_open && m_any_item) r.out += ")\r\n";  // none opened without an item (end_message)
  r.out += error.out;
  return r;
}

}  // namespace

Reply handle(Context& ctx, const std::string& tag, cmd::Fetch& f) {
  auto cursor = std::make_shared<FetchCursor>(ctx, tag, std::move(f));
  return cursor->start();
}

}  // namespace estafeta::imap
