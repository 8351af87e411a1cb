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

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  out += '"';
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v)
    if (c <= 0x20 || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  return false;
}

}  // namespace

void setup(const LogConfig& config) {
  auto logger = spdlog::stderr_logger_mt("estafeta");
  logger->set_pattern(config.format == LogFormat::json ? "%v" : "%Y-%m-%dT%H:%M:%S.%eZ %l %v",
                      spdlog::pattern_time_type::utc);
  static const std::pair<const char*, Level> names[] = {
      {"trace", Level::trace}, {"debug", Level::debug}, {"info", Level::info},
      {"warn", Level::warn}, {"error", Level::error}};
  for (auto& [n, l] : names)
    if (config.level == n) logger->set_level(to_spd(l));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  g_json = config.format == LogFormat::json;
}

std::string format_text(std::string_view event, Fields fields) {
  std::string out = fmt::format("event={}", event);
  for (auto& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    if (needs_quotes(f.value)) {
      out += '"';
      for (char c : f.value) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') { out += "\\n"; continue; }
        if (c == '\r') { out += "\\r"; continue; }
        out += c;
      }
      out += '"';
    } else {
      out += f.value;
    }
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
    logger->log(to_spd(level), fmt::format("{{\"time\":\"{:%Y-%m-%dT%H:%M:%S}.{:03}Z\",{}", fmt::gmtime(std::chrono::system_clock::to_time_t(now)), ms, body.substr(1)));
  }
  else logger->log(to_spd(level), format_text(event, fields));
}

}  // namespace estafeta::log
