// RFC 1035 §4.1 message format, §4.1.4 compression; RFC 6891 EDNS(0).
#include "dns/wire.hpp"

#include <map>

#include <fmt/format.h>

#include "core/ascii.hpp"

namespace estafeta::dns::wire {

namespace {

constexpr std::size_t kMaxName = 255;
constexpr int kMaxLabels = 128;

class Reader {
 public:
  explicit Reader(std::string_view p) : m_p(p) {}
  bool u8(std::uint8_t& v) {
    if (m_pos + 1 > m_p.size()) return false;
    v = static_cast<std::uint8_t>(m_p[m_pos++]);
    return true;
  }
  bool u16(std::uint16_t& v) {
    if (m_pos + 2 > m_p.size()) return false;
    v = static_cast<std::uint16_t>(static_cast<std::uint8_t>(m_p[m_pos]) << 8 |
                                   static_cast<std::uint8_t>(m_p[m_pos + 1]));
    m_pos += 2;
    return true;
  }
  bool u32(std::uint32_t& v) {
    std::uint16_t hi, lo;
    if (!u16(hi) || !u16(lo)) return false;
    v = std::uint32_t{hi} << 16 | lo;
    return true;
  }
  bool skip(std::size_t n) {
    if (m_pos + n > m_p.size()) return false;
    m_pos += n;
    return true;
  }
  // A name, possibly compressed; in presentation form with '.', '\' and
  // bytes outside printable ASCII escaped as \DDD, so no two names collide.
  bool name(std::string& out) {
    out.clear();
    std::size_t pos = m_pos;
    std::size_t end_after = 0;  // where reading resumes after the first pointer
    bool jumped = false;
    std::size_t wire_len = 0;
    int labels = 0;
    for (;;) {
      if (pos >= m_p.size()) return false;
      auto len = static_cast<std::uint8_t>(m_p[pos]);
      if ((len & 0xC0) == 0xC0) {
        if (pos + 1 >= m_p.size()) return false;
        std::size_t target = (std::size_t{len & 0x3Fu} << 8) | static_cast<std::uint8_t>(m_p[pos + 1]);
        // Pointers go backwards only: no loop is possible.
        if (target >= pos) return false;
        if (!jumped) end_after = pos + 2;
        jumped = true;
        pos = target;
        continue;
      }
      if (len & 0xC0) return false;  // the reserved label types (RFC 6891 §5)
      if (len == 0) {
        m_pos = jumped ? end_after : pos + 1;
        return true;
      }
      wire_len += len + 1;
      if (wire_len + 1 > kMaxName || ++labels > kMaxLabels || pos + 1 + len > m_p.size()) return false;
      if (!out.empty()) out.push_back('.');
      for (std::size_t i = 0; i < len; ++i) {
        auto c = static_cast<unsigned char>(m_p[pos + 1 + i]);
        if (c == '.' || c == '\\' || c <= 0x20 || c >= 0x7f)
          out += fmt::format("\\{:03d}", c);
        else
          out.push_back(static_cast<char>(c));
      }
      pos += 1 + len;
    }
  }
  std::size_t pos() const { return m_pos; }

 private:
  std::string_view m_p;
  std::size_t m_pos = 0;
};

}  // namespace

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}

void put32(std::string& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
}

std::expected<Query, QueryError> parse_query(std::string_view packet) {
  QueryError error;
  if (packet.size() < kHeaderSize) return std::unexpected(error);
  Reader r(packet);
  std::uint16_t id, flags, qd, an, ns, ar;
  r.u16(id);
  r.u16(flags);
  r.u16(qd);
  r.u16(an);
  r.u16(ns);
  r.u16(ar);
  if (flags & 0x8000) return std::unexpected(error);  // a response: never answered
  error.id = id;
  error.opcode = static_cast<std::uint8_t>((flags >> 11) & 0xF);
  error.recursion_desired = flags & 0x0100;
  error.answerable = true;
  if (error.opcode != 0) {
    error.rcode = Rcode::notimp;
    return std::unexpected(error);
  }
  if (qd != 1) return std::unexpected(error);

  Query q;
  q.id = id;
  q.opcode = error.opcode;
  q.recursion_desired = error.recursion_desired;
  q.checking_disabled = flags & 0x0010;
  if (!r.name(q.name) || !r.u16(q.type) || !r.u16(q.klass)) return std::unexpected(error);
  // Answer and authority records in a query are unusual but legal: skipped.
  std::string owner;
  for (unsigned i = 0; i < unsigned{an} + ns; ++i) {
    std::uint16_t type, klass, rdlen;
    std::uint32_t ttl;
    if (!r.name(owner) || !r.u16(type) || !r.u16(klass) || !r.u32(ttl) || !r.u16(rdlen) || !r.skip(rdlen))
      return std::unexpected(error);
  }
  for (unsigned i = 0; i < ar; ++i) {
    std::uint16_t type, klass, rdlen;
    std::uint32_t ttl;
    if (!r.name(owner) || !r.u16(type) || !r.u16(klass) || !r.u32(ttl) || !r.u16(rdlen) || !r.skip(rdlen))
      return std::unexpected(error);
    if (type != kTypeOpt) continue;
    // RFC 6891 §6.1.1: one OPT, owned by the root.
    if (q.edns || !owner.empty()) return std::unexpected(error);
    q.edns = true;
    q.udp_size = std::max<std::uint16_t>(klass, 512);
    q.edns_version = static_cast<std::uint8_t>((ttl >> 16) & 0xFF);
    q.dnssec_ok = ttl & 0x8000;
  }
  return q;
}

Result<std::string> encode_name(std::string_view name) {
  std::string out;
  std::size_t pos = 0;
  while (!name.empty() && pos < name.size()) {
    auto end = name.find('.', pos);
    if (end == std::string_view::npos) end = name.size();
    auto label = name.substr(pos, end - pos);
    if (label.empty() || label.size() > 63) return fail(ErrorKind::invalid, "bad label");
    out.push_back(static_cast<char>(label.size()));
    out.append(label);
    pos = end + 1;
  }
  out.push_back('\0');
  if (out.size() > kMaxName) return fail(ErrorKind::invalid, "name too long");
  return out;
}

Response::Response(const Query& q)
    : m_id(q.id),
      m_opcode(q.opcode),
      m_rd(q.recursion_desired),
      m_cd(q.checking_disabled),
      m_has_question(true),
      m_qname(q.name),
      m_qtype(q.type),
      m_qclass(q.klass),
      m_edns(q.edns),
      m_do(q.dnssec_ok) {}

Response::Response(const QueryError& e) : m_id(e.id), m_opcode(e.opcode), m_rd(e.recursion_desired), m_rcode(e.rcode) {}

void Response::add(Section section, std::string_view owner, std::uint16_t type, std::uint32_t ttl, const Rdata& rdata,
                   bool optional) {
  m_records.push_back({section, std::string(owner), type, ttl, rdata, optional && section == Section::additional});
  ++m_counts[static_cast<int>(section)];
}

namespace {

// Writes names with compression: every label start written so far (below
// the 14-bit pointer limit) is remembered by the lower-cased name from it.
class NameWriter {
 public:
  explicit NameWriter(std::string& out) : m_out(out) {}

  // Presentation names here come from our zones or a query name read by
  // Reader (its \DDD escapes are turned back into bytes).
  void write(std::string_view name, bool compress) {
    auto labels = split(name);
    for (std::size_t i = 0; i < labels.size(); ++i) {
      auto key = suffix_key(labels, i);
      if (compress) {
        auto it = m_offsets.find(key);
        if (it != m_offsets.end()) {
          put16(m_out, static_cast<std::uint16_t>(0xC000 | it->second));
          return;
        }
      }
      if (m_out.size() < 0x4000) m_offsets.emplace(key, m_out.size());
      m_out.push_back(static_cast<char>(labels[i].size()));
      m_out.append(labels[i]);
    }
    m_out.push_back('\0');
  }

 private:
  static std::vector<std::string> split(std::string_view name) {
    std::vector<std::string> labels;
    std::string label;
    for (std::size_t i = 0; i < name.size(); ++i) {
      char c = name[i];
      if (c == '\\' && i + 3 < name.size()) {
        label.push_back(static_cast<char>((name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0')));
        i += 3;
      } else if (c == '.') {
        labels.push_back(std::move(label));
        label.clear();
      } else {
        label.push_back(c);
      }
    }
    if (!name.empty()) labels.push_back(std::move(label));
    return labels;
  }
  static std::string suffix_key(const std::vector<std::string>& labels, std::size_t from) {
    std::string key;
    for (std::size_t i = from; i < labels.size(); ++i) {
      key += std::to_string(labels[i].size()) + ":" + ascii_lower(labels[i]);
    }
    return key;
  }

  std::string& m_out;
  std::map<std::string, std::size_t> m_offsets;
};

}  // namespace

std::string Response::render(bool truncated, std::uint16_t our_udp_size, std::size_t optional_kept) const {
  std::string out;
  out.reserve(512);
  put16(out, m_id);
  auto rcode = static_cast<std::uint16_t>(m_rcode);
  std::uint16_t flags = 0x8000 | static_cast<std::uint16_t>(m_opcode << 11) | (m_aa ? 0x0400 : 0) |
                        (truncated ? 0x0200 : 0) | (m_rd ? 0x0100 : 0) | (m_cd ? 0x0010 : 0) | (rcode & 0xF);
  put16(out, flags);
  put16(out, m_has_question ? 1 : 0);
  std::size_t counts[3] = {0, 0, 0};
  std::vector<const Record*> records;
  if (!truncated) {
    std::size_t optional_seen = 0;
    for (auto section : {Section::answer, Section::authority, Section::additional})
      for (auto& r : m_records) {
        if (r.section != section || (r.optional && optional_seen++ >= optional_kept)) continue;
        records.push_back(&r);
        ++counts[static_cast<int>(section)];
      }
  }
  put16(out, static_cast<std::uint16_t>(counts[0]));
  put16(out, static_cast<std::uint16_t>(counts[1]));
  put16(out, static_cast<std::uint16_t>(counts[2] + (m_edns ? 1 : 0)));
  NameWriter names(out);
  if (m_has_question) {
    names.write(m_qname, true);
    put16(out, m_qtype);
    put16(out, m_qclass);
  }
  for (auto* record : records) {
    auto& r = *record;
    names.write(r.owner, true);
    put16(out, r.type);
    put16(out, kClassIn);
    put32(out, r.ttl);
    auto length_at = out.size();
    put16(out, 0);
    std::size_t done = 0;
    for (auto& n : r.rdata.names) {
      out.append(r.rdata.bytes, done, n.offset - done);
      names.write(n.name, n.compress);
      done = n.offset;
    }
    out.append(r.rdata.bytes, done);
    auto length = out.size() - length_at - 2;
    out[length_at] = static_cast<char>(length >> 8);
    out[length_at + 1] = static_cast<char>(length & 0xFF);
  }
  if (m_edns) {
    out.push_back('\0');  // the root
    put16(out, kTypeOpt);
    put16(out, our_udp_size);
    put32(out, (std::uint32_t{static_cast<std::uint8_t>(rcode >> 4)} << 24) | (m_do ? 0x8000u : 0u));
    put16(out, 0);
  }
  return out;
}

std::string Response::finish(std::size_t max_size, std::uint16_t our_udp_size) const {
  std::vector<const Record*> optional;
  for (auto& r : m_records)
    if (r.optional) optional.push_back(&r);
  // Keep the first `kept` optional records, for every `kept` that ends an
  // RRset, from all of them down to none.
  for (std::size_t kept = optional.size();; --kept) {
    bool whole_rrsets = kept == 0 || kept == optional.size() || optional[kept - 1]->owner != optional[kept]->owner ||
                        optional[kept - 1]->type != optional[kept]->type;
    if (whole_rrsets) {
      auto out = render(false, our_udp_size, kept);
      if (out.size() <= max_size) return out;
    }
    if (kept == 0) break;
  }
  return render(true, our_udp_size, 0);
}

}  // namespace estafeta::dns::wire
