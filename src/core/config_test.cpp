#include "core/config.hpp"

#include <gtest/gtest.h>

namespace estafeta {
namespace {

Result<Config> parse(std::string_view text) { return parse_config(text, "t.toml", "/etc/estafeta"); }

TEST(Config, DefaultsWhenEmpty) {
  auto c = parse("");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->data_dir, "/etc/estafeta/data");
  EXPECT_EQ(c->hostname, "localhost");
  EXPECT_EQ(c->log.level, "info");
  EXPECT_EQ(c->limits.max_message_size, 50u * 1024 * 1024);
  EXPECT_EQ(c->limits.max_connections_per_ip, 50u);
  EXPECT_EQ(c->limits.max_connections, 20000u);
  EXPECT_EQ(c->limits.login_timeout_seconds, 60u);
  EXPECT_EQ(c->limits.mx_command_deadline_seconds, 300u);
  EXPECT_EQ(c->limits.mx_data_deadline_seconds, 600u);
  EXPECT_EQ(c->limits.mx_data_min_rate, 16384u);
  EXPECT_EQ(c->limits.write_timeout_seconds, 60u);
  EXPECT_EQ(c->limits.write_min_rate, 1024u);
  EXPECT_EQ(c->dns.route_timeout_seconds, 30u);
  EXPECT_EQ(c->dns.max_route_lookups, 8u);
  EXPECT_EQ(c->limits.max_folders_per_address, 1000u);
  EXPECT_EQ(c->limits.imap_login_idle_seconds, 120u);
  EXPECT_EQ(c->limits.imap_idle_seconds, 1800u);
  EXPECT_EQ(c->limits.pop3_idle_seconds, 600u);
  EXPECT_EQ(c->limits.smtp_command_idle_seconds, 300u);
  EXPECT_EQ(c->limits.smtp_data_idle_seconds, 600u);
  EXPECT_EQ(c->limits.http_idle_seconds, 30u);
  EXPECT_EQ(c->limits.dns_tcp_idle_seconds, 10u);
  EXPECT_EQ(c->limits.tls_handshake_seconds, 10u);
  EXPECT_EQ(c->limits.http_max_header_bytes, 16384u);
  EXPECT_TRUE(c->listeners.empty());
  EXPECT_EQ(c->zones.nameservers, std::vector<std::string>{"localhost"});
  EXPECT_EQ(c->zones.hostmaster, "hostmaster@localhost");
  EXPECT_EQ(c->zones.spf_host, "spf.localhost");
  EXPECT_TRUE(c->zones.addresses.empty());
  EXPECT_EQ(c->zones.responses_per_second, 200u);
}

TEST(Config, Zones) {
  auto c = parse(R"(
hostname = "Mail.Example.com"
[zones]
nameservers = ["NS1.example.net", "ns2.example.net"]
hostmaster = "dns@example.net"
spf_host = "_spf.example.net"
addresses = ["192.0.2.25", "2001:db8::25"]
responses_per_second = 0
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->zones.nameservers, (std::vector<std::string>{"ns1.example.net", "ns2.example.net"}));
  EXPECT_EQ(c->zones.hostmaster, "dns@example.net");
  EXPECT_EQ(c->zones.spf_host, "_spf.example.net");
  EXPECT_EQ(c->zones.addresses, (std::vector<std::string>{"192.0.2.25", "2001:db8::25"}));
  EXPECT_EQ(c->zones.responses_per_second, 0u);
  auto d = parse("hostname = \"Mail.Example.com\"");
  EXPECT_EQ(d->zones.nameservers, std::vector<std::string>{"mail.example.com"});
  EXPECT_EQ(d->zones.spf_host, "spf.mail.example.com");
}

TEST(Config, TrustedProxies) {
  auto c = parse(R"(
[web]
trusted_proxies = ["127.0.0.1", "10.0.0.0/8", "FD00::/8", "::1/128", "192.0.2.1/0"]
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->web.trusted_proxies,
            (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8", "fd00::/8", "::1/128", "192.0.2.1/0"}));
  EXPECT_TRUE(parse("")->web.trusted_proxies.empty()) << "nothing is trusted unless configured";
  EXPECT_EQ(parse("")->web.forwarded_header, "x-forwarded-for");
  EXPECT_EQ(parse("[web]\nforwarded_header = \"Forwarded\"")->web.forwarded_header, "forwarded");
}

TEST(Config, FullFile) {
  auto c = parse(R"(
data_dir = "/var/lib/estafeta"
hostname = "mail.example.com"
threads = 4
[tls]
cert = "tls/c.pem"
key = "/k.pem"
[log]
level = "debug"
format = "json"
[limits]
max_message_size = 1048576
max_connections_per_ip = 7
max_connections = 900
login_timeout_seconds = 5
mx_command_deadline_seconds = 3
mx_data_deadline_seconds = 4
mx_data_min_rate = 1000
write_timeout_seconds = 2
write_min_rate = 10
max_folders_per_address = 200
imap_login_idle_seconds = 30
imap_idle_seconds = 3600
pop3_idle_seconds = 900
smtp_command_idle_seconds = 600
smtp_data_idle_seconds = 300
http_idle_seconds = 5
dns_tcp_idle_seconds = 3
tls_handshake_seconds = 4
http_max_header_bytes = 8192
[dns]
servers = ["127.0.0.1:5353", "192.0.2.53"]
spf_timeout_seconds = 5
route_timeout_seconds = 7
max_route_lookups = 2
max_spf_checks_per_ip = 3
[queue]
max_age_hours = 48
delay_warning_seconds = 0
[[route]]
domain = "Far.Example"
host = "127.0.0.1"
port = 2526
[[listener]]
protocol = "imaps"
address = "0.0.0.0:993"
[[listener]]
protocol = "imap"
address = "127.0.0.1:1143"
plaintext_auth = true
[[listener]]
protocol = "smtp"
address = "[::1]:25"
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->data_dir, "/var/lib/estafeta");
  EXPECT_EQ(c->hostname, "mail.example.com");
  EXPECT_EQ(c->threads, 4u);
  EXPECT_EQ(c->tls.cert, "/etc/estafeta/tls/c.pem");
  EXPECT_EQ(c->tls.key, "/k.pem");
  EXPECT_EQ(c->log.format, LogFormat::json);
  EXPECT_EQ(c->limits.max_message_size, 1048576u);
  EXPECT_EQ(c->limits.max_connections_per_ip, 7u);
  EXPECT_EQ(c->limits.max_connections, 900u);
  EXPECT_EQ(c->limits.login_timeout_seconds, 5u);
  EXPECT_EQ(c->limits.mx_command_deadline_seconds, 3u);
  EXPECT_EQ(c->limits.mx_data_deadline_seconds, 4u);
  EXPECT_EQ(c->limits.mx_data_min_rate, 1000u);
  EXPECT_EQ(c->limits.write_timeout_seconds, 2u);
  EXPECT_EQ(c->limits.write_min_rate, 10u);
  EXPECT_EQ(c->dns.route_timeout_seconds, 7u);
  EXPECT_EQ(c->dns.max_route_lookups, 2u);
  EXPECT_EQ(c->limits.max_folders_per_address, 200u);
  EXPECT_EQ(c->limits.imap_login_idle_seconds, 30u);
  EXPECT_EQ(c->limits.imap_idle_seconds, 3600u);
  EXPECT_EQ(c->limits.pop3_idle_seconds, 900u);
  EXPECT_EQ(c->limits.smtp_command_idle_seconds, 600u);
  EXPECT_EQ(c->limits.smtp_data_idle_seconds, 300u);
  EXPECT_EQ(c->limits.http_idle_seconds, 5u);
  EXPECT_EQ(c->limits.dns_tcp_idle_seconds, 3u);
  EXPECT_EQ(c->limits.tls_handshake_seconds, 4u);
  EXPECT_EQ(c->limits.http_max_header_bytes, 8192u);
  ASSERT_EQ(c->listeners.size(), 3u);
  EXPECT_EQ(c->listeners[0].protocol, Protocol::imaps);
  EXPECT_EQ(c->listeners[0].host, "0.0.0.0");
  EXPECT_EQ(c->listeners[0].port, 993);
  EXPECT_TRUE(c->listeners[1].plaintext_auth);
  EXPECT_EQ(c->listeners[2].host, "::1");
  EXPECT_EQ(c->listeners[2].port, 25);
  EXPECT_EQ(c->dns.servers, (std::vector<std::string>{"127.0.0.1:5353", "192.0.2.53"}));
  EXPECT_EQ(c->dns.spf_timeout_seconds, 5u);
  EXPECT_EQ(c->dns.max_spf_checks, 8u) << "the default";
  EXPECT_EQ(c->dns.max_spf_checks_per_ip, 3u);
  EXPECT_EQ(c->queue.max_age_hours, 48u);
  EXPECT_EQ(c->queue.first_retry_seconds, 60u);
  EXPECT_EQ(c->queue.delay_warning_seconds, 0u) << "0: never warn";
  ASSERT_EQ(c->routes.size(), 1u);
  EXPECT_EQ(c->routes[0].domain, "far.example");
  EXPECT_EQ(c->routes[0].port, 2526);
}

struct BadCase {
  const char* text;
  const char* expect;  // a piece of the message
};

class ConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, NamesTheKey) {
  auto c = parse(GetParam().text);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, ErrorKind::invalid);
  EXPECT_NE(c.error().message.find(GetParam().expect), std::string::npos) << c.error().message;
  EXPECT_EQ(c.error().message.find('\n'), std::string::npos) << "one line";
}

INSTANTIATE_TEST_SUITE_P(
    All, ConfigErrors,
    ::testing::Values(
        BadCase{"datadir = \"x\"", "t.toml:1: datadir: unknown key"},
        BadCase{"hostname = 5", "hostname: expected a string"},
        BadCase{"hostname = \"bad host\"", "hostname: expected a host name"},
        BadCase{"threads = -1", "threads: expected an integer from 0 to 256"},
        BadCase{"threads = \"two\"", "threads: expected an integer"},
        BadCase{"[tls]\ncert = \"a\"", "set both cert and key"}, BadCase{"[tls]\ncrt = \"a\"", "tls.crt: unknown key"},
        BadCase{"[log]\nlevel = \"loud\"", "log.level: expected one of"},
        BadCase{"[log]\nformat = \"xml\"", "log.format"},
        BadCase{"[limits]\nmax_message_size = 10", "limits.max_message_size"},
        BadCase{"[limits]\nmax_connections_per_ip = -5", "limits.max_connections_per_ip"},
        BadCase{"[limits]\nmax_connections = -1", "limits.max_connections"},
        BadCase{"[limits]\nlogin_timeout_seconds = 0",
                "limits.login_timeout_seconds: expected an integer from 1 to 3600"},
        BadCase{"[limits]\nmx_command_deadline_seconds = 0",
                "limits.mx_command_deadline_seconds: expected an integer from 1 to 3600"},
        BadCase{"[limits]\nmx_data_deadline_seconds = \"10m\"", "limits.mx_data_deadline_seconds: expected an integer"},
        BadCase{"[limits]\nmx_data_min_rate = 0", "limits.mx_data_min_rate"},
        BadCase{"[limits]\nwrite_timeout_seconds = 3601", "limits.write_timeout_seconds"},
        BadCase{"[limits]\nwrite_min_rate = -1", "limits.write_min_rate"},
        BadCase{"[limits]\nwrite_timeout = 5", "limits.write_timeout: unknown key"},
        BadCase{"[dns]\nroute_timeout_seconds = 0", "dns.route_timeout_seconds: expected an integer from 1 to 300"},
        BadCase{"[dns]\nmax_route_lookups = 0", "dns.max_route_lookups"},
        BadCase{"[limits]\nmax_folders_per_address = 0", "limits.max_folders_per_address"},
        // The RFCs' minimum idle times (RFC 9051 §5.4, RFC 1939 §3, RFC 5321 §4.5.3.2).
        BadCase{"[limits]\nimap_idle_seconds = 1799", "limits.imap_idle_seconds: expected an integer from 1800"},
        BadCase{"[limits]\npop3_idle_seconds = 599", "limits.pop3_idle_seconds"},
        BadCase{"[limits]\nsmtp_command_idle_seconds = 60", "limits.smtp_command_idle_seconds"},
        BadCase{"[limits]\nsmtp_data_idle_seconds = 179", "limits.smtp_data_idle_seconds"},
        BadCase{"[limits]\nhttp_max_header_bytes = 100", "limits.http_max_header_bytes"},
        BadCase{"[limits]\ntls_handshake_seconds = 0", "limits.tls_handshake_seconds"},
        BadCase{"tls = 3", "tls: expected a table"}, BadCase{"listener = 3", "listener: expected an array of tables"},
        BadCase{"[[listener]]\naddress = \"127.0.0.1:1\"", "listener[0].protocol: missing"},
        BadCase{"[[listener]]\nprotocol = \"imap4\"\naddress = \"127.0.0.1:1\"", "unknown protocol 'imap4'"},
        BadCase{"[[listener]]\nprotocol = \"imap\"", "listener[0].address: missing"},
        BadCase{"[[listener]]\nprotocol = \"imap\"\naddress = \"localhost:143\"", "not a numeric IP address"},
        BadCase{"[[listener]]\nprotocol = \"imap\"\naddress = \"127.0.0.1:99999\"", "not a port number"},
        BadCase{"[[listener]]\nprotocol = \"imap\"\naddress = \"127.0.0.1\"", "expected \"host:port\""},
        BadCase{"[[listener]]\nprotocol = \"imap\"\naddress = \"10.0.0.1:143\"\nplaintext_auth = true",
                "only allowed on a loopback address"},
        BadCase{"[[listener]]\nprotocol = \"imap\"\naddress = \"127.0.0.1:143\"\nport = 1",
                "listener[0].port: unknown key"},
        BadCase{"[[listener]]\nprotocol = \"imap\"\naddress = \"127.0.0.1:143\"\n"
                "[[listener]]\nprotocol = \"pop3\"\naddress = \"127.0.0.1:143\"",
                "already used by another listener"},
        BadCase{"[dns]\nservers = \"1.2.3.4\"", "dns.servers: expected a list"},
        BadCase{"[dns]\nspf_timeout_seconds = 30", "dns.spf_timeout_seconds: expected an integer from 1 to 20"},
        BadCase{"[dns]\nmax_spf_checks = 0", "dns.max_spf_checks"},
        BadCase{"[dns]\nmax_spf_checks_per_ip = 0", "dns.max_spf_checks_per_ip"},
        BadCase{"[[route]]\ndomain = \"a.example\"\nhost = \"mx.a.example\"", "route[0].host: expected a numeric IP"},
        BadCase{"[[route]]\nhost = \"127.0.0.1\"", "route[0].domain: missing"},
        BadCase{"[queue]\nmax_age_hours = 0", "queue.max_age_hours"},
        BadCase{"[queue]\ndelay_warning_seconds = -5", "queue.delay_warning_seconds"},
        BadCase{"[zones]\nnameservers = \"ns1.example.com\"", "zones.nameservers: expected a list"},
        BadCase{"[zones]\nnameservers = [\"ns 1\"]", "zones.nameservers: expected host names"},
        BadCase{"[zones]\naddresses = [\"mail.example.com\"]", "zones.addresses: expected numeric IP addresses"},
        BadCase{"[zones]\nhostmaster = \"nobody\"", "zones.hostmaster: expected an address"},
        BadCase{"[zones]\nspf_host = \"spf example\"", "zones.spf_host: expected a host name"},
        BadCase{"[zones]\nserial = 1", "zones.serial: unknown key"},
        BadCase{"[web]\ntrusted_proxies = \"127.0.0.1\"", "web.trusted_proxies: expected a list"},
        BadCase{"[web]\ntrusted_proxies = [\"proxy.example\"]", "web.trusted_proxies: expected numeric addresses"},
        BadCase{"[web]\ntrusted_proxies = [\"10.0.0.0/33\"]", "web.trusted_proxies: expected numeric"},
        BadCase{"[web]\ntrusted_proxies = [\"fd00::/129\"]", "web.trusted_proxies: expected numeric"},
        BadCase{"[web]\ntrusted_proxies = [\"10.0.0.0/\"]", "web.trusted_proxies: expected numeric"},
        BadCase{"[web]\nproxies = []", "web.proxies: unknown key"},
        BadCase{"[web]\nforwarded_header = \"x-real-ip\"", "web.forwarded_header: expected"},
        BadCase{"hostname = \"x\nfoo", "t.toml:1"}));

TEST(Config, ListenAddress) {
  auto v6 = parse_listen_address("[2001:db8::1]:587");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->port, 587);
  EXPECT_FALSE(parse_listen_address("[::1]587"));
  EXPECT_FALSE(parse_listen_address("::1:25"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:0"));
  EXPECT_FALSE(parse_listen_address("127.0.0.1:25x"));
}

TEST(Config, MissingFile) {
  auto c = load_config("/nonexistent/estafeta.toml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("/nonexistent/estafeta.toml"), std::string::npos);
}

TEST(Config, ProtocolNames) {
  EXPECT_STREQ(to_string(Protocol::submissions), "submissions");
  EXPECT_TRUE(implicit_tls(Protocol::imaps));
  EXPECT_TRUE(implicit_tls(Protocol::submissions));
  EXPECT_FALSE(implicit_tls(Protocol::submission));
  EXPECT_FALSE(implicit_tls(Protocol::imap));
}

}  // namespace
}  // namespace estafeta
