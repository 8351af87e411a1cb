// Server-side TLS on a non-blocking socket, with OpenSSL reading and writing
// the socket itself (SSL_set_fd). No Asio here: each call does what it can
// without blocking and says what it waits for; net::Connection waits for the
// socket and calls again.
//
// Why not asio::ssl::stream: it keeps two 17 KiB buffers per connection for
// its whole life, and its memory BIO pair two more — about 70 KiB for every
// idle TLS client. Here OpenSSL owns the socket and, with
// SSL_MODE_RELEASE_BUFFERS, frees its record buffers while the connection
// is idle: what stays is the SSL object (a few KiB).
#pragma once

#include <cstddef>
#include <string_view>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace estafeta::net {

class TlsSession {
 public:
  enum class Status {
    done,        // the step finished (or `n` bytes moved)
    want_read,   // call again once the socket is readable
    want_write,  // call again once the socket is writable
    closed,      // the peer closed the TLS session (close_notify) or the socket
    failed,      // protocol error, bad handshake, reset
  };
  struct Io {
    Status status;
    std::size_t n = 0;  // bytes read or written when done
  };

  // The socket must be non-blocking and outlive the session.
  TlsSession(SSL_CTX* context, int fd);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  bool valid() const { return m_ssl != nullptr; }
  Status handshake();
  Io read(char* buffer, std::size_t size);
  Io write(std::string_view bytes);  // may write part: call again with the rest
  // Decrypted bytes, or received bytes not yet decrypted, held inside the
  // session: a read may return data without the socket becoming readable.
  bool has_pending() const;
  Status shutdown();  // sends close_notify (does not wait for the peer's)

  // Sets what every server context needs for these sessions.
  static void prepare_context(SSL_CTX* context);

 private:
  Status status_of(int ret) const;
  SSL* m_ssl;
};

}  // namespace estafeta::net
