#include "net/tls_session.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace estafeta::net {

void TlsSession::prepare_context(SSL_CTX* context) {
  // Record buffers only while a record is in flight; writes may complete in
  // parts and be retried from a different address (the caller's string).
  SSL_CTX_set_mode(context,
                   SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

TlsSession::TlsSession(SSL_CTX* context, int fd) : m_ssl(SSL_new(context)) {
  if (!m_ssl) return;
  if (SSL_set_fd(m_ssl, fd) != 1) {
    SSL_free(m_ssl);
    m_ssl = nullptr;
    return;
  }
  SSL_set_accept_state(m_ssl);
}

TlsSession::~TlsSession() {
  if (m_ssl) SSL_free(m_ssl);
}

TlsSession::Status TlsSession::status_of(int ret) const {
  switch (SSL_get_error(m_ssl, ret)) {
    case SSL_ERROR_NONE: return Status::done;
    case SSL_ERROR_WANT_READ: return Status::want_read;
    case SSL_ERROR_WANT_WRITE: return Status::want_write;
    case SSL_ERROR_ZERO_RETURN: return Status::closed;
    default:
      // SSL_ERROR_SYSCALL (reset, or EOF without close_notify) and
      // SSL_ERROR_SSL: the session cannot go on. Clear this thread's queue
      // so the error is not reported again for another connection.
      ERR_clear_error();
      return Status::failed;
  }
}

TlsSession::Status TlsSession::handshake() {
  if (!m_ssl) return Status::failed;
  ERR_clear_error();
  int ret = SSL_do_handshake(m_ssl);
  return ret == 1 ? Status::done : status_of(ret);
}

TlsSession::Io TlsSession::read(char* buffer, std::size_t size) {
  if (!m_ssl) return {Status::failed};
  ERR_clear_error();
  std::size_t n = 0;
  int ret = SSL_read_ex(m_ssl, buffer, size, &n);
  if (ret == 1) return {Status::done, n};
  return {status_of(ret)};
}

TlsSession::Io TlsSession::write(std::string_view bytes) {
  if (!m_ssl) return {Status::failed};
  if (bytes.empty()) return {Status::done, 0};
  ERR_clear_error();
  std::size_t n = 0;
  int ret = SSL_write_ex(m_ssl, bytes.data(), bytes.size(), &n);
  if (ret == 1) return {Status::done, n};
  return {status_of(ret)};
}

bool TlsSession::has_pending() const { return m_ssl && (SSL_pending(m_ssl) > 0 || SSL_has_pending(m_ssl) == 1); }

TlsSession::Status TlsSession::shutdown() {
  if (!m_ssl) return Status::failed;
  ERR_clear_error();
  int ret = SSL_shutdown(m_ssl);
  // 0: our close_notify is sent; we do not wait for the peer's (RFC 8446
  // §6.1 lets the closing side close the connection after sending it).
  return ret >= 0 ? Status::done : status_of(ret);
}

}  // namespace estafeta::net
