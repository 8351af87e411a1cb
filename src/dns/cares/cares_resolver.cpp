#include "dns/cares/cares_resolver.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <poll.h>

#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

namespace estafeta::dns {

namespace {

struct QueryState {
  bool done = false;
  int status = ARES_SUCCESS;
  std::vector<unsigned char> answer;
};

void on_answer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* s = static_cast<QueryState*>(arg);
  s->done = true;
  s->status = status;
  if (abuf && alen > 0) s->answer.assign(abuf, abuf + alen);  // negative answers too: their SOA says how long they hold
}

std::unexpected<Error> temporary(std::string_view name, int status) {
  return fail(ErrorKind::temporary, "DNS lookup failed", fmt::format("{}: {}", name, ares_strerror(status)));
}

AnswerKind kind_of(int status) {
  switch (status) {
    case ARES_SUCCESS: return AnswerKind::records;
    case ARES_ENODATA:
    case ARES_ENOTFOUND: return AnswerKind::negative;
    default: return AnswerKind::failure;
  }
}

// What a caller of query() gets for a finished query.
Result<std::vector<unsigned char>> outcome(std::string_view name, int status, std::vector<unsigned char> answer) {
  switch (status) {
    case ARES_SUCCESS: return answer;
    case ARES_ENODATA: return std::vector<unsigned char>{};
    case ARES_ENOTFOUND: return fail(ErrorKind::not_found, "no such domain", std::string(name));
    default: return temporary(name, status);
  }
}

// The name as asked of c-ares: without a trailing dot.
// The name as asked of DNS: its A-labels for an internationalised one
// (a name that is no valid IDN is asked as written: it is found nowhere).
std::string query_name(std::string_view name) {
  if (auto ascii = ascii_name(name)) return *ascii;
  std::string n(name);
  if (n.ends_with('.')) n.pop_back();
  return n;
}

// A query's place in the cache: its type and the name as lookups compare it.
std::string cache_key(const std::string& name, int type) { return fmt::format("{} {}", type, normalize_name(name)); }

}  // namespace

// Finished queries by type and name, each until its lifetime ends.
struct CaresResolver::Cache {
  struct Entry {
    std::chrono::steady_clock::time_point expires;
    int status = ARES_SUCCESS;
    std::vector<unsigned char> answer;
  };

  std::mutex mutex;
  std::unordered_map<std::string, Entry> entries;  // GUARDED_BY(mutex)
  std::deque<std::string> order;                   // GUARDED_BY(mutex): keys, oldest first

  std::optional<Entry> find(const std::string& key) {
    std::lock_guard lock(mutex);
    auto it = entries.find(key);
    if (it == entries.end()) return std::nullopt;
    if (it->second.expires <= std::chrono::steady_clock::now()) {
      entries.erase(it);
      return std::nullopt;
    }
    return it->second;
  }

  void put(const std::string& key, Entry entry, std::size_t capacity) {
    std::lock_guard lock(mutex);
    auto [it, added] = entries.insert_or_assign(key, std::move(entry));
    if (added) order.push_back(key);
    // The order may name keys already gone (expired and erased): erasing them again does nothing.
    while (entries.size() > capacity && !order.empty()) {
      entries.erase(order.front());
      order.pop_front();
    }
    if (order.size() > 2 * capacity + 16) {  // keys of expired entries pile up: drop them, keeping the order
      std::erase_if(order, [&](const std::string& k) { return !entries.contains(k); });
    }
  }
};

CaresResolver::CaresResolver(CaresOptions options) : m_options(std::move(options)) {
  if (m_options.cache_entries > 0) m_cache = std::make_unique<Cache>();
}

Result<std::unique_ptr<CaresResolver>> CaresResolver::create(CaresOptions options) {
  static std::once_flag once;
  static int init_status = ARES_SUCCESS;
  std::call_once(once, [] { init_status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (init_status != ARES_SUCCESS)
    return fail(ErrorKind::internal, "DNS resolver failed to start", ares_strerror(init_status));
  std::unique_ptr<CaresResolver> r(new CaresResolver(std::move(options)));
  for (auto& s : r->m_options.servers) {
    if (!r->m_servers_csv.empty()) r->m_servers_csv += ',';
    r->m_servers_csv += s;
  }
  // Check the configuration once, so a bad server list fails at start.
  ares_channel channel = nullptr;
  if (int st = ares_init(&channel); st != ARES_SUCCESS)
    return fail(ErrorKind::internal, "DNS resolver failed to start", ares_strerror(st));
  int st = r->m_servers_csv.empty() ? ARES_SUCCESS : ares_set_servers_ports_csv(channel, r->m_servers_csv.c_str());
  ares_destroy(channel);
  if (st != ARES_SUCCESS) return fail(ErrorKind::invalid, fmt::format("bad DNS server list '{}'", r->m_servers_csv));
  return r;
}

CaresResolver::~CaresResolver() {
  for (auto* c : m_pool) ares_destroy(c);
}

Result<CaresResolver::Channel> CaresResolver::take_channel() {
  {
    std::lock_guard lock(m_pool_mutex);
    if (!m_pool.empty()) {
      auto* c = m_pool.back();
      m_pool.pop_back();
      return c;
    }
  }
  ares_options opts{};
  opts.timeout = static_cast<int>(m_options.timeout.count());
  opts.tries = m_options.tries;
  opts.flags = ARES_FLAG_NOCHECKRESP;  // REFUSED/SERVFAIL come back as errors, not silently retried elsewhere
  ares_channel channel = nullptr;
  if (int st = ares_init_options(&channel, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS);
      st != ARES_SUCCESS)
    return temporary("channel", st);
  if (!m_servers_csv.empty()) {
    if (int st = ares_set_servers_ports_csv(channel, m_servers_csv.c_str()); st != ARES_SUCCESS) {
      ares_destroy(channel);
      return temporary("channel", st);
    }
  }
  return channel;
}

void CaresResolver::give_back(Channel channel) {
  std::lock_guard lock(m_pool_mutex);
  m_pool.push_back(channel);
}

Result<std::vector<unsigned char>> CaresResolver::query(std::string_view name, int type) {
  auto n = query_name(name);
  std::string key;
  if (m_cache) {
    key = cache_key(n, type);
    if (auto hit = m_cache->find(key)) return outcome(n, hit->status, std::move(hit->answer));
  }
  auto* channel = TRY(take_channel());
  // Back to the pool once the query is over (it always is when this returns:
  // the loop below runs until c-ares has called back).
  struct GiveBack {
    CaresResolver* r;
    Channel c;
    ~GiveBack() { r->give_back(c); }
  } give_back_later{this, channel};
  QueryState state;
  ares_query(channel, n.c_str(), ns_c_in, type, on_answer, &state);
  // Bounded: c-ares gives up after tries × timeout and calls back.
  while (!state.done) {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int mask = ares_getsock(channel, socks, ARES_GETSOCK_MAXNUM);
    std::vector<pollfd> fds;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short events = 0;
      if (ARES_GETSOCK_READABLE(mask, i)) events |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(mask, i)) events |= POLLOUT;
      if (events) fds.push_back({socks[i], events, 0});
    }
    timeval tv{}, max{1, 0};
    ares_timeout(channel, &max, &tv);
    int ms = static_cast<int>(tv.tv_sec * 1000 + tv.tv_usec / 1000);
    if (fds.empty()) {
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      if (!state.done) poll(nullptr, 0, ms);
      continue;
    }
    int n_ready = poll(fds.data(), fds.size(), ms);
    if (n_ready <= 0) {
      ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
      continue;
    }
    for (auto& p : fds)
      ares_process_fd(channel, (p.revents & (POLLIN | POLLERR | POLLHUP)) ? p.fd : ARES_SOCKET_BAD,
                      (p.revents & POLLOUT) ? p.fd : ARES_SOCKET_BAD);
  }
  if (m_cache) {
    if (auto keep = answer_lifetime(kind_of(state.status), state.answer, m_options.cache_limits))
      m_cache->put(key, {std::chrono::steady_clock::now() + *keep, state.status, state.answer},
                   m_options.cache_entries);
  }
  return outcome(n, state.status, std::move(state.answer));
}

// The records of a raw answer (empty: NOERROR/NODATA), by type.
namespace {

Result<std::vector<IpAddress>> parse_a(std::string_view name, const std::vector<unsigned char>& answer) {
  std::vector<IpAddress> out;
  if (answer.empty()) return out;
  ares_addrttl ttls[64];
  int n = 64;
  int st = ares_parse_a_reply(answer.data(), static_cast<int>(answer.size()), nullptr, ttls, &n);
  if (st == ARES_ENODATA) return out;
  if (st != ARES_SUCCESS) return temporary(name, st);
  for (int i = 0; i < n; ++i) {
    std::array<std::uint8_t, 4> b{};
    std::memcpy(b.data(), &ttls[i].ipaddr, 4);
    out.push_back(IpAddress::v4(b));
  }
  return out;
}

Result<std::vector<IpAddress>> parse_aaaa(std::string_view name, const std::vector<unsigned char>& answer) {
  std::vector<IpAddress> out;
  if (answer.empty()) return out;
  ares_addr6ttl ttls[64];
  int n = 64;
  int st = ares_parse_aaaa_reply(answer.data(), static_cast<int>(answer.size()), nullptr, ttls, &n);
  if (st == ARES_ENODATA) return out;
  if (st != ARES_SUCCESS) return temporary(name, st);
  for (int i = 0; i < n; ++i) {
    std::array<std::uint8_t, 16> b{};
    std::memcpy(b.data(), &ttls[i].ip6addr, 16);
    out.push_back(IpAddress::v6(b));
  }
  return out;
}

Result<std::vector<MxRecord>> parse_mx(std::string_view name, const std::vector<unsigned char>& answer) {
  std::vector<MxRecord> out;
  if (answer.empty()) return out;
  ares_mx_reply* reply = nullptr;
  int st = ares_parse_mx_reply(answer.data(), static_cast<int>(answer.size()), &reply);
  if (st == ARES_ENODATA) return out;
  if (st != ARES_SUCCESS) return temporary(name, st);
  for (auto* r = reply; r; r = r->next) out.push_back({r->priority, r->host ? r->host : ""});
  ares_free_data(reply);
  return out;
}

Result<std::vector<SrvRecord>> parse_srv(std::string_view name, const std::vector<unsigned char>& answer) {
  std::vector<SrvRecord> out;
  if (answer.empty()) return out;
  ares_srv_reply* reply = nullptr;
  int st = ares_parse_srv_reply(answer.data(), static_cast<int>(answer.size()), &reply);
  if (st == ARES_ENODATA) return out;
  if (st != ARES_SUCCESS) return temporary(name, st);
  for (auto* r = reply; r; r = r->next) out.push_back({r->priority, r->weight, r->port, r->host ? r->host : ""});
  ares_free_data(reply);
  return out;
}

Result<std::vector<std::string>> parse_txt(std::string_view name, const std::vector<unsigned char>& answer) {
  std::vector<std::string> out;
  if (answer.empty()) return out;
  ares_txt_ext* reply = nullptr;
  int st = ares_parse_txt_reply_ext(answer.data(), static_cast<int>(answer.size()), &reply);
  if (st == ARES_ENODATA) return out;
  if (st != ARES_SUCCESS) return temporary(name, st);
  // A record's character-strings are concatenated (RFC 7208 §3.3).
  for (auto* r = reply; r; r = r->next) {
    if (r->record_start || out.empty()) out.emplace_back();
    out.back().append(reinterpret_cast<const char*>(r->txt), r->length);
  }
  ares_free_data(reply);
  return out;
}

Result<std::vector<std::string>> parse_ptr(std::string_view rname, const std::vector<unsigned char>& answer) {
  std::vector<std::string> out;
  if (answer.empty()) return out;
  hostent* host = nullptr;
  int st = ares_parse_ptr_reply(answer.data(), static_cast<int>(answer.size()), nullptr, 0, AF_INET, &host);
  if (st == ARES_ENODATA) return out;
  if (st != ARES_SUCCESS) return temporary(rname, st);
  if (host->h_name) out.emplace_back(host->h_name);
  for (char** alias = host->h_aliases; alias && *alias; ++alias) out.emplace_back(*alias);
  ares_free_hostent(host);
  return out;
}

}  // namespace

// The six lookups over one source of raw answers: query() (the cache, then
// the network), or with `missed` the cache alone — a query it does not
// hold (or holds no longer) then fails at once and sets *missed, and what
// it holds reads as query() would give it.
class CaresResolver::Lookups final : public Resolver {
 public:
  Lookups(CaresResolver& resolver, bool* missed) : m_resolver(resolver), m_missed(missed) {}

  Result<std::vector<IpAddress>> a(std::string_view name) override { return lookup<parse_a>(name, ns_t_a); }
  Result<std::vector<IpAddress>> aaaa(std::string_view name) override { return lookup<parse_aaaa>(name, ns_t_aaaa); }
  Result<std::vector<MxRecord>> mx(std::string_view name) override { return lookup<parse_mx>(name, ns_t_mx); }
  Result<std::vector<SrvRecord>> srv(std::string_view name) override { return lookup<parse_srv>(name, ns_t_srv); }
  Result<std::vector<std::string>> txt(std::string_view name) override { return lookup<parse_txt>(name, ns_t_txt); }
  Result<std::vector<std::string>> ptr(const IpAddress& ip) override {
    return lookup<parse_ptr>(ip.reverse_name(), ns_t_ptr);
  }

 private:
  // One query's answer, read into records by Parse.
  template <auto Parse>
  auto lookup(std::string_view name, int type) -> decltype(Parse(name, {})) {
    auto answer = TRY(answer_of(name, type));
    return Parse(name, answer);
  }

  Result<std::vector<unsigned char>> answer_of(std::string_view name, int type) {
    if (!m_missed) return m_resolver.query(name, type);
    auto n = query_name(name);
    if (auto hit = m_resolver.m_cache->find(cache_key(n, type))) return outcome(n, hit->status, std::move(hit->answer));
    *m_missed = true;
    return fail(ErrorKind::temporary, "DNS answer not at hand", n);
  }

  CaresResolver& m_resolver;
  bool* m_missed;  // null: the network too
};

Result<std::vector<IpAddress>> CaresResolver::a(std::string_view name) { return Lookups(*this, nullptr).a(name); }
Result<std::vector<IpAddress>> CaresResolver::aaaa(std::string_view name) { return Lookups(*this, nullptr).aaaa(name); }
Result<std::vector<MxRecord>> CaresResolver::mx(std::string_view name) { return Lookups(*this, nullptr).mx(name); }
Result<std::vector<SrvRecord>> CaresResolver::srv(std::string_view name) { return Lookups(*this, nullptr).srv(name); }
Result<std::vector<std::string>> CaresResolver::txt(std::string_view name) { return Lookups(*this, nullptr).txt(name); }
Result<std::vector<std::string>> CaresResolver::ptr(const IpAddress& ip) { return Lookups(*this, nullptr).ptr(ip); }

std::unique_ptr<Resolver> CaresResolver::at_hand(bool& missed) {
  if (!m_cache) return nullptr;
  return std::make_unique<Lookups>(*this, &missed);
}

}  // namespace estafeta::dns
