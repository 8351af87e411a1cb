#include "dns/spf_runner.hpp"

#include <algorithm>
#include <array>
#include <memory>

namespace estafeta::dns {

std::string spf_client_key(std::string_view ip) {
  auto parsed = IpAddress::parse(ip);
  if (!parsed) return std::string(ip);
  auto a = parsed->unmapped();
  if (a.is_v4()) return a.to_string();
  std::array<std::uint8_t, 16> net{};
  std::copy_n(a.bytes().begin(), 8, net.begin());
  return IpAddress::v6(net).to_string() + "/64";
}

SpfRunner::SpfRunner(Resolver& resolver, SpfRunnerOptions options)
    : m_options(options),
      m_runner(resolver,
               LookupRunnerOptions{options.threads, options.per_client, options.max_waiting, options.timeout}) {}

bool SpfRunner::submit(SpfJob job, Done done) {
  auto key = spf_client_key(job.client_ip);
  // std::function needs a copyable callable: the job and its callback are shared.
  auto shared = std::make_shared<std::pair<SpfJob, Done>>(std::move(job), std::move(done));
  return m_runner.submit(std::move(key), [shared](Resolver* resolver) {
    auto& [job, done] = *shared;
    if (!resolver) {
      done(std::nullopt);
      return;
    }
    SpfResult result;
    try {
      result = check_mail_from(*resolver, job.client_ip, job.mail_from, job.helo, job.options);
    } catch (const std::exception&) {  // out of memory: no verdict, as for a DNS failure
      result.code = SpfResult::temperror;
      result.problem = "internal error";
    }
    done(std::move(result));
  });
}

}  // namespace estafeta::dns
