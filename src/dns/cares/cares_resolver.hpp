// dns::Resolver over the network, with c-ares (1.18: ares_query and the
// ares_parse_* functions). Blocking: each lookup waits for its answer (at
// most `timeout` × `tries`) — call from the worker pool, never from an
// io_context thread. Thread-safe: a lookup takes a channel of its own from a
// pool (a channel is not thread-safe; making one reads resolv.conf and costs
// more than the lookup itself), and gives it back when done.
//
// The upstream servers are configurable ("127.0.0.1:5353"), so tests point
// the resolver at a local server; empty: the system's resolv.conf.
//
// With cache_entries > 0, answers are kept for their TTL (negative ones for
// their SOA's, failures a few seconds: answer_lifetime.hpp), so mail from
// one domain asks the upstream server once per TTL, not once per message.
// Lookups whose answer must be fresh (a domain's verification, the
// diagnostic) use a resolver without a cache. at_hand() answers from the
// cache alone, for callers that must not wait (a delivery on the worker
// pool: a sender seen within its records' TTLs).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dns/cares/answer_lifetime.hpp"
#include "dns/resolver.hpp"

struct ares_channeldata;  // c-ares' channel (ares.h stays out of this header)

namespace estafeta::dns {

struct CaresOptions {
  std::vector<std::string> servers;  // "host" or "host:port"; empty: /etc/resolv.conf
  std::chrono::milliseconds timeout{3000};
  int tries = 2;
  std::size_t cache_entries = 0;  // 0: no cache; when full, the oldest entries go first
  LifetimeLimits cache_limits;
};

class CaresResolver final : public Resolver {
 public:
  static Result<std::unique_ptr<CaresResolver>> create(CaresOptions options);
  ~CaresResolver() override;

  Result<std::vector<std::string>> txt(std::string_view name) override;
  Result<std::vector<IpAddress>> a(std::string_view name) override;
  Result<std::vector<IpAddress>> aaaa(std::string_view name) override;
  Result<std::vector<MxRecord>> mx(std::string_view name) override;
  Result<std::vector<std::string>> ptr(const IpAddress& ip) override;
  Result<std::vector<SrvRecord>> srv(std::string_view name) override;
  // The cache's live answers (null without a cache).
  std::unique_ptr<Resolver> at_hand(bool& missed) override;

 private:
  class Lookups;
  explicit CaresResolver(CaresOptions options);
  // The raw answer of one query; an empty buffer for NOERROR/NODATA.
  Result<std::vector<unsigned char>> query(std::string_view name, int type);

  using Channel = ::ares_channeldata*;
  Result<Channel> take_channel();
  void give_back(Channel channel);

  struct Cache;

  CaresOptions m_options;
  std::unique_ptr<Cache> m_cache;  // null without cache_entries
  std::string m_servers_csv;
  std::mutex m_pool_mutex;
  std::vector<Channel> m_pool;  // GUARDED_BY(m_pool_mutex): idle channels
};

}  // namespace estafeta::dns
