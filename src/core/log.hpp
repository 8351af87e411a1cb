// Structured logs: one line per event, `event=name key=value …` or JSON.
//
//   log::info("imap.login", {{"address", addr}, {"device", label}, {"ip", ip}});
//
// Values are quoted when they hold spaces, quotes or anything escaped. No
// value reaches the sink with a raw control character or invalid UTF-8 (a
// LOGIN name with ESC must not drive the terminal that shows the log): text
// escapes C0, DEL, C1 and U+2028/9 (\n \r \t, \xNN, \u0085) and each bad
// byte as \xNN; JSON escapes the same as \uNNNN and writes U+FFFD for each
// bad byte (RFC 8259 §7, §8.1). The sink is spdlog,
// configured once at start (`log::setup`); until then lines go to stderr.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/config.hpp"

namespace estafeta::log {

enum class Level { trace, debug, info, warn, error };

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <class N>
  requires std::is_arithmetic_v<N> Field(std::string_view k, N v) : key(k), value(std::to_string(v)) {}
};

using Fields = std::initializer_list<Field>;

void setup(const LogConfig& config);
void write(Level level, std::string_view event, Fields fields);

// The line as written in text format (for tests and for the CLI).
std::string format_text(std::string_view event, Fields fields);
std::string format_json(Level level, std::string_view event, Fields fields);

inline void trace(std::string_view e, Fields f = {}) { write(Level::trace, e, f); }
inline void debug(std::string_view e, Fields f = {}) { write(Level::debug, e, f); }
inline void info(std::string_view e, Fields f = {}) { write(Level::info, e, f); }
inline void warn(std::string_view e, Fields f = {}) { write(Level::warn, e, f); }
inline void error(std::string_view e, Fields f = {}) { write(Level::error, e, f); }

}  // namespace estafeta::log
