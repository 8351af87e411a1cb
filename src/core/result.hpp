// Errors as values: the small closed set of error kinds every module speaks.
//
// An Error carries a message that is safe to show a client and a detail for
// the log only. Each protocol maps the kind once (IMAP NO codes, SMTP reply
// codes, HTTP statuses, CLI exit codes). Exceptions are for bugs only.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace estafeta {

enum class ErrorKind {
  not_found,   // the thing named does not exist (or is not visible to the caller)
  exists,      // creating something that is already there
  permission,  // the caller may not do this
  over_quota,  // a quota would be exceeded
  temporary,   // try again later (busy, I/O hiccup)
  throttled,   // this client failed too often: it must wait before trying again
  in_use,      // locked or held by someone else
  limit,       // a hard limit was hit (size, count, length)
  invalid,     // the input is malformed or violates a rule
  internal,    // a fault on our side; the detail says what
};

const char* to_string(ErrorKind kind);

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;  // safe to show to the client
  std::string detail;   // for the log only; may be empty
  std::string field;    // the input field at fault, when one is (API errors name it)
};

template <class T>
using Result = std::expected<T, Error>;
using Status = Result<void>;

inline std::unexpected<Error> fail(ErrorKind kind, std::string message, std::string detail = {},
                                   std::string field = {}) {
  return std::unexpected(Error{kind, std::move(message), std::move(detail), std::move(field)});
}

namespace detail {
template <class T>
T take(Result<T>& r) {
  return std::move(*r);
}
inline void take(Status&) {}
}  // namespace detail

}  // namespace estafeta

// TRY(expr): evaluate a Result; on error return it from the enclosing
// function, otherwise yield the value (nothing for Status).
#define TRY(expr)                                                             \
  ({                                                                          \
    auto try_result_ = (expr);                                                \
    if (!try_result_) return std::unexpected(std::move(try_result_.error())); \
    ::estafeta::detail::take(try_result_);                                    \
  })
