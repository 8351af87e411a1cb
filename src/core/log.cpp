#include "core/log.hpp"

#include <atomic>
#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace estafeta::log {

namespace {

std::atomic<bool> g_json{false};

spdlog::level::level_enum to_spd(Level l) {
  switch (l) {
    case Level::trace: return spdlog::level::trace;
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

const char* level_name(Level l) {
  switch (l) {
    case Level::trace: return "trace";
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

// The length of the well-formed UTF-8 sequence at the front of `s`
// (RFC 3629 §4: no overlong forms, no surrogates, nothing past U+10FFFF),
// or 0 when the first byte does not start one.
std::size_t utf8_length(std::string_view s) {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

// The code point of a well-formed sequence of `n` bytes.
char32_t code_point(std::string_view s, std::size_t n) {
  auto b = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[i])); };
  switch (n) {
    case 1: return b(0);
    case 2: return (b(0) & 0x1F) << 6 | (b(1) & 0x3F);
    case 3: return (b(0) & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    default: return (b(0) & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
  }
}

// Characters a log line must not carry raw: C0 controls, DEL and C1
// controls (ESC and CSI drive terminals that display the log), and the
// Unicode line and paragraph separators (new lines to some viewers).
bool must_escape(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029; }

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  while (!s.empty()) {
    auto n = utf8_length(s);
    if (n == 0) {
      out += "\\ufffd";  // JSON text must be UTF-8 (RFC 8259 §8.1): U+FFFD for each bad byte
      s.remove_prefix(1);
      continue;
    }
    auto cp = code_point(s, n);
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (must_escape(cp))
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
        else
          out.append(s.substr(0, n));
    }
    s.remove_prefix(n);
  }
  out += '"';
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  while (!v.empty()) {
    auto n = utf8_length(v);
    if (n == 0) return true;
    auto cp = code_point(v, n);
    if (cp <= 0x20 || cp == '"' || cp == '=' || cp == '\\' || must_escape(cp)) return true;
    v.remove_prefix(n);
  }
  return false;
}

// A quoted text-format value: quotes and backslashes escaped, \n \r \t,
// other controls as \xNN (C1 as \u0080…, separators as \u2028), and each
// byte that is not part of well-formed UTF-8 as \xNN.
void append_text_value(std::string& out, std::string_view s) {
  out += '"';
  while (!s.empty()) {
    auto n = utf8_length(s);
    if (n == 0) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(s[0]));
      s.remove_prefix(1);
      continue;
    }
    auto cp = code_point(s, n);
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp < 0x80 && must_escape(cp)) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
    } else if (must_escape(cp)) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
    } else {
      out.append(s.substr(0, n));
    }
    s.remove_prefix(n);
  }
  out += '"';
}

}  // namespace

void setup(const LogConfig& config) {
  auto logger = spdlog::stderr_logger_mt("estafeta");
  logger->set_pattern(config.format == LogFormat::json ? "%v" : "%Y-%m-%dT%H:%M:%S.%eZ %l %v",
                      spdlog::pattern_time_type::utc);
  static const std::pair<const char*, Level> names[] = {{"trace", Level::trace},
                                                        {"debug", Level::debug},
                                                        {"info", Level::info},
                                                        {"warn", Level::warn},
                                                        {"error", Level::error}};
  for (auto& [n, l] : names)
    if (config.level == n) logger->set_level(to_spd(l));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  g_json = config.format == LogFormat::json;
}

std::string format_text(std::string_view event, Fields fields) {
  std::string out = "event=";
  if (needs_quotes(event))
    append_text_value(out, event);
  else
    out += event;
  for (auto& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    if (needs_quotes(f.value))
      append_text_value(out, f.value);
    else
      out += f.value;
  }
  return out;
}

std::string format_json(Level level, std::string_view event, Fields fields) {
  std::string out = "{\"level\":";
  append_json_string(out, level_name(level));
  out += ",\"event\":";
  append_json_string(out, event);
  for (auto& f : fields) {
    out += ',';
    append_json_string(out, f.key);
    out += ':';
    append_json_string(out, f.value);
  }
  out += '}';
  return out;
}

void write(Level level, std::string_view event, Fields fields) {
  auto logger = spdlog::default_logger_raw();
  if (!logger->should_log(to_spd(level))) return;
  if (g_json) {
    // {"time":…, then the rest of the object.
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    auto body = format_json(level, event, fields);
    logger->log(to_spd(level), fmt::format("{{\"time\":\"{:%Y-%m-%dT%H:%M:%S}.{:03}Z\",{}",
                                           fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms, body.substr(1)));
  } else
    logger->log(to_spd(level), format_text(event, fields));
}

}  // namespace estafeta::log
