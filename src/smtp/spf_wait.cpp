#include "smtp/spf_wait.hpp"

#include "net/thread_wait.hpp"

namespace estafeta::smtp {

namespace asio = boost::asio;

asio::awaitable<std::optional<dns::SpfResult>> await_spf(dns::SpfRunner& runner, dns::SpfJob job) {
  using Verdict = std::optional<dns::SpfResult>;
  // A little past the runner's own deadline, which DNS lookups already
  // respect between queries.
  // Named, not temporaries in the co_await expression (g++ 12).
  std::chrono::steady_clock::duration timeout = runner.options().timeout + std::chrono::milliseconds(500);
  auto submit = [&runner, &job](std::function<void(Verdict)> deliver) {
    return runner.submit(std::move(job), std::move(deliver));
  };
  auto waited = co_await net::wait_for_thread<Verdict>(timeout, std::move(submit));
  using End = net::ThreadResult<Verdict>::End;
  if (waited.end == End::refused) co_return std::nullopt;
  if (waited.end == End::done) co_return std::move(*waited.value);
  dns::SpfResult late;
  late.code = dns::SpfResult::temperror;
  late.problem = "DNS lookups took too long";
  co_return late;
}

asio::awaitable<std::optional<MessageAuth>> await_message_auth(dns::LookupRunner& runner, std::string client,
                                                               MessageAuthJob job) {
  using Result = std::optional<MessageAuth>;
  std::chrono::steady_clock::duration timeout = runner.options().timeout + std::chrono::milliseconds(500);
  auto submit = [&runner, &client, &job](std::function<void(Result)> deliver) {
    return runner.submit(std::move(client),
                         [job = std::move(job), deliver = std::move(deliver)](dns::Resolver* resolver) {
                           if (!resolver) return deliver(std::nullopt);  // its time ran out before it started
                           deliver(authenticate_message(job, *resolver));
                         });
  };
  auto waited = co_await net::wait_for_thread<Result>(timeout, std::move(submit));
  if (waited.end == net::ThreadResult<Result>::End::done) co_return std::move(*waited.value);
  co_return std::nullopt;
}

}  // namespace estafeta::smtp
