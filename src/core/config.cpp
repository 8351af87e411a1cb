// Strict TOML → Config. Each table lists its keys; anything else is an error.
#include "core/config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/ascii.hpp"

namespace estafeta {

namespace {

constexpr std::pair<Protocol, const char*> kProtocolNames[] = {
    {Protocol::imap, "imap"},
    {Protocol::imaps, "imaps"},
    {Protocol::pop3, "pop3"},
    {Protocol::pop3s, "pop3s"},
    {Protocol::smtp, "smtp"},
    {Protocol::submission, "submission"},
    {Protocol::submissions, "submissions"},
    {Protocol::http, "http"},
    {Protocol::https, "https"},
    {Protocol::dns, "dns"},
};

// Walks one parsed document, remembering where each error is.
class Reader {
 public:
  Reader(std::string_view source, std::filesystem::path base) : m_source(source), m_base(std::move(base)) {}

  std::unexpected<Error> error(const toml::node* node, std::string_view key, std::string_view what) {
    std::string where(m_source);
    if (node && node->source().begin.line) where += fmt::format(":{}", node->source().begin.line);
    return fail(ErrorKind::invalid, fmt::format("{}: {}: {}", where, key, what));
  }

  Status only_keys(const toml::table& table, std::string_view prefix, std::initializer_list<std::string_view> allowed) {
    for (auto&& [key, node] : table) {
      bool ok = false;
      for (auto a : allowed) ok = ok || a == key.str();
      if (!ok) {
        std::string list;
        for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        return error(&node, join(prefix, key.str()), fmt::format("unknown key (expected one of: {})", list));
      }
    }
    return {};
  }

  static std::string join(std::string_view prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : fmt::format("{}.{}", prefix, key);
  }

  Status read_string(const toml::table& t, std::string_view prefix, std::string_view key, std::string& out) {
    auto* node = t.get(key);
    if (!node) return {};
    auto* v = node->as_string();
    if (!v) return error(node, join(prefix, key), "expected a string");
    out = v->get();
    return {};
  }

  Status read_path(const toml::table& t, std::string_view prefix, std::string_view key, std::filesystem::path& out) {
    std::string s;
    if (!t.get(key)) return {};
    TRY(read_string(t, prefix, key, s));
    if (s.empty()) return error(t.get(key), join(prefix, key), "expected a non-empty path");
    std::filesystem::path p(s);
    out = p.is_absolute() ? p : (m_base / p).lexically_normal();
    return {};
  }

  Status read_bool(const toml::table& t, std::string_view prefix, std::string_view key, bool& out) {
    auto* node = t.get(key);
    if (!node) return {};
    auto* v = node->as_boolean();
    if (!v) return error(node, join(prefix, key), "expected true or false");
    out = v->get();
    return {};
  }

  template <class Int>
  Status read_uint(const toml::table& t, std::string_view prefix, std::string_view key, Int& out, std::int64_t min,
                   std::int64_t max) {
    auto* node = t.get(key);
    if (!node) return {};
    auto* v = node->as_integer();
    if (!v) return error(node, join(prefix, key), "expected an integer");
    if (v->get() < min || v->get() > max)
      return error(node, join(prefix, key), fmt::format("expected an integer from {} to {}", min, max));
    out = static_cast<Int>(v->get());
    return {};
  }

  const toml::table* table(const toml::table& t, std::string_view key, Status& status) {
    auto* node = t.get(key);
    if (!node) return nullptr;
    auto* tab = node->as_table();
    if (!tab) status = error(node, key, "expected a table");
    return tab;
  }

 private:
  std::string_view m_source;
  std::filesystem::path m_base;
};

// Two spellings of one numeric address ("::1" and "0:0:0:0:0:0:0:1") are the same.
bool same_address(const std::string& a, const std::string& b) {
  unsigned char x[16] = {}, y[16] = {};
  int fa = inet_pton(AF_INET, a.c_str(), x) == 1 ? AF_INET : inet_pton(AF_INET6, a.c_str(), x) == 1 ? AF_INET6 : 0;
  int fb = inet_pton(AF_INET, b.c_str(), y) == 1 ? AF_INET : inet_pton(AF_INET6, b.c_str(), y) == 1 ? AF_INET6 : 0;
  return fa == fb && std::memcmp(x, y, sizeof x) == 0;
}

// RFC 1123 host name: LDH labels of 1-63 characters, not starting or ending with '-'.
bool valid_hostname(const std::string& h) {
  if (h.empty() || h.size() > 253) return false;
  std::size_t start = 0;
  for (;;) {
    auto dot = h.find('.', start);
    auto label = std::string_view(h).substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool is_loopback(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return host == "::1";
}

Status read_listener(Reader& r, const toml::node& node, std::size_t index, Config& config) {
  auto prefix = fmt::format("listener[{}]", index);
  auto* t = node.as_table();
  if (!t) return r.error(&node, prefix, "expected a table ([[listener]])");
  TRY(r.only_keys(*t, prefix, {"protocol", "address", "plaintext_auth"}));

  auto* proto_node = t->get("protocol");
  if (!proto_node)
    return r.error(&node, prefix + ".protocol",
                   "missing (one of: imap, imaps, pop3, pop3s, smtp, submission, submissions, http, https, dns)");
  std::string proto;
  TRY(r.read_string(*t, prefix, "protocol", proto));
  const Protocol* found = nullptr;
  for (auto& [p, name] : kProtocolNames)
    if (proto == name) found = &p;
  if (!found)
    return r.error(proto_node, prefix + ".protocol",
                   fmt::format("unknown protocol '{}' (expected one of: imap, imaps, pop3, pop3s, smtp, submission, "
                               "submissions, http, https, dns)",
                               proto));

  auto* addr_node = t->get("address");
  if (!addr_node)
    return r.error(&node, prefix + ".address", "missing (expected \"host:port\", e.g. \"127.0.0.1:1143\")");
  std::string address;
  TRY(r.read_string(*t, prefix, "address", address));
  auto listener = parse_listen_address(address);
  if (!listener) return r.error(addr_node, prefix + ".address", listener.error().message);
  listener->protocol = *found;
  TRY(r.read_bool(*t, prefix, "plaintext_auth", listener->plaintext_auth));
  if (listener->plaintext_auth && !is_loopback(listener->host))
    return r.error(t->get("plaintext_auth"), prefix + ".plaintext_auth",
                   "only allowed on a loopback address (127.0.0.0/8 or ::1)");
  for (auto& other : config.listeners)
    if (same_address(other.host, listener->host) && other.port == listener->port)
      return r.error(addr_node, prefix + ".address", fmt::format("{} is already used by another listener", address));
  config.listeners.push_back(*listener);
  return {};
}

// A list of strings, each checked by `valid`; `what` describes one item.
Status read_string_list(Reader& r, const toml::table& t, std::string_view key, std::string_view name,
                        std::string_view what, bool (*valid)(const std::string&), std::vector<std::string>& out) {
  auto* node = t.get(key);
  if (!node) return {};
  auto* arr = node->as_array();
  if (!arr) return r.error(node, name, fmt::format("expected a list of {}", what));
  for (auto& item : *arr) {
    auto* v = item.as_string();
    if (!v || !valid(v->get())) return r.error(&item, name, fmt::format("expected {}", what));
    out.push_back(ascii_lower(v->get()));
  }
  return {};
}

bool valid_numeric_address(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// A numeric address, or one with a prefix length ("10.0.0.0/8", "fd00::/8").
bool valid_network(const std::string& text) {
  auto slash = text.find('/');
  auto host = text.substr(0, slash);
  unsigned char buf[16];
  int bits = inet_pton(AF_INET, host.c_str(), buf) == 1 ? 32 : inet_pton(AF_INET6, host.c_str(), buf) == 1 ? 128 : 0;
  if (bits == 0) return false;
  if (slash == std::string::npos) return true;
  auto digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3 || !std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  return std::stoi(digits) <= bits;
}

// The SOA's RNAME writes the local part as one DNS label (RFC 1035 §8):
// letters, digits, '-', '_' and '+' only, no dot.
bool valid_mailbox(const std::string& m) {
  auto at = m.find('@');
  if (at == std::string::npos || at == 0 || at > 63 || !valid_hostname(m.substr(at + 1))) return false;
  for (char c : m.substr(0, at))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '+') return false;
  return true;
}

Status read_zones(Reader& r, const toml::table& t, Config& config) {
  TRY(r.only_keys(t, "zones", {"nameservers", "hostmaster", "spf_host", "addresses", "responses_per_second"}));
  TRY(read_string_list(r, t, "nameservers", "zones.nameservers", "host names such as \"ns1.example.com\"",
                       valid_hostname, config.zones.nameservers));
  TRY(read_string_list(r, t, "addresses", "zones.addresses", "numeric IP addresses", valid_numeric_address,
                       config.zones.addresses));
  TRY(r.read_string(t, "zones", "hostmaster", config.zones.hostmaster));
  if (!config.zones.hostmaster.empty() && !valid_mailbox(config.zones.hostmaster))
    return r.error(t.get("hostmaster"), "zones.hostmaster", "expected an address such as \"hostmaster@example.com\"");
  TRY(r.read_string(t, "zones", "spf_host", config.zones.spf_host));
  // An SPF host may start with an underscore label ("_spf.example.com").
  if (!config.zones.spf_host.empty() &&
      !valid_hostname(config.zones.spf_host.starts_with('_') ? config.zones.spf_host.substr(1) : config.zones.spf_host))
    return r.error(t.get("spf_host"), "zones.spf_host", "expected a host name such as \"_spf.example.com\"");
  TRY(r.read_uint(t, "zones", "responses_per_second", config.zones.responses_per_second, 0, 1000000));
  return {};
}

void fill_zone_defaults(Config& config) {
  auto host = ascii_lower(config.hostname);
  if (config.zones.nameservers.empty()) config.zones.nameservers.push_back(host);
  if (config.zones.hostmaster.empty()) config.zones.hostmaster = "hostmaster@" + host;
  if (config.zones.spf_host.empty()) config.zones.spf_host = "spf." + host;
  config.zones.spf_host = ascii_lower(config.zones.spf_host);
}

Status read_document(Reader& r, const toml::table& root, Config& config) {
  TRY(r.only_keys(root, "",
                  {"data_dir", "hostname", "threads", "tls", "log", "limits", "listener", "dns", "route", "queue",
                   "zones", "web"}));
  TRY(r.read_path(root, "", "data_dir", config.data_dir));
  TRY(r.read_string(root, "", "hostname", config.hostname));
  if (!valid_hostname(config.hostname))
    return r.error(root.get("hostname"), "hostname", "expected a host name such as \"mail.example.com\"");
  TRY(r.read_uint(root, "", "threads", config.threads, 0, 256));

  Status status;
  if (auto* tls = r.table(root, "tls", status)) {
    TRY(r.only_keys(*tls, "tls", {"cert", "key"}));
    TRY(r.read_path(*tls, "tls", "cert", config.tls.cert));
    TRY(r.read_path(*tls, "tls", "key", config.tls.key));
    if (config.tls.cert.empty() != config.tls.key.empty())
      return r.error(tls, "tls", "set both cert and key, or neither (a self-signed pair is then generated)");
  }
  TRY(status);
  if (auto* log = r.table(root, "log", status)) {
    TRY(r.only_keys(*log, "log", {"level", "format"}));
    TRY(r.read_string(*log, "log", "level", config.log.level));
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error"};
    if (!levels.contains(config.log.level))
      return r.error(log->get("level"), "log.level", "expected one of: trace, debug, info, warn, error");
    std::string format = "text";
    TRY(r.read_string(*log, "log", "format", format));
    if (format == "text")
      config.log.format = LogFormat::text;
    else if (format == "json")
      config.log.format = LogFormat::json;
    else
      return r.error(log->get("format"), "log.format", "expected \"text\" or \"json\"");
  }
  TRY(status);
  if (auto* limits = r.table(root, "limits", status)) {
    TRY(r.only_keys(*limits, "limits",
                    {"max_message_size", "max_connections_per_ip", "max_connections", "login_timeout_seconds",
                     "mx_command_deadline_seconds", "mx_data_deadline_seconds", "mx_data_min_rate",
                     "write_timeout_seconds", "write_min_rate", "max_folders_per_address", "imap_login_idle_seconds",
                     "imap_idle_seconds", "pop3_idle_seconds", "smtp_command_idle_seconds", "smtp_data_idle_seconds",
                     "http_idle_seconds", "dns_tcp_idle_seconds", "tls_handshake_seconds", "http_max_header_bytes"}));
    TRY(r.read_uint(*limits, "limits", "max_connections_per_ip", config.limits.max_connections_per_ip, 0, 1000000));
    TRY(r.read_uint(*limits, "limits", "max_connections", config.limits.max_connections, 0, 10000000));
    TRY(r.read_uint(*limits, "limits", "login_timeout_seconds", config.limits.login_timeout_seconds, 1, 3600));
    TRY(r.read_uint(*limits, "limits", "mx_command_deadline_seconds", config.limits.mx_command_deadline_seconds, 1,
                    3600));
    TRY(r.read_uint(*limits, "limits", "mx_data_deadline_seconds", config.limits.mx_data_deadline_seconds, 1, 86400));
    TRY(r.read_uint(*limits, "limits", "mx_data_min_rate", config.limits.mx_data_min_rate, 1, std::int64_t{1} << 30));
    TRY(r.read_uint(*limits, "limits", "write_timeout_seconds", config.limits.write_timeout_seconds, 1, 3600));
    TRY(r.read_uint(*limits, "limits", "write_min_rate", config.limits.write_min_rate, 1, std::int64_t{1} << 30));
    TRY(r.read_uint(*limits, "limits", "max_folders_per_address", config.limits.max_folders_per_address, 10, 1000000));
    TRY(r.read_uint(*limits, "limits", "max_message_size", config.limits.max_message_size, 1024,
                    std::int64_t{4} * 1024 * 1024 * 1024));
    auto& l = config.limits;
    TRY(r.read_uint(*limits, "limits", "imap_login_idle_seconds", l.imap_login_idle_seconds, 10, 3600));
    TRY(r.read_uint(*limits, "limits", "imap_idle_seconds", l.imap_idle_seconds, 1800, 86400));  // RFC 9051 §5.4
    TRY(r.read_uint(*limits, "limits", "pop3_idle_seconds", l.pop3_idle_seconds, 600, 86400));   // RFC 1939 §3
    TRY(r.read_uint(*limits, "limits", "smtp_command_idle_seconds", l.smtp_command_idle_seconds, 300,
                    3600));  // RFC 5321 §4.5.3.2.7
    TRY(r.read_uint(*limits, "limits", "smtp_data_idle_seconds", l.smtp_data_idle_seconds, 180,
                    3600));  // RFC 5321 §4.5.3.2.5-6
    TRY(r.read_uint(*limits, "limits", "http_idle_seconds", l.http_idle_seconds, 1, 3600));
    TRY(r.read_uint(*limits, "limits", "dns_tcp_idle_seconds", l.dns_tcp_idle_seconds, 1, 120));
    TRY(r.read_uint(*limits, "limits", "tls_handshake_seconds", l.tls_handshake_seconds, 1, 120));
    TRY(r.read_uint(*limits, "limits", "http_max_header_bytes", l.http_max_header_bytes, 1024, 1024 * 1024));
  }
  TRY(status);
  if (auto* dns = r.table(root, "dns", status)) {
    TRY(r.only_keys(*dns, "dns",
                    {"servers", "spf_timeout_seconds", "max_spf_checks", "max_spf_checks_per_ip",
                     "route_timeout_seconds", "max_route_lookups"}));
    TRY(r.read_uint(*dns, "dns", "route_timeout_seconds", config.dns.route_timeout_seconds, 1, 300));
    TRY(r.read_uint(*dns, "dns", "max_route_lookups", config.dns.max_route_lookups, 1, 256));
    TRY(r.read_uint(*dns, "dns", "spf_timeout_seconds", config.dns.spf_timeout_seconds, 1, 20));
    TRY(r.read_uint(*dns, "dns", "max_spf_checks", config.dns.max_spf_checks, 1, 256));
    TRY(r.read_uint(*dns, "dns", "max_spf_checks_per_ip", config.dns.max_spf_checks_per_ip, 1, 256));
    if (auto* node = dns->get("servers")) {
      auto* arr = node->as_array();
      if (!arr) return r.error(node, "dns.servers", "expected a list of \"host\" or \"host:port\" strings");
      for (auto& item : *arr) {
        auto* v = item.as_string();
        if (!v || v->get().empty()) return r.error(&item, "dns.servers", "expected \"host\" or \"host:port\" strings");
        config.dns.servers.push_back(v->get());
      }
    }
  }
  TRY(status);
  if (auto* queue = r.table(root, "queue", status)) {
    TRY(r.only_keys(*queue, "queue", {"max_age_hours", "first_retry_seconds", "delay_warning_seconds"}));
    TRY(r.read_uint(*queue, "queue", "max_age_hours", config.queue.max_age_hours, 1, 24 * 30));
    TRY(r.read_uint(*queue, "queue", "first_retry_seconds", config.queue.first_retry_seconds, 1, 86400));
    TRY(r.read_uint(*queue, "queue", "delay_warning_seconds", config.queue.delay_warning_seconds, 0, 86400 * 30));
  }
  TRY(status);
  if (auto* zones = r.table(root, "zones", status)) TRY(read_zones(r, *zones, config));
  TRY(status);
  fill_zone_defaults(config);
  if (auto* web = r.table(root, "web", status)) {
    TRY(r.only_keys(*web, "web", {"trusted_proxies", "forwarded_header"}));
    TRY(r.read_string(*web, "web", "forwarded_header", config.web.forwarded_header));
    config.web.forwarded_header = ascii_lower(config.web.forwarded_header);
    if (config.web.forwarded_header != "x-forwarded-for" && config.web.forwarded_header != "forwarded")
      return r.error(web->get("forwarded_header"), "web.forwarded_header",
                     "expected \"x-forwarded-for\" or \"forwarded\"");
    TRY(read_string_list(r, *web, "trusted_proxies", "web.trusted_proxies",
                         "numeric addresses or networks such as \"127.0.0.1\" or \"10.0.0.0/8\"", valid_network,
                         config.web.trusted_proxies));
  }
  TRY(status);
  if (auto* node = root.get("route")) {
    auto* arr = node->as_array();
    if (!arr) return r.error(node, "route", "expected an array of tables ([[route]])");
    for (std::size_t i = 0; i < arr->size(); ++i) {
      auto prefix = fmt::format("route[{}]", i);
      auto* t = arr->get(i)->as_table();
      if (!t) return r.error(arr->get(i), prefix, "expected a table ([[route]])");
      TRY(r.only_keys(*t, prefix, {"domain", "host", "port"}));
      RouteConfig route;
      TRY(r.read_string(*t, prefix, "domain", route.domain));
      TRY(r.read_string(*t, prefix, "host", route.host));
      TRY(r.read_uint(*t, prefix, "port", route.port, 1, 65535));
      if (route.domain.empty()) return r.error(t, prefix + ".domain", "missing (a domain, or \"*\")");
      for (auto& ch : route.domain) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      unsigned char buf[16];
      if (inet_pton(AF_INET, route.host.c_str(), buf) != 1 && inet_pton(AF_INET6, route.host.c_str(), buf) != 1)
        return r.error(t->get("host") ? t->get("host") : t, prefix + ".host", "expected a numeric IP address");
      config.routes.push_back(route);
    }
  }
  if (auto* node = root.get("listener")) {
    auto* arr = node->as_array();
    if (!arr) return r.error(node, "listener", "expected an array of tables ([[listener]])");
    for (std::size_t i = 0; i < arr->size(); ++i) TRY(read_listener(r, *arr->get(i), i, config));
  }
  return {};
}

}  // namespace

const char* to_string(Protocol protocol) {
  for (auto& [p, name] : kProtocolNames)
    if (p == protocol) return name;
  return "?";
}

bool implicit_tls(Protocol p) {
  return p == Protocol::imaps || p == Protocol::pop3s || p == Protocol::submissions || p == Protocol::https;
}

Result<ListenerConfig> parse_listen_address(std::string_view text) {
  ListenerConfig out;
  std::string_view host, port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return fail(ErrorKind::invalid, "expected \"[v6-address]:port\"");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon)
      return fail(ErrorKind::invalid, "expected \"host:port\", e.g. \"127.0.0.1:1143\"");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  out.host = std::string(host);
  unsigned char buf[16];
  if (inet_pton(AF_INET, out.host.c_str(), buf) != 1 && inet_pton(AF_INET6, out.host.c_str(), buf) != 1)
    return fail(ErrorKind::invalid, fmt::format("'{}' is not a numeric IP address", host));
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
    return fail(ErrorKind::invalid, fmt::format("'{}' is not a port number (1-65535)", port));
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

Result<Config> parse_config(std::string_view text, std::string_view source_name,
                            const std::filesystem::path& base_dir) {
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return fail(ErrorKind::invalid, fmt::format("{}:{}: {}", source_name, e.source().begin.line, e.description()));
  }
  Config config;
  config.data_dir = (base_dir / config.data_dir).lexically_normal();
  Reader reader(source_name, base_dir);
  TRY(read_document(reader, root, config));
  return config;
}

Result<Config> load_config(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return fail(ErrorKind::invalid, fmt::format("{}: cannot read the config file: it is a folder", path.string()));
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorKind::not_found, fmt::format("{}: cannot read the config file", path.string()));
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto abs = std::filesystem::absolute(path);
  auto config = parse_config(buffer.str(), path.string(), abs.parent_path());
  if (config) config->source = abs;
  return config;
}

}  // namespace estafeta
