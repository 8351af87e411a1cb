// The configuration: one TOML file, parsed once into typed structs.
//
// Every setting and its default lives here; nothing else reads the file.
// Parsing is strict: an unknown key, a wrong type or a bad value is an error
// that names the key (with its line) and what is expected — never a silent
// default for a misspelt key. `estafeta serve --config PATH` and every admin
// command read the same file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace estafeta {

// The names operators and scripts use in `[[listener]] protocol = "…"`.
enum class Protocol { imap, imaps, pop3, pop3s, smtp, submission, submissions, http, https, dns };

const char* to_string(Protocol protocol);
// True for the protocols whose listener starts TLS at once (993, 995, 465, 443).
bool implicit_tls(Protocol protocol);

struct ListenerConfig {
  Protocol protocol = Protocol::imap;
  std::string host;  // numeric IPv4 or IPv6 address to bind
  std::uint16_t port = 0;
  // Allow plaintext authentication before TLS. Only accepted for loopback
  // addresses (`plaintext_auth = true`), for tests and local tooling.
  bool plaintext_auth = false;
};

struct TlsConfig {
  // PEM files. Both empty: a self-signed certificate for `hostname` is made
  // on first start under `<data_dir>/tls/` and reused afterwards.
  std::filesystem::path cert;
  std::filesystem::path key;
};

enum class LogFormat { text, json };

struct LogConfig {
  std::string level = "info";          // trace, debug, info, warn, error
  LogFormat format = LogFormat::text;  // "text": key=value lines; "json": one object per line
};

struct LimitsConfig {
  std::uint64_t max_message_size = 50ull * 1024 * 1024;  // bytes, any way mail comes in
  // Connections at once from one address (an IPv6 /64 counts as one), over
  // every listener (IMAP, POP3, SMTP, HTTP); 0 = no limit. One over the
  // limit is refused before anything else (on TLS listeners: before the
  // handshake, closed at once).
  unsigned max_connections_per_ip = 50;
  // Connections at once over all listeners; past it new ones are closed at
  // once. 0 = no limit (then only file descriptors bound them). Past three
  // quarters of it the server is crowded: a client has 15 s to log in and
  // 5 s between HTTP requests or DNS queries (net/session.hpp, wait_for).
  unsigned max_connections = 20000;
  // From accept until a successful login (IMAP, POP3, SMTP submission and
  // submissions), however many bytes trickle in meanwhile: past it the
  // connection ends.
  unsigned login_timeout_seconds = 60;
  // The MX (port 25) has no login; each phase of its sessions has a
  // deadline instead that no trickle of bytes moves. Commands: from the
  // greeting, or the end of the previous message, until DATA or BDAT
  // (RFC 5321 §4.5.3.2 asks at least 5 minutes of each command; these 5
  // minutes are for all of them together).
  unsigned mx_command_deadline_seconds = 300;
  // Message data (DATA or every BDAT chunk of one message): it must all
  // arrive within this many seconds (RFC 5321 §4.5.3.2: 10 minutes), or
  // within one second per `mx_data_min_rate` bytes received, whichever is
  // longer: a client sending at least that fast is never cut off.
  unsigned mx_data_deadline_seconds = 600;
  std::uint64_t mx_data_min_rate = 16384;  // bytes per second
  // Replies to slow readers (IMAP, POP3, SMTP, plain and TLS): a write is
  // cut off when the client takes none of it for this long, or when it
  // takes longer in all than this plus one second per `write_min_rate`
  // bytes taken (a client reading one byte a minute does not hold it).
  unsigned write_timeout_seconds = 60;
  std::uint64_t write_min_rate = 1024;  // bytes per second
  // Folders one address may have (IMAP CREATE, parents included, answers NO
  // [LIMIT] past it): every LIST and STATUS walks them all.
  unsigned max_folders_per_address = 1000;
  // Idle timeouts: a connection with nothing from the client for this long
  // ends. IMAP before login, and once logged in (RFC 9051 §5.4: at least
  // 30 minutes), IDLE included; POP3 (RFC 1939 §3: at least 10 minutes);
  // SMTP between commands (RFC 5321 §4.5.3.2.7: 5 minutes at least) and
  // within DATA (§4.5.3.2.5 and .6, taken together: at least 3 minutes).
  unsigned imap_login_idle_seconds = 120;
  unsigned imap_idle_seconds = 1800;
  unsigned pop3_idle_seconds = 600;
  unsigned smtp_command_idle_seconds = 300;
  unsigned smtp_data_idle_seconds = 600;
  unsigned http_idle_seconds = 30;      // per request, and between requests of a kept-alive connection
  unsigned dns_tcp_idle_seconds = 10;   // per query on a dns TCP connection (RFC 7766 §6.2.3)
  unsigned tls_handshake_seconds = 10;  // implicit TLS and STARTTLS: a few round trips
  // HTTP request line and header fields together (past it: 431, RFC 6585 §5).
  unsigned http_max_header_bytes = 16384;
};

struct DnsConfig {
  std::vector<std::string> servers;  // "host" or "host:port"; empty: /etc/resolv.conf
  // SPF checks of inbound mail (RFC 7208) run on threads of their own
  // (dns/spf_runner.hpp). A check gets this long, waiting included; then
  // its verdict is temperror (RFC 7208 §4.6.4 allows at most 20 s).
  unsigned spf_timeout_seconds = 10;
  unsigned max_spf_checks = 8;         // checks running at once, all clients together
  unsigned max_spf_checks_per_ip = 2;  // of which from one client (IPv6: one /64); its others wait
  // The outbound queue's MX and address lookups (RFC 5321 §5.1) run on
  // threads of their own too (dns/lookup_runner.hpp), one domain at a
  // time each. A domain's lookups get this long, waiting included; then
  // its recipients are deferred (a temporary failure, retried later).
  unsigned route_timeout_seconds = 30;
  unsigned max_route_lookups = 8;  // domains looked up at once
};

// A static route, like a transport map entry: mail for `domain` goes to
// host:port instead of the domain's MX (tests, smart hosts, internal relays).
struct RouteConfig {
  std::string domain;  // lower case; "*" for every domain without a route of its own
  std::string host;    // a numeric IP address
  std::uint16_t port = 25;
};

struct QueueConfig {
  unsigned max_age_hours = 120;               // temporary failures are retried this long (5 days), then bounced
  unsigned first_retry_seconds = 60;          // the first retry; each later one waits twice as long, at most an hour
  unsigned delay_warning_seconds = 4 * 3600;  // still not delivered after this long: tell the sender once (0: never)
};

// The DNS zones this server serves for its domains (DESIGN §2.4) and what
// a new zone starts with. Empty values take the defaults derived from
// `hostname`, filled in by parse_config.
struct ZonesConfig {
  // The name servers of every zone (its NS records; the first is the SOA's
  // MNAME). Default: [hostname].
  std::vector<std::string> nameservers;
  // The zones' contact (the SOA's RNAME, RFC 1035 §3.3.13). Default:
  // "hostmaster@<hostname>". The local part is one label: no dot.
  std::string hostmaster;
  // The name whose SPF record lists this server's addresses; every domain's
  // SPF includes it (`v=spf1 include:<spf_host> -all`). Default:
  // "spf.<hostname>".
  std::string spf_host;
  // The public addresses of this server (numeric IPv4/IPv6): the SPF host's
  // record and the A/AAAA of `hostname` when a served zone holds those names.
  std::vector<std::string> addresses;
  // Answers per second the `dns` listener sends to one source (an IPv4 /24
  // or IPv6 /56, RFC-less but the usual response-rate-limiting unit): past
  // it UDP queries are dropped, so that forged sources cannot use the
  // server to flood a victim. 0 = no limit.
  unsigned responses_per_second = 200;
};

// The HTTP listeners behind a reverse proxy.
struct WebConfig {
  // The proxies whose forwarding fields are believed (numeric addresses or
  // networks, "10.0.0.0/8", "::1"): a request from one of them is taken to
  // come from the client its X-Forwarded-For (or RFC 7239 Forwarded) names,
  // over the scheme its X-Forwarded-Proto names — for the login throttle,
  // the activity log, the session cookie's Secure and /metrics. Empty (the
  // default): every peer is the client, and those fields are ignored.
  std::vector<std::string> trusted_proxies;
  // The one field those proxies write: "x-forwarded-for" (with
  // X-Forwarded-Proto; nginx, HAProxy, Caddy) or "forwarded" (RFC 7239).
  // The other is the client's own and never read: a proxy passes through
  // what it does not set itself.
  std::string forwarded_header = "x-forwarded-for";
};

struct Config {
  std::filesystem::path data_dir = "data";  // relative paths are relative to the config file
  std::string hostname = "localhost";       // the name in greetings, Received: and the certificate
  unsigned threads = 0;                     // io threads; 0 = one per core
  TlsConfig tls;
  LogConfig log;
  LimitsConfig limits;
  std::vector<ListenerConfig> listeners;
  DnsConfig dns;
  std::vector<RouteConfig> routes;
  QueueConfig queue;
  ZonesConfig zones;
  WebConfig web;

  std::filesystem::path source;  // the file this came from (for messages)
};

// Parses TOML text; `source_name` prefixes error messages ("estafeta.toml:3: …").
// Relative paths are resolved against `base_dir`.
Result<Config> parse_config(std::string_view text, std::string_view source_name, const std::filesystem::path& base_dir);

// Reads and parses a config file.
Result<Config> load_config(const std::filesystem::path& path);

// Parses "host:port" / "[v6]:port"; the host must be a numeric address.
Result<ListenerConfig> parse_listen_address(std::string_view text);

}  // namespace estafeta
